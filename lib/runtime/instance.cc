#include "wasmhost/instance.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/module_state.h"
#include "lib/util/api_access.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/engine_limits.h"

namespace wasmhost {
namespace {

constexpr uint64_t kPageSize = 64 * 1024;

constexpr uint64_t kMaxPages = 65536;  // 4 GiB, the wasm32 limit

// The limits of a table or memory, as "min..max" or "min..".
std::string LimitsText(uint64_t min, std::optional<uint64_t> max) {
  return absl::StrCat(min, "..", max.has_value() ? absl::StrCat(*max) : "");
}

// An import's type, for messages: "(i32) -> i32", "global (mut i64)",
// "table 1..10 funcref", "memory 1.. pages".
std::string ImportTypeText(const ImportType& import) {
  switch (import.kind) {
    case ExternKind::kFunc:
      return import.func_type.ToString();
    case ExternKind::kGlobal:
      return absl::StrCat("global (", import.global.is_mutable ? "mut " : "",
                          ValTypeName(import.global.type), ")");
    case ExternKind::kTable:
      return absl::StrCat(
          "table ", LimitsText(import.table.min_size, import.table.max_size),
          " ", ValTypeName(import.table.element));
    case ExternKind::kMemory:
      return absl::StrCat(
          "memory ",
          LimitsText(import.memory.min_pages, import.memory.max_pages),
          " pages");
    case ExternKind::kTag:
      return "tag";
  }
  return "?";
}

// The spec's limits matching: the object's current size covers the
// import's minimum, and an import's maximum bounds the object's.
bool LimitsMatch(uint64_t size, std::optional<uint64_t> max,
                 uint64_t import_min, std::optional<uint64_t> import_max) {
  if (size < import_min) return false;
  return !import_max.has_value() || (max.has_value() && *max <= *import_max);
}

// Checks that `object` (of the import's kind) can be bound to `import`.
absl::Status CheckObjectImport(const ImportType& import,
                               const internal::ExternState& object,
                               const Limits& limits) {
  const std::string name = absl::StrCat(import.module, ".", import.name);
  WASMHOST_RETURN_IF_ERROR(
      object.CheckThread(absl::StrCat("the object defined as ", name)));
  auto mismatch = [&](const std::string& defined) {
    return internal::MakeError(
        absl::StatusCode::kInvalidArgument, ErrorKind::kLinkError,
        absl::StrCat("import ", name, " is ", ImportTypeText(import),
                     " but the linker defines ", defined));
  };
  switch (import.kind) {
    case ExternKind::kFunc:
      if (object.func_type != import.func_type) {
        return mismatch(object.func_type.ToString());
      }
      return absl::OkStatus();
    case ExternKind::kGlobal:
      if (object.global.type != import.global.type ||
          object.global.is_mutable != import.global.is_mutable) {
        return mismatch(absl::StrCat("global (",
                                     object.global.is_mutable ? "mut " : "",
                                     ValTypeName(object.global.type), ")"));
      }
      return absl::OkStatus();
    case ExternKind::kTable: {
      const uint64_t size = object.object->TableSize();
      if (object.table.element != import.table.element ||
          !LimitsMatch(size, object.table.max_size, import.table.min_size,
                       import.table.max_size)) {
        return mismatch(absl::StrCat("table ",
                                     LimitsText(size, object.table.max_size),
                                     " ", ValTypeName(object.table.element)));
      }
      return absl::OkStatus();
    }
    case ExternKind::kMemory: {
      const uint64_t pages = object.object->MemoryBytes().size() / kPageSize;
      if (!LimitsMatch(pages, object.memory.max_pages, import.memory.min_pages,
                       import.memory.max_pages)) {
        return mismatch(absl::StrCat(
            "memory ", LimitsText(pages, object.memory.max_pages), " pages"));
      }
      const uint64_t max_bytes =
          object.memory.max_pages.value_or(kMaxPages) * kPageSize;
      if (limits.max_memory_bytes != 0 && max_bytes > limits.max_memory_bytes) {
        return internal::LimitError(
            LimitKind::kMemory,
            absl::StrCat("imported memory ", name, " may grow to ", max_bytes,
                         " bytes, past the instance's limit of ",
                         limits.max_memory_bytes, " bytes"));
      }
      return absl::OkStatus();
    }
    case ExternKind::kTag:
      break;
  }
  return mismatch("a tag");
}

// Resolves the module's imports against the linker, deny by default.
absl::Status BindImports(const internal::ModuleState& module,
                         const Linker& linker, const Limits& limits,
                         internal::InstanceState& state,
                         v8backend::InstanceSpec& spec) {
  for (size_t i = 0; i < module.imports.size(); ++i) {
    const ImportType& import = module.imports[i];
    std::shared_ptr<const internal::HostFunc> func =
        internal::ApiAccess::FindHostFunc(linker, import.module, import.name);
    std::shared_ptr<const internal::ExternState> object =
        func == nullptr ? internal::ApiAccess::FindExtern(linker, import.module,
                                                          import.name)
                        : nullptr;
    if (func == nullptr && object == nullptr) {
      return internal::MakeError(
          absl::StatusCode::kNotFound, ErrorKind::kLinkError,
          absl::StrCat("import ", import.module, ".", import.name, " ",
                       ImportTypeText(import),
                       " is not granted by the linker"));
    }
    const ExternKind defined =
        func != nullptr ? ExternKind::kFunc : object->kind;
    if (defined != import.kind) {
      return internal::MakeError(
          absl::StatusCode::kInvalidArgument, ErrorKind::kLinkError,
          absl::StrCat("import ", import.module, ".", import.name, " is ",
                       ImportTypeText(import), " but the linker defines a ",
                       ExternKindName(defined)));
    }
    if (object != nullptr) {
      WASMHOST_RETURN_IF_ERROR(CheckObjectImport(import, *object, limits));
      const bool is_memory = import.kind == ExternKind::kMemory;
      if (is_memory) state.memory_type = object->memory;
      v8backend::ImportBinding binding;
      binding.module = import.module;
      binding.name = import.name;
      binding.object = object->object.get();
      binding.is_memory = is_memory;
      binding.adapter_function = module.import_adapter_names[i];
      spec.imports.push_back(std::move(binding));
      state.imported_externs.push_back(std::move(object));
      continue;
    }
    if (func->type != import.func_type) {
      return internal::MakeError(
          absl::StatusCode::kInvalidArgument, ErrorKind::kLinkError,
          absl::StrCat("host function ", import.module, ".", import.name,
                       " has type ", func->type.ToString(),
                       " but the module imports it as ",
                       import.func_type.ToString()));
    }
    v8backend::ImportBinding binding;
    binding.module = import.module;
    binding.name = import.name;
    binding.func = func.get();
    binding.call_type = &module.import_call_types[i];
    binding.adapter_function = module.import_adapter_names[i];
    spec.imports.push_back(std::move(binding));
    state.host_funcs.push_back(std::move(func));
    state.imported_externs.push_back(nullptr);
  }
  if (module.import_adapter != nullptr) {
    spec.import_adapter = module.import_adapter;
    spec.adapter_import_module = std::string(wasm::kAdapterImportModule);
  }
  return absl::OkStatus();
}

// A memory the module defines that was left its own (the module has V8's
// maximum of imports, so the memory could not become one more) keeps the
// module's maximum: an instance whose limit is lower is refused.
absl::Status CheckOwnMemory(const internal::ModuleState& module,
                            const Limits& limits) {
  const bool defines_memory =
      module.memory.has_value() &&
      std::none_of(module.imports.begin(), module.imports.end(),
                   [](const ImportType& import) {
                     return import.kind == ExternKind::kMemory;
                   });
  if (!defines_memory || limits.max_memory_bytes == 0) return absl::OkStatus();
  const uint64_t max_bytes =
      module.memory->max_pages.value_or(kMaxPages) * kPageSize;
  if (max_bytes <= limits.max_memory_bytes) return absl::OkStatus();
  return internal::LimitError(
      LimitKind::kMemory,
      absl::StrCat("the module's memory may grow to ", max_bytes,
                   " bytes and cannot be capped at the instance's limit of ",
                   limits.max_memory_bytes,
                   " bytes (Limits::max_memory_bytes): with V8's maximum of ",
                   wasm::kMaxImports,
                   " imports the module's memory cannot be made an "
                   "import the host creates"));
}

// Sizes the memory created for a module whose own memory was rewritten
// into an import, applying the instance's limit.
absl::Status SizeMemory(const internal::ModuleState& module,
                        const Limits& limits, internal::InstanceState& state,
                        v8backend::InstanceSpec& spec) {
  if (!module.memory_rewritten) return CheckOwnMemory(module, limits);
  spec.memory_import.emplace(module.internal_names.memory_import_module,
                             module.internal_names.memory_import_name);
  spec.memory_initial_pages = module.memory->min_pages;
  spec.memory_max_pages = module.memory->max_pages;
  state.memory_type = module.memory;
  if (limits.max_memory_bytes == 0) return absl::OkStatus();
  const uint64_t limit_pages = limits.max_memory_bytes / kPageSize;
  if (spec.memory_initial_pages > limit_pages) {
    return internal::LimitError(
        LimitKind::kMemory,
        absl::StrCat("the module's initial memory of ",
                     spec.memory_initial_pages * kPageSize,
                     " bytes exceeds the instance's limit of ",
                     limits.max_memory_bytes, " bytes"));
  }
  spec.memory_max_pages =
      std::min(spec.memory_max_pages.value_or(kMaxPages), limit_pages);
  state.memory_type->max_pages = spec.memory_max_pages;
  return absl::OkStatus();
}

// Export `export_index` of `instance` as an engine object: the one it was
// given when it re-exports an import, else a new handle to its own (which
// keeps the instance alive). Call on the instance's thread.
std::shared_ptr<const internal::ExternState> ExportExtern(
    const std::shared_ptr<internal::InstanceState>& instance,
    const internal::ModuleState& module, uint32_t export_index) {
  if (const std::optional<uint32_t> import =
          module.export_imports[export_index]) {
    if (instance->imported_externs[*import] != nullptr) {
      return instance->imported_externs[*import];
    }
  }
  const ExportType& exported = module.exports[export_index];
  auto state = std::make_shared<internal::ExternState>();
  state->kind = exported.kind;
  state->func_type = exported.func_type;
  state->global = exported.global;
  state->table = exported.table;
  if (exported.kind == ExternKind::kMemory)
    state->memory = *instance->memory_type;
  state->object = instance->backend->Export(export_index);
  state->instance = instance;
  return state;
}

// Refuses a module whose tables are too big before V8 allocates them.
absl::Status CheckTables(const internal::ModuleState& module,
                         const Limits& limits) {
  if (limits.max_table_elements == 0 ||
      module.defined_table_elements <= limits.max_table_elements) {
    return absl::OkStatus();
  }
  return internal::LimitError(
      LimitKind::kTableElements,
      absl::StrCat("the module's tables start with ",
                   module.defined_table_elements,
                   " elements, over the instance's limit of ",
                   limits.max_table_elements, " (Limits::max_table_elements)"));
}

}  // namespace

absl::StatusOr<Instance> Instance::Create(const Module& module,
                                          const Linker& linker,
                                          const InstanceOptions& options) {
  return Instantiate(module, linker, options, /*from_image=*/false);
}

absl::StatusOr<Instance> Instance::Instantiate(const Module& module,
                                               const Linker& linker,
                                               const InstanceOptions& options,
                                               bool from_image) {
  const std::shared_ptr<const internal::ModuleState>& module_state =
      module.state_;
  // Its last reference may go on any thread (a handle, a Linker, or the
  // Instance destroyed elsewhere): the engine state goes on its own.
  std::shared_ptr<internal::InstanceState> state(
      new internal::InstanceState(module), [](internal::InstanceState* dead) {
        if (dead->backend == nullptr) {
          delete dead;  // failed before reaching the engine
          return;
        }
        dead->backend->HandBackToOwnerThread([dead] { delete dead; });
      });
  state->contexts = options.contexts_;

  v8backend::InstanceSpec spec;
  WASMHOST_RETURN_IF_ERROR(
      BindImports(*module_state, linker, options.limits, *state, spec));
  WASMHOST_RETURN_IF_ERROR(
      SizeMemory(*module_state, options.limits, *state, spec));
  WASMHOST_RETURN_IF_ERROR(CheckTables(*module_state, options.limits));
  spec.export_names = module_state->call_export_names;
  spec.export_types = module_state->call_export_types;
  for (const ExportType& exported : module_state->exports) {
    spec.extern_names.push_back(exported.name);
  }
  spec.state_global_types = module_state->state_global_types;
  if (module_state->resettable && !spec.state_global_types.empty()) {
    spec.get_globals_export = module_state->internal_names.get_globals_export;
    spec.set_globals_export = module_state->internal_names.set_globals_export;
  }
  spec.max_stack_bytes = options.limits.max_stack_bytes;
  if (module_state->deferred_init) {
    spec.init_export = module_state->internal_names.init_export;
    spec.from_image = from_image;
  }
  if (module_state->table_budget) {
    spec.table_budget_export = module_state->internal_names.table_budget_export;
    spec.table_budget = internal::TableBudget(options.limits);
  }
  if (module_state->fuel.has_value()) {
    spec.metered = true;
    spec.set_fuel_export = module_state->fuel->set_fuel_export;
    spec.get_fuel_export = module_state->fuel->get_fuel_export;
    spec.is_out_of_fuel = [module_state](absl::string_view tag,
                                         uint32_t offset) {
      std::shared_ptr<const internal::ModuleState> frame_module =
          module_state->FrameModule(tag);
      return frame_module != nullptr && frame_module->fuel.has_value() &&
             frame_module->fuel->IsOutOfFuelOffset(offset);
    };
  }
  spec.owner_ref = state;
  spec.locate_frame = [module_state](absl::string_view tag,
                                     uint32_t offset) -> std::optional<Frame> {
    if (tag.empty()) return std::nullopt;  // no guest's (an import adapter)
    std::shared_ptr<const internal::ModuleState> frame_module =
        module_state->FrameModule(tag);
    if (frame_module == nullptr) {
      Frame unknown;  // a module no longer alive: the raw offset only
      unknown.module_offset = offset;
      return unknown;
    }
    return frame_module->LocateFrame(offset);
  };
  // Held by `state` before the start function runs, which may call host
  // functions that use the Caller.
  state->backend =
      v8backend::BackendInstance::Create(std::move(spec), state.get());
  absl::Status started =
      state->backend->Instantiate(module_state->code, options.start_call);
  if (!started.ok()) {
    // What V8 refused without a classification is V8's failure.
    return internal::WithDefaultKind(std::move(started), ErrorKind::kInternal);
  }
  return Instance(std::move(state));
}

Instance::Instance(std::shared_ptr<internal::InstanceState> state)
    : state_(std::move(state)) {}
Instance::Instance(Instance&& other) noexcept = default;
Instance& Instance::operator=(Instance&& other) noexcept = default;
Instance::~Instance() = default;

bool Instance::poisoned() const { return !state_->poison.ok(); }

absl::StatusOr<uint64_t> Instance::remaining_fuel() const {
  if (!state_->module.state_->fuel.has_value()) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "the engine does not consume fuel (EngineOptions::consume_fuel)");
  }
  std::optional<uint64_t> fuel = state_->backend->RemainingFuel();
  if (!fuel.has_value()) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "no call on this instance has set CallOptions::fuel yet");
  }
  return *fuel;
}

