;; State for component pools to reset (tests/component_pool_test.cc): calls
;; counted in a mutable global and in memory by two core instances (the
;; second imports the first's memory, as wit-component's adapters do),
;; handles the guest keeps in its table (of its own resource and of a host
;; resource), a trap and memory growth.
(component
  (import "demo:pool/host" (instance $host
    (export "blob" (type (sub resource)))
    (export "make-blob" (func (result (own 0))))
  ))
  (alias export $host "blob" (type $blob))
  (alias export $host "make-blob" (func $make-blob))

  (core module $m
    (memory (export "memory") 1)
    (global $calls (mut i32) (i32.const 0))
    ;; next() -> calls counted in the global * 1000 + calls counted in
    ;; memory: 1001 on the first call of a fresh instance.
    (func (export "next") (result i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (i32.store (i32.const 64)
        (i32.add (i32.load (i32.const 64)) (i32.const 1)))
      (i32.add (i32.mul (global.get $calls) (i32.const 1000))
               (i32.load (i32.const 64))))
    (func (export "trap") unreachable)
    (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  )
  (core instance $m (instantiate $m))

  (type $token (resource (rep i32)))
  (export $token-exported "token" (type $token))
  (core func $token-new (canon resource.new $token))
  (core func $make-blob-lowered (canon lower (func $make-blob)))
  (core instance $builtins
    (export "token-new" (func $token-new))
    (export "make-blob" (func $make-blob-lowered)))

  (core module $n
    (import "m" "memory" (memory 1))
    (import "host" "token-new" (func $new (param i32) (result i32)))
    (import "host" "make-blob" (func $blob (result i32)))
    (global $bumps (mut i32) (i32.const 0))
    ;; bump(): as next(), counting in this module's global and at 68.
    (func (export "bump") (result i32)
      (global.set $bumps (i32.add (global.get $bumps) (i32.const 1)))
      (i32.store (i32.const 68)
        (i32.add (i32.load (i32.const 68)) (i32.const 1)))
      (i32.add (i32.mul (global.get $bumps) (i32.const 1000))
               (i32.load (i32.const 68))))
    ;; A new token handle the guest keeps (never drops): its index.
    (func (export "keep-token") (result i32) (call $new (i32.const 7)))
    ;; A host blob the guest keeps: its handle's index.
    (func (export "keep-blob") (result i32) (call $blob))
  )
  (core instance $n
    (instantiate $n (with "m" (instance $m)) (with "host" (instance $builtins))))

  (alias core export $m "next" (core func $next))
  (func $next-lifted (result u32) (canon lift (core func $next)))
  (export "next" (func $next-lifted))

  (alias core export $m "trap" (core func $trap))
  (func $trap-lifted (canon lift (core func $trap)))
  (export "trap" (func $trap-lifted))

  (alias core export $m "grow" (core func $grow))
  (func $grow-lifted (result s32) (canon lift (core func $grow)))
  (export "grow" (func $grow-lifted))

  (alias core export $n "bump" (core func $bump))
  (func $bump-lifted (result u32) (canon lift (core func $bump)))
  (export "bump" (func $bump-lifted))

  (alias core export $n "keep-token" (core func $keep-token))
  (func $keep-token-lifted (result u32) (canon lift (core func $keep-token)))
  (export "keep-token" (func $keep-token-lifted))

  (alias core export $n "keep-blob" (core func $keep-blob))
  (func $keep-blob-lifted (result u32) (canon lift (core func $keep-blob)))
  (export "keep-blob" (func $keep-blob-lifted))
)
