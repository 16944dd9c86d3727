#include "lib/v8/code.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/util/error_status.h"
#include "lib/v8/backend.h"
#include "lib/v8/platform.h"
#include "lib/v8/thread_isolate.h"
#include "lib/v8/v8_util.h"
#include "libplatform/libplatform.h"

namespace wasmhost::v8backend {

absl::Status ValidateModule(absl::Span<const uint8_t> bytes) {
  ThreadIsolate& thread = ThreadIsolate::Current();
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread.context();
  v8::TryCatch try_catch(isolate);
  // WebAssembly.validate decodes and type-checks every function without
  // compiling any. The buffer borrows `bytes` (validate only reads it), so
  // a big module is not copied.
  std::shared_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(
      const_cast<uint8_t*>(bytes.data()), bytes.size(),
      [](void*, size_t, void*) {}, nullptr);
  v8::Local<v8::Value> args[] = {v8::ArrayBuffer::New(isolate, store)};
  v8::Local<v8::Value> valid;
  if (!thread.validate()
           ->Call(context, v8::Undefined(isolate), 1, args)
           .ToLocal(&valid)) {
    return internal::InternalError(absl::StrCat(
        "WebAssembly.validate: ", ExceptionMessage(isolate, try_catch)));
  }
  if (valid->IsTrue()) return absl::OkStatus();
  // validate() says only "no"; compiling gives V8's reason and offset.
  // This runs only for invalid modules, so its cost does not matter.
  absl::StatusOr<std::shared_ptr<const CompiledCode>> compiled =
      CompileModule(bytes);
  if (!compiled.ok()) return compiled.status();
  return internal::MakeError(
      absl::StatusCode::kInvalidArgument, ErrorKind::kInvalidModule,
      "invalid module: WebAssembly.validate rejected it");
}

absl::StatusOr<std::shared_ptr<const CompiledCode>> CompileModule(
    absl::Span<const uint8_t> bytes) {
  ThreadIsolate& thread = ThreadIsolate::Current();
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::WasmModuleObject> object;
  if (!v8::WasmModuleObject::Compile(
           isolate, v8::MemorySpan<const uint8_t>(bytes.data(), bytes.size()))
           .ToLocal(&object)) {
    // CompileError messages read "WebAssembly.Module(): <reason> @+<offset>".
    return internal::MakeError(
        absl::StatusCode::kInvalidArgument, ErrorKind::kInvalidModule,
        absl::StrCat("invalid module: ", ExceptionMessage(isolate, try_catch)));
  }
  auto code = std::make_shared<const CompiledCode>(object->GetCompiledModule());
  thread.AddModuleObject(code, object);
  return code;
}

}  // namespace wasmhost::v8backend

namespace wasmhost::v8backend {
namespace {

// What the streaming callback feeds V8 for the LoadModule in progress on
// this thread.
struct PendingLoad {
  absl::Span<const uint8_t> wire_bytes;
  absl::string_view serialized;
};
thread_local const PendingLoad* pending_load = nullptr;

}  // namespace

// V8 only deserialises through WebAssembly.compileStreaming, whose source
// it hands to this callback; the callback supplies our bytes instead.
void StreamingCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  std::shared_ptr<v8::WasmStreaming> streaming =
      v8::WasmStreaming::Unpack(info.GetIsolate(), info.Data());
  if (pending_load == nullptr) {
    streaming->Abort(v8::Exception::TypeError(
        ToV8String(info.GetIsolate(), "no module bytes to stream")));
    return;
  }
  streaming->SetCompiledModuleBytes(
      reinterpret_cast<const uint8_t*>(pending_load->serialized.data()),
      pending_load->serialized.size());
  streaming->OnBytesReceived(pending_load->wire_bytes.data(),
                             pending_load->wire_bytes.size());
  streaming->Finish();
}

absl::Span<const uint8_t> WireBytes(const CompiledCode& code) {
  const v8::MemorySpan<const uint8_t> bytes =
      const_cast<v8::CompiledWasmModule&>(code.compiled()).GetWireBytesRef();
  return absl::Span<const uint8_t>(bytes.data(), bytes.size());
}

absl::StatusOr<std::string> SerializeModule(const CompiledCode& code) {
  v8::OwnedBuffer buffer =
      const_cast<v8::CompiledWasmModule&>(code.compiled()).Serialize();
  if (buffer.size == 0) {
    return absl::FailedPreconditionError(
        "V8 has no optimised code for this module to serialise");
  }
  return std::string(reinterpret_cast<const char*>(buffer.buffer.get()),
                     buffer.size);
}

absl::StatusOr<std::shared_ptr<const CompiledCode>> LoadModule(
    absl::Span<const uint8_t> wire_bytes, absl::string_view serialized) {
  ThreadIsolate& thread = ThreadIsolate::Current();
  v8::Isolate* isolate = thread.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread.context();
  v8::TryCatch try_catch(isolate);

  const PendingLoad load{wire_bytes, serialized};
  pending_load = &load;
  v8::Local<v8::Value> args[] = {v8::Undefined(isolate)};
  v8::MaybeLocal<v8::Value> result = thread.compile_streaming()->Call(
      context, v8::Undefined(isolate), 1, args);
  pending_load = nullptr;
  v8::Local<v8::Value> value;
  if (!result.ToLocal(&value)) {
    return internal::InternalError(
        absl::StrCat("WebAssembly.compileStreaming: ",
                     ExceptionMessage(isolate, try_catch)));
  }
  // The promise settles when V8's tasks for it have run; deserialisation
  // itself is synchronous, so this loop rarely turns.
  v8::Local<v8::Promise> promise = value.As<v8::Promise>();
  while (promise->State() == v8::Promise::kPending) {
    if (!v8::platform::PumpMessageLoop(
            V8Platform(), isolate,
            v8::platform::MessageLoopBehavior::kWaitForWork)) {
      isolate->PerformMicrotaskCheckpoint();
    }
    isolate->PerformMicrotaskCheckpoint();
  }
  if (promise->State() == v8::Promise::kRejected) {
    return internal::MakeError(
        absl::StatusCode::kInvalidArgument, ErrorKind::kInvalidModule,
        absl::StrCat("invalid module: ",
                     ToStdString(isolate, promise->Result())));
  }
  v8::Local<v8::WasmModuleObject> object =
      promise->Result().As<v8::WasmModuleObject>();
  auto code = std::make_shared<const CompiledCode>(object->GetCompiledModule());
  thread.AddModuleObject(code, object);
  return code;
}

}  // namespace wasmhost::v8backend