const Module& Instance::module() const { return state_->module; }

namespace {

// The index of `module`'s export `name`, which must be of `kind`.
// Returns NotFound when there is none, InvalidArgument when it is of
// another kind.
absl::StatusOr<uint32_t> FindExportOfKind(const internal::ModuleState& module,
                                          absl::string_view name,
                                          ExternKind kind) {
  auto it = module.export_index.find(name);
  if (it == module.export_index.end()) {
    return internal::UsageError(
        absl::StatusCode::kNotFound,
        absl::StrCat("the module has no export named '", name, "'"));
  }
  const ExportType& exported = module.exports[it->second];
  if (exported.kind != kind) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(
            "export '", name, "' is a ", ExternKindName(exported.kind),
            ", not a ",
            kind == ExternKind::kFunc ? "function" : ExternKindName(kind)));
  }
  return it->second;
}

}  // namespace

absl::StatusOr<internal::FuncExport> Instance::FindFuncExport(
    const internal::InstanceState& instance, absl::string_view name,
    const FuncType* expected) {
  const internal::ModuleState& module = *instance.module.state_;
  WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                            FindExportOfKind(module, name, ExternKind::kFunc));
  if (!instance.backend->ExportsBound()) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("export '", name,
                     "' cannot be called from a host function during "
                     "instantiation: the start function runs before the "
                     "exports exist"));
  }
  const ExportType& exported = module.exports[index];
  if (expected != nullptr && exported.func_type != *expected) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("export '", name, "' has type ",
                     exported.func_type.ToString(), ", not the requested ",
                     expected->ToString()));
  }
  return internal::FuncExport{index, &exported.func_type};
}

