#include "lib/v8/js_values.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/v8/thread_isolate.h"

namespace wasmhost::v8backend {
namespace {

absl::Status CannotCross(ValType type) {
  return absl::UnimplementedError(absl::StrCat(
      "non-null ", ValTypeName(type),
      " values do not cross the host boundary yet"));
}

}  // namespace

absl::StatusOr<v8::Local<v8::Value>> ValToJs(ThreadIsolate& thread,
                                             const Val& value) {
  v8::Isolate* isolate = thread.isolate();
  switch (value.type()) {
    case ValType::kExternRef:
      if (value.is_null()) return v8::Null(isolate).As<v8::Value>();
      return thread.extern_refs().Wrap(value.externref()).As<v8::Value>();
    case ValType::kFuncRef:
      if (value.is_null()) return v8::Null(isolate).As<v8::Value>();
      return CannotCross(value.type());
    case ValType::kV128:
      return absl::UnimplementedError(
          "v128 values do not cross the host boundary yet");
    default:
      return ToJs(isolate, value.bits(), value.type());
  }
}

absl::StatusOr<Val> ValFromJs(v8::Local<v8::Value> value, ValType type) {
  switch (type) {
    case ValType::kExternRef: {
      if (value->IsNull()) return Val::NullRef(type);
      const std::shared_ptr<void>* host = ExternRefs::Unwrap(value);
      if (host == nullptr) {
        return absl::InternalError("an externref the host did not make");
      }
      return Val::ExternRef(*host);
    }
    case ValType::kFuncRef:
      if (value->IsNull()) return Val::NullRef(type);
      return CannotCross(type);
    case ValType::kV128:
      return absl::UnimplementedError(
          "v128 values do not cross the host boundary yet");
    default:
      return Val::FromBits(type, FromJs(value, type));
  }
}

}  // namespace wasmhost::v8backend
