#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/runtime/code_cache.h"
#include "lib/runtime/module_state.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/engine_limits.h"
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

InternalNames InternalNames::For(const wasm::ModuleInfo& info) {
  auto used = [&info](absl::string_view prefix) {
    for (const wasm::Export& exported : info.exports) {
      if (absl::StartsWith(exported.name, prefix)) return true;
    }
    for (const wasm::Import& import : info.imports) {
      if (absl::StartsWith(import.module, prefix)) return true;
    }
    return false;
  };
  // Terminates: the module has finitely many names.
  std::string prefix = "wasmhost:";
  for (int n = 1; used(prefix); ++n) prefix = absl::StrCat("wasmhost", n, ":");
  InternalNames names;
  names.prefix = prefix;
  names.memory_import_module = absl::StrCat(prefix, "internal");
  names.memory_import_name = "memory";
  names.global_export_prefix = absl::StrCat(prefix, "global:");
  names.set_globals_export = absl::StrCat(prefix, "globals:set");
  names.set_fuel_export = absl::StrCat(prefix, "fuel:set");
  names.get_fuel_export = absl::StrCat(prefix, "fuel:get");
  return names;
}

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
  for (const wasm::TableType& table : info.tables) {
    state.defined_table_elements += table.limits.min;
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
    state.state_globals.emplace_back(
        absl::StrCat(state.internal_names.global_export_prefix,
                     info.imported_global_count() + i),
        global.type);
  }
  state.resettable = restorable;
}

// What fuel metering adds to a module (see lib/wasm/fuel.h).
constexpr size_t kFuelExports = 2;
constexpr size_t kFuelFunctions = 2;
constexpr size_t kFuelTypes = 2;
constexpr size_t kFuelGlobals = 1;

// Whether `info` plus `exports`, `functions`, `types` and `globals` more
// stays within V8's limits.
bool FitsV8Limits(const wasm::ModuleInfo& info, size_t exports,
                  size_t functions, size_t types, size_t globals) {
  return info.exports.size() + exports <= wasm::kMaxExports &&
         info.function_count() + functions <= wasm::kMaxFunctions &&
         info.types.size() + types <= wasm::kMaxTypes &&
         info.global_count() + globals <= wasm::kMaxGlobals;
}

// The bytes V8 compiles: the module's own memory turned into an import
// (per-instance maximum) and its mutable globals exported (state reset).
// What the rewrites add never takes a valid module past V8's limits on
// imports, exports, functions, types and globals: a rewrite that would is
// left out (the memory then keeps the module's own maximum, and instances
// cannot be reset), except fuel metering, which the engine asked for.
absl::StatusOr<std::vector<uint8_t>> RewriteForHost(
    absl::Span<const uint8_t> bytes, const wasm::ModuleInfo& info,
    bool consume_fuel, ModuleState& state) {
  if (consume_fuel &&
      !FitsV8Limits(info, kFuelExports, kFuelFunctions, kFuelTypes,
                    kFuelGlobals)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "fuel metering (EngineOptions::consume_fuel) adds ", kFuelExports,
        " exports, ", kFuelFunctions, " functions and ", kFuelGlobals,
        " global, which would take the module (", info.exports.size(),
        " exports, ", info.function_count(), " functions, ",
        info.global_count(), " globals) past V8's limits of ",
        wasm::kMaxExports, ", ", wasm::kMaxFunctions, " and ",
        wasm::kMaxGlobals));
  }
  const size_t fuel_exports = consume_fuel ? kFuelExports : 0;
  const size_t fuel_functions = consume_fuel ? kFuelFunctions : 0;
  const size_t fuel_types = consume_fuel ? kFuelTypes : 0;
  const size_t fuel_globals = consume_fuel ? kFuelGlobals : 0;
  std::vector<uint8_t> rewritten(bytes.begin(), bytes.end());
  wasm::ModuleInfo current = info;
  if (!info.memories.empty() && info.imports.size() >= wasm::kMaxImports) {
    // The memory stays the module's own: the host cannot create it, so a
    // fresh-state reset could not find it either.
    state.resettable = false;
  } else if (!info.memories.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(
        rewritten,
        wasm::ImportDefinedMemory(rewritten, current,
                                  state.internal_names.memory_import_module,
                                  state.internal_names.memory_import_name));
    WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(rewritten));
    state.memory_rewritten = true;
  }
  // One export per mutable global, and the setter's function, type and
  // export.
  if (!state.state_globals.empty() &&
      !FitsV8Limits(info, state.state_globals.size() + 1 + fuel_exports,
                    1 + fuel_functions, 1 + fuel_types, fuel_globals)) {
    state.state_globals.clear();
    state.resettable = false;
  }
  if (!state.state_globals.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(
        rewritten,
        wasm::ExportMutableGlobals(rewritten, current,
                                   state.internal_names.global_export_prefix));
    WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(rewritten));
    // Restoring the globals through one exported Wasm function costs one
    // call; WebAssembly.Global.value costs a JS property set per global.
    WASMHOST_ASSIGN_OR_RETURN(
        wasm::GlobalSetter setter,
        wasm::AddGlobalSetter(rewritten, current,
                              state.internal_names.set_globals_export));
    if (setter.added) {
      rewritten = std::move(setter.bytes);
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
  // Before any rewrite: an invalid module could otherwise name the globals,
  // functions and exports the rewrites append (e.g. refill its own fuel).
  WASMHOST_RETURN_IF_ERROR(v8backend::ValidateModule(bytes));

  auto state = std::make_shared<ModuleState>();
  state->internal_names = InternalNames::For(*info);
  DescribeInterface(*info, *state);
  PlanStateReset(*info, *code, *state);
  state->original_body_offsets = ToU32(info->function_body_offsets);
  WASMHOST_ASSIGN_OR_RETURN(std::vector<uint8_t> compiled_bytes,
                            RewriteForHost(bytes, *info, consume_fuel, *state));
  if (consume_fuel) {
    WASMHOST_ASSIGN_OR_RETURN(wasm::ModuleInfo rewritten,
                              wasm::ReadModule(compiled_bytes));
    wasm::FuelOptions fuel_options;
    fuel_options.set_fuel_export = state->internal_names.set_fuel_export;
    fuel_options.get_fuel_export = state->internal_names.get_fuel_export;
    WASMHOST_ASSIGN_OR_RETURN(
        state->fuel, wasm::InjectFuel(compiled_bytes, rewritten, fuel_options));
    compiled_bytes = state->fuel->bytes;
  }
  WASMHOST_ASSIGN_OR_RETURN(state->code, CompileOrLoad(compiled_bytes, cache));
  return state;
}

Frame ModuleState::LocateFrame(uint32_t compiled_offset) const {
  if (fuel.has_value()) compiled_offset = fuel->OriginalOffset(compiled_offset);
  Frame frame;
  frame.module_offset = compiled_offset;
  // The last body starting at or before the offset holds it.
  auto body = std::upper_bound(compiled_body_offsets.begin(),
                               compiled_body_offsets.end(), compiled_offset);
  if (body == compiled_body_offsets.begin()) return frame;
  const size_t defined = (body - compiled_body_offsets.begin()) - 1;
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
