// BackendInstance on V8: instantiation through WebAssembly.Instance, calls
// into exports, host-function trampolines, and the translation of V8
// exceptions and terminations into statuses.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/container/fixed_array.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "lib/util/api_access.h"
#include "lib/util/error_status.h"
#include "lib/util/memory_image.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"
#include "lib/v8/code.h"
#include "lib/v8/extern_object.h"
#include "lib/v8/js_values.h"
#include "lib/v8/thread_isolate.h"
#include "lib/v8/v8_util.h"
#include "lib/v8/watchdog.h"
#include "lib/wasm/batch_driver.h"
#include "lib/wasm/boundary.h"
#include "v8.h"

namespace wasmhost::v8backend {
namespace {

using internal::RawVal;

// Arguments and results up to this many live on the stack.
constexpr size_t kInlineValues = 8;

// Several values as a JS array, the form V8 takes multiple results in.
// Out of line: its FixedArray's buffer would make -fstack-protector guard
// the caller's frame.
ABSL_ATTRIBUTE_NOINLINE v8::Local<v8::Array> ToJsArray(
    v8::Isolate* isolate, const std::vector<ValType>& types,
    const RawVal* values) {
  absl::FixedArray<v8::Local<v8::Value>, kInlineValues> elements(types.size());
  for (size_t i = 0; i < elements.size(); ++i) {
    elements[i] = ToJs(isolate, values[i], types[i]);
  }
  return v8::Array::New(isolate, elements.data(), elements.size());
}

// Converts arguments of `types` to JS values in `argv`.
inline void ToJsArgs(v8::Isolate* isolate, const std::vector<ValType>& types,
                     const RawVal* args, v8::Local<v8::Value>* argv) {
  // Read once: V8 calls in the loop could change `types` as far as the
  // compiler knows.
  const ValType* type = types.data();
  const size_t count = types.size();
  for (size_t i = 0; i < count; ++i) argv[i] = ToJs(isolate, args[i], type[i]);
}

// Makes a host function's caller throw: the exception only unwinds the
// guest; the status it stands for is kept in ThreadIsolate::host_error().
// Out of line, as it runs only on failure.
ABSL_ATTRIBUTE_NOINLINE void ThrowUndefined(v8::Isolate* isolate) {
  isolate->ThrowException(v8::Undefined(isolate));
}

// Stands in for an import adapter's import that nothing calls.
void NeverCalled(const v8::FunctionCallbackInfo<v8::Value>& info) {
  ThrowUndefined(info.GetIsolate());
}

// `options` with a finite timeout turned into the deadline it gives a
// call starting now, so the rest of the call path sees only `deadline`.
CallOptions WithStartedTimeout(const CallOptions& options) {
  CallOptions started = options;
  if (options.timeout != absl::InfiniteDuration()) {
    started.deadline = options.DeadlineFrom(absl::Now());
    started.timeout = absl::InfiniteDuration();
  }
  return started;
}

// Splits "RuntimeError: divide by zero" into its name and message.
std::pair<std::string, std::string> SplitErrorText(const std::string& text) {
  const size_t colon = text.find(": ");
  if (colon == std::string::npos) return {"", text};
  return {text.substr(0, colon), text.substr(colon + 2)};
}

// Registered with its ThreadIsolate: an instance that outlives the isolate
// (kept in a thread_local made before it, or destroyed at process exit) is
// detached first, and then only refuses calls.
class V8Instance final : public BackendInstance, public IsolateResident {
 public:
  V8Instance(ThreadIsolate& thread, InstanceSpec spec,
             internal::InstanceState* owner)
      : thread_(thread),
        thread_id_(thread.id()),
        hand_back_(thread.hand_back()),
        spec_(std::move(spec)),
        owner_(owner) {
    thread_.AddResident(this);
  }

  ~V8Instance() override {
    if (detached_) return;  // the handles are gone with the isolate
    thread_.RemoveResident(this);
    const bool had_memory = !memory_.IsEmpty();
    DropHandles();
    if (had_memory) thread_.MemoryDropped();
    // What other threads handed back goes too, now that this thread
    // destroys instances anyway.
    hand_back_->RunQueued();
  }

  void Detach() override {
    DropHandles();
    // Calls now take CallChecked, which refuses them; thread_ is gone.
    for (ExportFunc& func : exports_) func.plain = false;
    detached_ = true;
  }

  absl::Status Instantiate(const std::shared_ptr<const CompiledCode>& code,
                           const CallOptions& start_options) override;
  bool ExportsBound() const override { return exports_bound_; }

  bool Call(uint32_t export_index, const RawVal* args, RawVal* results,
            const CallOptions& options) override;
  bool CallBatch(uint32_t export_index, const FuncType& type,
                 const internal::BatchColumns& batch,
                 const CallOptions& options) override;
  bool CallDriver(const void* key, const wasm::ComponentDriverSpec& spec,
                  uint32_t callee_export, const ExternObject* realloc,
                  const ExternObject* post_return, const RawVal* args,
                  const CallOptions& options,
                  const DriverHooks& hooks) override;
  CallFailure TakeCallFailure() override;

  absl::Span<uint8_t> MemoryBytes() override {
    touched_since_reset_ = true;
    if (detached_ || memory_.IsEmpty()) return {};
    v8::Isolate* isolate = thread_.isolate();
    v8::HandleScope scope(isolate);
    v8::Local<v8::ArrayBuffer> buffer = memory_.Get(isolate)->Buffer();
    return {static_cast<uint8_t*>(buffer->Data()), buffer->ByteLength()};
  }

  bool OnOwnerThread() const override {
    // The thread's identity first: another thread must not read detached_.
    return ThreadIsolate::IsCurrent(&thread_, thread_id_) && !detached_;
  }
  void HandBackToOwnerThread(std::function<void()> destroy) override {
    // Kept here: `destroy` may delete this instance.
    const std::shared_ptr<HandBack> hand_back = hand_back_;
    hand_back->Destroy(std::move(destroy));
  }
  std::shared_ptr<ExternObject> Export(uint32_t export_index) override;
  bool CallVals(const internal::FuncRefState* function, uint32_t export_index,
                const FuncType& type, const Val* args, Val* results,
                const CallOptions& options) override;

  absl::StatusOr<std::shared_ptr<const StateImage>> CaptureState() override;
  std::optional<uint64_t> RemainingFuel() const override {
    return remaining_fuel_;
  }
  absl::Status SetFuel(int64_t fuel) override {
    if (detached_) return DetachedError();
    if (!spec_.metered) return NotMeteredError();
    fuel_limited_ = false;
    return CallFuelExport(set_fuel_, fuel, nullptr);
  }
  absl::StatusOr<int64_t> ReadFuel() override {
    if (detached_) return DetachedError();
    if (!spec_.metered) return NotMeteredError();
    int64_t left = 0;
    WASMHOST_RETURN_IF_ERROR(CallFuelExport(get_fuel_, 0, &left));
    return left;
  }
  absl::Status ResetToImage(const StateImage& image,
                            size_t keep_resident_pages) override;
  absl::StatusOr<std::vector<RawVal>> ReadStateGlobals() override;
  absl::Status WriteStateGlobals(absl::Span<const RawVal> values) override;
  absl::Status GrowMemoryTo(size_t bytes) override;

