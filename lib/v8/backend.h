// lib/v8/backend.h: the one seam between the public concepts (lib/runtime)
// and V8. Nothing here names a V8 type; everything V8 lives in lib/v8/*.cc.
//
//   InitializeV8     process-wide V8 set-up
//   CompiledCode     compiled Wasm code, shareable across threads/isolates
//   CompileModule    bytes -> CompiledCode
//   ExternObject     a function, global, table or memory object in one
//                    thread's isolate
//   InstanceSpec     what an instantiation needs besides the code
//   BackendInstance  one Wasm instance in the calling thread's isolate

#ifndef WASMHOST_LIB_V8_BACKEND_H_
#define WASMHOST_LIB_V8_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/util/memory_image.h"
#include "lib/wasm/component_driver.h"
#include "wasmhost/engine.h"
#include "wasmhost/errors.h"
#include "wasmhost/internal/func_traits.h"
#include "wasmhost/limits.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/value.h"

namespace wasmhost::v8backend {
class BackendInstance;
class ExternObject;
}  // namespace wasmhost::v8backend

namespace wasmhost::internal {

// What a non-null funcref Val holds: the function, its signature, and the
// instance calls of it from the host go through. Immutable; thread-affine
// like the function.
struct FuncRefState {
  FuncType type;
  // The function: an engine object, or else export `export_index` of
  // `exporter` (a funcref made from an export handle, resolved when it
  // crosses into the engine).
  std::shared_ptr<v8backend::ExternObject> object;
  v8backend::BackendInstance* exporter = nullptr;
  uint32_t export_index = 0;
  // The InstanceState a host call goes through (its deadline, traps,
  // poisoning), kept alive: the one the funcref was read from, or that
  // exported it. Null for a funcref read from a host-made table or global.
  std::shared_ptr<void> via;
};

}  // namespace wasmhost::internal

namespace wasmhost::v8backend {

// Initialises V8 once per process. Not thread-safe: the caller serialises.
// Returns InvalidArgument for an unknown V8 flag.
absl::Status InitializeV8(const EngineOptions& options);

// "V8 <version>; flags <flags>": what compiled code depends on besides the
// module bytes. Valid after InitializeV8.
std::string EngineFingerprint();

// How many destructions were handed back to another thread
// (BackendInstance::HandBackToOwnerThread) since the process started.
uint64_t HandedBackCount();

// Runs what other threads handed back to the calling thread's isolate, if
// it has one.
void RunHandedBack();

// Creates the calling thread's isolate now if it has none. Thread-local
// state that must be destroyed before the isolate (at thread exit) is made
// after calling this.
void EnsureThreadIsolate();

// Compiled code; immutable and thread-safe. Defined in code.cc.
class CompiledCode;

// Checks that `bytes` are a valid module per the core spec (with the
// features the engine's flags enable), without compiling it.
// Returns InvalidArgument with V8's reason when it is not.
absl::Status ValidateModule(absl::Span<const uint8_t> bytes);

// Compiles `bytes` in the calling thread's isolate.
// Returns InvalidArgument with V8's reason when the module does not
// validate.
absl::StatusOr<std::shared_ptr<const CompiledCode>> CompileModule(
    absl::Span<const uint8_t> bytes);

// The wire bytes `code` was compiled from, kept by V8; valid while `code`
// lives. Any thread.
absl::Span<const uint8_t> WireBytes(const CompiledCode& code);

// V8's serialised form of `code`, for the code cache.
// Returns FailedPrecondition when V8 has no optimised code to serialise.
absl::StatusOr<std::string> SerializeModule(const CompiledCode& code);

// Loads code serialised by SerializeModule for `wire_bytes` in the calling
// thread's isolate. V8 checks only the header (version, flags) and compiles
// `wire_bytes` instead when that does not fit; it does not check the code
// itself, so the caller must have verified it.
// Returns InvalidArgument if the wire bytes do not compile.
absl::StatusOr<std::shared_ptr<const CompiledCode>> LoadModule(
    absl::Span<const uint8_t> wire_bytes, absl::string_view serialized);

// Values cross between the host and V8 in the boundary ABI of
// lib/wasm/boundary.h, never as a JS Number unless they are an i32: an f32
// as its bits in an i32, an f64 as its bits in an i64 (a BigInt), a v128 as
// two i64, low half first, in two consecutive RawVals. Every type the
// backend is given below is in that ABI (i32, i64 and references only);
// Vals are converted to it and back in lib/v8.

// A WebAssembly function, global, table or memory object, living in the
// isolate of the thread that made it: an instance's export, or one the host
// made. The callers check types, ranges and mutability; the methods here
// only check the thread and convert values. Thread-affine: every method but
// OnOwnerThread needs the owner thread; the destructor may run anywhere
// (elsewhere it leaves the engine's handle to its isolate).
class ExternObject {
 public:
  // The engine object and its isolate; defined in lib/v8.
  struct Handle;

