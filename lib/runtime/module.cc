#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/runtime/module_state.h"
#include "lib/util/status_macros.h"
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

namespace internal {
namespace {

MemoryType ToMemoryType(const wasm::Limits& limits) {
  return MemoryType{limits.min, limits.max};
}

std::vector<uint32_t> ToU32(const std::vector<size_t>& offsets) {
  return std::vector<uint32_t>(offsets.begin(), offsets.end());
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ModuleState>> ModuleState::Create(
    absl::Span<const uint8_t> bytes) {
  absl::StatusOr<wasm::ModuleInfo> read = wasm::ReadModule(bytes);
  if (!read.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid module: ", read.status().message()));
  }
  const wasm::ModuleInfo& info = *read;
  auto state = std::make_shared<ModuleState>();

  for (const wasm::Import& import : info.imports) {
    ImportType type;
    type.module = import.module;
    type.name = import.name;
    type.kind = static_cast<ExternKind>(import.kind);
    if (import.kind == wasm::ExternKind::kFunc) {
      type.func_type = info.types[import.func_type_index];
    } else if (import.kind == wasm::ExternKind::kMemory) {
      type.memory = ToMemoryType(import.memory);
      state->memory = type.memory;
    }
    state->imports.push_back(std::move(type));
  }
  if (!info.memories.empty()) state->memory = ToMemoryType(info.memories[0]);
  for (const wasm::Export& exported : info.exports) {
    ExportType type;
    type.name = exported.name;
    type.kind = static_cast<ExternKind>(exported.kind);
    if (exported.kind == wasm::ExternKind::kFunc) {
      type.func_type = *info.FunctionType(exported.index);
    } else if (exported.kind == wasm::ExternKind::kMemory) {
      type.memory = *state->memory;
    }
    state->export_index.emplace(type.name,
                                static_cast<uint32_t>(state->exports.size()));
    state->exports.push_back(std::move(type));
  }
  state->name = info.module_name;
  const bool has_mutable_globals =
      std::any_of(info.globals.begin(), info.globals.end(),
                  [](const wasm::GlobalType& global) { return global.is_mutable; });
  state->resettable = !has_mutable_globals && info.tables.empty() &&
                      info.imported_table_count() == 0;
  state->imported_function_count = info.imported_function_count();
  state->function_names = info.function_names;
  state->original_body_offsets = ToU32(info.function_body_offsets);

  std::vector<uint8_t> rewritten;
  absl::Span<const uint8_t> compiled_bytes = bytes;
  if (!info.memories.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(
        rewritten, wasm::ImportDefinedMemory(bytes, info, kMemoryImportModule,
                                             kMemoryImportName));
    compiled_bytes = rewritten;
    WASMHOST_ASSIGN_OR_RETURN(wasm::ModuleInfo compiled_info,
                              wasm::ReadModule(compiled_bytes));
    state->compiled_body_offsets = ToU32(compiled_info.function_body_offsets);
    state->memory_rewritten = true;
  } else {
    state->compiled_body_offsets = state->original_body_offsets;
  }
  WASMHOST_ASSIGN_OR_RETURN(state->code,
                            v8backend::CompileModule(compiled_bytes));
  return state;
}

Frame ModuleState::LocateFrame(uint32_t compiled_offset) const {
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
