// lib/wasm/rewriter.cc: MemoryImportAdditions, PlanGlobalAccessors,
// TagModule.

#include "lib/wasm/rewriter.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {
namespace {

// One memory import entry: names, kind 0x02, limits.
absl::StatusOr<std::vector<uint8_t>> EncodeMemoryImport(
    absl::string_view module, absl::string_view name, const Limits& limits) {
  constexpr uint64_t kU32Max = std::numeric_limits<uint32_t>::max();
  if (limits.min > kU32Max || limits.max.value_or(0) > kU32Max) {
    return absl::InvalidArgumentError("memory limits exceed 32 bits");
  }
  BinaryWriter w;
  w.Name(module).Name(name).Byte(0x02);
  uint8_t flags = limits.max.has_value() ? 0x01 : 0x00;
  if (limits.shared) flags |= 0x02;
  w.Byte(flags).U32(static_cast<uint32_t>(limits.min));
  if (limits.max.has_value()) w.U32(static_cast<uint32_t>(*limits.max));
  return w.Release();
}

}  // namespace

absl::Status MemoryImportAdditions(const ModuleInfo& info,
                                   absl::string_view import_module,
                                   absl::string_view import_name,
                                   std::vector<SectionAddition>* additions) {
  if (info.memories.empty()) return absl::OkStatus();
  if (info.memories.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the module defines ", info.memories.size(),
                     " memories; only a single memory can be imported"));
  }
  if (info.imported_memory_count() > 0) {
    return absl::InvalidArgumentError(
        "the module both imports and defines a memory (multi-memory is not "
        "supported)");
  }
  if (!IsValidUtf8(import_module) || !IsValidUtf8(import_name)) {
    return absl::InvalidArgumentError("import name is not valid UTF-8");
  }
  absl::StatusOr<std::vector<uint8_t>> entry =
      EncodeMemoryImport(import_module, import_name, info.memories[0]);
  if (!entry.ok()) return entry.status();
  additions->push_back({kImportSection,
                        static_cast<uint32_t>(info.imports.size()), 1,
                        *std::move(entry)});
  additions->push_back({kMemorySection, 0, 0, {}, nullptr, /*remove=*/true});
  return absl::OkStatus();
}

absl::StatusOr<GlobalAccessors> PlanGlobalAccessors(
    const ModuleInfo& info, absl::string_view set_export,
    absl::string_view get_export, std::vector<AddedFunction>* functions) {
  if (!IsValidUtf8(set_export) || !IsValidUtf8(get_export)) {
    return absl::InvalidArgumentError("export name is not valid UTF-8");
  }
  WASMHOST_RETURN_IF_ERROR(CheckNotExported(info, set_export));
  WASMHOST_RETURN_IF_ERROR(CheckNotExported(info, get_export));
  GlobalAccessors result;
  result.setter_index = info.function_count();
  result.getter_index = result.setter_index + 1;
  const uint32_t first_index = info.imported_global_count();
  AddedFunction setter{{}, std::string(set_export), {}};
  AddedFunction getter{{}, std::string(get_export), {}};
  BinaryWriter set_body, get_body;
  set_body.U32(0);  // No locals.
  get_body.U32(0);
  for (size_t i = 0; i < info.globals.size(); ++i) {
    const GlobalType& global = info.globals[i];
    if (!global.is_mutable) continue;
    const uint32_t index = first_index + static_cast<uint32_t>(i);
    if (global.type != ValType::kI32 && global.type != ValType::kI64 &&
        global.type != ValType::kF32 && global.type != ValType::kF64) {
      result.not_added_reason =
          absl::StrCat("global ", index,
                       " is not an i32, i64, f32 or f64; the accessors take "
                       "only those");
      break;
    }
    const auto param = static_cast<uint32_t>(setter.type.params.size());
    set_body.Byte(0x20).U32(param);  // local.get
    ReinterpretFromBoundary(global.type, set_body);
    set_body.Byte(0x24).U32(index);  // global.set
    get_body.Byte(0x23).U32(index);  // global.get
    ReinterpretToBoundary(global.type, get_body);
    const FuncType boundary = BoundaryType({{global.type}, {}});
    setter.type.params.push_back(boundary.params[0]);
    getter.type.results.push_back(boundary.params[0]);
    result.globals.push_back(index);
  }
  if (result.not_added_reason.empty() && result.globals.empty()) {
    result.not_added_reason = "the module defines no mutable global";
  }
  if (result.globals.size() > kMaxBoundaryValues) {
    result.not_added_reason =
        absl::StrCat("the module defines ", result.globals.size(),
                     " mutable globals; a function takes at most ",
                     kMaxBoundaryValues, " parameters");
  }
  if (!result.not_added_reason.empty()) {
    result.globals.clear();
    return result;
  }
  setter.body = set_body.Byte(0x0b).Release();  // end
  getter.body = get_body.Byte(0x0b).Release();
  functions->push_back(std::move(setter));
  functions->push_back(std::move(getter));
  result.added = true;
  return result;
}

absl::StatusOr<std::vector<uint8_t>> TagModule(absl::Span<const uint8_t> bytes,
                                               absl::string_view tag) {
  if (bytes.size() < kModuleHeaderSize) {
    return absl::InvalidArgumentError("not a module: shorter than its header");
  }
  const SectionAddition section = TagAddition(tag);
  const std::vector<uint8_t>& payload = section.entries;
  BinaryWriter out;
  out.Reserve(bytes.size() + payload.size() + 6);
  out.Bytes(bytes.subspan(0, kModuleHeaderSize))
      .Section(kCustomSection, payload)
      .Bytes(bytes.subspan(kModuleHeaderSize));
  return out.Release();
}

SectionAddition TagAddition(absl::string_view tag) {
  SectionAddition addition;
  addition.id = kCustomSection;
  addition.entries =
      BinaryWriter().Name(kSourceMappingUrlSection).Name(tag).Release();
  return addition;
}

}  // namespace wasmhost::wasm
