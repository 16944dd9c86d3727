// ExternObject on V8: WebAssembly.Global, .Table and .Memory objects, and
// exported functions, used through their JS API.

#include "lib/v8/extern_object.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"
#include "lib/v8/js_values.h"
#include "lib/v8/platform.h"
#include "lib/v8/v8_util.h"
#include "lib/wasm/boundary.h"

namespace wasmhost::v8backend {
namespace {

// The value type names of the WebAssembly JS API ("anyfunc" is the name
// V8 10.2 knows for funcref).
absl::string_view JsTypeName(ValType type) {
  return type == ValType::kFuncRef ? "anyfunc" : ValTypeName(type);
}

void SetNumber(v8::Local<v8::Context> context, v8::Local<v8::Object> object,
               absl::string_view key, uint64_t value) {
  v8::Isolate* isolate = context->GetIsolate();
  object
      ->Set(context, ToV8String(isolate, key),
            v8::Number::New(isolate, static_cast<double>(value)))
      .Check();
}

// `new WebAssembly.<name>(args...)` in the calling thread's isolate.
absl::StatusOr<std::shared_ptr<ExternObject>> Construct(
    ThreadIsolate& thread, absl::string_view name,
    absl::Span<v8::Local<v8::Value>> args) {
  v8::Isolate* isolate = thread.isolate();
  v8::Local<v8::Context> context = thread.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Object> wasm =
      context->Global()
          ->Get(context, ToV8String(isolate, "WebAssembly"))
          .ToLocalChecked()
          .As<v8::Object>();
  v8::Local<v8::Function> constructor =
      wasm->Get(context, ToV8String(isolate, name))
          .ToLocalChecked()
          .As<v8::Function>();
  v8::Local<v8::Object> object;
  if (!constructor
           ->NewInstance(context, static_cast<int>(args.size()), args.data())
           .ToLocal(&object)) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("WebAssembly.", name, " refused the type: ",
                     ExceptionMessage(isolate, try_catch)));
  }
  return std::make_shared<ExternObject>(
      std::make_unique<ExternObject::Handle>(thread, object));
}

// The calling thread's isolate, once an Engine has initialised V8.
absl::StatusOr<ThreadIsolate*> CreatingThread() {
  if (!V8Initialized()) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "no Engine exists yet: call Engine::Create first");
  }
  return &ThreadIsolate::Current();
}

// Calls method `name` of `handle`'s object. A RangeError (a table or memory
// cannot grow) is ResourceExhausted; anything else Internal, since the
// callers checked the arguments.
absl::StatusOr<v8::Local<v8::Value>> CallMethod(
    const ExternObject::Handle& handle, absl::string_view name,
    absl::Span<v8::Local<v8::Value>> args) {
  v8::Isolate* isolate = handle.thread->isolate();
  v8::Local<v8::Context> context = handle.thread->context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Object> object = handle.Get();
  v8::Local<v8::Value> method =
      object->Get(context, ToV8String(isolate, name)).ToLocalChecked();
  v8::Local<v8::Value> result;
  if (!method.As<v8::Function>()
           ->Call(context, object, static_cast<int>(args.size()), args.data())
           .ToLocal(&result)) {
    const std::string message = ExceptionMessage(isolate, try_catch);
    if (absl::StartsWith(message, "RangeError")) {
      return internal::LimitError(LimitKind::kTableElements, message);
    }
    return internal::InternalError(message);
  }
  return result;
}

// Numbers and v128 cross WebAssembly.Global's JS API lossily (a NaN's bits)
// or not at all (v128): they go through accessor modules instead.
bool NeedsAccessor(ValType type) {
  return type != ValType::kFuncRef && type != ValType::kExternRef &&
         type != ValType::kI32 && type != ValType::kI64;
}

v8::MaybeLocal<v8::WasmModuleObject> GlobalAccessorModule(
    ThreadIsolate& thread, const GlobalType& type) {
  return thread.HelperModule(
      absl::StrCat("global ", ValTypeName(type.type),
                   type.is_mutable ? " mut" : ""),
      [&] { return wasm::BuildGlobalAccessor({type.type, type.is_mutable}); });
}

