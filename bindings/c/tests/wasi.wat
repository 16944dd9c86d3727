;; wasi.wat: a WASI command for the C API's and Python's WASI tests. _start
;; writes "hello, " and what stdin holds (up to 64 bytes) to stdout and
;; "bye\n" to stderr, then exits with code 3 through proc_exit; `argc` and
;; `envc` count what it was given.
(module $wasi
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello, ")
  (data (i32.const 80) "bye\n")
  ;; Writes `len` bytes at `ptr` to `fd`; traps if the write fails.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1)
                        (i32.const 8))
      (then unreachable)))
  (func (export "_start")
    (call $write (i32.const 1) (i32.const 64) (i32.const 7))
    ;; stdin into [128, 192): iovec at 16, bytes read at 24.
    (i32.store (i32.const 16) (i32.const 128))
    (i32.store (i32.const 20) (i32.const 64))
    (if (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1)
                       (i32.const 24))
      (then unreachable))
    (call $write (i32.const 1) (i32.const 128) (i32.load (i32.const 24)))
    (call $write (i32.const 2) (i32.const 80) (i32.const 4))
    (call $proc_exit (i32.const 3)))
  (func (export "argc") (result i32)
    (drop (call $args_sizes_get (i32.const 32) (i32.const 36)))
    (i32.load (i32.const 32)))
  (func (export "envc") (result i32)
    (drop (call $environ_sizes_get (i32.const 32) (i32.const 36)))
    (i32.load (i32.const 32)))
)