absl::StatusOr<Func> Instance::GetFunc(absl::string_view name) const {
  WASMHOST_ASSIGN_OR_RETURN(internal::FuncExport found,
                            FindFuncExport(*state_, name, nullptr));
  return Func(state_.get(), found.index, found.type);
}

absl::StatusOr<std::shared_ptr<const internal::ExternState>>
Instance::FindExtern(absl::string_view name, ExternKind kind) const {
  const internal::ModuleState& module = *state_->module.state_;
  WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                            FindExportOfKind(module, name, kind));
  if (!state_->backend->OnOwnerThread()) {
    return internal::WrongThreadError(
        "the instance belongs to another thread's isolate");
  }
  return ExportExtern(state_, module, index);
}

absl::StatusOr<Global> Instance::GetGlobal(absl::string_view name) const {
  WASMHOST_ASSIGN_OR_RETURN(std::shared_ptr<const internal::ExternState> found,
                            FindExtern(name, ExternKind::kGlobal));
  return Global(std::move(found));
}

absl::StatusOr<Table> Instance::GetTable(absl::string_view name) const {
  WASMHOST_ASSIGN_OR_RETURN(std::shared_ptr<const internal::ExternState> found,
                            FindExtern(name, ExternKind::kTable));
  return Table(std::move(found));
}