  // New objects in the calling thread's isolate. Values are checked by the
  // caller to have the right type.
  // Return InvalidArgument if the engine refuses the type or size.
  static absl::StatusOr<std::shared_ptr<ExternObject>> NewGlobal(
      const GlobalType& type, const Val& value);
  static absl::StatusOr<std::shared_ptr<ExternObject>> NewTable(
      const TableType& type, const Val& init);
  static absl::StatusOr<std::shared_ptr<ExternObject>> NewMemory(
      const MemoryType& type);

  explicit ExternObject(std::unique_ptr<Handle> handle);
  ~ExternObject();
  ExternObject(const ExternObject&) = delete;
  ExternObject& operator=(const ExternObject&) = delete;

  Handle& handle() const { return *handle_; }
  bool OnOwnerThread() const;

  // Globals of `type`: numbers and v128 are read and written bit-exactly
  // through an accessor module, references through the JS API. GlobalSet
  // needs a mutable global.
  absl::StatusOr<Val> GlobalGet(const GlobalType& type,
                                const std::shared_ptr<void>& via) const;
  absl::Status GlobalSet(const GlobalType& type, const Val& value) const;

  // Tables; the caller checks indices against TableSize().
  uint64_t TableSize() const;
  // `via` becomes a read funcref's FuncRefState::via.
  absl::StatusOr<Val> TableGet(uint64_t index, ValType element,
                               const std::shared_ptr<void>& via) const;
  absl::Status TableSet(uint64_t index, const Val& value) const;
  // Returns the previous size, or ResourceExhausted when the engine cannot
  // grow the table.
  absl::StatusOr<uint64_t> TableGrow(uint64_t delta, const Val& init) const;

  // Memories: the bytes, empty on another thread.
  absl::Span<uint8_t> MemoryBytes() const;

 private:
  std::unique_ptr<Handle> handle_;
};

// One import of the module, in module order: a host function, or another
// object of the instance's isolate (an export of another instance, or one
// the host made).
struct ImportBinding {
  std::string module;
  std::string name;
  // One of the two:
  const internal::HostFunc* func = nullptr;
  const ExternObject* object = nullptr;
  // The import is a memory: it becomes the instance's memory 0.
  bool is_memory = false;
  // A host function's type in the boundary ABI; must outlive the instance.
  const FuncType* call_type = nullptr;
  // Not empty: a host function is bound to the adapter module's import
  // InstanceSpec::adapter_import_module.`adapter_function`, and the
  // adapter's export `adapter_function` to this import (an object import
  // of a function needs no adapter, but the adapter still imports it).
  std::string adapter_function;
};

struct InstanceSpec {
  // Imports in the order the compiled module declares them, excluding the
  // internal memory import below.
  std::vector<ImportBinding> imports;
  // The adapter module (lib/wasm/boundary.h's BuildImportAdapter) between
  // the imports with an adapter_function and their host functions, and the
  // module name it imports them from; null when no import has one.
  std::shared_ptr<const CompiledCode> import_adapter;
  std::string adapter_import_module;
  // When the module's own memory was rewritten into an import (so its
  // maximum can be capped per instance), the import's name and the limits
  // of the memory to create.
  std::optional<std::pair<std::string, std::string>> memory_import;
  uint64_t memory_initial_pages = 0;
  std::optional<uint64_t> memory_max_pages;
  // With fuel metering: the rewriter's set/get exports, and whether a trap
  // at a compiled-bytes offset is a fuel check running out.
  bool metered = false;
  std::string set_fuel_export;
  std::string get_fuel_export;
  // Frames are named by the tag V8 reports with them (the module's
  // kSourceMappingUrlSection): a frame of another instance's module in the
  // same backtrace is located in that module.
  std::function<bool(absl::string_view module_tag, uint32_t compiled_offset)>
      is_out_of_fuel;
  // The InstanceState, for funcrefs the instance hands out (their `via`).
  std::weak_ptr<void> owner_ref;
  // When `table.grow` was rewritten to respect a budget: the export of the
  // budget global and the value to set it to after instantiation.
  std::string table_budget_export;
  uint32_t table_budget = 0;
  // When the module's active data segments and start function were moved
  // into an export (wasm::PlanDeferredInit): its name, called right
  // after instantiation under the start deadline with 1, or with 0 (drop
  // the segments only) when `from_image`: the instance's state is about to
  // be replaced by a pool's image, which already holds their work.
  std::string init_export;
  bool from_image = false;
  // Limits::max_stack_bytes; 0 for the thread's default.
  uint64_t max_stack_bytes = 0;
  // By export index: the export the backend looks up (for a function, the
  // one it calls: the export itself or the rewriter's boundary wrapper of
  // it), and the called function's signature; nullopt for non-functions.
  std::vector<std::optional<FuncType>> export_types;
  std::vector<std::string> export_names;
  // By export index: the module's own export names, for Export().
  std::vector<std::string> extern_names;
  // The types of the mutable globals that make up the instance's state
  // besides memory, and the rewriter's exports that get and set them all,
  // in that order, to capture and restore it; the exports are empty when
  // the state cannot be restored.
  std::vector<ValType> state_global_types;
  std::string get_globals_export;
  std::string set_globals_export;
  // Maps an engine-reported offset in the compiled bytes to a function
  // index and an offset in the original module bytes, for backtraces;
  // nullopt for a frame that is no guest's (a function the rewrites added:
  // a boundary wrapper, a bulk instruction's helper, whose caller's frame
  // is at the instruction it replaced; an import adapter), which is left
  // out.
  std::function<std::optional<Frame>(absl::string_view module_tag,
                                     uint32_t compiled_offset)>
      locate_frame;
};

// An instance's state right after instantiation: an image of its linear
// memory (mapped copy-on-write into instances reset to it) and the values
// of its mutable globals. Immutable; thread-safe.
class StateImage {
 public:
  StateImage(std::unique_ptr<const internal::MemoryImage> memory,
             std::vector<internal::RawVal> globals)
      : memory_(std::move(memory)), globals_(std::move(globals)) {}

