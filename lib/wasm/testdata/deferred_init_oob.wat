;; A fixture of deferred_init_test.
;; The second segment does not fit; the first one is
;; written before the trap.
(module
  (memory (export "mem") 1)
  (data (i32.const 0) "x")
  (data (i32.const 65535) "yz"))