 private:
  void DropHandles() {
    for (ExportFunc& func : exports_) func.function.Reset();
    batch_drivers_.clear();
    component_drivers_.clear();
    get_globals_.Reset();
    set_globals_.Reset();
    set_fuel_.Reset();
    get_fuel_.Reset();
    memory_.Reset();
    exports_object_.Reset();
  }
  // The status of every call after the thread's isolate was disposed.
  static absl::Status DetachedError() {
    return internal::WrongThreadError(
        "the instance's isolate was disposed when its thread exited");
  }
  static absl::Status NotMeteredError() {
    return internal::UsageError(absl::StatusCode::kFailedPrecondition,
                                "the module is not metered for fuel");
  }

  // What a host function's JS function carries in its data slot.
  struct HostBinding {
    const internal::HostFunc* func;
    const FuncType* type;  // func's type in the boundary ABI
    V8Instance* instance;
    // The function's arguments and results each fit in kInlineValues, and
    // it takes raw values.
    bool values_inline;
  };

  // A function export, with what a call needs of it at hand.
  struct ExportFunc {
    v8::Global<v8::Function> function;
    const FuncType* type = nullptr;  // in spec_.export_types
    // Calls of it without a deadline or fuel may take Call's fast path: the
    // instance is not metered, has no stack limit, and the arguments fit in
    // kInlineValues.
    bool plain = false;
  };

  static void HostCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  // HostCallback for a function with more than kInlineValues arguments or
  // results.
  ABSL_ATTRIBUTE_NOINLINE void CallHostWithManyValues(
      const v8::FunctionCallbackInfo<v8::Value>& info,
      const HostBinding& binding);
  // Calls the binding's function for the guest, with room for its raw
  // arguments and results.
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline void CallHost(
      const v8::FunctionCallbackInfo<v8::Value>& info,
      const HostBinding& binding, RawVal* args, RawVal* results);

  // A batch driver instantiated for one export: its `run` and its memory,
  // whose bytes stay put (its size is fixed).
  struct BatchDriver {
    wasm::BatchDriverLayout layout;
    v8::Global<v8::Function> run;
    v8::Global<v8::WasmMemoryObject> memory;
    uint8_t* bytes = nullptr;
    // A batch is in it: a host function that calls the export's batch again
    // would overwrite the columns under the running one.
    bool running = false;
  };
  // The driver of export `export_index`, made on first use.
  absl::StatusOr<BatchDriver*> BatchDriverFor(uint32_t export_index,
                                              const FuncType& type);
  // CallBatch once the options are checked.
  bool RunBatch(uint32_t export_index, const FuncType& type,
                const internal::BatchColumns& batch,
                const CallOptions& options);
  // RunBatch's runs of `driver`, which it holds.
  bool RunBatchOn(const BatchDriver& driver,
                  const internal::BatchColumns& batch,
                  const CallOptions& options);

