;; A component defining a resource, instantiated twice: each instantiation
;; makes a new resource type (the Component Model's generativity), so a
;; handle of $a's `r` is not a `r` of $b although both come from one
;; definition. The root's core module makes handles through $a and passes
;; them to $a (same-*) or to $b (*-across: traps); `dropped-*` sum the reps
;; each instance's destructor ran for. Both instances are exported whole,
;; so the host gets handles of each resource type.
(component
  (component $Def
    (core module $M
      (global $dropped (mut i32) (i32.const 0))
      (func (export "dtor") (param i32)
        (global.set $dropped (i32.add (global.get $dropped) (local.get 0))))
      (func (export "dropped") (result i32) (global.get $dropped)))
    (core instance $m (instantiate $M))
    (type $R (resource (rep i32) (dtor (core func $m "dtor"))))
    (export $Re "r" (type $R))
    (core func $new (canon resource.new $R))
    (core func $rep (canon resource.rep $R))
    (core func $drop (canon resource.drop $R))
    (core module $Impl
      (import "canon" "new" (func $new (param i32) (result i32)))
      (import "canon" "rep" (func $rep (param i32) (result i32)))
      (import "canon" "drop" (func $drop (param i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
      ;; A borrow of a resource the instance defines arrives as its rep.
      (func (export "get") (param i32) (result i32) (local.get 0))
      (func (export "take") (param $h i32) (result i32)
        (local $rep i32)
        (local.set $rep (call $rep (local.get $h)))
        (call $drop (local.get $h))
        (local.get $rep)))
    (core instance $impl (instantiate $Impl
      (with "canon" (instance
        (export "new" (func $new)) (export "rep" (func $rep))
        (export "drop" (func $drop))))))
    (func (export "make") (param "rep" u32) (result (own $Re))
      (canon lift (core func $impl "make")))
    (func (export "get") (param "r" (borrow $Re)) (result u32)
      (canon lift (core func $impl "get")))
    (func (export "take") (param "r" (own $Re)) (result u32)
      (canon lift (core func $impl "take")))
    (func (export "dropped") (result u32) (canon lift (core func $m "dropped"))))
  (instance $a (instantiate $Def))
  (instance $b (instantiate $Def))
  (core func $a-make (canon lower (func $a "make")))
  (core func $a-get (canon lower (func $a "get")))
  (core func $a-take (canon lower (func $a "take")))
  (core func $b-make (canon lower (func $b "make")))
  (core func $b-get (canon lower (func $b "get")))
  (core func $b-take (canon lower (func $b "take")))
  (core module $Main
    (import "a" "make" (func $a-make (param i32) (result i32)))
    (import "a" "get" (func $a-get (param i32) (result i32)))
    (import "a" "take" (func $a-take (param i32) (result i32)))
    (import "b" "make" (func $b-make (param i32) (result i32)))
    (import "b" "get" (func $b-get (param i32) (result i32)))
    (import "b" "take" (func $b-take (param i32) (result i32)))
    ;; get(h) + 100 * take(h) with h = make(rep), all through one instance.
    (func (export "same-a") (param $rep i32) (result i32)
      (local $h i32)
      (local.set $h (call $a-make (local.get $rep)))
      (i32.add (call $a-get (local.get $h))
        (i32.mul (i32.const 100) (call $a-take (local.get $h)))))
    (func (export "same-b") (param $rep i32) (result i32)
      (local $h i32)
      (local.set $h (call $b-make (local.get $rep)))
      (i32.add (call $b-get (local.get $h))
        (i32.mul (i32.const 100) (call $b-take (local.get $h)))))
    (func (export "borrow-across") (param $rep i32) (result i32)
      (call $b-get (call $a-make (local.get $rep))))
    (func (export "own-across") (param $rep i32) (result i32)
      (call $a-take (call $b-make (local.get $rep)))))
  (core instance $main (instantiate $Main
    (with "a" (instance
      (export "make" (func $a-make)) (export "get" (func $a-get))
      (export "take" (func $a-take))))
    (with "b" (instance
      (export "make" (func $b-make)) (export "get" (func $b-get))
      (export "take" (func $b-take))))))
  (func (export "same-a") (param "rep" u32) (result u32)
    (canon lift (core func $main "same-a")))
  (func (export "same-b") (param "rep" u32) (result u32)
    (canon lift (core func $main "same-b")))
  (func (export "borrow-across") (param "rep" u32) (result u32)
    (canon lift (core func $main "borrow-across")))
  (func (export "own-across") (param "rep" u32) (result u32)
    (canon lift (core func $main "own-across")))
  (func (export "dropped-a") (alias export $a "dropped"))
  (func (export "dropped-b") (alias export $b "dropped"))
  ;; The host holds handles of both types too.
  (export "a" (instance $a))
  (export "b" (instance $b))
)
