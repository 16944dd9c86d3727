#include "lib/v8/js_values.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"
#include "lib/v8/extern_object.h"
#include "lib/v8/thread_isolate.h"
#include "lib/v8/v8_util.h"
#include "lib/wasm/boundary.h"

namespace wasmhost::v8backend {
namespace {

absl::Status OnlyInTheBoundaryAbi(ValType type) {
  return internal::InternalError(absl::StrCat(
      "a ", ValTypeName(type), " crosses only in the boundary ABI"));
}

absl::Status OtherThread() {
  return internal::WrongThreadError(
      "the funcref belongs to another thread's isolate");
}

absl::StatusOr<std::vector<ValType>> TypesFromJs(ThreadIsolate& thread,
                                                 v8::Local<v8::Object> type,
                                                 absl::string_view key) {
  v8::Isolate* isolate = thread.isolate();
  v8::Local<v8::Context> context = thread.context();
  v8::Local<v8::Array> names = type->Get(context, ToV8String(isolate, key))
                                   .ToLocalChecked()
                                   .As<v8::Array>();
  std::vector<ValType> types;
  for (uint32_t i = 0; i < names->Length(); ++i) {
    const std::string name =
        ToStdString(isolate, names->Get(context, i).ToLocalChecked());
    bool known = false;
    for (ValType candidate :
         {ValType::kI32, ValType::kI64, ValType::kF32, ValType::kF64,
          ValType::kV128, ValType::kFuncRef, ValType::kExternRef}) {
      if (name == ValTypeName(candidate) ||
          (candidate == ValType::kFuncRef && name == "anyfunc")) {
        types.push_back(candidate);
        known = true;
        break;
      }
    }
    if (!known) {
      return internal::MakeError(
          absl::StatusCode::kUnimplemented, ErrorKind::kUnsupported,
          absl::StrCat("a function of value type '", name,
                       "' cannot cross the host boundary"));
    }
  }
  return types;
}

// The signature of Wasm function `function`, from the JS API's type
// reflection (WebAssembly.Function.type, which the engine's
// --experimental-wasm-type-reflection provides): a funcref read from a
// table or global needs it to be called.
absl::StatusOr<FuncType> FunctionType(ThreadIsolate& thread,
                                      v8::Local<v8::Value> function) {
  v8::Isolate* isolate = thread.isolate();
  v8::Local<v8::Context> context = thread.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> wasm =
      context->Global()
          ->Get(context, ToV8String(isolate, "WebAssembly"))
          .ToLocalChecked();
  v8::Local<v8::Value> function_class =
      wasm.As<v8::Object>()
          ->Get(context, ToV8String(isolate, "Function"))
          .ToLocalChecked();
  v8::Local<v8::Value> type_of;
  if (!function_class->IsObject() ||
      !function_class.As<v8::Object>()
           ->Get(context, ToV8String(isolate, "type"))
           .ToLocal(&type_of) ||
      !type_of->IsFunction()) {
    return internal::MakeError(
        absl::StatusCode::kUnimplemented, ErrorKind::kUnsupported,
        "reading a funcref needs V8's --experimental-wasm-type-reflection");
  }
  v8::Local<v8::Value> args[] = {function};
  v8::Local<v8::Value> type;
  if (!type_of.As<v8::Function>()
           ->Call(context, function_class, 1, args)
           .ToLocal(&type)) {
    return internal::InternalError(absl::StrCat(
        "the funcref's type: ", ExceptionMessage(isolate, try_catch)));
  }
  FuncType result;
  WASMHOST_ASSIGN_OR_RETURN(
      result.params, TypesFromJs(thread, type.As<v8::Object>(), "parameters"));
  WASMHOST_ASSIGN_OR_RETURN(
      result.results, TypesFromJs(thread, type.As<v8::Object>(), "results"));
  return result;
}

}  // namespace

absl::StatusOr<v8::Local<v8::Value>> FunctionToJs(
    const internal::FuncRefState& function) {
  if (function.object != nullptr) {
    if (!function.object->OnOwnerThread()) return OtherThread();
    return function.object->handle().Get().As<v8::Value>();
  }
  if (!function.exporter->OnOwnerThread()) return OtherThread();
  return function.exporter->Export(function.export_index)
      ->handle()
      .Get()
      .As<v8::Value>();
}

absl::StatusOr<v8::Local<v8::Function>> BoundaryCallable(
    ThreadIsolate& thread, const internal::FuncRefState& function) {
  std::shared_ptr<ExternObject> object = function.object;
  if (object == nullptr) {
    if (!function.exporter->OnOwnerThread()) return OtherThread();
    object = function.exporter->Export(function.export_index);
  }
  if (!object->OnOwnerThread()) return OtherThread();
  ExternObject::Handle& handle = object->handle();
  if (!wasm::NeedsBoundaryAbi(function.type)) {
    return handle.Get().As<v8::Function>();
  }
  return AccessorFunction(
      handle, &handle.call,
      thread.HelperModule(
          absl::StrCat("function ", function.type.ToString()),
          [&] { return wasm::BuildFunctionAccessor(function.type); }),
      "call");
}

absl::StatusOr<v8::Local<v8::Value>> ValToJs(ThreadIsolate& thread,
                                             const Val& value) {
  v8::Isolate* isolate = thread.isolate();
  switch (value.type()) {
    case ValType::kExternRef:
      if (value.is_null()) return v8::Null(isolate).As<v8::Value>();
      return thread.extern_refs().Wrap(value.externref()).As<v8::Value>();
    case ValType::kFuncRef:
      if (value.is_null()) return v8::Null(isolate).As<v8::Value>();
      return FunctionToJs(*static_cast<const internal::FuncRefState*>(
          internal::ValRef::Get(value).get()));
    case ValType::kI32:
    case ValType::kI64:
      return ToJs(isolate, value.bits(), value.type());
    default:
      return OnlyInTheBoundaryAbi(value.type());
  }
}

absl::Status AppendBoundaryJs(ThreadIsolate& thread, const Val& value,
                              std::vector<v8::Local<v8::Value>>& out) {
  v8::Isolate* isolate = thread.isolate();
  switch (value.type()) {
    case ValType::kF32:
      out.push_back(ToJs(isolate, value.bits(), ValType::kI32));
      return absl::OkStatus();
    case ValType::kF64:
      out.push_back(ToJs(isolate, value.bits(), ValType::kI64));
      return absl::OkStatus();
    case ValType::kV128:
      out.push_back(ToJs(isolate, value.v128_low(), ValType::kI64));
      out.push_back(ToJs(isolate, value.v128_high(), ValType::kI64));
      return absl::OkStatus();
    default: {
      WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> js,
                                ValToJs(thread, value));
      out.push_back(js);
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<Val> ValFromBoundaryJs(
    ThreadIsolate& thread, absl::Span<const v8::Local<v8::Value>> values,
    size_t* next, ValType type, const std::shared_ptr<void>& via) {
  const size_t count = type == ValType::kV128 ? 2 : 1;
  if (*next + count > values.size()) {
    return internal::InternalError(
        "fewer boundary-ABI values than the type has");
  }
  const size_t at = *next;
  *next += count;
  switch (type) {
    case ValType::kF32:
      return Val::FromBits(
          type, static_cast<uint32_t>(FromJs(values[at], ValType::kI32)));
    case ValType::kF64:
      return Val::FromBits(type, FromJs(values[at], ValType::kI64));
    case ValType::kV128:
      return Val::V128(FromJs(values[at], ValType::kI64),
                       FromJs(values[at + 1], ValType::kI64));
    default:
      return ValFromJs(thread, values[at], type, via);
  }
}

std::vector<v8::Local<v8::Value>> ResultList(v8::Local<v8::Context> context,
                                             v8::Local<v8::Value> result,
                                             size_t count) {
  if (count == 1) return {result};
  std::vector<v8::Local<v8::Value>> list;
  list.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    list.push_back(result.As<v8::Array>()
                       ->Get(context, static_cast<uint32_t>(i))
                       .ToLocalChecked());
  }
  return list;
}

absl::StatusOr<Val> ValFromJs(ThreadIsolate& thread, v8::Local<v8::Value> value,
                              ValType type, const std::shared_ptr<void>& via) {
  switch (type) {
    case ValType::kExternRef: {
      if (value->IsNull()) return Val::NullRef(type);
      const std::shared_ptr<void>* host = ExternRefs::Unwrap(value);
      if (host == nullptr) {
        return internal::InternalError("an externref the host did not make");
      }
      return Val::ExternRef(*host);
    }
    case ValType::kFuncRef: {
      if (value->IsNull()) return Val::NullRef(type);
      auto function = std::make_shared<internal::FuncRefState>();
      WASMHOST_ASSIGN_OR_RETURN(function->type, FunctionType(thread, value));
      function->object =
          std::make_shared<ExternObject>(std::make_unique<ExternObject::Handle>(
              thread, value.As<v8::Object>()));
      function->via = via;
      return internal::ValRef::Make(type, std::move(function));
    }
    case ValType::kI32:
    case ValType::kI64:
      return Val::FromBits(type, FromJs(value, type));
    default:
      return OnlyInTheBoundaryAbi(type);
  }
}

}  // namespace wasmhost::v8backend
