;; capi.wat: the guest of the C API's tests, example and the Python tests:
;; two host imports, memory, globals, traps with a backtrace, a loop for
;; deadlines and fuel, every number type.
(module $capi
  (import "host" "double" (func $double (param i32) (result i32)))
  ;; Reads the `len` bytes at `ptr`, writes a greeting at 256; returns its
  ;; length.
  (import "host" "greet" (func $greet (param i32 i32) (result i32)))
  (memory (export "memory") 1 4)
  (data (i32.const 0) "wasm")
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (global (export "pi") f64 (f64.const 3.5))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "call_double") (param i32) (result i32)
    (call $double (local.get 0)))
  (func (export "greet") (result i32)
    (call $greet (i32.const 0) (i32.const 4)))
  ;; Adds one to the counter and returns it.
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  (func (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $inner (unreachable))
  (func $outer (export "crash") (call $inner))
  (func (export "spin") (loop $forever (br $forever)))
  ;; Counts `n` down to zero.
  (func (export "count") (param $n i32)
    (loop $again
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (i32.gt_s (local.get $n) (i32.const 0)))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; Returns its arguments reversed.
  (func (export "mix") (param i64 f32 f64) (result f64 f32 i64)
    (local.get 2) (local.get 1) (local.get 0))
  (func (export "takes_ref") (param externref))
)
