;; The SQL functions of examples/sqlite's session, tests and benchmark.
;; Pure functions: the module imports nothing.
(module
  (memory (export "memory") 1)

  ;; (x * 31 + 7) mod 1000: a stand-in for a scoring rule.
  (func (export "score") (param $x i64) (result i64)
    (i64.rem_s (i64.add (i64.mul (local.get $x) (i64.const 31)) (i64.const 7))
               (i64.const 1000)))

  ;; x / 2
  (func (export "half") (param $x f64) (result f64)
    (f64.div (local.get $x) (f64.const 2)))

  ;; How many of the bytes [ptr, ptr + len) are ASCII vowels.
  (func (export "vowels") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32) (local $n i64) (local $c i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        ;; Lower-cased: 'A' | 0x20 is 'a'.
        (local.set $c (i32.or (i32.load8_u (local.get $ptr)) (i32.const 0x20)))
        (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 97))
                            (i32.eq (local.get $c) (i32.const 101)))
                    (i32.or (i32.or (i32.eq (local.get $c) (i32.const 105))
                                    (i32.eq (local.get $c) (i32.const 111)))
                            (i32.eq (local.get $c) (i32.const 117))))
          (then (local.set $n (i64.add (local.get $n) (i64.const 1)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; The batch arena the extension copies text rows into
  ;; (TypedFunc::CallBatchBytes): from 1024 on, memory grown to fit.
  (func (export "wasm_arena") (param $size i32) (result i32)
    (local $pages i32)
    (local.set $pages
      (i32.sub (i32.shr_u (i32.add (local.get $size) (i32.const 66559))
                          (i32.const 16))
               (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0))
      (then
        (if (i32.lt_s (memory.grow (local.get $pages)) (i32.const 0))
          (then unreachable))))
    (i32.const 1024))

  ;; x, but traps on 13.
  (func (export "boom") (param $x i64) (result i64)
    (if (i64.eq (local.get $x) (i64.const 13)) (then unreachable))
    (local.get $x))

  ;; Never returns.
  (func (export "spin") (param $x i64) (result i64)
    (loop $forever (br $forever))
    (local.get $x))

  ;; Counts down from x: fuel in proportion to x.
  (func (export "burn") (param $x i64) (result i64)
    (local $i i64)
    (local.set $i (local.get $x))
    (block $done
      (loop $next
        (br_if $done (i64.le_s (local.get $i) (i64.const 0)))
        (local.set $i (i64.sub (local.get $i) (i64.const 1)))
        (br $next)))
    (local.get $x))

  ;; Grows memory by x pages: the old size in pages, or -1 when refused.
  (func (export "grow") (param $x i64) (result i64)
    (i64.extend_i32_s (memory.grow (i32.wrap_i64 (local.get $x))))))
