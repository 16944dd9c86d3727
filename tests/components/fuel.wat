;; Fuel for a component as a whole (tests/component_fuel_test.cc): `work`
;; is lifted from the main core instance, which loops `here` times and
;; then calls the other core instance's `spin`, which loops `there` times.
(component
  (core module $other
    (func (export "spin") (param $n i32) (result i32)
      (local $i i32)
      (block $done
        (loop $again
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $again)))
      (local.get $i))
  )
  (core instance $other (instantiate $other))

  (core module $main
    (import "other" "spin" (func $spin (param i32) (result i32)))
    (func $loop (param $n i32) (result i32)
      (local $i i32)
      (block $done
        (loop $again
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $again)))
      (local.get $i))
    (func (export "work") (param $here i32) (param $there i32) (result i32)
      (i32.add (call $loop (local.get $here)) (call $spin (local.get $there))))
  )
  (core instance $main (instantiate $main (with "other" (instance $other))))

  (alias core export $main "work" (core func $work))
  (func $work-lifted (param "here" u32) (param "there" u32) (result u32)
    (canon lift (core func $work)))
  (export "work" (func $work-lifted))
)
