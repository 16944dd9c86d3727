// wasmhost/instance.h: a running instance of a module.
//
//   InstanceOptions  limits and the embedder context of one instance
//   Instance         a module instantiated through a Linker
//   TypedFunc<Sig>   an export with a C++ signature checked once
//   Func             an export called with dynamically typed Vals

#ifndef WASMHOST_INSTANCE_H_
#define WASMHOST_INSTANCE_H_

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/export.h"
#include "wasmhost/global.h"
#include "wasmhost/internal/func_traits.h"
#include "wasmhost/limits.h"
#include "wasmhost/memory.h"
#include "wasmhost/module.h"
#include "wasmhost/table.h"
#include "wasmhost/value.h"

namespace wasmhost {

class Caller;
class Linker;

namespace internal {
class ApiAccess;
class PoolState;
struct FuncRefState;
struct InstanceState;

// The embedder context of `instance` if it was set with type `type_key`.
WASMHOST_EXPORT void* InstanceContext(const InstanceState& instance,
                                      const void* type_key);

// A function export: its index and signature.
struct FuncExport {
  uint32_t index;
  const FuncType* type;
};

// The one entry into a guest: calls function export `export_index` with
// raw args in signature order and fills raw results.
WASMHOST_EXPORT absl::Status CallExport(InstanceState& instance,
                                        uint32_t export_index,
                                        const RawVal* args, RawVal* results,
                                        const CallOptions& options);

// The entry of a batch call: calls function export `export_index` (of
// type `type`) once per row of `batch`; `column_rows` are the lengths
// the caller gave each column, which must all be batch.rows.
WASMHOST_EXPORT absl::Status CallBatch(InstanceState& instance,
                                       uint32_t export_index,
                                       const BatchColumns& batch,
                                       absl::Span<const size_t> column_rows,
                                       const CallOptions& options);

// A batch call of a (ptr, len) export over `rows` of bytes, copied into
// the region export `arena_index` of `arena_instance` returns; `results`
// holds `result_rows` values of the export's one result, or is null.
WASMHOST_EXPORT absl::Status CallBatchBytes(
    InstanceState& instance, uint32_t export_index,
    const InstanceState* arena_instance, uint32_t arena_index,
    absl::Span<const absl::string_view> rows, void* results, size_t result_rows,
    const CallOptions& options);
}  // namespace internal

struct WASMHOST_EXPORT InstanceOptions {
  Limits limits;

  // Bound the module's start function, which runs during Create, as a
  // call's options do. Options reused for many instances (a pool's) want
  // `start_call.timeout`, which counts from each instantiation, rather than
  // an absolute `deadline`. Default: no deadline.
  CallOptions start_call;

  // Makes `context` available to host functions as Caller::context<T>(),
  // and to the host as Instance::context<T>(). The instance shares
  // ownership: the context lives as long as the instance does, and is
  // destroyed after the instance's engine state, on whatever thread drops
  // the last reference (the instance's own: see wasmhost.h). Options
  // copied for several instances (a pool's instance_options) share one
  // context among them; PoolOptions::setup_instance gives each its own.
  // One context per type: the host's own and, say, WASI's live side by
  // side; setting a type again replaces it. Default: no context.
  template <typename T>
  void SetContext(std::shared_ptr<T> context) {
    contexts_[internal::TypeKey<T>()] = std::move(context);
  }
  // The same with a borrowed context, which the instance does not own: it
  // must outlive the instance (e.g. a store the host keeps for the
  // process).
  template <typename T>
  void SetContext(T* context ABSL_ATTRIBUTE_LIFETIME_BOUND) {
    SetContext(std::shared_ptr<T>(std::shared_ptr<T>(), context));
  }

 private:
  friend class Instance;
  // By TypeKey<T>().
  absl::flat_hash_map<const void*, std::shared_ptr<void>> contexts_;
};

template <typename Sig>
class TypedFunc;

// A function export whose signature matched R(Args...) when the handle was
// made, so calls need no further checks. R is void, a number type, or
// std::tuple of number types. Cheap to copy; must not outlive its Instance.
// Thread-affine, like its Instance.
template <typename R, typename... Args>
class TypedFunc<R(Args...)> {
 public:
  // absl::Status for R = void, absl::StatusOr<R> otherwise: a trap can never
  // look like a result.
  using Result =
      std::conditional_t<std::is_void_v<R>, absl::Status, absl::StatusOr<R>>;

