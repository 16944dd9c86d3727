;; Imports a versioned interface, to test how the linker matches versions:
;; run() returns what the host's get() gives.
(component
  (import "demo:v/api@0.2.1" (instance $api (export "get" (func (result u32)))))
  (alias export $api "get" (func $get))
  (core func $get-lowered (canon lower (func $get)))
  (core module $m
    (import "api" "get" (func $get (result i32)))
    (func (export "run") (result i32) (call $get)))
  (core instance $api-core (export "get" (func $get-lowered)))
  (core instance $m (instantiate $m (with "api" (instance $api-core))))
  (alias core export $m "run" (core func $run))
  (func $run-lifted (result u32) (canon lift (core func $run)))
  (export "run" (func $run-lifted))
)
