#include "lib/v8/thread_isolate.h"

#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/util/mutex.h"
#include "lib/v8/backend.h"
#include "lib/v8/code.h"

namespace wasmhost::v8backend {
namespace {

thread_local std::unique_ptr<ThreadIsolate> current_isolate;

// Every thread's isolate, for CollectEverywhere. An isolate leaves before
// it is disposed, under the lock, so no other thread touches a dead one.
struct IsolateRegistry {
  internal::Mutex mu;
  std::vector<ThreadIsolate*> isolates ABSL_GUARDED_BY(mu);
};
// Never destroyed: threads may still exit after static destructors ran.
IsolateRegistry& Registry() {
  static auto* registry = new IsolateRegistry;
  return *registry;
}

// How long a thread whose memory could not be reserved waits for the other
// isolates to collect before it tries again. Idle threads never answer;
// their dead memories are bounded by kDroppedMemoriesPerCollection.
constexpr absl::Duration kCollectionWait = absl::Milliseconds(50);
// How long after a failed reservation dropped memories are collected
// sooner.
constexpr absl::Duration kPressureWindow = absl::Seconds(1);

// Stack left below V8's limit for V8 itself (throwing the RangeError,
// building its message and backtrace) and for host functions.
constexpr uintptr_t kStackReserve = 64 * 1024;
// Most stack a guest may use even on a thread with a larger stack, like
// V8's own default.
constexpr uintptr_t kMaxGuestStack = 984 * 1024;

// The lowest address guest code may use on this thread: V8 assumes ~1 MiB
// of stack below the point where an isolate is entered, but server threads
// often have far less (256 KiB is common), so the floor follows the
// calling thread's real stack bounds.
uintptr_t StackFloorForThisThread() {
  uintptr_t floor = 0;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* stack_low = nullptr;
    size_t stack_size = 0;
    if (pthread_attr_getstack(&attr, &stack_low, &stack_size) == 0) {
      floor = reinterpret_cast<uintptr_t>(stack_low) + kStackReserve;
    }
    pthread_attr_destroy(&attr);
  }
  return floor;
}

// This frame's address: close enough to the stack pointer for a limit that
// leaves V8 tens of KiB of headroom.
uintptr_t StackPointer() {
  return reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
}

v8::Local<v8::Function> GetConstructor(v8::Local<v8::Context> context,
                                       v8::Local<v8::Object> wasm,
                                       const char* name) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Value> value =
      wasm->Get(context,
                v8::String::NewFromUtf8(isolate, name).ToLocalChecked())
          .ToLocalChecked();
  return value.As<v8::Function>();
}

}  // namespace

ThreadIsolate& ThreadIsolate::Current() {
  if (current_isolate == nullptr) {
    current_isolate.reset(new ThreadIsolate());
    current_ = current_isolate.get();
  }
  return *current_isolate;
}

void EnsureThreadIsolate() { ThreadIsolate::Current(); }

uint64_t HandedBackCount() { return HandBack::handed_back(); }

void RunHandedBack() {
  if (ThreadIsolate* thread = ThreadIsolate::CurrentIfAny()) {
    thread->hand_back()->RunQueued();
  }
}

ThreadIsolate::ThreadIsolate()
    : allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  isolate_ = v8::Isolate::New(params);
  stack_floor_ = StackFloorForThisThread();
  default_stack_limit_ = StackLimitFor(kMaxGuestStack);
  isolate_->SetStackLimit(default_stack_limit_);
  isolate_->SetWasmStreamingCallback(&StreamingCallback);
  isolate_->AddNearHeapLimitCallback(&NearHeapLimit, this);
  // Once the guest that hit the limit is gone and the heap shrinks back,
  // the limit goes back to where it was.
  isolate_->AutomaticallyRestoreInitialHeapLimit(0.5);
  isolate_->SetCaptureStackTraceForUncaughtExceptions(
      true, 64, v8::StackTrace::kDetailed);
  isolate_->Enter();

  v8::HandleScope scope(isolate_);
  v8::Local<v8::Context> context = v8::Context::New(isolate_);
  context->Enter();
  context_.Set(isolate_, context);

  v8::Local<v8::Value> wasm = context->Global()
                                  ->Get(context, v8::String::NewFromUtf8Literal(
                                                     isolate_, "WebAssembly"))
                                  .ToLocalChecked();
  instance_constructor_.Reset(
      isolate_, GetConstructor(context, wasm.As<v8::Object>(), "Instance"));
  memory_constructor_.Reset(
      isolate_, GetConstructor(context, wasm.As<v8::Object>(), "Memory"));
  compile_streaming_.Reset(
      isolate_,
      GetConstructor(context, wasm.As<v8::Object>(), "compileStreaming"));
  validate_.Reset(isolate_,
                  GetConstructor(context, wasm.As<v8::Object>(), "validate"));
  // No request made before this isolate existed concerns it.
  collected_epoch_.store(collection_epoch_.load());
  IsolateRegistry& registry = Registry();
  internal::MutexLock lock(&registry.mu);
  registry.isolates.push_back(this);
  value_key_.Reset(isolate_,
                   v8::String::NewFromUtf8Literal(
                       isolate_, "value", v8::NewStringType::kInternalized));
  extern_refs_ = std::make_unique<ExternRefs>(isolate_);
}

uintptr_t ThreadIsolate::StackLimitFor(uint64_t max_bytes) const {
  const uintptr_t sp = StackPointer();
  return std::max(stack_floor_, sp > max_bytes ? sp - max_bytes : 0);
}

