#include "wasmhost/instance.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/module_state.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/engine_limits.h"

namespace wasmhost {
namespace {

constexpr uint64_t kPageSize = 64 * 1024;

constexpr uint64_t kMaxPages = 65536;  // 4 GiB, the wasm32 limit

// Resolves the module's imports against the linker, deny by default.
absl::Status BindImports(const internal::ModuleState& module,
                         const Linker& linker, internal::InstanceState& state,
                         v8backend::InstanceSpec& spec) {
  for (size_t i = 0; i < module.imports.size(); ++i) {
    const ImportType& import = module.imports[i];
    if (import.kind != ExternKind::kFunc) {
      return absl::NotFoundError(absl::StrCat(
          "import ", import.module, ".", import.name, " (",
          ExternKindName(import.kind),
          ") is not granted: a linker grants only functions"));
    }
    std::shared_ptr<const internal::HostFunc> func =
        linker.Find(import.module, import.name);
    if (func == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "import ", import.module, ".", import.name, " ",
          import.func_type.ToString(), " is not granted by the linker"));
    }
    if (func->type != import.func_type) {
      return absl::InvalidArgumentError(absl::StrCat(
          "host function ", import.module, ".", import.name, " has type ",
          func->type.ToString(), " but the module imports it as ",
          import.func_type.ToString()));
    }
    spec.imports.push_back({import.module, import.name, func.get(),
                            &module.import_call_types[i],
                            module.import_adapter_names[i]});
    state.host_funcs.push_back(std::move(func));
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
  return absl::ResourceExhaustedError(absl::StrCat(
      "the module's memory may grow to ", max_bytes,
      " bytes and cannot be capped at the instance's limit of ",
      limits.max_memory_bytes,
      " bytes (Limits::max_memory_bytes): with V8's maximum of ",
      wasm::kMaxImports, " imports the module's memory cannot be made an "
      "import the host creates"));
}

// Sizes the memory created for a module whose own memory was rewritten
// into an import, applying the instance's limit.
absl::Status SizeMemory(const internal::ModuleState& module,
                        const Limits& limits, v8backend::InstanceSpec& spec) {
  if (!module.memory_rewritten) return CheckOwnMemory(module, limits);
  spec.memory_import.emplace(module.internal_names.memory_import_module,
                             module.internal_names.memory_import_name);
  spec.memory_initial_pages = module.memory->min_pages;
  spec.memory_max_pages = module.memory->max_pages;
  if (limits.max_memory_bytes == 0) return absl::OkStatus();
  const uint64_t limit_pages = limits.max_memory_bytes / kPageSize;
  if (spec.memory_initial_pages > limit_pages) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the module's initial memory of ",
        spec.memory_initial_pages * kPageSize,
        " bytes exceeds the instance's limit of ", limits.max_memory_bytes,
        " bytes"));
  }
  spec.memory_max_pages =
      std::min(spec.memory_max_pages.value_or(kMaxPages), limit_pages);
  return absl::OkStatus();
}

// Refuses a module whose tables are too big before V8 allocates them.
absl::Status CheckTables(const internal::ModuleState& module,
                         const Limits& limits) {
  if (limits.max_table_elements == 0 ||
      module.defined_table_elements <= limits.max_table_elements) {
    return absl::OkStatus();
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      "the module's tables start with ", module.defined_table_elements,
      " elements, over the instance's limit of ", limits.max_table_elements,
      " (Limits::max_table_elements)"));
}

}  // namespace

