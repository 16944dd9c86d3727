// lib/wasm/rewriter.cc: ImportDefinedMemory.

#include "lib/wasm/rewriter.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"

namespace wasmhost::wasm {
namespace {

constexpr uint8_t kTypeSection = 1;
constexpr uint8_t kImportSection = 2;
constexpr uint8_t kMemorySection = 5;
constexpr size_t kHeaderSize = 8;

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

  // `info` comes from the caller; never trust its offsets with memory safety.
  size_t next = kHeaderSize;
  for (const SectionInfo& section : info.sections) {
    if (section.offset != next || section.payload_offset <= section.offset ||
        section.payload_offset > bytes.size() ||
        section.payload_size > bytes.size() - section.payload_offset) {
      return absl::InvalidArgumentError(
          "the module info does not describe these bytes");
    }
    next = section.payload_offset + section.payload_size;
  }
  if (next != bytes.size() || bytes.size() < kHeaderSize) {
    return absl::InvalidArgumentError(
        "the module info does not describe these bytes");
  }

  BinaryWriter out;
  out.Bytes(bytes.subspan(0, kHeaderSize));
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
      BinaryReader r(payload, "the import section");
      uint32_t count;
      if (absl::Status s = r.ReadU32(&count); !s.ok()) return s;
      if (count != import_count) {
        return absl::InvalidArgumentError(
            "the module info does not describe these bytes");
      }
      BinaryWriter rewritten;
      rewritten.U32(count + 1).Bytes(payload.subspan(r.offset())).Bytes(*entry);
      out.Section(kImportSection, rewritten.bytes());
      continue;
    }
    out.Bytes(bytes.subspan(
        section.offset,
        section.payload_offset + section.payload_size - section.offset));
    if (section.id == kTypeSection && !have_imports) new_import_section();
  }
  return out.Release();
}

}  // namespace wasmhost::wasm
