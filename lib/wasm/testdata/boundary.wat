;; Exports of every kind of signature for boundary_test: export 0 is a
;; memory, 1 and 3 need boundary wrappers, 2 does not.
(module $boundary
  (memory (export "memory") 1)
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "i32") (param i32) (result i32) (local.get 0))
  ;; Returns its arguments reordered, so each crosses in both directions.
  (func (export "mixed") (param f64 i32 v128 f32) (result v128 f64 i64 f32)
    (local.get 2) (local.get 0) (i64.extend_i32_u (local.get 1)) (local.get 3))
)
