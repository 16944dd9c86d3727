#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/runtime/code_cache.h"
#include "lib/runtime/module_state.h"
#include "lib/util/status_macros.h"
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

TableType ToTableType(const wasm::TableType& table) {
  return TableType{table.element, table.limits.min, table.limits.max};
}

GlobalType ToGlobalType(const wasm::GlobalType& global) {
  return GlobalType{global.type, global.is_mutable};
}

std::vector<uint32_t> ToU32(const std::vector<size_t>& offsets) {
  return std::vector<uint32_t>(offsets.begin(), offsets.end());
}

// Fills in what the public Module reports: imports, exports, memory, names.
void DescribeInterface(const wasm::ModuleInfo& info, ModuleState& state) {
  // The table and global index spaces, imports first, and the imports that
  // begin the table, memory and global index spaces.
  std::vector<TableType> tables;
  std::vector<GlobalType> globals;
  std::vector<uint32_t> table_imports, memory_imports, global_imports;
  for (const wasm::Import& import : info.imports) {
    const auto import_index = static_cast<uint32_t>(state.imports.size());
    if (import.kind == wasm::ExternKind::kTable) {
      table_imports.push_back(import_index);
    } else if (import.kind == wasm::ExternKind::kMemory) {
      memory_imports.push_back(import_index);
    } else if (import.kind == wasm::ExternKind::kGlobal) {
      global_imports.push_back(import_index);
    }
    ImportType type;
    type.module = import.module;
    type.name = import.name;
    type.kind = static_cast<ExternKind>(import.kind);
    if (import.kind == wasm::ExternKind::kFunc) {
      type.func_type = info.types[import.func_type_index];
    } else if (import.kind == wasm::ExternKind::kMemory) {
      type.memory = ToMemoryType(import.memory);
      state.memory = type.memory;
    } else if (import.kind == wasm::ExternKind::kTable) {
      type.table = ToTableType(import.table);
      tables.push_back(type.table);
    } else if (import.kind == wasm::ExternKind::kGlobal) {
      type.global = ToGlobalType(import.global);
      globals.push_back(type.global);
    }
    state.imports.push_back(std::move(type));
  }
  for (const wasm::TableType& table : info.tables) {
    tables.push_back(ToTableType(table));
  }
  for (const wasm::GlobalType& global : info.globals) {
    globals.push_back(ToGlobalType(global));
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
    } else if (exported.kind == wasm::ExternKind::kTable) {
      type.table = tables[exported.index];
    } else if (exported.kind == wasm::ExternKind::kGlobal) {
      type.global = globals[exported.index];
    }
    const std::vector<uint32_t>* imports_of_kind =
        exported.kind == wasm::ExternKind::kTable    ? &table_imports
        : exported.kind == wasm::ExternKind::kMemory ? &memory_imports
        : exported.kind == wasm::ExternKind::kGlobal ? &global_imports
                                                      : nullptr;
    state.export_imports.push_back(
        imports_of_kind != nullptr && exported.index < imports_of_kind->size()
            ? std::optional<uint32_t>((*imports_of_kind)[exported.index])
            : std::nullopt);
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
    state.state_globals.emplace_back(
        absl::StrCat(kGlobalExportPrefix, info.imported_global_count() + i),
        global.type);
  }
  state.resettable = restorable;
}

// The bytes V8 compiles: the module's own memory turned into an import
// (per-instance maximum) and its mutable globals exported (state reset).
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
  if (!state.state_globals.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(rewritten,
                              wasm::ExportMutableGlobals(rewritten, current,
                                                         kGlobalExportPrefix));
    WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(rewritten));
    // Restoring the globals through one exported Wasm function costs one
    // call; WebAssembly.Global.value costs a JS property set per global.
    WASMHOST_ASSIGN_OR_RETURN(wasm::GlobalSetter setter,
                              wasm::AddGlobalSetter(rewritten, current));
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
