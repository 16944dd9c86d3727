;; A fixture of deferred_init_test.
;; Two active segments around a passive one, and a start
;; function that records what it saw of memory and of segment 0.
(module
  (memory (export "mem") 1)
  (global $started (mut i32) (i32.const 0))
  (data (i32.const 16) "abc")
  (data $passive "xyz")
  (data (memory 0) (i32.const 100) "hello")
  (func $start
    ;; 'a' written before the start function runs.
    (global.set $started (i32.load8_u (i32.const 16))))
  (start $start)
  (func (export "started") (result i32) (global.get $started))
  (func (export "load") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  ;; Segment 0 was active: dropped after instantiation, so any non-empty
  ;; memory.init of it traps.
  (func (export "init_segment0") (param i32)
    (memory.init 0 (i32.const 300) (i32.const 0) (local.get 0)))
  (func (export "init_passive")
    (memory.init $passive (i32.const 200) (i32.const 0) (i32.const 3))))