absl::StatusOr<Instance> Instance::Create(const Module& module,
                                          const Linker& linker,
                                          const InstanceOptions& options) {
  const std::shared_ptr<const internal::ModuleState>& module_state =
      module.state_;
  auto state = std::make_unique<internal::InstanceState>(module);
  state->contexts = options.contexts_;

  v8backend::InstanceSpec spec;
  WASMHOST_RETURN_IF_ERROR(BindImports(*module_state, linker, *state, spec));
  WASMHOST_RETURN_IF_ERROR(SizeMemory(*module_state, options.limits, spec));
  WASMHOST_RETURN_IF_ERROR(CheckTables(*module_state, options.limits));
  spec.export_names = module_state->call_export_names;
  spec.export_types = module_state->call_export_types;
  spec.state_global_types = module_state->state_global_types;
  if (module_state->resettable && !spec.state_global_types.empty()) {
    spec.get_globals_export = module_state->internal_names.get_globals_export;
    spec.set_globals_export = module_state->internal_names.set_globals_export;
  }
  spec.max_stack_bytes = options.limits.max_stack_bytes;
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
  WASMHOST_ASSIGN_OR_RETURN(
      state->backend,
      v8backend::BackendInstance::Create(module_state->code, std::move(spec),
                                         options.start_call, state.get()));
  return Instance(std::move(state));
}

Instance::Instance(std::unique_ptr<internal::InstanceState> state)
    : state_(std::move(state)) {}
Instance::Instance(Instance&& other) noexcept = default;
Instance& Instance::operator=(Instance&& other) noexcept = default;
Instance::~Instance() = default;

bool Instance::poisoned() const { return !state_->poison.ok(); }

absl::StatusOr<uint64_t> Instance::remaining_fuel() const {
  if (!state_->module.state_->fuel.has_value()) {
    return absl::FailedPreconditionError(
        "the engine does not consume fuel (EngineOptions::consume_fuel)");
  }
  std::optional<uint64_t> fuel = state_->backend->RemainingFuel();
  if (!fuel.has_value()) {
    return absl::FailedPreconditionError(
        "no call on this instance has set CallOptions::fuel yet");
  }
  return *fuel;
}

const Module& Instance::module() const { return state_->module; }

absl::StatusOr<uint32_t> Instance::FindFunc(absl::string_view name,
                                            const FuncType& expected) const {
  WASMHOST_ASSIGN_OR_RETURN(Func func, GetFunc(name));
  if (func.type() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("export '", name, "' has type ", func.type().ToString(),
                     ", not the requested ", expected.ToString()));
  }
  return func.export_index_;
}

absl::StatusOr<Func> Instance::GetFunc(absl::string_view name) const {
  const internal::ModuleState& module = *state_->module.state_;
  auto it = module.export_index.find(name);
  if (it == module.export_index.end()) {
    return absl::NotFoundError(
        absl::StrCat("the module has no export named '", name, "'"));
  }
  const ExportType& exported = module.exports[it->second];
  if (exported.kind != ExternKind::kFunc) {
    return absl::InvalidArgumentError(
        absl::StrCat("export '", name, "' is a ",
                     ExternKindName(exported.kind), ", not a function"));
  }
  return Func(state_.get(), it->second, &exported.func_type);
}

absl::StatusOr<std::vector<Val>> Func::Call(absl::Span<const Val> args,
                                            const CallOptions& options) const {
  const FuncType& type = *type_;
  bool args_match = args.size() == type.params.size();
  for (size_t i = 0; args_match && i < args.size(); ++i) {
    args_match = args[i].type() == type.params[i];
  }
  if (!args_match) {
    std::vector<ValType> given;
    for (const Val& arg : args) given.push_back(arg.type());
    return absl::InvalidArgumentError(absl::StrCat(
        "arguments ", FuncType{given, {}}.ToString(), " do not match ",
        type.ToString()));
  }
  std::vector<internal::RawVal> raw_args;
  raw_args.reserve(args.size());
  for (const Val& arg : args) raw_args.push_back(arg.bits());
  std::vector<internal::RawVal> raw_results(type.results.size());
  WASMHOST_RETURN_IF_ERROR(internal::CallExport(
      *instance_, export_index_, raw_args.data(), raw_results.data(), options));
  std::vector<Val> results;
  results.reserve(raw_results.size());
  for (size_t i = 0; i < raw_results.size(); ++i) {
    results.push_back(Val::FromBits(type.results[i], raw_results[i]));
  }
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
  return absl::FailedPreconditionError(
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

}  // namespace internal
}  // namespace wasmhost