  // Calls the export. Returns the guest's result, or:
  //   Aborted            the guest trapped (see GetTrapInfo)
  //   DeadlineExceeded   options.deadline passed
  //   ResourceExhausted  the guest ran out of options.fuel, or the call
  //                      exhausted V8's heap (e.g. growing a table)
  //   FailedPrecondition the instance is poisoned, or this is not its thread
  //   InvalidArgument    options.fuel is set but the engine does not
  //                      consume fuel
  //   a host function's own error status, unchanged
  Result Call(const CallOptions& options, Args... args) const {
    internal::RawVal raw_args[sizeof...(Args) + 1] = {internal::ToRaw(args)...};
    internal::RawVal raw_results[kResultCount + 1];
    absl::Status status = internal::CallExport(*instance_, export_index_,
                                               raw_args, raw_results, options);
    if constexpr (std::is_void_v<R>) {
      return status;
    } else {
      if (!status.ok()) return status;
      return internal::ResultTraits<R>::Load(raw_results);
    }
  }
  Result Call(Args... args) const { return Call(CallOptions(), args...); }

  // Where a batch call puts its results: a span of R, or NoResults ({})
  // for R = void.
  using BatchResults = typename internal::BatchOut<R>::Type;

  // Calls the export once per row, row i with arguments columns[0][i],
  // columns[1][i], ..., putting its result in out[i]: the call of a
  // database's user-defined function over a column, at ~3-5 ns a row
  // instead of ~150 ns a Call. A generated driver module, made once per
  // signature on each thread and instantiated once per export, loops over
  // the rows in Wasm and calls the export Wasm to Wasm; the rows travel in
  // the driver's own memory (a fixed 256 KiB, so a batch enters the engine
  // once per ~16,000 rows of an i64 -> i64 function), which the guest
  // never sees: the guest gets its arguments, as from Call, and nothing
  // else of the batch or of the host. Columns, not rows of tuples: they
  // are what a database hands over (a vector of values per argument), and
  // each one is copied whole. Functions of one result or none.
  //
  // Options apply to the batch as a whole: `options.deadline`/`timeout`
  // bounds all its rows, `options.fuel` is the budget of all of them
  // (remaining_fuel() is what the batch left). An empty batch runs nothing
  // and returns OK (after the thread and poisoning checks).
  // Returns OK when every row returned, else what Call returns, for the
  // first row that failed: the status's message starts "batch row <k>: "
  // and GetErrorInfo(status).batch_row is k (rows before k have their
  // results in `out`, later ones are not run), and the instance is
  // poisoned as by Call. Also:
  //   InvalidArgument    the columns and `out` differ in length (the
  //                      message gives each), before anything runs
  //   FailedPrecondition a host function called during this export's batch
  //                      started another batch of it on the instance (the
  //                      running batch's rows would be overwritten)
  absl::Status CallBatch(const CallOptions& options,
                         absl::Span<const Args>... columns,
                         BatchResults out) const {
    static_assert(kResultCount <= 1,
                  "CallBatch takes functions of one result or none");
    static_assert(sizeof...(Args) + kResultCount > 0,
                  "CallBatch needs a column: a parameter or a result");
    const void* params[sizeof...(Args) + 1] = {columns.data()...};
    const size_t column_rows[] = {columns.size()..., OutRows(out)};
    void* results[1] = {OutData(out)};
    internal::BatchColumns batch;
    batch.params = params;
    batch.results = results;
    batch.rows = column_rows[0];
    return internal::CallBatch(
        *instance_, export_index_, batch,
        absl::MakeConstSpan(column_rows, sizeof...(Args) + kResultCount),
        options);
  }

  // CallBatch for an export that takes a value of variable length (a
  // string, a blob) as (i32 ptr, i32 len) in its memory: row i's bytes are
  // rows[i]. The guest lends the region they go in through `arena`, an
  // export of the same instance of type (i32 size) -> i32 ptr, called once
  // per batch for the bytes of all rows together (e.g. a static buffer
  // grown with realloc, or a bump allocator's region that the guest may
  // reuse after the batch). The host copies every row there back to back,
  // calls the export over the (ptr, len) columns as CallBatch does, and
  // zeroes the region afterwards, so the rows stay in guest memory no
  // longer than the batch. `arena` runs under the same deadline and
  // with its own `options.fuel`.
  // Returns what CallBatch returns, what `arena`'s Call returns, or:
  //   InvalidArgument    `arena` is another instance's; rows and out
  //                      differ in length; the rows' bytes together exceed
  //                      2^31 - 1; `arena` returned a region that is not
  //                      inside the guest's memory
  absl::Status CallBatchBytes(const CallOptions& options,
                              const TypedFunc<int32_t(int32_t)>& arena,
                              absl::Span<const absl::string_view> rows,
                              BatchResults out) const {
    static_assert(
        sizeof...(Args) == 2 && (std::is_same_v<Args, int32_t> && ...) &&
            kResultCount <= 1,
        "CallBatchBytes takes (int32_t ptr, int32_t len) functions of one "
        "result or none");
    return internal::CallBatchBytes(*instance_, export_index_, arena.instance_,
                                    arena.export_index_, rows, OutData(out),
                                    OutRows(out), options);
  }

