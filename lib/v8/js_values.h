// lib/v8/js_values.h: Wasm values as the JS values V8 exchanges with Wasm
// code and with WebAssembly.Global / WebAssembly.Table objects.
//
//   ToJs / FromJs        raw number values (the call paths)
//   ValToJs / ValFromJs  Vals, references included (globals, tables)

#ifndef WASMHOST_LIB_V8_JS_VALUES_H_
#define WASMHOST_LIB_V8_JS_VALUES_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/v8/backend.h"
#include "v8.h"
#include "wasmhost/internal/func_traits.h"
#include "wasmhost/value.h"

namespace wasmhost::v8backend {

class ThreadIsolate;

// V8 converts Wasm values to JS before they reach us, so each number type
// has one JS representation: i32 and floats as Number, i64 as BigInt.
inline v8::Local<v8::Value> ToJs(v8::Isolate* isolate, internal::RawVal raw,
                                 ValType type) {
  switch (type) {
    case ValType::kI32:
      return v8::Integer::New(isolate, internal::FromRaw<int32_t>(raw));
    case ValType::kI64:
      return v8::BigInt::New(isolate, internal::FromRaw<int64_t>(raw));
    case ValType::kF32:
      return v8::Number::New(isolate, internal::FromRaw<float>(raw));
    case ValType::kF64:
      return v8::Number::New(isolate, internal::FromRaw<double>(raw));
    default:
      return v8::Undefined(isolate);
  }
}

inline internal::RawVal FromJs(v8::Local<v8::Value> value, ValType type) {
  switch (type) {
    case ValType::kI32:
      return internal::ToRaw(value.As<v8::Int32>()->Value());
    case ValType::kI64:
      return internal::ToRaw(value.As<v8::BigInt>()->Int64Value());
    case ValType::kF32:
      return internal::ToRaw(
          static_cast<float>(value.As<v8::Number>()->Value()));
    case ValType::kF64:
      return internal::ToRaw(value.As<v8::Number>()->Value());
    default:
      return 0;
  }
}

// `value` as the JS value Wasm code and the WebAssembly JS API take for its
// type. Returns Unimplemented for a value that cannot cross yet (v128).
absl::StatusOr<v8::Local<v8::Value>> ValToJs(ThreadIsolate& thread,
                                             const Val& value);

// The function a funcref refers to. Returns FailedPrecondition when it
// belongs to another thread's isolate.
absl::StatusOr<v8::Local<v8::Value>> FunctionToJs(
    const internal::FuncRefState& function);

// A JS value V8 produced for a Wasm value of `type`, as a Val; a funcref
// gets `via` as its FuncRefState::via. Returns Unimplemented for a value
// that cannot cross yet.
absl::StatusOr<Val> ValFromJs(ThreadIsolate& thread, v8::Local<v8::Value> value,
                              ValType type, const std::shared_ptr<void>& via);

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_JS_VALUES_H_
