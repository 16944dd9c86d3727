;; spec_runner_test: every command kind, state kept across a trap, and the
;; commands the API cannot express yet (unsupported) or that are for text
;; parsers (skipped). When the API gains a feature, its lines here pass.
(module
  (memory 1)
  (global (export "g") i32 (i32.const 1))
  (func (export "store") (param i32) (i32.store (i32.const 0) (local.get 0)))
  (func (export "load") (result i32) (i32.load (i32.const 0)))
  (func (export "oob") (result i32) (i32.load (i32.const 65536)))
  (func $recurse (export "recurse") (call $recurse))
  (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "v128") (result v128) (v128.const i32x4 1 2 3 4)))
(invoke "store" (i32.const 7))
(assert_trap (invoke "oob") "out of bounds memory access")
;; The trap re-created the instance; the store above was replayed.
(assert_return (invoke "load") (i32.const 7))
(assert_exhaustion (invoke "recurse") "call stack exhausted")
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_return (invoke "v128") (v128.const i32x4 1 2 3 4))
(assert_return (get "g") (i32.const 1))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func") "unexpected end")
(assert_unlinkable (module (import "spectest" "nope" (func))) "unknown import")
(assert_trap (module (func $start unreachable) (start $start)) "unreachable")
(module (import "spectest" "print_i32" (func (param i32))))
(module (import "spectest" "global_i32" (global i32)))