size_t ThreadIsolate::NearHeapLimit(void* data, size_t current_limit,
                                    size_t initial_limit) {
  auto* self = static_cast<ThreadIsolate*>(data);
  self->heap_exhausted_ = true;
  self->isolate_->TerminateExecution();
  // Room for the allocation under way and for unwinding the guest.
  return current_limit + initial_limit;
}

void ThreadIsolate::Collect() {
  const uint64_t epoch = collection_epoch_.load(std::memory_order_acquire);
  // A full collection now, on this thread: V8 acts on a change to
  // kCritical only, so clear a level another thread's request left pending.
  isolate_->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
  isolate_->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  dropped_memories_ = 0;
  collected_epoch_.store(epoch, std::memory_order_release);
}

void ThreadIsolate::CollectEverywhere() {
  pressure_until_ns_.store(absl::ToUnixNanos(absl::Now() + kPressureWindow),
                           std::memory_order_relaxed);
  const uint64_t epoch =
      collection_epoch_.fetch_add(1, std::memory_order_acq_rel) + 1;
  IsolateRegistry& registry = Registry();
  {
    internal::MutexLock lock(&registry.mu);
    for (ThreadIsolate* other : registry.isolates) {
      // Thread-safe: V8 collects at the other isolate's next guest code.
      if (other != this) {
        other->isolate_->MemoryPressureNotification(
            v8::MemoryPressureLevel::kCritical);
      }
    }
  }
  Collect();
  const absl::Time deadline = absl::Now() + kCollectionWait;
  for (;;) {
    bool all_collected = true;
    {
      internal::MutexLock lock(&registry.mu);
      for (const ThreadIsolate* other : registry.isolates) {
        all_collected =
            all_collected &&
            other->collected_epoch_.load(std::memory_order_acquire) >= epoch;
      }
    }
    if (all_collected || absl::Now() >= deadline) return;
    absl::SleepFor(absl::Milliseconds(1));
  }
}

bool ThreadIsolate::EnclosingDeadlinePassed() const {
  if (deadlines_.empty()) return false;
  const absl::Time now = absl::Now();
  for (absl::Time deadline : deadlines_) {
    if (deadline <= now) return true;
  }
  return false;
}

void HandBack::Destroy(std::function<void()> destroy) {
  if (!ThreadIsolate::IsCurrent(thread_, thread_id_)) {
    internal::MutexLock lock(&mu_);
    if (!closed_) {
      queued_.push_back(std::move(destroy));
      pending_.store(true, std::memory_order_relaxed);
      handed_back_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  destroy();
}

void HandBack::RunQueuedSlow() {
  std::vector<std::function<void()>> queued;
  {
    internal::MutexLock lock(&mu_);
    queued.swap(queued_);
    pending_.store(false, std::memory_order_relaxed);
  }
  for (std::function<void()>& destroy : queued) destroy();
}

void HandBack::Close() {
  std::vector<std::function<void()>> queued;
  {
    internal::MutexLock lock(&mu_);
    closed_ = true;
    queued.swap(queued_);
    pending_.store(false, std::memory_order_relaxed);
  }
  for (std::function<void()>& destroy : queued) destroy();
}

ThreadIsolate::~ThreadIsolate() {
  // What other threads destroyed of this isolate's goes while it can still
  // be destroyed normally.
  hand_back_->RunQueued();
  {
    IsolateRegistry& registry = Registry();
    internal::MutexLock lock(&registry.mu);
    registry.isolates.erase(
        std::find(registry.isolates.begin(), registry.isolates.end(), this));
  }
  current_ = nullptr;
  for (IsolateResident* resident : std::exchange(residents_, {})) {
    resident->Detach();
  }
  // Handed back since, and from now on: destroyed detached, wherever.
  hand_back_->Close();
  modules_.clear();
  helper_modules_.clear();
  instance_constructor_.Reset();
  memory_constructor_.Reset();
  compile_streaming_.Reset();
  validate_.Reset();
  value_key_.Reset();
  extern_refs_.reset();
  context_.Get(isolate_)->Exit();
  isolate_->Exit();
  isolate_->Dispose();
}

v8::MaybeLocal<v8::WasmModuleObject> ThreadIsolate::HelperModule(
    const std::string& key, absl::FunctionRef<std::vector<uint8_t>()> build) {
  auto it = helper_modules_.find(key);
  if (it != helper_modules_.end()) return it->second.Get(isolate_);
  const std::vector<uint8_t> bytes = build();
  v8::Local<v8::WasmModuleObject> object;
  if (!v8::WasmModuleObject::Compile(
           isolate_, v8::MemorySpan<const uint8_t>(bytes.data(), bytes.size()))
           .ToLocal(&object)) {
    return {};
  }
  helper_modules_.emplace(key,
                          v8::Global<v8::WasmModuleObject>(isolate_, object));
  return object;
}

v8::Local<v8::WasmModuleObject> ThreadIsolate::ModuleObject(
    const std::shared_ptr<const CompiledCode>& code) {
  auto it = modules_.find(code.get());
  if (it != modules_.end() && !it->second.code.expired()) {
    return it->second.object.Get(isolate_);
  }
  v8::Local<v8::WasmModuleObject> object =
      v8::WasmModuleObject::FromCompiledModule(isolate_, code->compiled())
          .ToLocalChecked();
  AddModuleObject(code, object);
  return object;
}

void ThreadIsolate::AddModuleObject(
    const std::shared_ptr<const CompiledCode>& code,
    v8::Local<v8::WasmModuleObject> object) {
  absl::erase_if(modules_,
                 [](const auto& entry) { return entry.second.code.expired(); });
  CachedModule& cached = modules_[code.get()];
  cached.code = code;
  cached.object.Reset(isolate_, object);
}

}  // namespace wasmhost::v8backend