absl::StatusOr<Memory> Instance::GetMemory(absl::string_view name) const {
  WASMHOST_ASSIGN_OR_RETURN(std::shared_ptr<const internal::ExternState> found,
                            FindExtern(name, ExternKind::kMemory));
  // The instance's own memory 0 (the only one) is read through the
  // instance, as memory() is; a re-exported import through its object.
  internal::InstanceState* instance =
      found->instance == state_ ? state_.get() : nullptr;
  return Memory(instance, std::move(found));
}

Func::Func(std::shared_ptr<const internal::FuncRefState> ref)
    : instance_(static_cast<internal::InstanceState*>(ref->via.get())),
      export_index_(ref->export_index),
      type_(&ref->type),
      ref_(std::move(ref)) {}

absl::StatusOr<Func> Func::FromRef(const Val& funcref) {
  if (funcref.type() != ValType::kFuncRef || funcref.is_null()) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(funcref.ToString(),
                     " is not a function: a non-null funcref is"));
  }
  return Func(std::static_pointer_cast<const internal::FuncRefState>(
      internal::ValRef::Get(funcref)));
}

Val Val::FuncRef(const Func& func) {
  if (func.ref_ != nullptr) {
    return internal::ValRef::Make(
        ValType::kFuncRef,
        std::const_pointer_cast<internal::FuncRefState>(func.ref_));
  }
  // An export: resolved to the engine's function when it crosses.
  auto ref = std::make_shared<internal::FuncRefState>();
  ref->type = *func.type_;
  ref->exporter = func.instance_->backend.get();
  ref->export_index = func.export_index_;
  ref->via = func.instance_->shared_from_this();
  return internal::ValRef::Make(ValType::kFuncRef, std::move(ref));
}

