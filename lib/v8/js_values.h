// lib/v8/js_values.h: Wasm values as the JS values V8 exchanges with Wasm
// code and with WebAssembly.Global / WebAssembly.Table objects.
//
//   ToJs / FromJs        raw boundary-ABI values (the call paths)
//   ValToJs / ValFromJs  references, i32 and i64 Vals (tables, globals)
//   AppendBoundaryJs / ValFromBoundaryJs  any Val in the boundary ABI

#ifndef WASMHOST_LIB_V8_JS_VALUES_H_
#define WASMHOST_LIB_V8_JS_VALUES_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/v8/backend.h"
#include "v8.h"
#include "wasmhost/internal/func_traits.h"
#include "wasmhost/value.h"

namespace wasmhost::v8backend {

class ThreadIsolate;

// Values cross in the boundary ABI (backend.h, lib/wasm/boundary.h):
// every number type here is an i32 (a JS Number, exact) or an i64 (a
// BigInt); floats are their bits.
inline v8::Local<v8::Value> ToJs(v8::Isolate* isolate, internal::RawVal raw,
                                 ValType type) {
  switch (type) {
    case ValType::kI32:
      return v8::Integer::New(isolate, internal::FromRaw<int32_t>(raw));
    case ValType::kI64:
      return v8::BigInt::New(isolate, internal::FromRaw<int64_t>(raw));
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
    default:
      return 0;
  }
}

// A function that calls `function` with its values in the boundary ABI:
// the function itself when its type has no f32, f64 or v128, else its
// accessor (lib/wasm/boundary.h's BuildFunctionAccessor). Returns
// FailedPrecondition when it belongs to another thread's isolate.
absl::StatusOr<v8::Local<v8::Function>> BoundaryCallable(
    ThreadIsolate& thread, const internal::FuncRefState& function);

// `value` (a reference, i32 or i64) as the JS value Wasm code and the
// WebAssembly JS API take for its type. Returns Internal for f32, f64 and
// v128, which cross only in the boundary ABI (AppendBoundaryJs).
absl::StatusOr<v8::Local<v8::Value>> ValToJs(ThreadIsolate& thread,
                                             const Val& value);

// Appends `value` in the boundary ABI to `out`: one JS value, two for a
// v128. Returns FailedPrecondition for a funcref of another isolate.
absl::Status AppendBoundaryJs(ThreadIsolate& thread, const Val& value,
                              std::vector<v8::Local<v8::Value>>& out);

// The function a funcref refers to. Returns FailedPrecondition when it
// belongs to another thread's isolate.
absl::StatusOr<v8::Local<v8::Value>> FunctionToJs(
    const internal::FuncRefState& function);

// A JS value V8 produced for a Wasm value of `type` (a reference, i32 or
// i64), as a Val; a funcref gets `via` as its FuncRefState::via.
absl::StatusOr<Val> ValFromJs(ThreadIsolate& thread, v8::Local<v8::Value> value,
                              ValType type, const std::shared_ptr<void>& via);

// The Val of `type` at `values[*next]` in the boundary ABI (two values for
// a v128); advances `*next` past it.
absl::StatusOr<Val> ValFromBoundaryJs(
    ThreadIsolate& thread, absl::Span<const v8::Local<v8::Value>> values,
    size_t* next, ValType type, const std::shared_ptr<void>& via);

// The results of a call of a function with boundary-ABI results `count`
// values long, as a list: V8 returns one value alone, several as an array.
std::vector<v8::Local<v8::Value>> ResultList(v8::Local<v8::Context> context,
                                             v8::Local<v8::Value> result,
                                             size_t count);

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_JS_VALUES_H_