  // A component driver instantiated for one caller's key: its `run`, the
  // boundary types of run's parameters, and the call running in it.
  struct ComponentDriver {
    // One call's hooks and the first failure they returned.
    struct Frame {
      const DriverHooks* hooks;
      absl::Status error;
    };
    v8::Global<v8::Function> run;
    std::vector<ValType> run_params;
    // The innermost call running in the driver (a host function the guest
    // calls during it may call the same export again); null between calls.
    Frame* frame = nullptr;
  };
  // The driver for `key`, made on first use.
  absl::StatusOr<ComponentDriver*> ComponentDriverFor(
      const void* key, const wasm::ComponentDriverSpec& spec,
      uint32_t callee_export, const ExternObject* realloc,
      const ExternObject* post_return);
  // The driver's "copy" and "lift" imports: run the frame's hook, and on
  // failure keep its status in the frame and throw.
  static void DriverCopy(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void DriverLift(const v8::FunctionCallbackInfo<v8::Value>& info);

  // Call when the fast path does not apply: checks the thread, the
  // deadline and the fuel, then calls.
  ABSL_ATTRIBUTE_NOINLINE bool CallChecked(const ExportFunc& func,
                                           const RawVal* args, RawVal* results,
                                           const CallOptions& options);
  // Checks the thread, the deadline and the fuel, then runs `call` (which
  // enters the guest) with the options, a timeout turned into a deadline,
  // metered when the module is.
  template <typename Run>
  bool CallUnderOptions(const CallOptions& options, Run call);
  // Sets the fuel the call may use, runs `call`, and reads what is left.
  template <typename Run>
  bool CallMetered(const CallOptions& options, Run call);
  // CallVals once the options are checked.
  bool CallValsChecked(const internal::FuncRefState* function,
                       uint32_t export_index, const FuncType& type,
                       const Val* args, Val* results,
                       const CallOptions& options);
  // HostCallback for a function with references in its signature
  // (HostFunc::val_thunk).
  ABSL_ATTRIBUTE_NOINLINE void CallHostWithVals(
      const v8::FunctionCallbackInfo<v8::Value>& info,
      const HostBinding& binding);
  // Converts any number of arguments and calls, under any options.
  bool CallWithAnyArgs(const ExportFunc& func, const RawVal* args,
                       RawVal* results, const CallOptions& options);
  // Calls `func` with its arguments already converted, and converts the
  // results. `kBounded`: the call may have a deadline or a stack limit
  // (without, RunGuest drops their bookkeeping).
  template <bool kBounded>
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool CallConverted(
      const ExportFunc& func, v8::Local<v8::Value>* argv, RawVal* results,
      const CallOptions& options);
  // Puts an import that is another engine object (not a host function)
  // into `module_object`.
  void BindObjectImport(const ImportBinding& import,
                        v8::Local<v8::Object> module_object,
                        v8::Local<v8::Object> adapter_imports);
  // Calls the set (`result` null) or get fuel export.
  absl::Status CallFuelExport(const v8::Global<v8::Function>& export_,
                              int64_t value, int64_t* result);

  // Runs `enter` (which enters the guest) under `options`. Returns true
  // when the guest returned normally; otherwise failure_ holds a host
  // function's error, DeadlineExceeded, or a trap.
  // `kMayReturnWithException`: the entry can return a value and still
  // leave an exception (constructors), so TryCatch must be asked too.
  // `kBounded`: as for CallConverted; when false, options.deadline must be
  // infinite and spec_.max_stack_bytes 0.
  template <bool kMayReturnWithException, bool kBounded, typename Enter>
  ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool RunGuest(const CallOptions& options,
                                                    Enter enter);

  // The slow path of RunGuest, out of line.
  bool GuestFailure(const v8::TryCatch& try_catch, bool entered, bool fired,
                    absl::Time start);
  absl::Status ExceptionToStatus(const v8::TryCatch& try_catch);
  // Records why a call failed, for TakeCallFailure; returns false.
  bool Fail(absl::Status status, bool guest_ran) {
    failure_ = {std::move(status), guest_ran};
    return false;
  }

  ThreadIsolate& thread_;
  // thread_.id(), read without touching thread_, which may be gone.
  const uint64_t thread_id_;
  const std::shared_ptr<HandBack> hand_back_;
  const InstanceSpec spec_;
  internal::InstanceState* const owner_;
  std::vector<HostBinding> bindings_;
  std::vector<ExportFunc> exports_;  // by export index
  // By export index, for the exports batch calls have used.
  absl::flat_hash_map<uint32_t, std::unique_ptr<BatchDriver>> batch_drivers_;
  // By the key CallDriver's caller gives.
  absl::flat_hash_map<const void*, std::unique_ptr<ComponentDriver>>
      component_drivers_;
  // The instance's `exports` object, for Export().
  v8::Global<v8::Object> exports_object_;
  v8::Global<v8::WasmMemoryObject> memory_;
  // The script V8 reports for the import adapter's frames, if there is one.
  std::optional<int> adapter_script_id_;
  // The exports that get and set InstanceSpec::state_global_types.
  v8::Global<v8::Function> get_globals_;
  v8::Global<v8::Function> set_globals_;
  // The fuel exports, when the module is metered.
  v8::Global<v8::Function> set_fuel_;
  v8::Global<v8::Function> get_fuel_;
  // Fuel left after the last call with CallOptions::fuel.
  std::optional<uint64_t> remaining_fuel_;
  // The last call set a fuel limit, so the next unlimited one must lift it.
  bool fuel_limited_ = false;
  // Metered calls of this instance on the stack (a host function may call
  // it again).
  int metered_calls_running_ = 0;
  // The image mapped over memory_ by ResetToImage, if any.
  const StateImage* mapped_image_ = nullptr;
  // Whether state may differ from mapped_image_: the guest ran, or the host
  // was handed the memory's bytes, since the last reset.
  bool touched_since_reset_ = true;
  // Why the last Call on the owner thread, or the instantiation, failed.
  CallFailure failure_;
  // The thread's isolate was disposed: thread_ and every handle are gone.
  bool detached_ = false;
  bool exports_bound_ = false;
};

void V8Instance::HostCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  const auto& binding =
      *static_cast<const HostBinding*>(info.Data().As<v8::External>()->Value());
  if (ABSL_PREDICT_FALSE(!binding.values_inline)) {
    return binding.instance->CallHostWithManyValues(info, binding);
  }
  // Plain arrays, not FixedArray: no size checks, and no char buffer that
  // would make -fstack-protector guard this frame.
  RawVal args[kInlineValues];
  RawVal results[kInlineValues];
  binding.instance->CallHost(info, binding, args, results);
}

void V8Instance::CallHostWithManyValues(
    const v8::FunctionCallbackInfo<v8::Value>& info,
    const HostBinding& binding) {
  if (binding.func->val_thunk != nullptr) {
    return CallHostWithVals(info, binding);
  }
  std::vector<RawVal> args(binding.type->params.size());
  std::vector<RawVal> results(binding.type->results.size());
  CallHost(info, binding, args.data(), results.data());
}

void V8Instance::CallHost(const v8::FunctionCallbackInfo<v8::Value>& info,
                          const HostBinding& binding, RawVal* args,
                          RawVal* results) {
  // The isolate is read where needed: held across the thunk call, it would
  // cost a spill on every call.
  absl::Status& host_error = thread_.host_error();
  if (ABSL_PREDICT_FALSE(!host_error.ok())) {
    // The guest caught the first failure's exception and called again.
    ThrowUndefined(info.GetIsolate());
    return;
  }
  const internal::HostFunc& func = *binding.func;
  const std::vector<ValType>& params = binding.type->params;
  for (size_t i = 0; i < params.size(); ++i) {
    args[i] = FromJs(info[static_cast<int>(i)], params[i]);
  }
  Caller caller = internal::ApiAccess::MakeCaller(owner_);
  // host_error is OK here, so the thunk can put a failure straight in it;
  // it wins over whatever the guest does afterwards.
  if (ABSL_PREDICT_FALSE(!func.thunk(func.callable.get(), caller, args, results,
                                     &host_error))) {
    ThrowUndefined(info.GetIsolate());
    return;
  }
  const std::vector<ValType>& result_types = binding.type->results;
  if (result_types.size() == 1) {
    info.GetReturnValue().Set(
        ToJs(info.GetIsolate(), results[0], result_types[0]));
  } else if (result_types.size() > 1) {
    info.GetReturnValue().Set(
        ToJsArray(info.GetIsolate(), result_types, results));
  }
}

void V8Instance::CallHostWithVals(
    const v8::FunctionCallbackInfo<v8::Value>& info,
    const HostBinding& binding) {
  absl::Status& host_error = thread_.host_error();
  v8::Isolate* isolate = info.GetIsolate();
  if (!host_error.ok()) return ThrowUndefined(isolate);
  const internal::HostFunc& func = *binding.func;
  const std::shared_ptr<void> via = spec_.owner_ref.lock();
  // The arguments arrive in the boundary ABI (binding.type).
  std::vector<v8::Local<v8::Value>> boundary_args;
  boundary_args.reserve(binding.type->params.size());
  for (int i = 0; i < info.Length(); ++i) boundary_args.push_back(info[i]);
  std::vector<Val> args;
  args.reserve(func.type.params.size());
  size_t next = 0;
  for (ValType type : func.type.params) {
    absl::StatusOr<Val> arg =
        ValFromBoundaryJs(thread_, boundary_args, &next, type, via);
    if (!arg.ok()) {
      host_error = arg.status();
      return ThrowUndefined(isolate);
    }
    args.push_back(*std::move(arg));
  }
  std::vector<Val> results;
  results.reserve(func.type.results.size());
  for (ValType type : func.type.results) {
    results.push_back(Val::FromBits(type, 0));
  }
  Caller caller = internal::ApiAccess::MakeCaller(owner_);
  host_error = func.val_thunk(func.callable.get(), caller, args,
                              absl::MakeSpan(results));
  if (!host_error.ok()) return ThrowUndefined(isolate);
  std::vector<v8::Local<v8::Value>> js;
  js.reserve(binding.type->results.size());
  for (const Val& result : results) {
    host_error = AppendBoundaryJs(thread_, result, js);
    if (!host_error.ok()) return ThrowUndefined(isolate);
  }
  if (js.size() == 1) {
    info.GetReturnValue().Set(js[0]);
  } else if (js.size() > 1) {
    info.GetReturnValue().Set(v8::Array::New(isolate, js.data(), js.size()));
  }
}

bool V8Instance::CallVals(const internal::FuncRefState* function,
                          uint32_t export_index, const FuncType& type,
                          const Val* args, Val* results,
                          const CallOptions& options) {
  return CallUnderOptions(options, [&](const CallOptions& started) {
    return CallValsChecked(function, export_index, type, args, results,
                           started);
  });
}

bool V8Instance::CallValsChecked(const internal::FuncRefState* function,
                                 uint32_t export_index, const FuncType& type,
                                 const Val* args, Val* results,
                                 const CallOptions& options) {
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread_.context();
  // A function taking and returning the values in the boundary ABI: the
  // export's boundary wrapper, or a function value's accessor.
  v8::Local<v8::Function> target;
  if (function == nullptr) {
    target = exports_[export_index].function.Get(isolate);
  } else {
    absl::StatusOr<v8::Local<v8::Function>> resolved =
        BoundaryCallable(thread_, *function);
    if (!resolved.ok()) return Fail(resolved.status(), false);
    target = *resolved;
  }
  std::vector<v8::Local<v8::Value>> argv;
  argv.reserve(type.params.size());
  for (size_t i = 0; i < type.params.size(); ++i) {
    absl::Status arg = AppendBoundaryJs(thread_, args[i], argv);
    if (!arg.ok()) return Fail(arg, false);
  }
  v8::Local<v8::Value> result;
  if (!RunGuest</*kMayReturnWithException=*/false, /*kBounded=*/true>(
          options, [&] {
            return target
                ->Call(context, v8::Undefined(isolate),
                       static_cast<int>(argv.size()), argv.data())
                .ToLocal(&result);
          })) {
    return false;
  }
  const std::shared_ptr<void> via = spec_.owner_ref.lock();
  const std::vector<v8::Local<v8::Value>> values = ResultList(
      context, result, wasm::BoundaryType({{}, type.results}).results.size());
  size_t next = 0;
  for (size_t i = 0; i < type.results.size(); ++i) {
    absl::StatusOr<Val> converted =
        ValFromBoundaryJs(thread_, values, &next, type.results[i], via);
    if (!converted.ok()) return Fail(converted.status(), true);
    results[i] = *std::move(converted);
  }
  return true;
}

template <bool kMayReturnWithException, bool kBounded, typename Enter>
bool V8Instance::RunGuest(const CallOptions& options, Enter enter) {
  v8::Isolate* isolate = thread_.isolate();
  v8::TryCatch try_catch(isolate);
  const bool has_deadline =
      kBounded && options.deadline != absl::InfiniteFuture();
  const bool stack_limited = kBounded && spec_.max_stack_bytes != 0;
  const absl::Time start = has_deadline ? absl::Now() : absl::Time();

  if (has_deadline) thread_.PushDeadline(options.deadline);
  const uint64_t ticket =
      has_deadline ? Watchdog::Get().Arm(isolate, options.deadline) : 0;
  if (stack_limited) {
    isolate->SetStackLimit(thread_.StackLimitFor(spec_.max_stack_bytes));
  }
  // WebAssembly.Instance returns an object and leaves the exception when
  // the start function traps.
  const bool entered =
      enter() && !(kMayReturnWithException && try_catch.HasCaught());
  const bool fired = has_deadline && Watchdog::Get().Disarm(ticket);
  if (has_deadline) thread_.PopDeadline();
  if (stack_limited) isolate->SetStackLimit(thread_.default_stack_limit());
  if (ABSL_PREDICT_TRUE(entered && !fired && thread_.host_error().ok() &&
                        !thread_.heap_exhausted())) {
    return true;
  }
  return GuestFailure(try_catch, entered, fired, start);
}

bool V8Instance::GuestFailure(const v8::TryCatch& try_catch, bool entered,
                              bool fired, absl::Time start) {
  v8::Isolate* isolate = thread_.isolate();
  // The heap-limit callback requested a termination, which may still be
  // pending if the guest returned before V8 acted on it.
  const bool heap_exhausted = thread_.TakeHeapExhausted();
  const bool terminated = fired || heap_exhausted || try_catch.HasTerminated();
  // A termination stops every guest on this thread's stack. It is this
  // call's to cancel (so it cannot hit the next call) unless the deadline
  // of a call that encloses this one (through a host function) caused it
  // or has passed too: then it must stay pending and stop that call's
  // guest as well, however the host function treats this call's error.
  const bool enclosing_expired =
      terminated && thread_.EnclosingDeadlinePassed();
  if (terminated && !enclosing_expired) isolate->CancelTerminateExecution();
  // The call's own deadline wins over a host function's error: the host
  // function may have passed on a nested call's deadline error, or a
  // failure its own work hit because the guest was stopped. (A guest that
  // returned just before the watchdog fired keeps its result.)
  if (fired && !entered) {
    thread_.host_error() = absl::OkStatus();
    return Fail(internal::LimitError(
                    LimitKind::kDeadline,
                    absl::StrCat("guest stopped at its deadline after ",
                                 absl::FormatDuration(absl::Now() - start))),
                true);
  }
  if (heap_exhausted) {
    thread_.host_error() = absl::OkStatus();
    return Fail(internal::LimitError(
                    LimitKind::kHeap,
                    "the guest exhausted the engine's heap (e.g. by growing "
                    "its tables) and was stopped"),
                true);
  }
  if (!thread_.host_error().ok()) {
    return Fail(internal::MarkHostError(
                    std::exchange(thread_.host_error(), absl::OkStatus())),
                true);
  }
  if (entered) return true;
  if (enclosing_expired) {
    return Fail(internal::LimitError(
                    LimitKind::kDeadline,
                    "guest stopped: the deadline of an enclosing call (whose "
                    "host function made this call) passed"),
                true);
  }
  if (try_catch.HasTerminated()) {
    TrapInfo termination;
    termination.message = "guest execution was terminated";
    return Fail(internal::TrapStatus(termination), true);
  }
  return Fail(ExceptionToStatus(try_catch), true);
}

absl::Status V8Instance::ExceptionToStatus(const v8::TryCatch& try_catch) {
  v8::Isolate* isolate = thread_.isolate();
  v8::Local<v8::Value> exception = try_catch.Exception();
  auto [name, message] = SplitErrorText(ToStdString(isolate, exception));
  if (name == "LinkError" || name == "TypeError") {
    // Imports are checked before instantiation; V8 may still reject a
    // combination we do not model (e.g. an imported table).
    return internal::MakeError(absl::StatusCode::kInvalidArgument,
                               ErrorKind::kLinkError,
                               absl::StrCat("link error: ", message));
  }
  if (name == "RangeError" &&
      !absl::StrContains(message, "Maximum call stack size exceeded")) {
    // WebAssembly.Memory could not be allocated.
    return internal::LimitError(LimitKind::kAddressSpace, message);
  }
  TrapInfo info;
  info.kind = internal::TrapKindFromMessage(message);
  info.message = message;
  v8::Local<v8::StackTrace> trace = v8::Exception::GetStackTrace(exception);
  if (!trace.IsEmpty()) {
    for (int i = 0; i < trace->GetFrameCount(); ++i) {
      v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate, i);
      if (!frame->IsWasm()) continue;
      // The import adapter is another module: its offsets mean nothing to
      // the guest's.
      if (adapter_script_id_.has_value() &&
          frame->GetScriptId() == *adapter_script_id_) {
        continue;
      }
      // For Wasm frames V8 reports the module offset as a 1-based column.
      const uint32_t offset = static_cast<uint32_t>(frame->GetColumn() - 1);
      const std::string tag =
          ToStdString(isolate, frame->GetScriptSourceMappingURL());
      if (info.backtrace.empty() && spec_.metered &&
          spec_.is_out_of_fuel(tag, offset)) {
        return internal::LimitError(
            LimitKind::kFuel,
            "out of fuel: the guest used all the fuel the call allowed");
      }
      std::optional<Frame> frame_or = spec_.locate_frame(tag, offset);
      if (!frame_or.has_value()) continue;  // a wrapper or an adapter
      // Names come from the module's name section only (locate_frame):
      // without one V8 10.2 makes up "$func1", or "$run" from an export
      // name, which would pass for a name the guest gave.
      info.backtrace.push_back(*std::move(frame_or));
    }
  }
  return internal::TrapStatus(info);
}

absl::Status V8Instance::Instantiate(
    const std::shared_ptr<const CompiledCode>& code,
    const CallOptions& start_options) {
  v8::Isolate* isolate = thread_.isolate();
  thread_.hand_back()->RunQueued();
  thread_.CollectIfRequested();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread_.context();

  v8::Local<v8::Object> imports = v8::Object::New(isolate);
  auto namespace_object = [&](absl::string_view module) {
    v8::Local<v8::String> key = ToV8String(isolate, module);
    v8::Local<v8::Value> existing = imports->Get(context, key).ToLocalChecked();
    if (existing->IsObject()) return existing.As<v8::Object>();
    v8::Local<v8::Object> created = v8::Object::New(isolate);
    imports->Set(context, key, created).Check();
    return created;
  };
  // Host functions with f32/f64/v128 values go to the adapter module, the
  // others straight to the guest.
  v8::Local<v8::Object> adapter_imports = v8::Object::New(isolate);
  bindings_.reserve(spec_.imports.size());  // their addresses are captured
  for (const ImportBinding& import : spec_.imports) {
    if (import.object != nullptr) {
      BindObjectImport(import, namespace_object(import.module),
                       adapter_imports);
      continue;
    }
    const FuncType& type = *import.call_type;
    bindings_.push_back({import.func, &type, this,
                         import.func->val_thunk == nullptr &&
                             type.params.size() <= kInlineValues &&
                             type.results.size() <= kInlineValues});
    v8::Local<v8::Function> function =
        v8::Function::New(context, &HostCallback,
                          v8::External::New(isolate, &bindings_.back()),
                          static_cast<int>(type.params.size()),
                          v8::ConstructorBehavior::kThrow)
            .ToLocalChecked();
    if (import.adapter_function.empty()) {
      namespace_object(import.module)
          ->Set(context, ToV8String(isolate, import.name), function)
          .Check();
    } else {
      adapter_imports
          ->Set(context, ToV8String(isolate, import.adapter_function), function)
          .Check();
    }
  }

  v8::TryCatch try_catch(isolate);
  if (spec_.import_adapter != nullptr) {
    v8::Local<v8::Object> adapter_namespaces = v8::Object::New(isolate);
    adapter_namespaces
        ->Set(context, ToV8String(isolate, spec_.adapter_import_module),
              adapter_imports)
        .Check();
    v8::Local<v8::Value> adapter_args[] = {
        thread_.ModuleObject(spec_.import_adapter), adapter_namespaces};
    v8::Local<v8::Object> adapter;
    if (!thread_.instance_constructor()
             ->NewInstance(context, 2, adapter_args)
             .ToLocal(&adapter)) {
      return internal::InternalError(
          absl::StrCat("instantiating the import adapter: ",
                       ExceptionMessage(isolate, try_catch)));
    }
    // A Wasm function as the guest's import: V8 calls it Wasm to Wasm.
    v8::Local<v8::Object> adapted =
        adapter->Get(context, ToV8String(isolate, "exports"))
            .ToLocalChecked()
            .As<v8::Object>();
    for (const ImportBinding& import : spec_.imports) {
      // An object import stays bound to the object itself.
      if (import.adapter_function.empty() || import.object != nullptr) {
        continue;
      }
      v8::Local<v8::Function> function =
          adapted->Get(context, ToV8String(isolate, import.adapter_function))
              .ToLocalChecked()
              .As<v8::Function>();
      adapter_script_id_ = function->ScriptId();
      namespace_object(import.module)
          ->Set(context, ToV8String(isolate, import.name), function)
          .Check();
    }
  }
  if (spec_.memory_import.has_value()) {
    v8::Local<v8::Object> descriptor = v8::Object::New(isolate);
    descriptor
        ->Set(context, ToV8String(isolate, "initial"),
              v8::Number::New(isolate, spec_.memory_initial_pages))
        .Check();
    if (spec_.memory_max_pages.has_value()) {
      descriptor
          ->Set(context, ToV8String(isolate, "maximum"),
                v8::Number::New(isolate, *spec_.memory_max_pages))
          .Check();
    }
    v8::Local<v8::Value> args[] = {descriptor};
    v8::Local<v8::Object> memory;
    auto new_memory = [&] {
      return thread_.memory_constructor()
          ->NewInstance(context, 1, args)
          .ToLocal(&memory);
    };
    // V8 has collected this isolate's garbage and retried already; dead
    // memories of other threads' isolates may hold the address space.
    if (!new_memory()) {
      try_catch.Reset();
      thread_.CollectEverywhere();
      if (!new_memory()) {
        return internal::LimitError(
            LimitKind::kAddressSpace,
            absl::StrCat(
                "cannot reserve address space for the instance's memory of ",
                spec_.memory_initial_pages,
                " pages (each Wasm memory reserves ~10 GB of the process's "
                "address space, with its guard regions; too many instances "
                "are alive): ",
                ExceptionMessage(isolate, try_catch)));
      }
    }
    memory_.Reset(isolate, memory.As<v8::WasmMemoryObject>());
    namespace_object(spec_.memory_import->first)
        ->Set(context, ToV8String(isolate, spec_.memory_import->second), memory)
        .Check();
  }

  v8::Local<v8::Object> instance;
  v8::Local<v8::Value> args[] = {thread_.ModuleObject(code), imports};
  // One deadline for instantiating and the deferred initialisation.
  const CallOptions started = WithStartedTimeout(start_options);
  if (!RunGuest<true, true>(started, [&] {
        return thread_.instance_constructor()
            ->NewInstance(context, 2, args)
            .ToLocal(&instance);
      })) {
    return TakeCallFailure().status;
  }

  v8::Local<v8::Object> exports =
      instance->Get(context, ToV8String(isolate, "exports"))
          .ToLocalChecked()
          .As<v8::Object>();
  exports_object_.Reset(isolate, exports);
  exports_.resize(spec_.export_names.size());
  for (size_t i = 0; i < spec_.export_names.size(); ++i) {
    v8::Local<v8::Value> value =
        exports->Get(context, ToV8String(isolate, spec_.export_names[i]))
            .ToLocalChecked();
    if (const std::optional<FuncType>& type = spec_.export_types[i]) {
      exports_[i].function.Reset(isolate, value.As<v8::Function>());
      exports_[i].type = &*type;
      exports_[i].plain = !spec_.metered && spec_.max_stack_bytes == 0 &&
                          type->params.size() <= kInlineValues;
    } else if (memory_.IsEmpty() && value->IsWasmMemoryObject()) {
      memory_.Reset(isolate, value.As<v8::WasmMemoryObject>());
    }
  }
  if (spec_.metered) {
    set_fuel_.Reset(
        isolate,
        exports->Get(context, ToV8String(isolate, spec_.set_fuel_export))
            .ToLocalChecked()
            .As<v8::Function>());
    get_fuel_.Reset(
        isolate,
        exports->Get(context, ToV8String(isolate, spec_.get_fuel_export))
            .ToLocalChecked()
            .As<v8::Function>());
  }
  if (!spec_.set_globals_export.empty()) {
    get_globals_.Reset(
        isolate,
        exports->Get(context, ToV8String(isolate, spec_.get_globals_export))
            .ToLocalChecked()
            .As<v8::Function>());
    set_globals_.Reset(
        isolate,
        exports->Get(context, ToV8String(isolate, spec_.set_globals_export))
            .ToLocalChecked()
            .As<v8::Function>());
  }
  if (!spec_.table_budget_export.empty()) {
    // An i32 global: a Number converts modulo 2^32, so 0xffffffff fits.
    exports->Get(context, ToV8String(isolate, spec_.table_budget_export))
        .ToLocalChecked()
        .As<v8::Object>()
        ->Set(context, thread_.value_key(),
              v8::Number::New(isolate, spec_.table_budget))
        .Check();
  }
  // The deferred start function below may call back into the exports.
  exports_bound_ = true;
  if (!spec_.init_export.empty()) {
    v8::Local<v8::Function> init =
        exports->Get(context, ToV8String(isolate, spec_.init_export))
            .ToLocalChecked()
            .As<v8::Function>();
    v8::Local<v8::Value> full = v8::Integer::New(isolate, !spec_.from_image);
    if (!RunGuest</*kMayReturnWithException=*/false, /*kBounded=*/true>(
            started, [&] {
              return !init->Call(context, v8::Undefined(isolate), 1, &full)
                          .IsEmpty();
            })) {
      return TakeCallFailure().status;
    }
  }
  return absl::OkStatus();
}

void V8Instance::BindObjectImport(const ImportBinding& import,
                                  v8::Local<v8::Object> module_object,
                                  v8::Local<v8::Object> adapter_imports) {
  v8::Isolate* isolate = thread_.isolate();
  v8::Local<v8::Context> context = thread_.context();
  v8::Local<v8::Object> object = import.object->handle().Get();
  module_object->Set(context, ToV8String(isolate, import.name), object).Check();
  // A Wasm function needs no adapter, but the adapter module (made for
  // every import of its type) still imports something in its place.
  if (!import.adapter_function.empty()) {
    adapter_imports
        ->Set(context, ToV8String(isolate, import.adapter_function),
              v8::Function::New(context, &NeverCalled).ToLocalChecked())
        .Check();
  }
  // An imported memory is memory 0: the one Memory and Caller see.
  if (import.is_memory)
    memory_.Reset(isolate, object.As<v8::WasmMemoryObject>());
}

std::shared_ptr<ExternObject> V8Instance::Export(uint32_t export_index) {
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Object> value =
      exports_object_.Get(isolate)
          ->Get(thread_.context(),
                ToV8String(isolate, spec_.extern_names[export_index]))
          .ToLocalChecked()
          .As<v8::Object>();
  return std::make_shared<ExternObject>(
      std::make_unique<ExternObject::Handle>(thread_, value));
}

absl::StatusOr<std::vector<RawVal>> V8Instance::ReadStateGlobals() {
  if (detached_) return DetachedError();
  const std::vector<ValType>& types = spec_.state_global_types;
  std::vector<RawVal> globals(types.size());
  if (types.empty()) return globals;
  if (get_globals_.IsEmpty()) {
    return internal::MakeError(absl::StatusCode::kFailedPrecondition,
                               ErrorKind::kInternal,
                               "the module's globals cannot be captured");
  }
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread_.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> result;
  if (!get_globals_.Get(isolate)
           ->Call(context, v8::Undefined(isolate), 0, nullptr)
           .ToLocal(&result)) {
    return internal::InternalError(absl::StrCat(
        "reading globals: ", ExceptionMessage(isolate, try_catch)));
  }
  if (types.size() == 1) {
    globals[0] = FromJs(result, types[0]);
  } else {
    v8::Local<v8::Array> array = result.As<v8::Array>();
    for (uint32_t i = 0; i < types.size(); ++i) {
      globals[i] = FromJs(array->Get(context, i).ToLocalChecked(), types[i]);
    }
  }
  return globals;
}

absl::Status V8Instance::WriteStateGlobals(absl::Span<const RawVal> values) {
  if (detached_) return DetachedError();
  if (values.empty()) return absl::OkStatus();
  if (set_globals_.IsEmpty()) {
    return internal::MakeError(absl::StatusCode::kFailedPrecondition,
                               ErrorKind::kInternal,
                               "the module's globals cannot be restored");
  }
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::TryCatch try_catch(isolate);
  absl::FixedArray<v8::Local<v8::Value>, kInlineValues> args(values.size());
  for (size_t i = 0; i < args.size(); ++i) {
    args[i] = ToJs(isolate, values[i], spec_.state_global_types[i]);
  }
  if (set_globals_.Get(isolate)
          ->Call(isolate->GetCurrentContext(), v8::Undefined(isolate),
                 static_cast<int>(args.size()), args.data())
          .IsEmpty()) {
    return internal::InternalError(absl::StrCat(
        "restoring globals: ", ExceptionMessage(isolate, try_catch)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const StateImage>> V8Instance::CaptureState() {
  WASMHOST_ASSIGN_OR_RETURN(std::vector<RawVal> globals, ReadStateGlobals());
  std::unique_ptr<const internal::MemoryImage> memory_image;
  absl::Span<uint8_t> memory = MemoryBytes();
  if (!memory.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(memory_image,
                              internal::MemoryImage::Capture(memory));
  }
  return std::make_shared<const StateImage>(std::move(memory_image),
                                            std::move(globals));
}

absl::Status V8Instance::GrowMemoryTo(size_t bytes) {
  if (detached_) return DetachedError();
  constexpr size_t kWasmPage = 64 * 1024;
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = thread_.context();
  v8::Local<v8::WasmMemoryObject> memory = memory_.Get(isolate);
  const size_t pages = (bytes - memory->Buffer()->ByteLength()) / kWasmPage;
  // The C++ API has no grow; WebAssembly.Memory's own method does it.
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> grow;
  v8::Local<v8::Value> delta = v8::Number::New(isolate, pages);
  if (!memory->Get(context, ToV8String(isolate, "grow")).ToLocal(&grow) ||
      !grow->IsFunction() ||
      grow.As<v8::Function>()->Call(context, memory, 1, &delta).IsEmpty()) {
    return internal::LimitError(
        LimitKind::kMemory,
        absl::StrCat("cannot grow the memory to the image's ", bytes,
                     " bytes: ", ExceptionMessage(isolate, try_catch)));
  }
  return absl::OkStatus();
}

absl::Status V8Instance::ResetToImage(const StateImage& image,
                                      size_t keep_resident_pages) {
  if (detached_) return DetachedError();
  // A lease that never ran the guest nor saw its memory left nothing to undo.
  if (mapped_image_ == &image && !touched_since_reset_) return absl::OkStatus();
  absl::Span<uint8_t> memory = MemoryBytes();
  const internal::MemoryImage* memory_image = image.memory();
  const size_t image_size = memory_image ? memory_image->size() : 0;
  // A new instance starts at the module's initial size, below an image
  // captured after initialisation grew the memory: grow it to the image's.
  if (memory.size() < image_size) {
    WASMHOST_RETURN_IF_ERROR(GrowMemoryTo(image_size));
    memory = MemoryBytes();
  }
  if (memory.size() != image_size) {
    return internal::MakeError(absl::StatusCode::kFailedPrecondition,
                               ErrorKind::kInternal,
                               absl::StrCat("memory is ", memory.size(),
                                            " bytes, the image ", image_size));
  }
  if (memory_image != nullptr) {
    if (mapped_image_ != &image) {
      WASMHOST_RETURN_IF_ERROR(memory_image->MapOnto(memory));
      mapped_image_ = &image;
    } else {
      WASMHOST_RETURN_IF_ERROR(
          memory_image->Restore(memory, keep_resident_pages));
    }
  }
  WASMHOST_RETURN_IF_ERROR(WriteStateGlobals(image.globals()));
  touched_since_reset_ = false;
  return absl::OkStatus();
}

bool V8Instance::Call(uint32_t export_index, const RawVal* args,
                      RawVal* results, const CallOptions& options) {
  const ExportFunc& func = exports_[export_index];
  if (ABSL_PREDICT_FALSE(ThreadIsolate::CurrentIfAny() != &thread_ ||
                         options.deadline != absl::InfiniteFuture() ||
                         options.timeout != absl::InfiniteDuration() ||
                         options.fuel.has_value() || !func.plain)) {
    return CallChecked(func, args, results, options);
  }
  touched_since_reset_ = true;
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Value> argv[kInlineValues];
  ToJsArgs(isolate, func.type->params, args, argv);
  return CallConverted</*kBounded=*/false>(func, argv, results, options);
}

bool V8Instance::CallBatch(uint32_t export_index, const FuncType& type,
                           const internal::BatchColumns& batch,
                           const CallOptions& options) {
  return CallUnderOptions(options, [&](const CallOptions& started) {
    return RunBatch(export_index, type, batch, started);
  });
}

absl::StatusOr<V8Instance::BatchDriver*> V8Instance::BatchDriverFor(
    uint32_t export_index, const FuncType& type) {
  auto found = batch_drivers_.find(export_index);
  if (found != batch_drivers_.end()) return found->second.get();
  absl::StatusOr<wasm::BatchDriverLayout> layout = wasm::PlanBatchDriver(type);
  if (!layout.ok()) {
    return internal::WithDefaultKind(layout.status(), ErrorKind::kUsage);
  }
  v8::Isolate* isolate = thread_.isolate();
  v8::Local<v8::WasmModuleObject> module;
  if (!thread_
           .HelperModule(absl::StrCat("batch driver ", type.ToString()),
                         [&] { return wasm::BuildBatchDriver(type, *layout); })
           .ToLocal(&module)) {
    return internal::InternalError("V8 refused a batch driver module");
  }
  // The export itself, not its boundary wrapper: the driver calls it
  // Wasm to Wasm, floats and all.
  v8::Local<v8::Value> target =
      exports_object_.Get(isolate)
          ->Get(thread_.context(),
                ToV8String(isolate, spec_.extern_names[export_index]))
          .ToLocalChecked();
  WASMHOST_ASSIGN_OR_RETURN(v8::Local<v8::Object> exports,
                            InstantiateHelper(thread_, module, target));
  auto made = std::make_unique<BatchDriver>();
  made->layout = *std::move(layout);
  made->run.Reset(isolate,
                  exports->Get(thread_.context(), ToV8String(isolate, "run"))
                      .ToLocalChecked()
                      .As<v8::Function>());
  v8::Local<v8::WasmMemoryObject> memory =
      exports->Get(thread_.context(), ToV8String(isolate, "memory"))
          .ToLocalChecked()
          .As<v8::WasmMemoryObject>();
  made->memory.Reset(isolate, memory);
  made->bytes = static_cast<uint8_t*>(memory->Buffer()->Data());
  BatchDriver* driver = made.get();
  batch_drivers_.emplace(export_index, std::move(made));
  return driver;
}

bool V8Instance::RunBatch(uint32_t export_index, const FuncType& type,
                          const internal::BatchColumns& batch,
                          const CallOptions& options) {
  if (batch.rows == 0) return true;
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  absl::StatusOr<BatchDriver*> made = BatchDriverFor(export_index, type);
  if (!made.ok()) return Fail(made.status(), false);
  BatchDriver& driver = **made;
  if (driver.running) {
    return Fail(
        internal::UsageError(absl::StatusCode::kFailedPrecondition,
                             "a batch of this export is already running on the "
                             "instance (a host function re-entered it)"),
        false);
  }
  driver.running = true;
  const bool succeeded = RunBatchOn(driver, batch, options);
  driver.running = false;
  return succeeded;
}

bool V8Instance::RunBatchOn(const BatchDriver& driver,
                            const internal::BatchColumns& batch,
                            const CallOptions& options) {
  v8::Isolate* isolate = thread_.isolate();
  const wasm::BatchDriverLayout& layout = driver.layout;
  v8::Local<v8::Context> context = thread_.context();
  v8::Local<v8::Function> run = driver.run.Get(isolate);
  for (size_t done = 0; done < batch.rows;) {
    const size_t rows =
        std::min<size_t>(batch.rows - done, layout.rows_per_run);
    for (size_t k = 0; k < layout.param_offsets.size(); ++k) {
      const size_t width = layout.param_widths[k];
      std::memcpy(driver.bytes + layout.param_offsets[k],
                  static_cast<const uint8_t*>(batch.params[k]) + done * width,
                  rows * width);
    }
    v8::Local<v8::Value> count =
        v8::Integer::NewFromUnsigned(isolate, static_cast<uint32_t>(rows));
    const bool returned = RunGuest</*kMayReturnWithException=*/false,
                                   /*kBounded=*/true>(options, [&] {
      return !run->Call(context, v8::Undefined(isolate), 1, &count).IsEmpty();
    });
    // After a failure, the rows before the one that failed returned.
    uint32_t finished = static_cast<uint32_t>(rows);
    if (!returned) {
      std::memcpy(&finished,
                  driver.bytes + wasm::BatchDriverLayout::kBatchRowOffset,
                  sizeof finished);
    }
    for (size_t k = 0; k < layout.result_offsets.size(); ++k) {
      const size_t width = layout.result_widths[k];
      std::memcpy(static_cast<uint8_t*>(batch.results[k]) + done * width,
                  driver.bytes + layout.result_offsets[k], finished * width);
    }
    if (!returned) {
      failure_.status =
          internal::WithBatchRow(failure_.status, done + finished);
      return false;
    }
    done += rows;
  }
  return true;
}

bool V8Instance::CallDriver(const void* key,
                            const wasm::ComponentDriverSpec& spec,
                            uint32_t callee_export, const ExternObject* realloc,
                            const ExternObject* post_return, const RawVal* args,
                            const CallOptions& options,
                            const DriverHooks& hooks) {
  return CallUnderOptions(options, [&](const CallOptions& started) {
    v8::Isolate* isolate = thread_.isolate();
    v8::HandleScope scope(isolate);
    absl::StatusOr<ComponentDriver*> made =
        ComponentDriverFor(key, spec, callee_export, realloc, post_return);
    if (!made.ok()) return Fail(made.status(), false);
    ComponentDriver& driver = **made;
    absl::FixedArray<v8::Local<v8::Value>, kInlineValues> argv(
        driver.run_params.size());
    ToJsArgs(isolate, driver.run_params, args, argv.data());
    ComponentDriver::Frame frame{&hooks, absl::OkStatus()};
    ComponentDriver::Frame* const outer = std::exchange(driver.frame, &frame);
    v8::Local<v8::Context> context = thread_.context();
    v8::Local<v8::Function> run = driver.run.Get(isolate);
    const bool returned = RunGuest</*kMayReturnWithException=*/false,
                                   /*kBounded=*/true>(started, [&] {
      return !run->Call(context, v8::Undefined(isolate),
                        static_cast<int>(argv.size()), argv.data())
                  .IsEmpty();
    });
    driver.frame = outer;
    // A hook's status is the canonical ABI's own (a trap lowering or
    // lifting), not a host function's: it goes back unmarked.
    if (!returned && !frame.error.ok()) {
      failure_ = {std::move(frame.error), true};
    }
    return returned;
  });
}

absl::StatusOr<V8Instance::ComponentDriver*> V8Instance::ComponentDriverFor(
    const void* key, const wasm::ComponentDriverSpec& spec,
    uint32_t callee_export, const ExternObject* realloc,
    const ExternObject* post_return) {
  auto found = component_drivers_.find(key);
  if (found != component_drivers_.end()) return found->second.get();
  absl::Status checked = wasm::CheckComponentDriver(spec);
  if (!checked.ok()) {
    return internal::WithDefaultKind(checked, ErrorKind::kUsage);
  }
  if (!spec.allocations.empty() && realloc == nullptr) {
    return internal::InternalError("a component driver without its realloc");
  }
  if (spec.post_return && post_return == nullptr) {
    return internal::InternalError(
        "a component driver without its post-return");
  }
  v8::Isolate* isolate = thread_.isolate();
  v8::Local<v8::Context> context = thread_.context();
  v8::Local<v8::WasmModuleObject> module;
  if (!thread_
           .HelperModule(absl::StrCat("component driver ", spec.Key()),
                         [&] { return wasm::BuildComponentDriver(spec); })
           .ToLocal(&module)) {
    return internal::InternalError("V8 refused a component driver module");
  }
  auto made = std::make_unique<ComponentDriver>();
  v8::Local<v8::External> data = v8::External::New(isolate, made.get());
  v8::Local<v8::Object> host = v8::Object::New(isolate);
  auto set = [&](absl::string_view name, v8::Local<v8::Value> value) {
    host->Set(context, ToV8String(isolate, name), value).Check();
  };
  // The export itself, not its boundary wrapper: the driver calls it Wasm
  // to Wasm, floats and all.
  set("callee",
      exports_object_.Get(isolate)
          ->Get(context, ToV8String(isolate, spec_.extern_names[callee_export]))
          .ToLocalChecked());
  if (!spec.allocations.empty()) {
    set("realloc", realloc->handle().Get());
    set("copy", v8::Function::New(context, DriverCopy, data).ToLocalChecked());
  }
  if (!spec.callee.results.empty()) {
    set("lift", v8::Function::New(context, DriverLift, data).ToLocalChecked());
  }
  if (spec.post_return) set("post", post_return->handle().Get());
  WASMHOST_ASSIGN_OR_RETURN(
      v8::Local<v8::Object> exports,
      InstantiateWithAdapterImports(thread_, module, host));
  made->run.Reset(isolate, exports->Get(context, ToV8String(isolate, "run"))
                               .ToLocalChecked()
                               .As<v8::Function>());
  made->run_params = wasm::BoundaryType(spec.callee).params;
  ComponentDriver* driver = made.get();
  component_drivers_.emplace(key, std::move(made));
  return driver;
}

void V8Instance::DriverCopy(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto& driver =
      *static_cast<ComponentDriver*>(info.Data().As<v8::External>()->Value());
  ComponentDriver::Frame& frame = *driver.frame;
  frame.error =
      frame.hooks->copy(static_cast<uint32_t>(FromJs(info[0], ValType::kI32)),
                        static_cast<uint32_t>(FromJs(info[1], ValType::kI32)));
  if (!frame.error.ok()) ThrowUndefined(info.GetIsolate());
}

void V8Instance::DriverLift(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto& driver =
      *static_cast<ComponentDriver*>(info.Data().As<v8::External>()->Value());
  ComponentDriver::Frame& frame = *driver.frame;
  frame.error =
      frame.hooks->lift(static_cast<uint32_t>(FromJs(info[0], ValType::kI32)));
  if (!frame.error.ok()) ThrowUndefined(info.GetIsolate());
}

bool V8Instance::CallChecked(const ExportFunc& func, const RawVal* args,
                             RawVal* results, const CallOptions& options) {
  return CallUnderOptions(options, [&](const CallOptions& started) {
    return CallWithAnyArgs(func, args, results, started);
  });
}

template <typename Run>
bool V8Instance::CallUnderOptions(const CallOptions& given, Run call) {
  // Refused without writing to the instance, which another thread may be
  // using: TakeCallFailure finds the reason by checking the thread again.
  if (detached_ || ThreadIsolate::CurrentIfAny() != &thread_) return false;
  const CallOptions options = WithStartedTimeout(given);
  if (options.deadline != absl::InfiniteFuture() &&
      options.deadline <= absl::Now()) {
    return Fail(internal::LimitError(
                    LimitKind::kDeadline,
                    "the call's deadline passed before the guest started"),
                false);
  }
  if (options.fuel.has_value() && !spec_.metered) {
    return Fail(internal::UsageError(absl::StatusCode::kInvalidArgument,
                                     "CallOptions::fuel needs an engine "
                                     "with EngineOptions::consume_fuel"),
                false);
  }
  touched_since_reset_ = true;
  if (spec_.metered) return CallMetered(options, call);
  return call(options);
}

BackendInstance::CallFailure V8Instance::TakeCallFailure() {
  if (detached_) return {DetachedError(), false};
  if (ThreadIsolate::CurrentIfAny() != &thread_) {
    return {internal::WrongThreadError(
                "the instance belongs to another thread's isolate"),
            false};
  }
  return std::exchange(failure_, CallFailure());
}

template <typename Run>
bool V8Instance::CallMetered(const CallOptions& options, Run call) {
  if (metered_calls_running_ > 0) {
    // A host function re-entering this instance: the instance has one fuel
    // counter, so the nested call runs on the enclosing call's budget.
    if (options.fuel.has_value()) {
      return Fail(internal::UsageError(
                      absl::StatusCode::kInvalidArgument,
                      "a call re-entering the instance cannot set "
                      "CallOptions::fuel: it runs on the enclosing call's"),
                  false);
    }
    ++metered_calls_running_;
    const bool succeeded = call(options);
    --metered_calls_running_;
    return succeeded;
  }
  // Fuel lives in a Wasm global the rewriter added, behind two exports.
  // A call without a fuel limit after one with a limit runs unlimited.
  if (options.fuel.has_value() || fuel_limited_) {
    const int64_t fuel =
        options.fuel.has_value()
            ? static_cast<int64_t>(std::min<uint64_t>(*options.fuel, INT64_MAX))
            : INT64_MAX;
    absl::Status set = CallFuelExport(set_fuel_, fuel, nullptr);
    if (!set.ok()) return Fail(std::move(set), true);
    fuel_limited_ = options.fuel.has_value();
  }
  ++metered_calls_running_;
  const bool succeeded = call(options);
  --metered_calls_running_;
  if (options.fuel.has_value()) {
    int64_t left = 0;
    if (CallFuelExport(get_fuel_, 0, &left).ok()) {
      remaining_fuel_ = static_cast<uint64_t>(std::max<int64_t>(left, 0));
    }
  }
  return succeeded;
}

absl::Status V8Instance::CallFuelExport(const v8::Global<v8::Function>& export_,
                                        int64_t value, int64_t* result) {
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[] = {v8::BigInt::New(isolate, value)};
  v8::Local<v8::Value> returned;
  if (!export_.Get(isolate)
           ->Call(isolate->GetCurrentContext(), v8::Undefined(isolate),
                  result == nullptr ? 1 : 0, argv)
           .ToLocal(&returned)) {
    return internal::InternalError(absl::StrCat(
        "fuel export failed: ", ExceptionMessage(isolate, try_catch)));
  }
  if (result != nullptr) *result = returned.As<v8::BigInt>()->Int64Value();
  return absl::OkStatus();
}

bool V8Instance::CallWithAnyArgs(const ExportFunc& func, const RawVal* args,
                                 RawVal* results, const CallOptions& options) {
  v8::Isolate* isolate = thread_.isolate();
  v8::HandleScope scope(isolate);
  absl::FixedArray<v8::Local<v8::Value>, kInlineValues> argv(
      func.type->params.size());
  ToJsArgs(isolate, func.type->params, args, argv.data());
  return CallConverted</*kBounded=*/true>(func, argv.data(), results, options);
}

template <bool kBounded>
bool V8Instance::CallConverted(const ExportFunc& func,
                               v8::Local<v8::Value>* argv, RawVal* results,
                               const CallOptions& options) {
  v8::Isolate* isolate = thread_.isolate();
  const FuncType& type = *func.type;
  v8::Local<v8::Context> context = thread_.context();
  v8::Local<v8::Value> result;
  if (!RunGuest</*kMayReturnWithException=*/false, kBounded>(options, [&] {
        return func.function.Get(isolate)
            ->Call(context, v8::Undefined(isolate),
                   static_cast<int>(type.params.size()), argv)
            .ToLocal(&result);
      })) {
    return false;
  }

  const std::vector<ValType>& result_types = type.results;
  if (result_types.size() == 1) {
    results[0] = FromJs(result, result_types[0]);
  } else if (result_types.size() > 1) {
    v8::Local<v8::Array> array = result.As<v8::Array>();
    for (uint32_t i = 0; i < result_types.size(); ++i) {
      results[i] =
          FromJs(array->Get(context, i).ToLocalChecked(), result_types[i]);
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<BackendInstance> BackendInstance::Create(
    InstanceSpec spec, internal::InstanceState* owner) {
  return std::make_unique<V8Instance>(ThreadIsolate::Current(), std::move(spec),
                                      owner);
}

}  // namespace wasmhost::v8backend
