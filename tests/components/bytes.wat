;; A host import taking and returning list<u8>, called by the guest with a
;; good range, one past the end of its memory and one longer than the
;; canonical ABI allows (host functions receive list<u8> as Val::Bytes).
(component
  (import "reverse"
    (func $reverse (param "bytes" (list u8)) (result (list u8))))

  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 4096))
    ;; A bump allocator (the tests allocate a few bytes).
    (func (export "cabi_realloc")
      (param $old i32) (param $old_size i32) (param $align i32)
      (param $size i32) (result i32)
      (local $p i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (global.set $heap (i32.add (local.get $p) (local.get $size)))
      (local.get $p))
  )
  (core instance $m (instantiate $m))
  (alias core export $m "memory" (core memory $mem))
  (alias core export $m "cabi_realloc" (core func $realloc))
  (core func $reverse-lowered
    (canon lower (func $reverse) (memory $mem) (realloc $realloc)))
  (core instance $host (export "reverse" (func $reverse-lowered)))

  (core module $n
    (import "m" "memory" (memory 1))
    (import "host" "reverse" (func $reverse (param i32 i32 i32)))
    (data (i32.const 64) "hello")
    ;; reverse("hello"): the result's length * 256 + its first byte.
    (func (export "reverse-hello") (result i32)
      (call $reverse (i32.const 64) (i32.const 5) (i32.const 16))
      (i32.add
        (i32.mul (i32.load (i32.const 20)) (i32.const 256))
        (i32.load8_u (i32.load (i32.const 16)))))
    (func (export "reverse-out-of-bounds")
      (call $reverse (i32.const 65530) (i32.const 100) (i32.const 16)))
    (func (export "reverse-too-long")
      (call $reverse (i32.const 0) (i32.const 0x10000000) (i32.const 16)))
  )
  (core instance $n
    (instantiate $n (with "m" (instance $m)) (with "host" (instance $host))))

  (alias core export $n "reverse-hello" (core func $hello))
  (func $hello-lifted (result u32) (canon lift (core func $hello)))
  (export "reverse-hello" (func $hello-lifted))

  (alias core export $n "reverse-out-of-bounds" (core func $oob))
  (func $oob-lifted (canon lift (core func $oob)))
  (export "reverse-out-of-bounds" (func $oob-lifted))

  (alias core export $n "reverse-too-long" (core func $long))
  (func $long-lifted (canon lift (core func $long)))
  (export "reverse-too-long" (func $long-lifted))
)