// Calls accessor `function` with boundary-ABI `args`; returns its result.
absl::StatusOr<v8::Local<v8::Value>> CallAccessor(
    ThreadIsolate& thread, v8::Local<v8::Function> function,
    std::vector<v8::Local<v8::Value>>& args) {
  v8::Isolate* isolate = thread.isolate();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> result;
  if (!function
           ->Call(thread.context(), v8::Undefined(isolate),
                  static_cast<int>(args.size()), args.data())
           .ToLocal(&result)) {
    return internal::InternalError(ExceptionMessage(isolate, try_catch));
  }
  return result;
}

}  // namespace

absl::StatusOr<v8::Local<v8::Object>> InstantiateHelper(
    ThreadIsolate& thread, v8::Local<v8::WasmModuleObject> module,
    v8::Local<v8::Value> imported) {
  v8::Local<v8::Object> adapter_imports;
  if (!imported.IsEmpty()) {
    adapter_imports = v8::Object::New(thread.isolate());
    adapter_imports
        ->Set(thread.context(),
              ToV8String(thread.isolate(), wasm::kAccessedObject), imported)
        .Check();
  }
  return InstantiateWithAdapterImports(thread, module, adapter_imports);
}

absl::StatusOr<v8::Local<v8::Object>> InstantiateWithAdapterImports(
    ThreadIsolate& thread, v8::Local<v8::WasmModuleObject> module,
    v8::Local<v8::Object> adapter_imports) {
  v8::Isolate* isolate = thread.isolate();
  v8::Local<v8::Context> context = thread.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Object> imports = v8::Object::New(isolate);
  if (!adapter_imports.IsEmpty()) {
    imports
        ->Set(context, ToV8String(isolate, wasm::kAdapterImportModule),
              adapter_imports)
        .Check();
  }
  v8::Local<v8::Value> args[] = {module, imports};
  v8::Local<v8::Object> instance;
  if (!thread.instance_constructor()
           ->NewInstance(context, 2, args)
           .ToLocal(&instance)) {
    return internal::InternalError(
        absl::StrCat("instantiating a helper module: ",
                     ExceptionMessage(isolate, try_catch)));
  }
  return instance->Get(context, ToV8String(isolate, "exports"))
      .ToLocalChecked()
      .As<v8::Object>();
}

absl::StatusOr<v8::Local<v8::Function>> AccessorFunction(
    ExternObject::Handle& handle, v8::Persistent<v8::Function>* slot,
    v8::MaybeLocal<v8::WasmModuleObject> module, absl::string_view name) {
  v8::Isolate* isolate = handle.thread->isolate();
  if (!slot->IsEmpty()) return slot->Get(isolate);
  v8::Local<v8::WasmModuleObject> compiled;
  if (!module.ToLocal(&compiled)) {
    return internal::InternalError("V8 refused an accessor module");
  }
  WASMHOST_ASSIGN_OR_RETURN(
      v8::Local<v8::Object> exports,
      InstantiateHelper(*handle.thread, compiled, handle.Get()));
  v8::Local<v8::Function> function =
      exports->Get(handle.thread->context(), ToV8String(isolate, name))
          .ToLocalChecked()
          .As<v8::Function>();
  slot->Reset(isolate, function);
  return function;
}

ExternObject::ExternObject(std::unique_ptr<Handle> handle)
    : handle_(std::move(handle)) {}

ExternObject::~ExternObject() {
  // On another thread, or after the thread's isolate is gone, the handle is
  // left to the isolate, which frees it when it is disposed.
  if (OnOwnerThread()) {
    handle_->object.Reset();
    handle_->call.Reset();
    handle_->get.Reset();
    handle_->set.Reset();
  }
}

bool ExternObject::OnOwnerThread() const {
  return ThreadIsolate::IsCurrent(handle_->thread, handle_->thread_id);
}

