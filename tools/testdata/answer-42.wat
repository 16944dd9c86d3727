;; A name with a '-' checks the symbol mangling: answer_42_wasm().
(module
  (func (export "answer") (result i32)
    i32.const 42))
