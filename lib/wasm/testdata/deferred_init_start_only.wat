;; A fixture of deferred_init_test.
;; A start function and no data.
(module
  (global $g (mut i32) (i32.const 0))
  (func $start (global.set $g (i32.const 7)))
  (start $start)
  (func (export "g") (result i32) (global.get $g)))
