;; A component that breaks the canonical ABI on purpose, one export per
;; spec trap, plus what the runtime must get right around it: post-return
;; (counted), host imports lowered with memory and realloc, a resource's
;; built-ins, a realloc that traps, memory growth and a loop to stop.
(component
  (import "log" (func $log (param "msg" string)))
  (import "fetch" (func $fetch (param "key" string) (result string)))

  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 4096))
    (global $posts (mut i32) (i32.const 0))
    ;; A bump allocator growing memory as needed; traps for over 1 MiB.
    (func (export "cabi_realloc")
      (param $old i32) (param $old_size i32) (param $align i32)
      (param $size i32) (result i32)
      (local $p i32) (local $end i32)
      (if (i32.gt_u (local.get $size) (i32.const 1048576))
        (then unreachable))
      (local.set $p
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then
          (if (i32.eq
                (memory.grow
                  (i32.shr_u
                    (i32.add
                      (i32.sub (local.get $end)
                               (i32.mul (memory.size) (i32.const 65536)))
                      (i32.const 65535))
                    (i32.const 16)))
                (i32.const -1))
            (then unreachable))))
      (global.set $heap (local.get $end))
      (if (local.get $old)
        (then
          (memory.copy (local.get $p) (local.get $old)
            (select (local.get $size) (local.get $old_size)
              (i32.lt_u (local.get $size) (local.get $old_size))))))
      (local.get $p))
    ;; echo(s) -> s through the return area at 16; post-return counts.
    (func (export "echo") (param $p i32) (param $n i32) (result i32)
      (i32.store (i32.const 16) (local.get $p))
      (i32.store (i32.const 20) (local.get $n))
      (i32.const 16))
    (func (export "cabi_post_echo") (param i32)
      (global.set $posts (i32.add (global.get $posts) (i32.const 1))))
    (func (export "post-count") (result i32) (global.get $posts))
    (data (i32.const 32) "\ff\fe")
    (func (export "bad-utf8") (result i32)
      (i32.store (i32.const 16) (i32.const 32))
      (i32.store (i32.const 20) (i32.const 2))
      (i32.const 16))
    (func (export "unaligned") (result i32) (i32.const 17))
    (func (export "out-of-bounds") (result i32) (i32.const 65532))
    (func (export "string-out-of-bounds") (result i32)
      (i32.store (i32.const 16) (i32.const 65000))
      (i32.store (i32.const 20) (i32.const 1000))
      (i32.const 16))
    (func (export "bad-enum") (result i32) (i32.const 7))
    (func (export "spin") (loop $l (br $l)))
    (func (export "grow") (param i32) (result i32)
      (memory.grow (local.get 0)))
    (func (export "trap") unreachable)
  )
  (core instance $m (instantiate $m))
  (alias core export $m "memory" (core memory $mem))
  (alias core export $m "cabi_realloc" (core func $realloc))

  (type $r (resource (rep i32)))
  (core func $r-new (canon resource.new $r))
  (core func $r-drop (canon resource.drop $r))
  (core func $log-lowered (canon lower (func $log) (memory $mem)))
  (core func $fetch-lowered
    (canon lower (func $fetch) (memory $mem) (realloc $realloc)))
  (core instance $host
    (export "log" (func $log-lowered))
    (export "fetch" (func $fetch-lowered))
    (export "r-new" (func $r-new))
    (export "r-drop" (func $r-drop)))

  ;; Calls out: invalid UTF-8 to the host, a string back from it, bad
  ;; handles to the built-ins.
  (core module $n
    (import "m" "memory" (memory 1))
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "fetch" (func $fetch (param i32 i32 i32)))
    (import "host" "r-new" (func $new (param i32) (result i32)))
    (import "host" "r-drop" (func $drop (param i32)))
    (data (i32.const 48) "\ff\fekey")
    (func (export "log-bad") (call $log (i32.const 48) (i32.const 2)))
    ;; fetch("key"): the length of the host's answer.
    (func (export "fetch-len") (result i32)
      (call $fetch (i32.const 50) (i32.const 3) (i32.const 64))
      (i32.load (i32.const 68)))
    (func (export "bad-handle") (call $drop (i32.const 99)))
    (func (export "drop-twice") (local $h i32)
      (local.set $h (call $new (i32.const 5)))
      (call $drop (local.get $h))
      (call $drop (local.get $h)))
  )
  (core instance $n
    (instantiate $n (with "m" (instance $m)) (with "host" (instance $host))))

  (alias core export $m "echo" (core func $echo))
  (alias core export $m "cabi_post_echo" (core func $post-echo))
  (func $echo-lifted (param "s" string) (result string)
    (canon lift (core func $echo) (memory $mem) (realloc $realloc)
      (post-return $post-echo)))
  (export "echo" (func $echo-lifted))

  (alias core export $m "post-count" (core func $post-count))
  (func $post-count-lifted (result u32) (canon lift (core func $post-count)))
  (export "post-count" (func $post-count-lifted))

  (alias core export $m "bad-utf8" (core func $bad-utf8))
  (func $bad-utf8-lifted (result string)
    (canon lift (core func $bad-utf8) (memory $mem)))
  (export "bad-utf8" (func $bad-utf8-lifted))

  (alias core export $m "unaligned" (core func $unaligned))
  (func $unaligned-lifted (result string)
    (canon lift (core func $unaligned) (memory $mem)))
  (export "unaligned" (func $unaligned-lifted))

  (alias core export $m "out-of-bounds" (core func $oob))
  (func $oob-lifted (result string)
    (canon lift (core func $oob) (memory $mem)))
  (export "out-of-bounds" (func $oob-lifted))

  (alias core export $m "string-out-of-bounds" (core func $soob))
  (func $soob-lifted (result string)
    (canon lift (core func $soob) (memory $mem)))
  (export "string-out-of-bounds" (func $soob-lifted))

  (type $e (enum "a" "b" "c"))
  (export $e-exported "e" (type $e))
  (alias core export $m "bad-enum" (core func $bad-enum))
  (func $bad-enum-lifted (result $e-exported)
    (canon lift (core func $bad-enum)))
  (export "bad-enum" (func $bad-enum-lifted))

  (alias core export $m "spin" (core func $spin))
  (func $spin-lifted (canon lift (core func $spin)))
  (export "spin" (func $spin-lifted))

  (alias core export $m "grow" (core func $grow))
  (func $grow-lifted (param "pages" u32) (result s32)
    (canon lift (core func $grow)))
  (export "grow" (func $grow-lifted))

  (alias core export $m "trap" (core func $trap))
  (func $trap-lifted (canon lift (core func $trap)))
  (export "trap" (func $trap-lifted))

  (alias core export $n "log-bad" (core func $log-bad))
  (func $log-bad-lifted (canon lift (core func $log-bad)))
  (export "log-bad" (func $log-bad-lifted))

  (alias core export $n "fetch-len" (core func $fetch-len))
  (func $fetch-len-lifted (result u32) (canon lift (core func $fetch-len)))
  (export "fetch-len" (func $fetch-len-lifted))

  (alias core export $n "bad-handle" (core func $bad-handle))
  (func $bad-handle-lifted (canon lift (core func $bad-handle)))
  (export "bad-handle" (func $bad-handle-lifted))

  (alias core export $n "drop-twice" (core func $drop-twice))
  (func $drop-twice-lifted (canon lift (core func $drop-twice)))
  (export "drop-twice" (func $drop-twice-lifted))
)
