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

size_t U32Size(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendU32(uint32_t v, std::vector<uint8_t>* out) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out->push_back(b);
  } while (v != 0);
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
    w.Bytes(
        bytes.subspan(segment.offset_expr_begin,
                      segment.offset_expr_end - 1 - segment.offset_expr_begin));
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

absl::StatusOr<DeferredInitPlan> PlanDeferredInit(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view export_name, std::vector<AddedFunction>* functions,
    std::vector<SectionAddition>* additions) {
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
  DeferredInitPlan plan;
  if (!any_active && !info.start.has_value()) return plan;
  plan.added = true;
  plan.data_to_make_passive = any_active;

  AddedFunction init;
  init.type.params = {ValType::kI32};
  init.export_name = std::string(export_name);
  init.body = InitBody(bytes, info);
  functions->push_back(std::move(init));
  if (info.start.has_value()) {
    SectionAddition remove_start;
    remove_start.id = kStartSection;
    remove_start.remove = true;
    additions->push_back(std::move(remove_start));
  }
  if (any_active && !info.data_count.has_value()) {
    // A missing section is written as its count and entries: here the
    // count is the whole payload.
    SectionAddition data_count;
    data_count.id = kDataCountSection;
    data_count.added = info.data_segment_count;
    additions->push_back(std::move(data_count));
  }
  return plan;
}

size_t PassiveDataPayloadSize(const ModuleInfo& info) {
  size_t size = U32Size(info.data_segment_count);
  for (const DataSegment& segment : info.data_segments) {
    size += 1 + U32Size(segment.data_size) + segment.data_size;
  }
  return size;
}

void AppendPassiveDataPayload(absl::Span<const uint8_t> bytes,
                              const ModuleInfo& info,
                              std::vector<uint8_t>* out) {
  out->reserve(out->size() + PassiveDataPayloadSize(info));
  AppendU32(info.data_segment_count, out);
  for (const DataSegment& segment : info.data_segments) {
    out->push_back(kPassiveSegment);
    AppendU32(segment.data_size, out);
    out->insert(out->end(), bytes.begin() + segment.data_offset,
                bytes.begin() + segment.data_offset + segment.data_size);
  }
}

}  // namespace wasmhost::wasm
