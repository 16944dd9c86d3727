;; Version 2 of the README's hot-reload guest: handle(x) = x + 2.
(module $reload_v2
  (func (export "handle") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 2)))
)
