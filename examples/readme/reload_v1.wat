;; Version 1 of the README's hot-reload guest: handle(x) = x + 1.
(module $reload_v1
  (func (export "handle") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
)
