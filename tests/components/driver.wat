;; A component whose `take: func(name: string, xs: list<f64>) ->
;; result<f64, string>` a typed call makes through the component driver
;; (one engine entry: realloc, copy, realloc, copy, call, lift,
;; post-return), with a mode set beforehand that makes one step misbehave:
;;   0 fine: ok(name length + the sum of xs)
;;   1 realloc traps             2 realloc returns an unaligned pointer
;;   3 realloc returns a pointer out of bounds
;;   4 realloc spins             5 take returns discriminant 7
;;   6 take spins                7 take returns err with invalid UTF-8
;;   8 post-return traps         9 take returns err("no")
(component
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (global $mode (mut i32) (i32.const 0))
    (global $posts (mut i32) (i32.const 0))
    (global $reallocs (mut i32) (i32.const 0))
    (data (i32.const 64) "\ff\feno")
    (func (export "set-mode") (param i32) (global.set $mode (local.get 0)))
    (func (export "post-count") (result i32) (global.get $posts))
    (func (export "realloc-count") (result i32) (global.get $reallocs))
    ;; A bump allocator in the first page (the tests stay well inside it).
    (func (export "cabi_realloc")
      (param $old i32) (param $old_size i32) (param $align i32)
      (param $size i32) (result i32)
      (local $p i32)
      (global.set $reallocs (i32.add (global.get $reallocs) (i32.const 1)))
      (if (i32.eq (global.get $mode) (i32.const 1)) (then unreachable))
      (if (i32.eq (global.get $mode) (i32.const 4))
        (then (loop $l (br $l))))
      (local.set $p
        (i32.and
          (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (global.set $heap (i32.add (local.get $p) (local.get $size)))
      (if (i32.eq (global.get $mode) (i32.const 2))
        (then (return (i32.add (local.get $p) (i32.const 1)))))
      (if (i32.eq (global.get $mode) (i32.const 3))
        (then (return (i32.const 65536))))
      (local.get $p))
    ;; The return area is at 16: discriminant, then the payload at 24.
    (func (export "take")
      (param $name i32) (param $name_len i32) (param $xs i32) (param $n i32)
      (result i32)
      (local $sum f64) (local $i i32)
      (if (i32.eq (global.get $mode) (i32.const 6))
        (then (loop $l (br $l))))
      (if (i32.eq (global.get $mode) (i32.const 5))
        (then (i32.store8 (i32.const 16) (i32.const 7))
              (return (i32.const 16))))
      (if (i32.eq (global.get $mode) (i32.const 7))
        (then (i32.store8 (i32.const 16) (i32.const 1))
              (i32.store (i32.const 24) (i32.const 64))
              (i32.store (i32.const 28) (i32.const 2))
              (return (i32.const 16))))
      (if (i32.eq (global.get $mode) (i32.const 9))
        (then (i32.store8 (i32.const 16) (i32.const 1))
              (i32.store (i32.const 24) (i32.const 66))
              (i32.store (i32.const 28) (i32.const 2))
              (return (i32.const 16))))
      (local.set $sum (f64.convert_i32_u (local.get $name_len)))
      (block $done
        (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $sum
            (f64.add (local.get $sum)
              (f64.load (i32.add (local.get $xs)
                                 (i32.shl (local.get $i) (i32.const 3))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (i32.store8 (i32.const 16) (i32.const 0))
      (f64.store (i32.const 24) (local.get $sum))
      (i32.const 16))
    (func (export "cabi_post_take") (param i32)
      (if (i32.eq (global.get $mode) (i32.const 8)) (then unreachable))
      (global.set $posts (i32.add (global.get $posts) (i32.const 1))))
  )
  (core instance $m (instantiate $m))
  (alias core export $m "memory" (core memory $mem))
  (alias core export $m "cabi_realloc" (core func $realloc))

  (alias core export $m "take" (core func $take))
  (alias core export $m "cabi_post_take" (core func $post-take))
  (func $take-lifted (param "name" string) (param "xs" (list f64))
    (result (result f64 (error string)))
    (canon lift (core func $take) (memory $mem) (realloc $realloc)
      (post-return $post-take)))
  (export "take" (func $take-lifted))

  (alias core export $m "set-mode" (core func $set-mode))
  (func $set-mode-lifted (param "mode" u32) (canon lift (core func $set-mode)))
  (export "set-mode" (func $set-mode-lifted))

  (alias core export $m "post-count" (core func $post-count))
  (func $post-count-lifted (result u32) (canon lift (core func $post-count)))
  (export "post-count" (func $post-count-lifted))

  (alias core export $m "realloc-count" (core func $realloc-count))
  (func $realloc-count-lifted (result u32)
    (canon lift (core func $realloc-count)))
  (export "realloc-count" (func $realloc-count-lifted))
)