 private:
  template <typename>
  friend class TypedFunc;
  friend class Caller;
  friend class Instance;
  static void* OutData(BatchResults out) {
    if constexpr (std::is_void_v<R>) {
      return nullptr;
    } else {
      return out.data();
    }
  }
  static size_t OutRows(BatchResults out) {
    if constexpr (std::is_void_v<R>) {
      return 0;
    } else {
      return out.size();
    }
  }
  static constexpr size_t kResultCount =
      std::tuple_size_v<typename internal::ResultTraits<R>::Types>;

  TypedFunc(internal::InstanceState* instance, uint32_t export_index)
      : instance_(instance), export_index_(export_index) {}

  internal::InstanceState* instance_;
  uint32_t export_index_;
};

// A function called with Vals, for tools and bindings that learn
// signatures at run time: an export (Instance::GetFunc), or a function
// value (a funcref from a table, a global, a result or a host function's
// argument, through FromRef). Cheap to copy. An export handle must not
// outlive its Instance; a function value keeps what it needs alive.
// Thread-affine, like its Instance.
class WASMHOST_EXPORT Func {
 public:
  [[nodiscard]] const FuncType& type() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return *type_;
  }

  // The function a non-null funcref refers to. Returns InvalidArgument for
  // a Val that is not one.
  [[nodiscard]] static absl::StatusOr<Func> FromRef(const Val& funcref);

  // Calls the function. A function value runs through the instance it was
  // read from (its deadline, trap reporting and poisoning apply), or that
  // exported it. Returns InvalidArgument if `args` do not match
  // type().params in number and types, FailedPrecondition for a function
  // read from a host-made table or
  // global (no instance to call it through) or of another thread's isolate,
  // else as TypedFunc::Call.
  // Options come first, as in TypedFunc::Call and every per-call API.
  absl::StatusOr<std::vector<Val>> Call(const CallOptions& options,
                                        absl::Span<const Val> args) const;
  absl::StatusOr<std::vector<Val>> Call(absl::Span<const Val> args) const {
    return Call(CallOptions(), args);
  }

 private:
  friend class Caller;
  friend class Instance;
  friend class Val;
  Func(internal::InstanceState* instance, uint32_t export_index,
       const FuncType* type)
      : instance_(instance), export_index_(export_index), type_(type) {}
  explicit Func(std::shared_ptr<const internal::FuncRefState> ref);

  internal::InstanceState* instance_;
  uint32_t export_index_;
  const FuncType* type_;
  // For a function value: the funcref's state (which type_ points into).
  std::shared_ptr<const internal::FuncRefState> ref_;
};

// An instance of a Module: its memory, globals and tables, with imports
// resolved through a Linker. The instance keeps the Module, the host
// functions and the engine objects it imported alive. Handles to its
// exports (GetGlobal, GetTable, GetMemory) and a Linker it was defined into
// (Linker::DefineInstance) keep its engine instance alive after the
// Instance is destroyed, since they may call into it; they too must be
// destroyed on its thread.
//
// After a call traps, is stopped at its deadline, or fails in a host
// function, the instance is poisoned: later calls return
// FailedPrecondition. Other instances are unaffected.
//
// Move-only. Thread-affine: it lives in the creating thread's V8 isolate,
// so it must be called, and should be destroyed, on that thread (calls
// from another thread return FailedPrecondition; destroyed on another
// thread, it is handed back to its own and freed there: see wasmhost.h).
// It may outlive the isolate (kept in a thread_local made before the
// thread's first compile, or in a static destroyed at process exit): the
// isolate detaches it when the thread exits, after which its calls return
// FailedPrecondition, its memory is empty, and destroying it is safe.
class WASMHOST_EXPORT Instance {
 public:
  // Instantiates `module` on the calling thread, running its start function.
  // Imports are checked as the spec's import matching does: a function's
  // signature, a global's type and mutability and a table's element type
  // must be equal; a table's or memory's current size must be at least the
  // import's minimum, and when the import declares a maximum the object's
  // must exist and not exceed it.
  // Returns:
  //   NotFound           an import is not granted by `linker`; the message
  //                      names module.name and its type
  //   InvalidArgument    what `linker` defines is of another kind or type
  //                      than the import; the message gives both
  //   FailedPrecondition `linker` holds an object of another thread's
  //                      isolate that the module imports
  //   ResourceExhausted  the module's initial memory exceeds
  //                      options.limits.max_memory_bytes, or an imported
  //                      memory's maximum does (or it has none, while the
  //                      limit is set): the guest could otherwise grow it
  //                      past the limit; the tables it defines exceed
  //                      options.limits.max_table_elements; instantiating
  //                      exhausted V8's heap; the process's
  //                      address space has no room for the memory's ~10 GB
  //                      reservation even after every thread's isolate
  //                      collected its dead instances; or the module has
  //                      V8's maximum of 100,000 imports (so its memory
  //                      stays its own) and its memory's maximum is over
  //                      options.limits.max_memory_bytes
  //   DeadlineExceeded   options.start_call's deadline or timeout passed
  //   Aborted            the start function trapped (see GetTrapInfo)
  //   a host function's error status, if one failed during start
  [[nodiscard]] static absl::StatusOr<Instance> Create(
      const Module& module, const Linker& linker,
      const InstanceOptions& options = {});