absl::StatusOr<std::vector<Val>> Func::Call(const CallOptions& options,
                                            absl::Span<const Val> args) const {
  const FuncType& type = *type_;
  bool args_match = args.size() == type.params.size();
  for (size_t i = 0; i < args.size(); ++i) {
    args_match = args_match && args[i].type() == type.params[i];
  }
  if (!args_match) {
    std::vector<ValType> given;
    for (const Val& arg : args) given.push_back(arg.type());
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("arguments ", FuncType{given, {}}.ToString(),
                     " do not match ", type.ToString()));
  }
  // Signatures of i32, i64, f32 and f64 take the raw convention, one
  // RawVal per value; the others (a v128 takes two) go as Vals.
  bool numbers_only = true;
  for (const std::vector<ValType>* types : {&type.params, &type.results}) {
    for (ValType value_type : *types) {
      numbers_only = numbers_only && value_type != ValType::kFuncRef &&
                     value_type != ValType::kExternRef &&
                     value_type != ValType::kV128;
    }
  }
  if (instance_ == nullptr) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "the function was read from a host-made table or global: there is "
        "no instance to call it through");
  }
  // A function value that is not an export of its instance.
  const internal::FuncRefState* function =
      ref_ != nullptr && ref_->object != nullptr ? ref_.get() : nullptr;
  if (numbers_only && function == nullptr) {
    std::vector<internal::RawVal> raw_args;
    raw_args.reserve(args.size());
    for (const Val& arg : args) raw_args.push_back(arg.bits());
    std::vector<internal::RawVal> raw_results(type.results.size());
    WASMHOST_RETURN_IF_ERROR(internal::CallExport(*instance_, export_index_,
                                                  raw_args.data(),
                                                  raw_results.data(), options));
    std::vector<Val> results;
    results.reserve(raw_results.size());
    for (size_t i = 0; i < raw_results.size(); ++i) {
      results.push_back(Val::FromBits(type.results[i], raw_results[i]));
    }
    return results;
  }
  std::vector<Val> results(type.results.size());
  WASMHOST_RETURN_IF_ERROR(
      internal::CallWithVals(*instance_, function, export_index_, type,
                             args.data(), results.data(), options));
  return results;
}