absl::StatusOr<std::shared_ptr<ExternObject>> ExternObject::NewGlobal(
    const GlobalType& type, const Val& value) {
  WASMHOST_ASSIGN_OR_RETURN(ThreadIsolate * creating, CreatingThread());
  ThreadIsolate& thread = *creating;
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread.context();
  if (NeedsAccessor(type.type)) {
    // A module defining the global with the value as its constant.
    const std::vector<uint8_t> bytes = wasm::BuildGlobalDefinition(
        {type.type, type.is_mutable}, value.bits(), value.v128_high());
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::WasmModuleObject> module;
    if (!v8::WasmModuleObject::Compile(
             isolate, v8::MemorySpan<const uint8_t>(bytes.data(), bytes.size()))
             .ToLocal(&module)) {
      return internal::InternalError(
          absl::StrCat("V8 refused a global definition: ",
                       ExceptionMessage(isolate, try_catch)));
    }
    WASMHOST_ASSIGN_OR_RETURN(
        v8::Local<v8::Object> exports,
        InstantiateHelper(thread, module, v8::Local<v8::Value>()));
    return std::make_shared<ExternObject>(
        std::make_unique<ExternObject::Handle>(
            thread, exports->Get(context, ToV8String(isolate, "global"))
                        .ToLocalChecked()
                        .As<v8::Object>()));
  }
  v8::Local<v8::Object> descriptor = v8::Object::New(isolate);
  descriptor
      ->Set(context, ToV8String(isolate, "value"),
            ToV8String(isolate, JsTypeName(type.type)))
      .Check();
  descriptor
      ->Set(context, ToV8String(isolate, "mutable"),
            v8::Boolean::New(isolate, type.is_mutable))
      .Check();
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> initial,
                            ValToJs(thread, value));
  v8::Local<v8::Value> args[] = {descriptor, initial};
  return Construct(thread, "Global", absl::MakeSpan(args));
}

absl::StatusOr<std::shared_ptr<ExternObject>> ExternObject::NewTable(
    const TableType& type, const Val& init) {
  WASMHOST_ASSIGN_OR_RETURN(ThreadIsolate * creating, CreatingThread());
  ThreadIsolate& thread = *creating;
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread.context();
  v8::Local<v8::Object> descriptor = v8::Object::New(isolate);
  descriptor
      ->Set(context, ToV8String(isolate, "element"),
            ToV8String(isolate, JsTypeName(type.element)))
      .Check();
  SetNumber(context, descriptor, "initial", type.min_size);
  if (type.max_size.has_value()) {
    SetNumber(context, descriptor, "maximum", *type.max_size);
  }
  v8::Local<v8::Value> args[] = {descriptor};
  WASMHOST_ASSIGN_OR_RETURN(std::shared_ptr<ExternObject> table,
                            Construct(thread, "Table", absl::MakeSpan(args)));
  // V8 10.2's constructor takes no initial value: fill the elements.
  if (!init.is_null()) {
    for (uint64_t i = 0; i < type.min_size; ++i) {
      WASMHOST_RETURN_IF_ERROR(table->TableSet(i, init));
    }
  }
  return table;
}

absl::StatusOr<std::shared_ptr<ExternObject>> ExternObject::NewMemory(
    const MemoryType& type) {
  WASMHOST_ASSIGN_OR_RETURN(ThreadIsolate * creating, CreatingThread());
  ThreadIsolate& thread = *creating;
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread.context();
  v8::Local<v8::Object> descriptor = v8::Object::New(isolate);
  SetNumber(context, descriptor, "initial", type.min_pages);
  if (type.max_pages.has_value()) {
    SetNumber(context, descriptor, "maximum", *type.max_pages);
  }
  v8::Local<v8::Value> args[] = {descriptor};
  absl::StatusOr<std::shared_ptr<ExternObject>> memory =
      Construct(thread, "Memory", absl::MakeSpan(args));
  if (!memory.ok()) {
    // A valid type the engine cannot allocate.
    return internal::LimitError(LimitKind::kAddressSpace,
                                memory.status().message());
  }
  return memory;
}

