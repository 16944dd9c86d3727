// lib/v8/code.h: compiled Wasm code shared by every isolate.

#ifndef WASMHOST_LIB_V8_CODE_H_
#define WASMHOST_LIB_V8_CODE_H_

#include "v8.h"

namespace wasmhost::v8backend {

// V8's compiled module: native code owned by V8's process-wide Wasm engine,
// usable from any isolate. Immutable; thread-safe.
class CompiledCode {
 public:
  explicit CompiledCode(v8::CompiledWasmModule compiled)
      : compiled_(std::move(compiled)) {}

  const v8::CompiledWasmModule& compiled() const { return compiled_; }

 private:
  v8::CompiledWasmModule compiled_;
};

// Installed on every isolate before its context exists (V8 only offers
// WebAssembly.compileStreaming then); feeds LoadModule's bytes to V8.
void StreamingCallback(const v8::FunctionCallbackInfo<v8::Value>& info);

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_CODE_H_