namespace internal {

namespace {

// The failure paths of CallExport, out of line so that its successful path
// stays short (and free of StrCat's buffers, which would make
// -fstack-protector guard its frame).
ABSL_ATTRIBUTE_NOINLINE absl::Status PoisonedError(
    const InstanceState& instance) {
  // Only the first line: a trap's message continues with its backtrace.
  const absl::string_view cause = instance.poison.message();
  return MakeError(
      absl::StatusCode::kFailedPrecondition, ErrorKind::kPoisoned,
      absl::StrCat("the instance is poisoned by an earlier failure (",
                   cause.substr(0, cause.find('\n')), ")"));
}

ABSL_ATTRIBUTE_NOINLINE absl::Status CallFailed(InstanceState& instance) {
  v8backend::BackendInstance::CallFailure failure =
      instance.backend->TakeCallFailure();
  if (failure.guest_ran) instance.poison = failure.status;
  return std::move(failure.status);
}

}  // namespace

absl::Status CallWithVals(InstanceState& instance, const FuncRefState* function,
                          uint32_t export_index, const FuncType& type,
                          const Val* args, Val* results,
                          const CallOptions& options) {
  if (!instance.poison.ok()) return PoisonedError(instance);
  if (instance.backend->CallVals(function, export_index, type, args, results,
                                 options)) {
    return absl::OkStatus();
  }
  return CallFailed(instance);
}

absl::Status CallExport(InstanceState& instance, uint32_t export_index,
                        const RawVal* args, RawVal* results,
                        const CallOptions& options) {
  if (ABSL_PREDICT_FALSE(!instance.poison.ok())) return PoisonedError(instance);
  if (ABSL_PREDICT_TRUE(
          instance.backend->Call(export_index, args, results, options))) {
    return absl::OkStatus();
  }
  return CallFailed(instance);
}

namespace {

// The columns' lengths as a message: "3, 3 and 2".
std::string RowCounts(absl::Span<const size_t> column_rows) {
  std::string text;
  for (size_t i = 0; i < column_rows.size(); ++i) {
    if (i > 0) {
      absl::StrAppend(&text, i + 1 == column_rows.size() ? " and " : ", ");
    }
    absl::StrAppend(&text, column_rows[i]);
  }
  return text;
}

}  // namespace

absl::Status CallBatch(InstanceState& instance, uint32_t export_index,
                       const BatchColumns& batch,
                       absl::Span<const size_t> column_rows,
                       const CallOptions& options) {
  for (size_t rows : column_rows) {
    if (rows != batch.rows) {
      return UsageError(
          absl::StatusCode::kInvalidArgument,
          absl::StrCat("a batch's columns must have one length; they have ",
                       RowCounts(column_rows), " rows"));
    }
  }
  if (!instance.poison.ok()) return PoisonedError(instance);
  const FuncType& type = instance.module.exports()[export_index].func_type;
  if (instance.backend->CallBatch(export_index, type, batch, options)) {
    return absl::OkStatus();
  }
  return CallFailed(instance);
}

absl::Status CallBatchBytes(InstanceState& instance, uint32_t export_index,
                            const InstanceState* arena_instance,
                            uint32_t arena_index,
                            absl::Span<const absl::string_view> rows,
                            void* results, size_t result_rows,
                            const CallOptions& options) {
  if (arena_instance != &instance) {
    return UsageError(absl::StatusCode::kInvalidArgument,
                      "the arena export belongs to another instance");
  }
  if (results != nullptr && result_rows != rows.size()) {
    return UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("a batch's columns must have one length; "
                     "they have ",
                     RowCounts({rows.size(), result_rows}), " rows"));
  }
  std::vector<int32_t> offsets(rows.size());
  std::vector<int32_t> lengths(rows.size());
  void* const result_columns[] = {results};
  BatchColumns batch;
  const void* const params[] = {offsets.data(), lengths.data()};
  batch.params = params;
  batch.results = result_columns;
  batch.rows = rows.size();
  // Thread and poisoning checks for an empty batch, as CallBatch's.
  if (rows.empty()) {
    return CallBatch(instance, export_index, batch, {}, options);
  }
  uint64_t total = 0;
  for (absl::string_view row : rows) total += row.size();
  if (total > static_cast<uint64_t>(INT32_MAX)) {
    return UsageError(absl::StatusCode::kInvalidArgument,
                      absl::StrCat("a batch's rows hold ", total,
                                   " bytes together, over the 2^31 - 1 a "
                                   "guest's arena can take"));
  }
  // One deadline for the arena and the rows.
  CallOptions started = options;
  if (options.timeout != absl::InfiniteDuration()) {
    started.deadline = options.DeadlineFrom(absl::Now());
    started.timeout = absl::InfiniteDuration();
  }
  const RawVal size = total;
  RawVal region = 0;
  WASMHOST_RETURN_IF_ERROR(
      CallExport(instance, arena_index, &size, &region, started));
  const uint64_t start = static_cast<uint32_t>(region);
  absl::Span<uint8_t> memory = instance.backend->MemoryBytes();
  if (start + total > memory.size()) {
    return UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("the arena export returned [", start, ", ", start + total,
                     "), outside the guest's memory of ", memory.size(),
                     " bytes"));
  }
  uint64_t next = start;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].empty()) {
      std::memcpy(memory.data() + next, rows[i].data(), rows[i].size());
    }
    offsets[i] = static_cast<int32_t>(next);
    lengths[i] = static_cast<int32_t>(rows[i].size());
    next += rows[i].size();
  }
  absl::Status status = CallBatch(instance, export_index, batch, {}, started);
  // The guest may have grown (moved) its memory meanwhile.
  memory = instance.backend->MemoryBytes();
  if (start + total <= memory.size()) {
    std::memset(memory.data() + start, 0, total);
  }
  return status;
}

}  // namespace internal
}  // namespace wasmhost
