// lib/wasm/rewriter.cc: ImportDefinedMemory, ExportMutableGlobals.

#include "lib/wasm/rewriter.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"

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

// The whole section, id and size included.
absl::Span<const uint8_t> SectionBytes(absl::Span<const uint8_t> bytes,
                                       const SectionInfo& section) {
  return bytes.subspan(section.offset, section.payload_offset +
                                           section.payload_size -
                                           section.offset);
}

// Rewrites a vector section's payload: the count becomes `expected_count`
// + `added`, the old entries are kept byte for byte and `entries` follow.
absl::StatusOr<std::vector<uint8_t>> AppendEntries(
    absl::Span<const uint8_t> payload, absl::string_view context,
    uint32_t expected_count, uint32_t added,
    absl::Span<const uint8_t> entries) {
  BinaryReader r(payload, context);
  uint32_t count;
  if (absl::Status s = r.ReadU32(&count); !s.ok()) return s;
  if (count != expected_count) return InfoMismatch();
  BinaryWriter rewritten;
  rewritten.U32(count + added).Bytes(payload.subspan(r.offset())).Bytes(entries);
  return rewritten.Release();
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ImportDefinedMemory(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view import_module, absl::string_view import_name) {
  if (info.memories.empty()) {
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
  }
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

  if (absl::Status s = CheckSectionsMatch(bytes, info); !s.ok()) return s;

  BinaryWriter out;
  out.Bytes(bytes.subspan(0, kModuleHeaderSize));
  const uint32_t import_count = static_cast<uint32_t>(info.imports.size());
  auto new_import_section = [&] {
    BinaryWriter payload;
    payload.U32(import_count + 1).Bytes(*entry);
    out.Section(kImportSection, payload.bytes());
  };
  bool have_imports = false;
  for (const SectionInfo& s : info.sections) {
    have_imports |= s.id == kImportSection;
  }
  bool have_types = false;
  for (const SectionInfo& s : info.sections) {
    have_types |= s.id == kTypeSection;
  }
  if (!have_imports && !have_types) new_import_section();

  for (const SectionInfo& section : info.sections) {
    const absl::Span<const uint8_t> payload =
        bytes.subspan(section.payload_offset, section.payload_size);
    if (section.id == kMemorySection) continue;
    if (section.id == kImportSection) {
      // Keep the entries' bytes; only the count and the section size change.
      absl::StatusOr<std::vector<uint8_t>> rewritten = AppendEntries(
          payload, "the import section", import_count, 1, *entry);
      if (!rewritten.ok()) return rewritten.status();
      out.Section(kImportSection, *rewritten);
      continue;
    }
    out.Bytes(SectionBytes(bytes, section));
    if (section.id == kTypeSection && !have_imports) new_import_section();
  }
  return out.Release();
}

absl::StatusOr<std::vector<uint8_t>> ExportMutableGlobals(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view prefix) {
  if (!IsValidUtf8(prefix)) {
    return absl::InvalidArgumentError("export name prefix is not valid UTF-8");
  }
  const uint32_t first_index = info.imported_global_count();
  absl::flat_hash_map<absl::string_view, const Export*> taken;
  for (const Export& e : info.exports) taken[e.name] = &e;
  BinaryWriter entries;
  uint32_t added = 0;
  for (size_t i = 0; i < info.globals.size(); ++i) {
    if (!info.globals[i].is_mutable) continue;
    const uint32_t index = first_index + static_cast<uint32_t>(i);
    const std::string name = absl::StrCat(prefix, index);
    if (auto it = taken.find(name); it != taken.end()) {
      // Already rewritten: nothing to add. Anything else is a clash.
      if (it->second->kind == ExternKind::kGlobal &&
          it->second->index == index) {
        continue;
      }
      return absl::InvalidArgumentError(
          absl::StrCat("the module already exports something else as \"",
                       name, "\"; choose another prefix"));
    }
    entries.Name(name).Byte(0x03).U32(index);
    ++added;
  }
  if (added == 0) return std::vector<uint8_t>(bytes.begin(), bytes.end());
  if (absl::Status s = CheckSectionsMatch(bytes, info); !s.ok()) return s;

  const uint32_t export_count = static_cast<uint32_t>(info.exports.size());
  bool have_exports = false;
  for (const SectionInfo& s : info.sections) {
    have_exports |= s.id == kExportSection;
  }
  // Without an export section, a new one goes right after the last section
  // that must precede it (or the header); custom sections stay in place.
  const int export_order = SectionOrder(kExportSection);
  size_t insert_after = 0;  // Sections to copy first.
  for (size_t i = 0; i < info.sections.size(); ++i) {
    const int order = SectionOrder(info.sections[i].id);
    if (order != 0 && order < export_order) insert_after = i + 1;
  }

  BinaryWriter out;
  out.Bytes(bytes.subspan(0, kModuleHeaderSize));
  auto new_export_section = [&] {
    BinaryWriter payload;
    payload.U32(added).Bytes(entries.bytes());
    out.Section(kExportSection, payload.bytes());
  };
  if (!have_exports && insert_after == 0) new_export_section();
  for (size_t i = 0; i < info.sections.size(); ++i) {
    const SectionInfo& section = info.sections[i];
    if (section.id == kExportSection) {
      absl::StatusOr<std::vector<uint8_t>> rewritten = AppendEntries(
          bytes.subspan(section.payload_offset, section.payload_size),
          "the export section", export_count, added, entries.bytes());
      if (!rewritten.ok()) return rewritten.status();
      out.Section(kExportSection, *rewritten);
    } else {
      out.Bytes(SectionBytes(bytes, section));
    }
    if (!have_exports && i + 1 == insert_after) new_export_section();
  }
  return out.Release();
}

}  // namespace wasmhost::wasm