  // Null when the instance has no memory.
  const internal::MemoryImage* memory() const { return memory_.get(); }
  const std::vector<internal::RawVal>& globals() const { return globals_; }

 private:
  const std::unique_ptr<const internal::MemoryImage> memory_;
  // by InstanceSpec::state_global_types
  const std::vector<internal::RawVal> globals_;
};

// A Wasm instance bound to the thread that created it. Thread-affine.
class BackendInstance {
 public:
  virtual ~BackendInstance() = default;

  // An instance of `spec` in the calling thread's isolate, not yet
  // instantiated. `owner` is handed to host functions as their Caller.
  static std::unique_ptr<BackendInstance> Create(
      InstanceSpec spec, internal::InstanceState* owner);

  // Instantiates `code` and runs the start function; once. Separate from
  // Create so that `owner` holds this instance while the start function
  // runs: its host calls reach the memory and exports through the Caller.
  // `start_options` bound the start function like a call's options.
  virtual absl::Status Instantiate(
      const std::shared_ptr<const CompiledCode>& code,
      const CallOptions& start_options) = 0;

  // Whether the exports are bound: false while V8 itself runs a start
  // function that could not be deferred (see deferred_init.h).
  virtual bool ExportsBound() const = 0;

  // Why a Call failed.
  struct CallFailure {
    absl::Status status;  // see instance.h for the codes
    // Whether the guest ran: not on a thread other than the instance's, for
    // a deadline already past, or for fuel on a module without metering. A
    // failure after the guest ran poisons the instance.
    bool guest_ran = false;
  };

  // Calls function export `export_index`. Returns true when it succeeded
  // and `results` are filled; otherwise TakeCallFailure() says why. A bool
  // rather than a status keeps building, returning and destroying one off
  // the path of a successful call.
  virtual bool Call(uint32_t export_index, const internal::RawVal* args,
                    internal::RawVal* results, const CallOptions& options) = 0;

  // Calls `type`'s function with Vals (of the module's types, converted to
  // the boundary ABI here), for signatures with references or v128:
  // `function` (a funcref's function) or else export `export_index`.
  // Reports failure as Call does; args must match `type`.
  virtual bool CallVals(const internal::FuncRefState* function,
                        uint32_t export_index, const FuncType& type,
                        const Val* args, Val* results,
                        const CallOptions& options) = 0;

  // Calls function export `export_index`, of `type` (the module's own
  // signature), once per row of `batch`, through a batch driver
  // (lib/wasm/batch_driver.h) compiled once per signature in the thread's
  // isolate and instantiated for the export on its first batch. Reports
  // failure as Call does; a failure in a row carries the row
  // (internal::WithBatchRow). Zero rows run nothing.
  virtual bool CallBatch(uint32_t export_index, const FuncType& type,
                         const internal::BatchColumns& batch,
                         const CallOptions& options) = 0;

