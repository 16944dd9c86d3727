;; A component resident (tests/resident_component_test.cc): two core
;; instances (the second imports the first's memory, as wit-component's
;; shims do), each with mutable globals; a tick that walks an xorshift
;; stream, writes it to memory and grows memory every 8th tick; a dynamic
;; tick with an argument and a result; handles the guest keeps of its own
;; resource and of a host resource; a tick that never ends.
(component
  (import "demo:resident/host" (instance $host
    (export "lamp" (type (sub resource)))
    (export "make-lamp" (func (result (own 0))))
  ))
  (alias export $host "lamp" (type $lamp))
  (alias export $host "make-lamp" (func $make-lamp))

  (core module $m
    (memory (export "memory") 1)
    (data (i32.const 16) "resident")
    (global $ticks (mut i32) (i32.const 0))
    (global $x (mut i64) (i64.const 88172645463325252))
    (func $tick
      (local $x i64)
      (global.set $ticks (i32.add (global.get $ticks) (i32.const 1)))
      (local.set $x (global.get $x))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
      (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
      (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
      (global.set $x (local.get $x))
      (if (i32.eqz (i32.and (global.get $ticks) (i32.const 7)))
        (then (drop (memory.grow (i32.const 1)))))
      ;; At an 8-aligned address the stream picks, past the first 256 bytes.
      (i64.store
        (i32.add (i32.const 256)
          (i32.and
            (i32.rem_u (i32.wrap_i64 (local.get $x))
              (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 264)))
            (i32.const -8)))
        (local.get $x))
      ;; A running sum at 0.
      (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (local.get $x))))
    (func (export "tick") (call $tick))
    ;; step(n) -> the stream's value after n more ticks.
    (func (export "step") (param $n i32) (result i64)
      (block $done
        (loop $more
          (br_if $done (i32.eqz (local.get $n)))
          (call $tick)
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $more)))
      (global.get $x))
    (func (export "spin") (loop $forever (br $forever)))
  )
  (core instance $m (instantiate $m))

  (type $token (resource (rep i32)))
  (export $token-exported "token" (type $token))
  (core func $token-new (canon resource.new $token))
  (core func $make-lamp-lowered (canon lower (func $make-lamp)))
  (core func $lamp-drop (canon resource.drop $lamp))
  (core instance $builtins
    (export "token-new" (func $token-new))
    (export "make-lamp" (func $make-lamp-lowered))
    (export "lamp-drop" (func $lamp-drop)))

  (core module $n
    (import "m" "memory" (memory 1))
    (import "host" "token-new" (func $new (param i32) (result i32)))
    (import "host" "make-lamp" (func $make-lamp (result i32)))
    (import "host" "lamp-drop" (func $lamp-drop (param i32)))
    (global $made (mut i32) (i32.const 0))
    ;; spawn() -> a new token handle the guest keeps; its rep counts them.
    (func (export "spawn") (result i32)
      (global.set $made (i32.add (global.get $made) (i32.const 1)))
      (i32.store (i32.const 8) (global.get $made))
      (call $new (i32.mul (global.get $made) (i32.const 100))))
    ;; keep-lamp(): a host lamp the guest keeps at 12.
    (func (export "keep-lamp") (i32.store (i32.const 12) (call $make-lamp)))
    (func (export "drop-lamp") (call $lamp-drop (i32.load (i32.const 12))))
  )
  (core instance $n
    (instantiate $n (with "m" (instance $m)) (with "host" (instance $builtins))))

  (alias core export $m "tick" (core func $tick))
  (func $tick-lifted (canon lift (core func $tick)))
  (export "tick" (func $tick-lifted))

  (alias core export $m "step" (core func $step))
  (func $step-lifted (param "n" u32) (result u64) (canon lift (core func $step)))
  (export "step" (func $step-lifted))

  (alias core export $m "spin" (core func $spin))
  (func $spin-lifted (canon lift (core func $spin)))
  (export "spin" (func $spin-lifted))

  (alias core export $n "spawn" (core func $spawn))
  (func $spawn-lifted (result u32) (canon lift (core func $spawn)))
  (export "spawn" (func $spawn-lifted))

  (alias core export $n "keep-lamp" (core func $keep-lamp))
  (func $keep-lamp-lifted (canon lift (core func $keep-lamp)))
  (export "keep-lamp" (func $keep-lamp-lifted))

  (alias core export $n "drop-lamp" (core func $drop-lamp))
  (func $drop-lamp-lifted (canon lift (core func $drop-lamp)))
  (export "drop-lamp" (func $drop-lamp-lifted))
)
