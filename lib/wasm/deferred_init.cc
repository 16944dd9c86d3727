#include "lib/wasm/deferred_init.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {
namespace {

constexpr uint8_t kPassiveSegment = 0x01;

// Opcodes of the init function.
constexpr uint8_t kIf = 0x04;
constexpr uint8_t kEnd = 0x0b;
constexpr uint8_t kCall = 0x10;
constexpr uint8_t kLocalGet = 0x20;
constexpr uint8_t kI32Const = 0x41;
constexpr uint8_t kBlockTypeEmpty = 0x40;
constexpr uint8_t kBulkPrefix = 0xfc;
constexpr uint32_t kMemoryInit = 8;
constexpr uint32_t kDataDrop = 9;

// The offset of the section with `id`, or the end of the module.
size_t SectionAnchor(absl::Span<const uint8_t> bytes, const ModuleInfo& info,
                     uint8_t id) {
  for (const SectionInfo& s : info.sections) {
    if (s.id == id) return s.offset;
  }
  return bytes.size();
}

std::vector<uint8_t> InitBody(absl::Span<const uint8_t> bytes,
                              const ModuleInfo& info) {
  BinaryWriter w;
  w.U32(0);  // no locals
  w.Byte(kLocalGet).U32(0).Byte(kIf).Byte(kBlockTypeEmpty);
  for (uint32_t i = 0; i < info.data_segments.size(); ++i) {
    const DataSegment& segment = info.data_segments[i];
    if (!segment.active) continue;
    // The offset expression without its `end`: an i32 on the stack.
    w.Bytes(bytes.subspan(segment.offset_expr_begin,
                          segment.offset_expr_end - 1 -
                              segment.offset_expr_begin));
    w.Byte(kI32Const).U32(0);
    w.Byte(kI32Const).S64(static_cast<int32_t>(segment.data_size));
    w.Byte(kBulkPrefix).U32(kMemoryInit).U32(i).U32(segment.memory);
  }
  w.Byte(kEnd);
  for (uint32_t i = 0; i < info.data_segments.size(); ++i) {
    if (!info.data_segments[i].active) continue;
    w.Byte(kBulkPrefix).U32(kDataDrop).U32(i);
  }
  if (info.start.has_value()) {
    w.Byte(kLocalGet).U32(0).Byte(kIf).Byte(kBlockTypeEmpty);
    w.Byte(kCall).U32(*info.start);
    w.Byte(kEnd);
  }
  w.Byte(kEnd);
  return w.Release();
}

}  // namespace

absl::StatusOr<DeferredInit> DeferInitialization(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view export_name) {
  if (!IsValidUtf8(export_name)) {
    return absl::InvalidArgumentError("the export name is not valid UTF-8");
  }
  WASMHOST_RETURN_IF_ERROR(CheckNotExported(info, export_name));
  WASMHOST_RETURN_IF_ERROR(CheckSectionsMatch(bytes, info));
  if (info.data_segments.size() != info.data_segment_count) {
    return InfoMismatch();
  }
  bool any_active = false;
  for (const DataSegment& segment : info.data_segments) {
    // Never trust the offsets with memory safety (InfoMismatch).
    if (segment.data_offset > bytes.size() ||
        segment.data_size > bytes.size() - segment.data_offset ||
        (segment.active &&
         (segment.offset_expr_begin >= segment.offset_expr_end ||
          segment.offset_expr_end > bytes.size()))) {
      return InfoMismatch();
    }
    any_active |= segment.active;
  }
  DeferredInit result;
  if (!any_active && !info.start.has_value()) {
    result.bytes.assign(bytes.begin(), bytes.end());
    return result;
  }

  std::vector<SectionAddition> additions;
  AddedFunction init;
  init.type.params = {ValType::kI32};
  init.export_name = std::string(export_name);
  init.body = InitBody(bytes, info);
  AddFunctions(info, {init}, &additions);
  if (info.start.has_value()) {
    SectionAddition remove_start;
    remove_start.id = kStartSection;
    remove_start.remove = true;
    additions.push_back(std::move(remove_start));
  }
  // Every segment becomes passive: its flags and size are written anew, its
  // bytes copied in one piece.
  MappedBytes data;
  MappedBytes data_count;
  if (any_active) {
    const size_t anchor = SectionAnchor(bytes, info, kDataSection);
    data.Inject(anchor).U32(info.data_segment_count);
    for (const DataSegment& segment : info.data_segments) {
      data.Inject(anchor).Byte(kPassiveSegment).U32(segment.data_size);
      data.Copy(bytes, segment.data_offset,
                segment.data_offset + segment.data_size);
    }
    SectionAddition data_section;
    data_section.id = kDataSection;
    data_section.payload = &data;
    additions.push_back(std::move(data_section));
    if (!info.data_count.has_value()) {
      data_count.Inject(SectionAnchor(bytes, info, kCodeSection))
          .U32(info.data_segment_count);
      SectionAddition count_section;
      count_section.id = kDataCountSection;
      count_section.payload = &data_count;
      additions.push_back(std::move(count_section));
    }
  }
  MappedBytes out;
  WASMHOST_RETURN_IF_ERROR(RewriteSections(bytes, info, additions, &out));
  result.bytes = out.Release();
  result.added = true;
  return result;
}

}  // namespace wasmhost::wasm