  // The host's part of a component driver's call: `copy` puts allocation
  // k's bytes at `ptr` (checking it), `lift` lifts the callee's i32
  // result. A non-OK status stops the call where it is (the guest sees a
  // trap) and is what the call fails with, unchanged.
  struct DriverHooks {
    absl::FunctionRef<absl::Status(uint32_t allocation, uint32_t ptr)> copy;
    absl::FunctionRef<absl::Status(uint32_t result)> lift;
  };

  // Calls function export `callee_export` (of type spec.callee) in one
  // entry through a component driver (lib/wasm/component_driver.h)
  // compiled once per spec in the thread's isolate and instantiated once
  // per `key` (the caller's, the same spec, realloc and post-return for
  // the instance's life), importing `realloc` and `post_return`
  // (functions of this thread's isolate; null when the spec has none).
  // `args` are run's parameters in the boundary ABI. Under `options` as
  // Call (one deadline, fuel set and read once); reports failure as Call
  // does, a hook's with its own status.
  virtual bool CallDriver(const void* key,
                          const wasm::ComponentDriverSpec& spec,
                          uint32_t callee_export, const ExternObject* realloc,
                          const ExternObject* post_return,
                          const internal::RawVal* args,
                          const CallOptions& options,
                          const DriverHooks& hooks) = 0;

  // Why the last Call returned false; call once, right after it, on the
  // same thread.
  virtual CallFailure TakeCallFailure() = 0;

  // The bytes of memory 0; empty when there is none.
  virtual absl::Span<uint8_t> MemoryBytes() = 0;

  // Whether the calling thread is the one whose isolate holds the instance.
  virtual bool OnOwnerThread() const = 0;

  // Runs `destroy` (which may destroy this instance) on the instance's
  // thread: now when called there or when the thread's isolate is gone
  // (the instance is detached), else at the thread's next instantiation or
  // instance destruction, or before its isolate is disposed. Counted by
  // HandedBackCount. Thread-safe.
  virtual void HandBackToOwnerThread(std::function<void()> destroy) = 0;

  // Export `export_index` (a function, global, table or memory) as an
  // object that can be read, written, or imported by other instances of
  // this thread.
  virtual std::shared_ptr<ExternObject> Export(uint32_t export_index) = 0;

  // The fuel left after the last call with CallOptions::fuel; nullopt when
  // the module is not metered or no call set fuel.
  virtual std::optional<uint64_t> RemainingFuel() const = 0;

  // The fuel counter itself, for guest code this instance runs inside
  // another instance's call (a component's core instances spend one
  // budget: lib/component sets each before the call and reads each after).
  // After SetFuel, calls without CallOptions::fuel run on the counter as
  // set (until one with CallOptions::fuel). ReadFuel is negative after an
  // out-of-fuel trap. Both call into the guest's fuel accessors: Internal
  // when they fail; FailedPrecondition on a module without metering.
  virtual absl::Status SetFuel(int64_t fuel) = 0;
  virtual absl::StatusOr<int64_t> ReadFuel() = 0;

  // Captures the instance's current memory and state globals.
  // Returns Internal when the memfd cannot be made or the globals' getter
  // fails, FailedPrecondition when the module's globals have no getter
  // (InstanceSpec::get_globals_export is empty).
  virtual absl::StatusOr<std::shared_ptr<const StateImage>> CaptureState() = 0;

  // The values of the state globals (InstanceSpec::state_global_types), and
  // setting them, e.g. for resident snapshots. Return FailedPrecondition
  // when the module's globals have no accessors, Internal when an accessor
  // fails.
  virtual absl::StatusOr<std::vector<internal::RawVal>> ReadStateGlobals() = 0;
  virtual absl::Status WriteStateGlobals(
      absl::Span<const internal::RawVal> values) = 0;

  // Grows memory 0 (smaller, in whole Wasm pages) to `bytes`. Returns
  // ResourceExhausted when it cannot grow.
  virtual absl::Status GrowMemoryTo(size_t bytes) = 0;

  // Resets memory and state globals to `image`: the first time by mapping
  // the image copy-on-write over the memory, later by restoring the pages
  // written since (MemoryImage::Restore, keeping up to
  // `keep_resident_pages` of them resident). A memory smaller than the
  // image (a new instance, the image taken after initialisation grew it) is
  // grown to the image's size first. Returns FailedPrecondition when the
  // memory is larger than the image (it grew): the instance must be
  // discarded; ResourceExhausted when it cannot grow.
  virtual absl::Status ResetToImage(const StateImage& image,
                                    size_t keep_resident_pages) = 0;
};

}  // namespace wasmhost::v8backend

#endif  // WASMHOST_LIB_V8_BACKEND_H_
