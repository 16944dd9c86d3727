;; The quickstart's guest plugin. It may call only what the host grants:
;;   host.log  (ptr, len)         print a UTF-8 string from this memory
;;   kv.get    (ptr, len) -> i64  read a counter from the host's store (0 if unset)
;;   kv.put    (ptr, len, i64)    write a counter to the host's store
(module $plugin
  (import "host" "log" (func $log (param i32 i32)))
  (import "kv" "get" (func $kv_get (param i32 i32) (result i64)))
  (import "kv" "put" (func $kv_put (param i32 i32 i64)))

  (memory (export "memory") 1)
  (data (i32.const 0) "requests")                     ;; 8 bytes
  (data (i32.const 16) "handling a request")          ;; 18 bytes
  (data (i32.const 48) "computing a ratio")           ;; 17 bytes
  (data (i32.const 80) "working hard, never finishing")  ;; 29 bytes

  ;; Counts the request in the host's store and returns how many there
  ;; have been.
  (func $on_request (export "on_request") (param $id i32) (result i32)
    (local $count i64)
    (call $log (i32.const 16) (i32.const 18))
    (local.set $count
      (i64.add (call $kv_get (i32.const 0) (i32.const 8)) (i64.const 1)))
    (call $kv_put (i32.const 0) (i32.const 8) (local.get $count))
    (i32.wrap_i64 (local.get $count)))

  ;; part * 100 / whole: a bug waiting for whole = 0 (integer divide by
  ;; zero traps in WebAssembly).
  (func $ratio (param $part i32) (param $whole i32) (result i32)
    (i32.div_u (i32.mul (local.get $part) (i32.const 100)) (local.get $whole)))
  (func $percent (export "percent") (param $part i32) (param $whole i32)
      (result i32)
    (call $log (i32.const 48) (i32.const 17))
    (call $ratio (local.get $part) (local.get $whole)))

  ;; Never returns.
  (func $busy (export "busy")
    (call $log (i32.const 80) (i32.const 29))
    (loop $forever (br $forever)))
)
