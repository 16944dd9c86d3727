;; Two nested components, one calling the other: $D lowers $C's lifted
;; echo, so a string travels from $D's memory into $C's (through $C's
;; realloc) and back (through $D's).
(component
  (component $C
    (core module $libc-c
      (memory (export "memory") 1)
      (global $heap (mut i32) (i32.const 4096))
      (func (export "realloc")
        (param i32 i32) (param $align i32) (param $size i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $heap))
        (global.set $heap (i32.add (local.get $p) (local.get $size)))
        (local.get $p))
      ;; echo(s) -> s with its first byte turned upper case.
      (func (export "echo") (param $p i32) (param $n i32) (result i32)
        (if (local.get $n)
          (then
            (i32.store8 (local.get $p)
              (i32.sub (i32.load8_u (local.get $p)) (i32.const 32)))))
        (i32.store (i32.const 16) (local.get $p))
        (i32.store (i32.const 20) (local.get $n))
        (i32.const 16)))
    (core instance $c (instantiate $libc-c))
    (func (export "echo") (param "s" string) (result string)
      (canon lift (core func $c "echo") (memory (core memory $c "memory"))
        (realloc (core func $c "realloc"))))
  )
  (component $D
    (import "echo" (func $echo (param "s" string) (result string)))
    (core module $libc-d
      (memory (export "memory") 1)
      (global $heap (mut i32) (i32.const 8192))
      (func (export "realloc")
        (param i32 i32) (param $align i32) (param $size i32) (result i32)
        (local $p i32)
        (local.set $p (global.get $heap))
        (global.set $heap (i32.add (local.get $p) (local.get $size)))
        (local.get $p)))
    (core instance $d-libc (instantiate $libc-d))
    (core func $echo-lowered
      (canon lower (func $echo) (memory (core memory $d-libc "memory"))
        (realloc (core func $d-libc "realloc"))))
    (core module $main
      (import "libc" "memory" (memory 1))
      (import "host" "echo" (func $echo (param i32 i32 i32)))
      (data (i32.const 100) "abc")
      ;; 1000 * the echoed length + its first byte.
      (func (export "run") (result i32)
        (call $echo (i32.const 100) (i32.const 3) (i32.const 200))
        (i32.add
          (i32.mul (i32.load (i32.const 204)) (i32.const 1000))
          (i32.load8_u (i32.load (i32.const 200))))))
    (core instance $m (instantiate $main
      (with "libc" (instance $d-libc))
      (with "host" (instance (export "echo" (func $echo-lowered))))))
    (func (export "run") (result u32) (canon lift (core func $m "run")))
  )
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "echo" (func $c "echo"))))
  (func (export "run") (alias export $d "run"))
)
