#include "lib/v8/code.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/v8/backend.h"
#include "lib/v8/thread_isolate.h"
#include "lib/v8/v8_util.h"

namespace wasmhost::v8backend {

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
    return absl::InvalidArgumentError(
        absl::StrCat("invalid module: ", ExceptionMessage(isolate, try_catch)));
  }
  auto code = std::make_shared<const CompiledCode>(object->GetCompiledModule());
  thread.AddModuleObject(code, object);
  return code;
}

}  // namespace wasmhost::v8backend
