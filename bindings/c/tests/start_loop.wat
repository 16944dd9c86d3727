;; start_loop.wat: a start function that never returns, for the start
;; timeout.
(module (func $start (loop $forever (br $forever))) (start $start))
