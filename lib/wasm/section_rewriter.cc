// lib/wasm/section_rewriter.cc: MappedBytes, AddFunctions, RewriteSections.

#include "lib/wasm/section_rewriter.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"

namespace wasmhost::wasm {
namespace {

constexpr uint8_t kFuncType = 0x60;
constexpr uint8_t kFuncKind = 0x00;

void WriteValTypes(absl::Span<const ValType> types, BinaryWriter& w) {
  w.U32(static_cast<uint32_t>(types.size()));
  for (ValType t : types) w.Byte(ValTypeCode(t));
}

size_t LebSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}

// A present section with `addition` applied, written straight to `out`
// (its new size is known up front, so the entries, often most of the
// module, are copied once).
absl::Status AppendEntries(absl::Span<const uint8_t> bytes,
                           const SectionInfo& section,
                           const SectionAddition& addition, MappedBytes* out) {
  BinaryReader module(bytes, "a section");
  WASMHOST_RETURN_IF_ERROR(module.Skip(section.payload_offset));
  BinaryReader r = module;
  WASMHOST_RETURN_IF_ERROR(
      module.ReadSub(section.payload_size, "a section", &r));
  uint32_t count;
  WASMHOST_RETURN_IF_ERROR(r.ReadU32(&count));
  if (count != addition.expected_count) return InfoMismatch();
  const size_t end = section.payload_offset + section.payload_size;
  const uint32_t new_count = count + addition.added;
  const size_t payload_size =
      LebSize(new_count) + (end - r.offset()) + addition.entries.size();
  if (payload_size > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("a rewritten section would exceed 4 GiB");
  }
  out->Inject(section.offset)
      .Byte(section.id)
      .U32(static_cast<uint32_t>(payload_size))
      .U32(new_count);
  out->Copy(bytes, r.offset(), end);
  out->Inject(end).Bytes(addition.entries);
  return absl::OkStatus();
}

}  // namespace

void MappedBytes::Copy(absl::Span<const uint8_t> module, size_t from,
                       size_t to) {
  if (to <= from) return;
  runs_.push_back({size(), from, false});
  w_.Bytes(module.subspan(from, to - from));
}

BinaryWriter& MappedBytes::Inject(size_t anchor) {
  runs_.push_back({size(), anchor, true});
  return w_;
}

void MappedBytes::Append(const MappedBytes& other) {
  const size_t base = size();
  for (const Run& run : other.runs_) {
    runs_.push_back({base + run.at, run.original, run.injected});
  }
  for (size_t at : other.marks_) marks_.push_back(base + at);
  w_.Bytes(other.bytes());
}

void MappedBytes::AppendSection(uint8_t id, const MappedBytes& payload,
                                size_t anchor) {
  Inject(anchor).Byte(id).U32(static_cast<uint32_t>(payload.size()));
  Append(payload);
}

void AddFunctions(const ModuleInfo& info,
                  absl::Span<const AddedFunction> functions,
                  std::vector<SectionAddition>* additions) {
  const auto n = static_cast<uint32_t>(functions.size());
  const auto first_type = static_cast<uint32_t>(info.types.size());
  const uint32_t first_function = info.function_count();
  BinaryWriter types, indices, exports, bodies;
  uint32_t exported = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const AddedFunction& f = functions[i];
    WriteFuncType(f.type, types);
    indices.U32(first_type + i);
    if (!f.export_name.empty()) {
      exports.Name(f.export_name).Byte(kFuncKind).U32(first_function + i);
      ++exported;
    }
    bodies.U32(static_cast<uint32_t>(f.body.size())).Bytes(f.body);
  }
  const auto defined = static_cast<uint32_t>(info.function_type_indices.size());
  additions->push_back({kTypeSection, first_type, n, types.Release()});
  additions->push_back({kFunctionSection, defined, n, indices.Release()});
  if (exported > 0) {
    additions->push_back({kExportSection,
                          static_cast<uint32_t>(info.exports.size()), exported,
                          exports.Release()});
  }
  // ReadModule checks the code section has one body per defined function.
  additions->push_back({kCodeSection, defined, n, bodies.Release()});
}

