;; A version of the README's hot-reload guest that cannot be instantiated:
;; its start function traps.
(module $reload_trap
  (func $start unreachable)
  (start $start)
  (func (export "handle") (param i32) (result i32) (local.get 0))
)
