// lib/v8/thread_isolate.h: one V8 isolate per thread that runs guests.
//
// An isolate is single-threaded, so each thread gets its own, created on
// first use and disposed when the thread exits. The isolate and one context
// stay entered for the thread's life, so calls pay for neither.

#ifndef WASMHOST_LIB_V8_THREAD_ISOLATE_H_
#define WASMHOST_LIB_V8_THREAD_ISOLATE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/util/mutex.h"
#include "lib/v8/extern_ref.h"
#include "v8.h"

namespace wasmhost::v8backend {

class CompiledCode;

// Something holding handles of a thread's isolate that may outlive it: an
// instance kept in a thread_local made before the isolate (so destroyed
// after it), or one destroyed at process exit. The isolate detaches it
// before it is disposed; afterwards it must touch no V8 state.
class IsolateResident {
 public:
  // Drops every V8 handle; later calls fail without reaching V8.
  virtual void Detach() = 0;

 protected:
  ~IsolateResident() = default;
};

class ThreadIsolate;

// What other threads hand back to an isolate's thread: an instance (with
// everything it owns) or a lease destroyed on a thread other than its own,
// where touching its V8 state would be undefined behaviour. Shared by the
// isolate and its instances, so it outlives both. Thread-safe.
class HandBack {
 public:
  HandBack(const ThreadIsolate* thread, uint64_t thread_id)
      : thread_(thread), thread_id_(thread_id) {}

  // Runs `destroy` now on the isolate's thread, or once the isolate is gone
  // (its instances are detached then, and touch no V8 state); otherwise
  // queues it for the isolate's thread (RunQueued) and counts it.
  void Destroy(std::function<void()> destroy);

  // On the isolate's thread: runs what other threads queued. One relaxed
  // load when nothing was.
  void RunQueued() {
    if (pending_.load(std::memory_order_relaxed)) RunQueuedSlow();
  }

  // On the isolate's thread, once every resident is detached: runs what
  // is still queued, and later Destroy calls run at once.
  void Close();

  // Destroy calls queued since the process started, all isolates.
  static uint64_t handed_back() {
    return handed_back_.load(std::memory_order_relaxed);
  }

 private:
  void RunQueuedSlow();

  static inline std::atomic<uint64_t> handed_back_{0};

  const ThreadIsolate* const thread_;
  const uint64_t thread_id_;
  internal::Mutex mu_;
  std::vector<std::function<void()>> queued_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> pending_{false};
};

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
  // Unique per isolate in the process. Handles that may outlive the
  // isolate compare it, not the address, which a later thread's isolate
  // may reuse.
  uint64_t id() const { return id_; }
  // Whether the calling thread's isolate is the one with `id`.
  static bool IsCurrent(const ThreadIsolate* thread, uint64_t id) {
    return current_ != nullptr && current_ == thread && current_->id_ == id;
  }
  // Opens no handle (the context is eternal), so a call can use it instead
  // of asking the isolate for its current context.
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }
  // The stack limit that lets code called from here use at most
  // `max_bytes`, never past this thread's real stack.
  uintptr_t StackLimitFor(uint64_t max_bytes) const;
  // The limit calls run with unless an instance asks for less.
  uintptr_t default_stack_limit() const { return default_stack_limit_; }

  // Where another thread hands back what it destroyed of this isolate's.
  const std::shared_ptr<HandBack>& hand_back() const { return hand_back_; }

  // Residents are detached, in no particular order, before the isolate is
  // disposed. A resident unregisters itself when destroyed first.
  void AddResident(IsolateResident* resident) { residents_.insert(resident); }
  void RemoveResident(IsolateResident* resident) { residents_.erase(resident); }

  // Address space is shared by every thread's isolate: each Wasm memory
  // reserves ~10 GB of it (guard regions included), and V8 frees a dropped
  // instance's reservation only when the isolate that made it collects
  // garbage, which V8 does on its own only when that isolate's allocation
  // fails. So an isolate collects after every kDroppedMemoriesPerCollection
  // memories it drops (bounding what an idle thread holds), or every
  // kDroppedMemoriesUnderPressure for a while after any thread failed to
  // reserve one; and a thread
  // that cannot reserve a memory asks every isolate to collect
  // (CollectEverywhere) before it tries again.

  // Records that an instance with a memory was destroyed.
  void MemoryDropped() {
    ++dropped_memories_;
    if (dropped_memories_ >= kDroppedMemoriesPerCollection ||
        CollectionRequested() ||
        (dropped_memories_ >= kDroppedMemoriesUnderPressure &&
         absl::GetCurrentTimeNanos() <
             pressure_until_ns_.load(std::memory_order_relaxed))) {
      Collect();
    }
  }
  // Collects if another thread asked every isolate to since this one last
  // did. One relaxed load when nobody asked.
  void CollectIfRequested() {
    if (CollectionRequested()) Collect();
  }
  // Collects in this isolate, asks every other isolate to collect (at its
  // next instantiation, instance destruction or guest code), and waits up
  // to kCollectionWait for the busy ones to have done so.
  void CollectEverywhere();

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

  // Dropped memories (each ~10 GB of address space) an isolate keeps before
  // collecting: at most ~2.5 TB of the 128 TB a process has per idle thread.
  static constexpr size_t kDroppedMemoriesPerCollection = 256;
  // The same while address space is short (~160 GB).
  static constexpr size_t kDroppedMemoriesUnderPressure = 16;

  bool CollectionRequested() const {
    return collection_epoch_.load(std::memory_order_relaxed) !=
           collected_epoch_.load(std::memory_order_relaxed);
  }
  // A full garbage collection, which frees the reservations of the dead
  // memories; acknowledges the requests made so far.
  void Collect();

  // Bumped by CollectEverywhere: every isolate that has not collected since
  // has a collection to do.
  static inline std::atomic<uint64_t> collection_epoch_{0};
  // Until when (absl::GetCurrentTimeNanos) dropped memories are collected
  // every kDroppedMemoriesUnderPressure: a reservation failed recently, so
  // address space is short, and a thread that drops instances and then
  // waits would otherwise keep them from the others.
  static inline std::atomic<int64_t> pressure_until_ns_{0};
  static inline std::atomic<uint64_t> next_id_{0};

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

  const uint64_t id_ = next_id_.fetch_add(1, std::memory_order_relaxed);
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
  absl::flat_hash_set<IsolateResident*> residents_;
  const std::shared_ptr<HandBack> hand_back_ =
      std::make_shared<HandBack>(this, id_);
  size_t dropped_memories_ = 0;
  // The collection_epoch_ this isolate's last Collect answered. Written by
  // this thread only; read by CollectEverywhere on others.
  std::atomic<uint64_t> collected_epoch_{0};
  std::vector<absl::Time> deadlines_;
  bool heap_exhausted_ = false;
};

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_THREAD_ISOLATE_H_
