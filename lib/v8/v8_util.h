// lib/v8/v8_util.h: small conversions between V8 values and C++ strings.

#ifndef WASMHOST_LIB_V8_V8_UTIL_H_
#define WASMHOST_LIB_V8_V8_UTIL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "v8.h"

namespace wasmhost::v8backend {

std::string ToStdString(v8::Isolate* isolate, v8::Local<v8::Value> value);

v8::Local<v8::String> ToV8String(v8::Isolate* isolate, absl::string_view text);

// The caught exception as "Name: message", e.g. "RuntimeError: unreachable".
std::string ExceptionMessage(v8::Isolate* isolate,
                             const v8::TryCatch& try_catch);

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_V8_UTIL_H_
