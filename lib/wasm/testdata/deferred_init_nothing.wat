;; A fixture of deferred_init_test.
;; Nothing runs after linking.
(module
  (memory 1)
  (data "passive only")
  (func (export "f") (result i32) (i32.const 1)))
