#include "lib/v8/v8_util.h"

namespace wasmhost::v8backend {

std::string ToStdString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return "";
  v8::String::Utf8Value utf8(isolate, value);
  return *utf8 == nullptr ? "" : std::string(*utf8, utf8.length());
}

v8::Local<v8::String> ToV8String(v8::Isolate* isolate, absl::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .ToLocalChecked();
}

std::string ExceptionMessage(v8::Isolate* isolate,
                             const v8::TryCatch& try_catch) {
  if (try_catch.HasTerminated()) return "execution terminated";
  return ToStdString(isolate, try_catch.Exception());
}

}  // namespace wasmhost::v8backend
