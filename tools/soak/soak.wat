;; The guest of the soak run: one export per kind of request it mixes.
(module $soak
  (import "host" "check" (func $check (param i32) (result i32)))
  (memory 4 64)
  (global $calls (mut i32) (i32.const 0))
  ;; Sums 0..n-1 through memory; also counts calls in a global, which a
  ;; fresh-state lease must find at 0.
  (func (export "work") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.const 0) (local.get $i))
        (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.add (local.get $sum) (i32.mul (global.get $calls) (i32.const 0))))
  (func (export "calls") (result i32) (global.get $calls))
  (func (export "trap") unreachable)
  (func (export "spin") (loop (br 0)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param $bytes i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get $bytes)))
  (func (export "host") (param i32) (result i32) (call $check (local.get 0))))
