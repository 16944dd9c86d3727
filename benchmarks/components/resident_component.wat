;; The resident benchmark's component guest: fixtures/resident_memory.wat's
;; module as the component's core instance, its exports lifted (tick:
;; func(), grow and dirty with s32s), and a second core instance importing
;; its memory, as wit-component's shims do.
(component
  (core module $m
    (memory (export "memory") 1 1024)
    (func (export "tick"))
    (func (export "grow") (param $pages i32) (result i32)
      (memory.grow (local.get $pages)))
    (func (export "dirty") (param $count i32) (param $stride i32) (param $seed i32)
      (local $page i32) (local $word i32) (local $at i32)
      (block $done
        (loop $pages
          (br_if $done (i32.ge_u (local.get $page) (local.get $count)))
          (local.set $at
            (i32.mul (i32.mul (local.get $page) (local.get $stride))
                     (i32.const 4096)))
          (local.set $word (i32.const 0))
          (block $page_done
            (loop $words
              (br_if $page_done (i32.ge_u (local.get $word) (i32.const 4096)))
              (local.set $seed
                (i32.add (i32.mul (local.get $seed) (i32.const 1103515245))
                         (i32.const 12345)))
              (i32.store (i32.add (local.get $at) (local.get $word))
                         (local.get $seed))
              (local.set $word (i32.add (local.get $word) (i32.const 16)))
              (br $words)))
          (local.set $page (i32.add (local.get $page) (i32.const 1)))
          (br $pages))))
  )
  (core instance $m (instantiate $m))
  (core module $shim
    (import "m" "memory" (memory 1))
    (global $calls (mut i32) (i32.const 0)))
  (core instance $shim (instantiate $shim (with "m" (instance $m))))

  (alias core export $m "tick" (core func $tick))
  (func $tick-lifted (canon lift (core func $tick)))
  (export "tick" (func $tick-lifted))

  (alias core export $m "grow" (core func $grow))
  (func $grow-lifted (param "pages" s32) (result s32)
    (canon lift (core func $grow)))
  (export "grow" (func $grow-lifted))

  (alias core export $m "dirty" (core func $dirty))
  (func $dirty-lifted (param "count" s32) (param "stride" s32) (param "seed" s32)
    (canon lift (core func $dirty)))
  (export "dirty" (func $dirty-lifted))
)
