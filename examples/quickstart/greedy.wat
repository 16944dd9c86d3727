;; A guest that asks for a capability the quickstart host never grants.
(module $greedy
  (import "host" "exec" (func $exec (param i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "rm -rf /")
  (func (export "on_request") (param i32) (result i32)
    (call $exec (i32.const 0) (i32.const 8)))
)
