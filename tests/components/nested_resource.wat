;; A host resource reaching a nested component through the root's import,
;; as componentize-qjs's components have it: the nested component drops the
;; handle with its own alias of the resource type, which is the root's.
(component
  (import "demo:res/api" (instance $api
    (export "thing" (type $thing (sub resource)))
    (export "make" (func (result (own $thing))))))
  (component $Inner
    (import "demo:res/api" (instance $api
      (export "thing" (type $thing (sub resource)))
      (export "make" (func (result (own $thing))))))
    (alias export $api "thing" (type $thing))
    (core func $make (canon lower (func $api "make")))
    (core func $drop (canon resource.drop $thing))
    (core module $main
      (import "host" "make" (func $make (result i32)))
      (import "host" "drop" (func $drop (param i32)))
      ;; Makes a thing and drops it: its handle.
      (func (export "run") (result i32)
        (local $h i32)
        (local.set $h (call $make))
        (call $drop (local.get $h))
        (local.get $h)))
    (core instance $m (instantiate $main
      (with "host" (instance
        (export "make" (func $make))
        (export "drop" (func $drop))))))
    (func (export "run") (result u32) (canon lift (core func $m "run")))
  )
  (instance $inner (instantiate $Inner (with "demo:res/api" (instance $api))))
  (func (export "run") (alias export $inner "run"))
)
