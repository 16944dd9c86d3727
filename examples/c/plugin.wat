;; plugin.wat: the guest of the C example. It logs through the one host
;; function it is granted and squares its argument; `crash` traps two calls
;; deep, `spin` never returns, `visits` counts the calls in this instance.
(module $plugin
  (import "host" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "plugin running")
  (global $visits (mut i32) (i32.const 0))
  (func (export "square") (param i32) (result i32)
    (call $log (i32.const 0) (i32.const 14))
    (i32.mul (local.get 0) (local.get 0)))
  (func (export "visits") (result i32)
    (global.set $visits (i32.add (global.get $visits) (i32.const 1)))
    (global.get $visits))
  (func $check (param i32) (if (i32.eqz (local.get 0)) (then unreachable)))
  (func (export "crash") (call $check (i32.const 0)))
  (func (export "spin") (loop $forever (br $forever)))
)
