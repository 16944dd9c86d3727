;; The guest the README's embedding example runs in its test: it logs
;; through the one capability the example grants, then adds.
(module $guest
  (import "host" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from the guest")
  (func (export "add") (param i32 i32) (result i32)
    (call $log (i32.const 0) (i32.const 20))
    (i32.add (local.get 0) (local.get 1)))
)