absl::StatusOr<Val> ExternObject::GlobalGet(
    const GlobalType& type, const std::shared_ptr<void>& via) const {
  ThreadIsolate& thread = *handle_->thread;
  v8::HandleScope scope(thread.isolate());
  if (!NeedsAccessor(type.type)) {
    return ValFromJs(thread,
                     handle_->Get()
                         ->Get(thread.context(), thread.value_key())
                         .ToLocalChecked(),
                     type.type, via);
  }
  WASMHOST_ASSIGN_OR_RETURN(
      v8::Local<v8::Function> get,
      AccessorFunction(*handle_, &handle_->get,
                       GlobalAccessorModule(thread, type), "get"));
  std::vector<v8::Local<v8::Value>> no_args;
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> result,
                            CallAccessor(thread, get, no_args));
  const size_t count = type.type == ValType::kV128 ? 2 : 1;
  const std::vector<v8::Local<v8::Value>> values =
      ResultList(thread.context(), result, count);
  size_t next = 0;
  return ValFromBoundaryJs(thread, values, &next, type.type, via);
}

absl::Status ExternObject::GlobalSet(const GlobalType& type,
                                     const Val& value) const {
  ThreadIsolate& thread = *handle_->thread;
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  if (NeedsAccessor(type.type)) {
    WASMHOST_ASSIGN_OR_RETURN(
        v8::Local<v8::Function> set,
        AccessorFunction(*handle_, &handle_->set,
                         GlobalAccessorModule(thread, type), "set"));
    std::vector<v8::Local<v8::Value>> args;
    WASMHOST_RETURN_IF_ERROR(AppendBoundaryJs(thread, value, args));
    return CallAccessor(thread, set, args).status();
  }
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> js, ValToJs(thread, value));
  v8::TryCatch try_catch(isolate);
  if (handle_->Get()
          ->Set(thread.context(), thread.value_key(), js)
          .IsNothing()) {
    return internal::InternalError(ExceptionMessage(isolate, try_catch));
  }
  return absl::OkStatus();
}

uint64_t ExternObject::TableSize() const {
  if (!OnOwnerThread()) return 0;
  v8::Isolate* isolate = handle_->thread->isolate();
  v8::HandleScope scope(isolate);
  return handle_->Get()
      ->Get(handle_->thread->context(), ToV8String(isolate, "length"))
      .ToLocalChecked()
      .As<v8::Uint32>()
      ->Value();
}

absl::StatusOr<Val> ExternObject::TableGet(
    uint64_t index, ValType element, const std::shared_ptr<void>& via) const {
  v8::Isolate* isolate = handle_->thread->isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Value> args[] = {
      v8::Number::New(isolate, static_cast<double>(index))};
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> value,
                            CallMethod(*handle_, "get", absl::MakeSpan(args)));
  return ValFromJs(*handle_->thread, value, element, via);
}

absl::Status ExternObject::TableSet(uint64_t index, const Val& value) const {
  v8::Isolate* isolate = handle_->thread->isolate();
  v8::HandleScope scope(isolate);
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> js,
                            ValToJs(*handle_->thread, value));
  v8::Local<v8::Value> args[] = {
      v8::Number::New(isolate, static_cast<double>(index)), js};
  return CallMethod(*handle_, "set", absl::MakeSpan(args)).status();
}

absl::StatusOr<uint64_t> ExternObject::TableGrow(uint64_t delta,
                                                 const Val& init) const {
  v8::Isolate* isolate = handle_->thread->isolate();
  v8::HandleScope scope(isolate);
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> js,
                            ValToJs(*handle_->thread, init));
  v8::Local<v8::Value> args[] = {
      v8::Number::New(isolate, static_cast<double>(delta)), js};
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Value> previous,
                            CallMethod(*handle_, "grow", absl::MakeSpan(args)));
  return previous.As<v8::Uint32>()->Value();
}

absl::Span<uint8_t> ExternObject::MemoryBytes() const {
  if (!OnOwnerThread()) return {};
  v8::HandleScope scope(handle_->thread->isolate());
  v8::Local<v8::ArrayBuffer> buffer =
      handle_->Get().As<v8::WasmMemoryObject>()->Buffer();
  return {static_cast<uint8_t*>(buffer->Data()), buffer->ByteLength()};
}

}  // namespace wasmhost::v8backend
