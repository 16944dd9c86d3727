#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/runtime/code_cache.h"
#include "lib/runtime/module_state.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/fuel.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/rewriter.h"
#include "wasmhost/module.h"

namespace wasmhost {

static_assert(static_cast<int>(ExternKind::kTag) ==
                  static_cast<int>(wasm::ExternKind::kTag),
              "public and binary ExternKind enumerators must match");

absl::string_view ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
    case ExternKind::kTag:
      return "tag";
  }
  return "?";
}

const std::vector<ImportType>& Module::imports() const {
  return state_->imports;
}
const std::vector<ExportType>& Module::exports() const {
  return state_->exports;
}
std::optional<MemoryType> Module::memory() const { return state_->memory; }
const std::string& Module::name() const { return state_->name; }
const std::vector<CustomSection>& Module::custom_sections() const {
  return state_->custom_sections;
}

namespace internal {
namespace {

MemoryType ToMemoryType(const wasm::Limits& limits) {
  return MemoryType{limits.min, limits.max};
}

std::vector<uint32_t> ToU32(const std::vector<size_t>& offsets) {
  return std::vector<uint32_t>(offsets.begin(), offsets.end());
}

// Fills in what the public Module reports: imports, exports, memory, names.
void DescribeInterface(const wasm::ModuleInfo& info, ModuleState& state) {
  for (const wasm::Import& import : info.imports) {
    ImportType type;
    type.module = import.module;
    type.name = import.name;
    type.kind = static_cast<ExternKind>(import.kind);
    if (import.kind == wasm::ExternKind::kFunc) {
      type.func_type = info.types[import.func_type_index];
    } else if (import.kind == wasm::ExternKind::kMemory) {
      type.memory = ToMemoryType(import.memory);
      state.memory = type.memory;
    }
    state.imports.push_back(std::move(type));
  }
  if (!info.memories.empty()) state.memory = ToMemoryType(info.memories[0]);
  for (const wasm::Export& exported : info.exports) {
    ExportType type;
    type.name = exported.name;
    type.kind = static_cast<ExternKind>(exported.kind);
    if (exported.kind == wasm::ExternKind::kFunc) {
      type.func_type = *info.FunctionType(exported.index);
    } else if (exported.kind == wasm::ExternKind::kMemory) {
      type.memory = *state.memory;
    }
    state.export_index.emplace(type.name,
                               static_cast<uint32_t>(state.exports.size()));
    state.exports.push_back(std::move(type));
  }
  state.name = info.module_name;
  for (const wasm::SectionInfo& section : info.sections) {
    if (section.id != 0) continue;
    state.custom_sections.push_back(
        {section.custom_name, section.custom_content_size});
  }
  state.imported_function_count = info.imported_function_count();
  state.function_names = info.function_names;
}

// Decides whether instances can be reset to a captured state: memory and
// number-typed mutable globals can be restored; table contents cannot.
void PlanStateReset(const wasm::ModuleInfo& info,
                    const wasm::CodeSummary& code, ModuleState& state) {
  bool restorable = !code.mutates_tables;
  for (size_t i = 0; i < info.globals.size(); ++i) {
    const wasm::GlobalType& global = info.globals[i];
    if (!global.is_mutable) continue;
    const bool number = global.type == ValType::kI32 ||
                        global.type == ValType::kI64 ||
                        global.type == ValType::kF32 ||
                        global.type == ValType::kF64;
    restorable = restorable && number;
    state.state_global_types.push_back(
        wasm::BoundaryType({{global.type}, {}}).params[0]);
  }
  state.resettable = restorable;
}

// Decides how the backend calls each export: through its boundary wrapper
// (`wrapper_exports`, by export index) when it has one.
void PlanExportCalls(const std::vector<std::string>& wrapper_exports,
                     ModuleState& state) {
  for (size_t i = 0; i < state.exports.size(); ++i) {
    const ExportType& exported = state.exports[i];
    const bool wrapped = i < wrapper_exports.size() &&
                         !wrapper_exports[i].empty();
    state.call_export_names.push_back(wrapped ? wrapper_exports[i]
                                              : exported.name);
    state.call_export_types.push_back(
        exported.kind == ExternKind::kFunc
            ? std::optional<FuncType>(wasm::BoundaryType(exported.func_type))
            : std::nullopt);
  }
}

// Plans the host-function imports: those whose type has an f32, f64 or
// v128 are reached through one adapter module, compiled here once for
// every instance; the others are bound directly.
absl::Status PlanImportCalls(ModuleState& state) {
  std::vector<FuncType> adapted;
  for (const ImportType& import : state.imports) {
    const FuncType& type = import.func_type;
    const FuncType call_type = wasm::BoundaryType(type);
    std::string adapter_name;
    if (import.kind == ExternKind::kFunc && wasm::NeedsBoundaryAbi(type) &&
        call_type.params.size() <= wasm::kMaxBoundaryValues &&
        call_type.results.size() <= wasm::kMaxBoundaryValues) {
      adapter_name = absl::StrCat(adapted.size());
      adapted.push_back(type);
    }
    state.import_call_types.push_back(call_type);
    state.import_adapter_names.push_back(std::move(adapter_name));
  }
  if (adapted.empty()) return absl::OkStatus();
  WASMHOST_ASSIGN_OR_RETURN(
      state.import_adapter,
      v8backend::CompileModule(wasm::BuildImportAdapter(adapted)));
  return absl::OkStatus();
}

// The bytes V8 compiles: the module's own memory turned into an import
// (per-instance maximum), boundary wrappers for exports with f32, f64 or
// v128 values, and accessors of its mutable globals (state reset).
absl::StatusOr<std::vector<uint8_t>> RewriteForHost(
    absl::Span<const uint8_t> bytes, const wasm::ModuleInfo& info,
    ModuleState& state) {
  std::vector<uint8_t> rewritten(bytes.begin(), bytes.end());
  wasm::ModuleInfo current = info;
  if (!info.memories.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(
        rewritten, wasm::ImportDefinedMemory(rewritten, current,
                                             kMemoryImportModule,
                                             kMemoryImportName));
    WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(rewritten));
    state.memory_rewritten = true;
  }
  // Before the accessors, so only the guest's own exports are wrapped.
  WASMHOST_ASSIGN_OR_RETURN(
      wasm::BoundaryWrappers wrappers,
      wasm::AddBoundaryWrappers(rewritten, current, kBoundaryExportPrefix));
  PlanExportCalls(wrappers.wrapper_exports, state);
  if (std::any_of(wrappers.wrapper_exports.begin(),
                  wrappers.wrapper_exports.end(),
                  [](const std::string& name) { return !name.empty(); })) {
    rewritten = std::move(wrappers.bytes);
    WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(rewritten));
  }
  if (!state.state_global_types.empty()) {
    // Reading and restoring the globals through exported Wasm functions
    // costs one call each and keeps every bit; WebAssembly.Global.value is
    // a JS property access per global, and a JS Number for floats.
    WASMHOST_ASSIGN_OR_RETURN(wasm::GlobalAccessors accessors,
                              wasm::AddGlobalAccessors(rewritten, current));
    if (accessors.added) {
      rewritten = std::move(accessors.bytes);
      WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(rewritten));
    } else {
      state.resettable = false;
    }
  }
  state.compiled_body_offsets = ToU32(current.function_body_offsets);
  return rewritten;
}

