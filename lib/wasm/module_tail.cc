#include "lib/wasm/module_tail.h"

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/deferred_init.h"

namespace wasmhost::wasm {

size_t TailOffset(const ModuleInfo& info) {
  size_t cut = kModuleHeaderSize;
  for (const SectionInfo& s : info.sections) {
    if (s.id != kDataSection && s.id != kCustomSection) {
      cut = s.payload_offset + s.payload_size;
    }
  }
  return cut;
}

absl::StatusOr<SplitModule> SplitTail(absl::Span<const uint8_t> bytes,
                                      const ModuleInfo& info) {
  WASMHOST_RETURN_IF_ERROR(CheckSectionsMatch(bytes, info));
  const size_t cut = TailOffset(info);
  const bool has_data =
      std::any_of(info.sections.begin(), info.sections.end(),
                  [](const SectionInfo& s) { return s.id == kDataSection; });
  SplitModule split;
  split.tail = bytes.subspan(cut);
  split.module = bytes;
  if (has_data) {
    // Each segment: flags 1 (passive), no bytes.
    BinaryWriter payload;
    payload.U32(info.data_segment_count);
    for (uint32_t i = 0; i < info.data_segment_count; ++i) {
      payload.Byte(0x01).Byte(0x00);
    }
    split.stand_in =
        BinaryWriter().Section(kDataSection, payload.bytes()).Release();
  }
  split.head.reserve(cut + split.stand_in.size());
  split.head.assign(bytes.begin(), bytes.begin() + cut);
  split.head.insert(split.head.end(), split.stand_in.begin(),
                    split.stand_in.end());
  return split;
}

absl::StatusOr<std::vector<uint8_t>> JoinTail(
    absl::Span<const uint8_t> head, const SplitModule& split,
    const ModuleInfo* passive_data_info) {
  const size_t n = split.stand_in.size();
  if (head.size() < kModuleHeaderSize + n ||
      !std::equal(split.stand_in.begin(), split.stand_in.end(),
                  head.end() - n)) {
    return absl::InvalidArgumentError(
        "the rewritten module does not end with the data section's stand-in");
  }
  std::vector<uint8_t> out;
  if (passive_data_info == nullptr) {
    out.reserve(head.size() - n + split.tail.size());
    out.insert(out.end(), head.begin(), head.end() - n);
    out.insert(out.end(), split.tail.begin(), split.tail.end());
    return out;
  }
  // The tail's sections, the data section's payload written anew.
  const ModuleInfo& info = *passive_data_info;
  const size_t payload_size = PassiveDataPayloadSize(info);
  out.reserve(head.size() - n + split.tail.size() + payload_size);
  out.insert(out.end(), head.begin(), head.end() - n);
  const size_t cut = split.module.size() - split.tail.size();
  for (const SectionInfo& s : info.sections) {
    if (s.offset < cut) continue;
    if (s.id != kDataSection) {
      out.insert(out.end(), split.module.begin() + s.offset,
                 split.module.begin() + s.payload_offset + s.payload_size);
      continue;
    }
    BinaryWriter header;
    header.Byte(kDataSection).U32(static_cast<uint32_t>(payload_size));
    out.insert(out.end(), header.bytes().begin(), header.bytes().end());
    AppendPassiveDataPayload(split.module, info, &out);
  }
  return out;
}

}  // namespace wasmhost::wasm