  Instance(Instance&& other) noexcept;
  Instance& operator=(Instance&& other) noexcept;
  ~Instance();

  // The function export `name` as a typed handle.
  // Returns:
  //   NotFound         no export is called `name`
  //   InvalidArgument  the export is not a function, or its signature is
  //                    not Sig; the message gives both signatures
  template <typename Sig>
  [[nodiscard]] absl::StatusOr<TypedFunc<Sig>> GetFunc(
      absl::string_view name) const {
    absl::StatusOr<internal::FuncExport> found =
        FindFuncExport(*state_, name, &internal::SignatureOf<Sig>::Get());
    if (!found.ok()) return found.status();
    return TypedFunc<Sig>(state_.get(), found->index);
  }

  // The function export `name` for dynamic calls.
  // Returns NotFound or InvalidArgument (not a function) as above.
  [[nodiscard]] absl::StatusOr<Func> GetFunc(absl::string_view name) const;

  // The global, table or memory export `name`.
  // Returns:
  //   NotFound            no export is called `name`
  //   InvalidArgument     the export is of another kind
  //   FailedPrecondition  this is not the instance's thread
  [[nodiscard]] absl::StatusOr<Global> GetGlobal(absl::string_view name) const;
  [[nodiscard]] absl::StatusOr<Table> GetTable(absl::string_view name) const;
  [[nodiscard]] absl::StatusOr<Memory> GetMemory(absl::string_view name) const;

  // The instance's linear memory (empty if it has none).
  [[nodiscard]] Memory memory() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return Memory(state_.get());
  }

  // True once a call trapped or was stopped.
  [[nodiscard]] bool poisoned() const;

  // The fuel left after the last call made with CallOptions::fuel (0 when it
  // ran out). Returns FailedPrecondition if the engine does not consume fuel
  // or no call has set fuel yet.
  [[nodiscard]] absl::StatusOr<uint64_t> remaining_fuel() const;

  [[nodiscard]] const Module& module() const ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // The context given to InstanceOptions::SetContext<T>() (or by
  // PoolOptions::setup_instance) for this instance; nullptr when none of
  // type T was set. Valid as long as the instance. The same context host
  // functions get from Caller::context<T>(): the host reaches it between calls,
  // e.g. to give a pooled instance's wasi::WasiContext this request's stdout.
  template <typename T>
  [[nodiscard]] T* context() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return static_cast<T*>(
        internal::InstanceContext(*state_, internal::TypeKey<T>()));
  }

 private:
  friend class Caller;
  friend class internal::ApiAccess;
  friend class internal::PoolState;
  friend class Linker;
  explicit Instance(std::shared_ptr<internal::InstanceState> state);
  // Create; with `from_image` (a pool's replacement, whose state is
  // replaced by the pool's image next) the module's active data segments
  // are not written and its start function does not run.
  static absl::StatusOr<Instance> Instantiate(const Module& module,
                                              const Linker& linker,
                                              const InstanceOptions& options,
                                              bool from_image);
  // Function export `name` of `instance`. Returns NotFound when there is
  // none, InvalidArgument when it is not a function or, with `expected`,
  // has another signature (the message gives both).
  static absl::StatusOr<internal::FuncExport> FindFuncExport(
      const internal::InstanceState& instance, absl::string_view name,
      const FuncType* expected);
  // Export `name` of `kind` as an engine object.
  absl::StatusOr<std::shared_ptr<const internal::ExternState>> FindExtern(
      absl::string_view name, ExternKind kind) const;

  std::shared_ptr<internal::InstanceState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_INSTANCE_H_