// Loads the code from `cache` when it holds it, else compiles and stores
// it. The cache never makes Compile fail: a file that cannot be used or
// written only costs a compile.
absl::StatusOr<std::shared_ptr<const v8backend::CompiledCode>> CompileOrLoad(
    absl::Span<const uint8_t> bytes, CodeCache* cache) {
  if (cache == nullptr) return v8backend::CompileModule(bytes);
  if (std::optional<std::string> serialized = cache->Load(bytes)) {
    absl::StatusOr<std::shared_ptr<const v8backend::CompiledCode>> loaded =
        v8backend::LoadModule(bytes, *serialized);
    if (loaded.ok()) {
      cache->CountHit();
      return loaded;
    }
    cache->CountRejected();
  }
  WASMHOST_ASSIGN_OR_RETURN(std::shared_ptr<const v8backend::CompiledCode> code,
                            v8backend::CompileModule(bytes));
  absl::StatusOr<std::string> serialized = v8backend::SerializeModule(*code);
  if (serialized.ok()) cache->Store(bytes, *serialized).IgnoreError();
  return code;
}

absl::Status InvalidModule(const absl::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid module: ", status.message()));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ModuleState>> ModuleState::Create(
    absl::Span<const uint8_t> bytes, bool consume_fuel, CodeCache* cache) {
  absl::StatusOr<wasm::ModuleInfo> info = wasm::ReadModule(bytes);
  if (!info.ok()) return InvalidModule(info.status());
  absl::StatusOr<wasm::CodeSummary> code = wasm::ScanCode(bytes, *info);
  if (!code.ok()) return InvalidModule(code.status());

  auto state = std::make_shared<ModuleState>();
  DescribeInterface(*info, *state);
  PlanStateReset(*info, *code, *state);
  state->original_body_offsets = ToU32(info->function_body_offsets);
  WASMHOST_ASSIGN_OR_RETURN(std::vector<uint8_t> compiled_bytes,
                            RewriteForHost(bytes, *info, *state));
  if (consume_fuel) {
    WASMHOST_ASSIGN_OR_RETURN(wasm::ModuleInfo rewritten,
                              wasm::ReadModule(compiled_bytes));
    WASMHOST_ASSIGN_OR_RETURN(state->fuel,
                              wasm::InjectFuel(compiled_bytes, rewritten));
    compiled_bytes = state->fuel->bytes;
  }
  WASMHOST_ASSIGN_OR_RETURN(state->code, CompileOrLoad(compiled_bytes, cache));
  WASMHOST_RETURN_IF_ERROR(PlanImportCalls(*state));
  return state;
}

std::optional<Frame> ModuleState::LocateFrame(uint32_t compiled_offset) const {
  if (fuel.has_value()) compiled_offset = fuel->OriginalOffset(compiled_offset);
  Frame frame;
  frame.module_offset = compiled_offset;
  // The last body starting at or before the offset holds it.
  auto body = std::upper_bound(compiled_body_offsets.begin(),
                               compiled_body_offsets.end(), compiled_offset);
  if (body == compiled_body_offsets.begin()) return frame;
  const size_t defined = (body - compiled_body_offsets.begin()) - 1;
  if (defined >= original_body_offsets.size()) return std::nullopt;
  frame.function_index =
      imported_function_count + static_cast<uint32_t>(defined);
  frame.module_offset = original_body_offsets[defined] +
                        (compiled_offset - compiled_body_offsets[defined]);
  auto name = function_names.find(frame.function_index);
  if (name != function_names.end()) frame.function_name = name->second;
  return frame;
}

}  // namespace internal
}  // namespace wasmhost