absl::Status RewriteSections(absl::Span<const uint8_t> bytes,
                             const ModuleInfo& info,
                             absl::Span<const SectionAddition> additions,
                             MappedBytes* out) {
  WASMHOST_RETURN_IF_ERROR(CheckSectionsMatch(bytes, info));
  // Canonical order, so missing sections inserted at one spot are in order.
  std::vector<const SectionAddition*> sorted;
  for (const SectionAddition& a : additions) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const SectionAddition* a, const SectionAddition* b) {
                     return SectionOrder(a->id) < SectionOrder(b->id);
                   });
  // A missing section goes right after the last non-custom section that
  // must precede it (or the header); custom sections stay in place.
  const size_t n = info.sections.size();
  std::vector<size_t> insert_at(sorted.size(), 0);
  std::vector<bool> present(sorted.size(), false);
  for (size_t a = 0; a < sorted.size(); ++a) {
    const int order = SectionOrder(sorted[a]->id);
    for (size_t i = 0; i < n; ++i) {
      const int o = SectionOrder(info.sections[i].id);
      // A custom addition is a new section, whatever sections exist.
      if (info.sections[i].id == sorted[a]->id &&
          sorted[a]->id != kCustomSection) {
        present[a] = true;
      }
      if (o != 0 && o < order) insert_at[a] = i + 1;
    }
  }

  size_t added = 0;
  for (const SectionAddition* a : sorted) {
    // Entries, or a new payload, and at most a section header and count.
    added +=
        (a->payload != nullptr ? a->payload->size() : a->entries.size()) + 16;
  }
  out->Reserve(out->size() + bytes.size() + added);
  out->Copy(bytes, 0, kModuleHeaderSize);
  for (size_t i = 0; i <= n; ++i) {
    const size_t anchor = i < n ? info.sections[i].offset : bytes.size();
    for (size_t a = 0; a < sorted.size(); ++a) {
      const SectionAddition& addition = *sorted[a];
      if (present[a] || insert_at[a] != i || addition.remove) continue;
      if (addition.payload != nullptr) {
        out->AppendSection(addition.id, *addition.payload, anchor);
        continue;
      }
      MappedBytes payload;
      BinaryWriter& w = payload.Inject(anchor);
      if (addition.id != kCustomSection) w.U32(addition.added);
      w.Bytes(addition.entries);
      out->AppendSection(addition.id, payload, anchor);
    }
    if (i == n) break;
    const SectionInfo& section = info.sections[i];
    const SectionAddition* addition = nullptr;
    for (const SectionAddition* a : sorted) {
      if (section.id != kCustomSection && a->id == section.id) addition = a;
    }
    if (addition == nullptr) {
      out->Copy(bytes, section.offset,
                section.payload_offset + section.payload_size);
    } else if (addition->remove) {
      continue;
    } else if (addition->payload != nullptr) {
      out->AppendSection(section.id, *addition->payload, section.offset);
    } else {
      WASMHOST_RETURN_IF_ERROR(AppendEntries(bytes, section, *addition, out));
    }
  }
  return absl::OkStatus();
}

void WriteFuncType(const FuncType& type, BinaryWriter& w) {
  w.Byte(kFuncType);
  WriteValTypes(type.params, w);
  WriteValTypes(type.results, w);
}

absl::Status RewriteCode(absl::Span<const uint8_t> bytes,
                         const ModuleInfo& info,
                         absl::Span<const FunctionBody> bodies,
                         const BodyRewriter& rewrite,
                         std::vector<SectionAddition>* additions,
                         MappedBytes* code) {
  SectionAddition* code_addition = nullptr;
  for (SectionAddition& a : *additions) {
    if (a.id == kCodeSection) code_addition = &a;
  }
  if (code_addition == nullptr) {
    return absl::InvalidArgumentError("no functions are added to the code");
  }
  size_t code_anchor = bytes.size();
  for (const SectionInfo& s : info.sections) {
    if (s.id == kCodeSection) code_anchor = s.offset;
  }
  code->Inject(code_anchor)
      .U32(static_cast<uint32_t>(bodies.size()) + code_addition->added);
  for (const FunctionBody& body : bodies) {
    WASMHOST_RETURN_IF_ERROR(rewrite(body, code));
    if (code->size() > std::numeric_limits<uint32_t>::max()) {
      return absl::InvalidArgumentError(
          "the rewritten module would exceed 4 GiB");
    }
  }
  code->Inject(code_anchor).Bytes(code_addition->entries);
  code_addition->payload = code;
  return absl::OkStatus();
}

std::vector<OffsetRun> ToOffsetMap(const MappedBytes& bytes) {
  std::vector<OffsetRun> map;
  map.reserve(bytes.runs().size());
  for (const MappedBytes::Run& run : bytes.runs()) {
    map.push_back({static_cast<uint32_t>(run.at),
                   static_cast<uint32_t>(run.original), run.injected});
  }
  return map;
}

uint32_t OriginalOffset(absl::Span<const OffsetRun> map, uint32_t offset) {
  auto it = std::upper_bound(map.begin(), map.end(), offset,
                             [](uint32_t o, const OffsetRun& run) {
                               return o < run.instrumented_offset;
                             });
  if (it == map.begin()) return offset;
  --it;
  if (it->injected) return it->original_offset;
  return it->original_offset + (offset - it->instrumented_offset);
}

absl::Status CheckNotExported(const ModuleInfo& info, absl::string_view name) {
  for (const Export& e : info.exports) {
    if (e.name == name) {
      return absl::InvalidArgumentError(
          absl::StrCat("the module already exports \"", name, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::wasm
