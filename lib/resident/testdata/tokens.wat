;; component_parts_test: a component defining resource `token` whose core
;; instance makes handles of it (make-token(rep) -> handle).
(component
  (type $token (resource (rep i32)))
  (export $token-exported "token" (type $token))
  (core func $token-new (canon resource.new $token))
  (core instance $builtins (export "token-new" (func $token-new)))
  (core module $m
    (import "host" "token-new" (func $new (param i32) (result i32)))
    (func (export "make-token") (param i32) (result i32)
      (call $new (local.get 0))))
  (core instance $m (instantiate $m (with "host" (instance $builtins))))
  (alias core export $m "make-token" (core func $make-token))
  (func $make-token-lifted (param "rep" u32) (result u32)
    (canon lift (core func $make-token)))
  (export "make-token" (func $make-token-lifted))
)
