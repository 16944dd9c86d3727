// lib/v8/thread_isolate.h: one V8 isolate per thread that runs guests.
//
// An isolate is single-threaded, so each thread gets its own, created on
// first use and disposed when the thread exits. The isolate and one context
// stay entered for the thread's life, so calls pay for neither.

#ifndef WASMHOST_LIB_V8_THREAD_ISOLATE_H_
#define WASMHOST_LIB_V8_THREAD_ISOLATE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lib/v8/extern_ref.h"
#include "v8.h"

namespace wasmhost::v8backend {

class CompiledCode;

// Thread-affine by construction.
class ThreadIsolate {
 public:
  // The calling thread's isolate, created on first use. V8 must be
  // initialised.
  static ThreadIsolate& Current();
  // The calling thread's isolate if it has one, else nullptr. Inline: the
  // call path checks it on every call.
  static ThreadIsolate* CurrentIfAny() { return current_; }

  ThreadIsolate(const ThreadIsolate&) = delete;
  ThreadIsolate& operator=(const ThreadIsolate&) = delete;
  ~ThreadIsolate();

  v8::Isolate* isolate() const { return isolate_; }
  // Opens no handle (the context is eternal), so a call can use it instead
  // of asking the isolate for its current context.
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  // The stack limit that lets code called from here use at most
  // `max_bytes`, never past this thread's real stack.
  uintptr_t StackLimitFor(uint64_t max_bytes) const;
  // The limit calls run with unless an instance asks for less.
  uintptr_t default_stack_limit() const { return default_stack_limit_; }

  // Deadlines of the calls with one running on this thread, outermost
  // first. A host function may call another guest: the watchdog's
  // termination then stops every guest on the stack, and a nested call must
  // leave it pending when an enclosing call's deadline caused it.
  void PushDeadline(absl::Time deadline) { deadlines_.push_back(deadline); }
  void PopDeadline() { deadlines_.pop_back(); }
  // Whether the deadline of a call on the stack (the caller's own popped
  // already) has passed.
  bool EnclosingDeadlinePassed() const;

  // Whether V8's heap reached its limit since the last call of this: the
  // isolate then has a termination pending (see NearHeapLimit).
  bool heap_exhausted() const { return heap_exhausted_; }
  bool TakeHeapExhausted() { return std::exchange(heap_exhausted_, false); }

  // WebAssembly.Instance and WebAssembly.Memory of this isolate's context.
  v8::Local<v8::Function> instance_constructor() const {
    return instance_constructor_.Get(isolate_);
  }
  v8::Local<v8::Function> memory_constructor() const {
    return memory_constructor_.Get(isolate_);
  }

  // WebAssembly.validate, used to check a module before it is rewritten.
  v8::Local<v8::Function> validate() const { return validate_.Get(isolate_); }

  // WebAssembly.compileStreaming, used to load cached code.
  v8::Local<v8::Function> compile_streaming() const {
    return compile_streaming_.Get(isolate_);
  }
  // The string "value" (WebAssembly.Global's accessor), made once.
  v8::Local<v8::String> value_key() const { return value_key_.Get(isolate_); }

  // The failure of a host function during the current guest call, kept
  // per thread rather than per instance: a host function bound in one
  // instance can be called by another (a shared table, an instance's
  // exports imported by another), and the call that entered the guest
  // must find the failure. OK while no host function failed.
  absl::Status& host_error() { return host_error_; }

  // The host values this isolate holds as externrefs.
  ExternRefs& extern_refs() { return *extern_refs_; }

  // One of the host's own small modules (lib/wasm/boundary.h's accessors),
  // compiled from `build()` on first use of `key` in this isolate; empty if
  // V8 refuses it.
  v8::MaybeLocal<v8::WasmModuleObject> HelperModule(
      const std::string& key, absl::FunctionRef<std::vector<uint8_t>()> build);

  // `code` as a module object of this isolate, made once per isolate
  // (FromCompiledModule shares the code; it does not recompile).
  v8::Local<v8::WasmModuleObject> ModuleObject(
      const std::shared_ptr<const CompiledCode>& code);
  // Records a module object compiled in this isolate for `code`.
  void AddModuleObject(const std::shared_ptr<const CompiledCode>& code,
                       v8::Local<v8::WasmModuleObject> object);

 private:
  ThreadIsolate();

  // V8 calls this when its heap nears the limit, where it would otherwise
  // abort the process ("Fatal JavaScript OOM"). It stops the running guest
  // and grants room to unwind.
  static size_t NearHeapLimit(void* data, size_t current_limit,
                              size_t initial_limit);

  // Mirrors the owning thread_local in the .cc as a trivially destructible
  // pointer. Inline with its constant initializer in sight, so other files
  // read it directly, without checking for a TLS init function.
  static inline thread_local ThreadIsolate* current_ = nullptr;

  struct CachedModule {
    // Weak so a dropped Module's code is freed; expired entries are swept
    // when new ones are added.
    std::weak_ptr<const CompiledCode> code;
    v8::Global<v8::WasmModuleObject> object;
  };

  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  uintptr_t stack_floor_ = 0;
  uintptr_t default_stack_limit_ = 0;
  v8::Isolate* isolate_;
  // Lives as long as the isolate anyway.
  v8::Eternal<v8::Context> context_;
  v8::Global<v8::Function> instance_constructor_;
  v8::Global<v8::Function> memory_constructor_;
  v8::Global<v8::Function> compile_streaming_;
  v8::Global<v8::Function> validate_;
  v8::Global<v8::String> value_key_;
  absl::flat_hash_map<const CompiledCode*, CachedModule> modules_;
  absl::flat_hash_map<std::string, v8::Global<v8::WasmModuleObject>>
      helper_modules_;
  std::unique_ptr<ExternRefs> extern_refs_;
  absl::Status host_error_;
  std::vector<absl::Time> deadlines_;
  bool heap_exhausted_ = false;
};

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_THREAD_ISOLATE_H_
