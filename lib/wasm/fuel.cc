// lib/wasm/fuel.cc: InjectFuel.

#include "lib/wasm/fuel.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/code_scanner.h"

namespace wasmhost::wasm {
namespace {

constexpr uint64_t kMaxOffset = std::numeric_limits<uint32_t>::max();
// V8's kV8MaxWasmFunctionLocals: parameters plus declared locals.
constexpr uint64_t kMaxLocals = 50000;

// Opcodes the injected code uses.
constexpr uint8_t kUnreachable = 0x00;
constexpr uint8_t kIf = 0x04;
constexpr uint8_t kEnd = 0x0b;
constexpr uint8_t kSelect = 0x1b;
constexpr uint8_t kLocalGet = 0x20;
constexpr uint8_t kLocalTee = 0x22;
constexpr uint8_t kGlobalGet = 0x23;
constexpr uint8_t kGlobalSet = 0x24;
constexpr uint8_t kI64Const = 0x42;
constexpr uint8_t kI64LtS = 0x53;
constexpr uint8_t kI64GtS = 0x55;
constexpr uint8_t kI64Sub = 0x7d;
constexpr uint8_t kVoidBlock = 0x40;
constexpr uint8_t kI64 = 0x7e;
constexpr uint8_t kFuncType = 0x60;
constexpr uint8_t kFuncKind = 0x00;

// Bytes under construction with their offset map and out-of-fuel offsets,
// all relative to the piece's first byte, so pieces nest (a body inside the
// code section's payload inside the module) before final offsets are known.
class Piece {
 public:
  size_t size() const { return w_.bytes().size(); }
  const std::vector<uint8_t>& bytes() const { return w_.bytes(); }

  // Copies module bytes [from, to).
  void Copy(absl::Span<const uint8_t> module, size_t from, size_t to) {
    if (to <= from) return;
    runs_.push_back({size(), from, false});
    w_.Bytes(module.subspan(from, to - from));
  }

  // Starts bytes of the rewrite's own, mapped to original offset `anchor`.
  BinaryWriter& Inject(size_t anchor) {
    runs_.push_back({size(), anchor, true});
    return w_;
  }

  // The next byte written is an out-of-fuel `unreachable`.
  void MarkOutOfFuel() { out_of_fuel_.push_back(size()); }

  void Append(const Piece& other) {
    const size_t base = size();
    for (const Run& run : other.runs_) {
      runs_.push_back({base + run.at, run.original, run.injected});
    }
    for (size_t at : other.out_of_fuel_) out_of_fuel_.push_back(base + at);
    w_.Bytes(other.bytes());
  }

  // A section: id and size mapped to `anchor`, then the payload.
  void AppendSection(uint8_t id, const Piece& payload, size_t anchor) {
    Inject(anchor).Byte(id).U32(static_cast<uint32_t>(payload.size()));
    Append(payload);
  }

  // Moves the result into `out`; the caller has checked size() fits.
  void Finish(FuelRewrite* out) {
    out->offset_map.reserve(runs_.size());
    for (const Run& run : runs_) {
      out->offset_map.push_back({static_cast<uint32_t>(run.at),
                                 static_cast<uint32_t>(run.original),
                                 run.injected});
    }
    out->out_of_fuel_offsets.assign(out_of_fuel_.begin(), out_of_fuel_.end());
    out->bytes = w_.Release();
  }

 private:
  struct Run {
    size_t at;
    size_t original;
    bool injected;
  };
  BinaryWriter w_;
  std::vector<Run> runs_;
  std::vector<size_t> out_of_fuel_;
};

// A region: where its check goes (its first instruction) and its cost.
struct Region {
  size_t at;
  uint64_t cost;
};

// Emits the check that charges `cost`, anchored to `anchor`.
void EmitCheck(Piece* piece, size_t anchor, uint64_t cost, uint32_t global,
               std::optional<uint32_t> tmp) {
  BinaryWriter& w = piece->Inject(anchor);
  w.Byte(kGlobalGet).U32(global);
  w.Byte(kI64Const).S64(static_cast<int64_t>(cost)).Byte(kI64Sub);
  if (tmp.has_value()) {
    w.Byte(kLocalTee).U32(*tmp).Byte(kGlobalSet).U32(global);
    w.Byte(kLocalGet).U32(*tmp);
  } else {
    w.Byte(kGlobalSet).U32(global).Byte(kGlobalGet).U32(global);
  }
  w.Byte(kI64Const).S64(0).Byte(kI64LtS).Byte(kIf).Byte(kVoidBlock);
  piece->MarkOutOfFuel();
  w.Byte(kUnreachable).Byte(kEnd);
}

// Finds the regions of `body` and their costs.
absl::StatusOr<std::vector<Region>> FindRegions(
    absl::Span<const uint8_t> bytes, const FunctionBody& body) {
  std::vector<Region> regions{{body.code_offset, 0}};
  // Per open block (the function's own excluded): the region index of a
  // loop, or kNotLoop. Bounded by the body size: each block takes a byte.
  constexpr size_t kNotLoop = std::numeric_limits<size_t>::max();
  std::vector<size_t> blocks;
  std::vector<size_t> loops;  // Region indices of the open loops.
  InstructionReader reader(bytes, body);
  while (!reader.done()) {
    Instruction insn;
    WASMHOST_RETURN_IF_ERROR(reader.Next(&insn));
    ++regions[loops.empty() ? 0 : loops.back()].cost;
    if (insn.prefix != kNoPrefix) continue;
    switch (insn.opcode) {
      case 0x02:  // block
      case 0x04:  // if
      case 0x06:  // try
        blocks.push_back(kNotLoop);
        break;
      case 0x03: {  // loop: its body starts after the block type.
        const size_t body_at =
            static_cast<size_t>(insn.immediates.data() - bytes.data()) +
            insn.immediates.size();
        loops.push_back(regions.size());
        blocks.push_back(regions.size());
        regions.push_back({body_at, 0});
        break;
      }
      case 0x0b:  // end
      case 0x18:  // delegate (ends its try)
        // The function's final `end` finds no open block.
        if (!blocks.empty()) {
          if (blocks.back() != kNotLoop) loops.pop_back();
          blocks.pop_back();
        }
        break;
      default:
        break;
    }
  }
  return regions;
}

// Appends `body`'s size and instrumented body to `code`.
absl::Status RewriteBody(absl::Span<const uint8_t> bytes,
                         const ModuleInfo& info, const FunctionBody& body,
                         uint32_t global, Piece* code) {
  WASMHOST_ASSIGN_OR_RETURN(std::vector<Region> regions,
                            FindRegions(bytes, body));
  const FuncType* type = info.FunctionType(body.function_index);
  if (type == nullptr) return InfoMismatch();
  const uint64_t locals = type->params.size() + body.local_count;
  Piece out;
  std::optional<uint32_t> tmp;
  if (locals + 1 <= kMaxLocals) {
    tmp = static_cast<uint32_t>(locals);
    // One more declaration group: (1 x i64) after the existing ones.
    BinaryReader r(bytes, "a locals declaration");
    WASMHOST_RETURN_IF_ERROR(r.Skip(body.offset));
    uint32_t groups;
    WASMHOST_RETURN_IF_ERROR(r.ReadU32(&groups));
    if (r.offset() > body.code_offset) return InfoMismatch();
    out.Inject(body.offset)
        .U32(groups + 1)
        .Bytes(bytes.subspan(r.offset(), body.code_offset - r.offset()))
        .U32(1)
        .Byte(kI64);
  } else {
    out.Copy(bytes, body.offset, body.code_offset);
  }
  size_t cursor = body.code_offset;
  for (const Region& region : regions) {
    out.Copy(bytes, cursor, region.at);
    EmitCheck(&out, region.at, region.cost, global, tmp);
    cursor = region.at;
  }
  out.Copy(bytes, cursor, body.end);
  if (out.size() > kMaxOffset) {
    return absl::InvalidArgumentError(
        absl::StrCat("the instrumented body of function ",
                     body.function_index, " exceeds 4 GiB"));
  }
  code->Inject(body.offset).U32(static_cast<uint32_t>(out.size()));
  code->Append(out);
  return absl::OkStatus();
}

// A vector section's payload with `entries` appended: the count becomes
// `expected_count` + `added`, the old entries are copied byte for byte.
absl::Status AppendEntries(absl::Span<const uint8_t> bytes,
                           const SectionInfo& section, uint32_t expected_count,
                           uint32_t added, absl::Span<const uint8_t> entries,
                           Piece* out) {
  BinaryReader module(bytes, "a section");
  WASMHOST_RETURN_IF_ERROR(module.Skip(section.payload_offset));
  BinaryReader r = module;
  WASMHOST_RETURN_IF_ERROR(module.ReadSub(section.payload_size, "a section",
                                          &r));
  uint32_t count;
  WASMHOST_RETURN_IF_ERROR(r.ReadU32(&count));
  if (count != expected_count) return InfoMismatch();
  out->Inject(section.offset).U32(count + added);
  out->Copy(bytes, r.offset(), section.payload_offset + section.payload_size);
  out->Inject(section.payload_offset + section.payload_size).Bytes(entries);
  return absl::OkStatus();
}

}  // namespace

uint32_t FuelRewrite::OriginalOffset(uint32_t instrumented_offset) const {
  auto it = std::upper_bound(
      offset_map.begin(), offset_map.end(), instrumented_offset,
      [](uint32_t offset, const FuelOffsetRun& run) {
        return offset < run.instrumented_offset;
      });
  if (it == offset_map.begin()) return instrumented_offset;
  --it;
  if (it->injected) return it->original_offset;
  return it->original_offset + (instrumented_offset - it->instrumented_offset);
}

bool FuelRewrite::IsOutOfFuelOffset(uint32_t offset) const {
  return std::binary_search(out_of_fuel_offsets.begin(),
                            out_of_fuel_offsets.end(), offset);
}

absl::StatusOr<FuelRewrite> InjectFuel(absl::Span<const uint8_t> bytes,
                                       const ModuleInfo& info,
                                       const FuelOptions& options) {
  if (bytes.size() > kMaxOffset) {
    return absl::InvalidArgumentError(
        "the module exceeds 4 GiB; fuel metering maps 32-bit offsets");
  }
  WASMHOST_RETURN_IF_ERROR(CheckSectionsMatch(bytes, info));
  for (const Export& e : info.exports) {
    if (e.name == kSetFuelExport || e.name == kGetFuelExport) {
      return absl::InvalidArgumentError(
          absl::StrCat("the module already exports \"", e.name,
                       "\" (is it already metered?)"));
    }
  }
  WASMHOST_ASSIGN_OR_RETURN(std::vector<FunctionBody> bodies,
                            ReadFunctionBodies(bytes, info));

  FuelRewrite result;
  result.set_fuel_export = std::string(kSetFuelExport);
  result.get_fuel_export = std::string(kGetFuelExport);
  result.fuel_global_index = info.global_count();
  result.set_fuel_function = info.function_count();
  result.get_fuel_function = result.set_fuel_function + 1;
  const uint32_t global = result.fuel_global_index;
  const auto first_new_type = static_cast<uint32_t>(info.types.size());

  // The entries each of the five sections gains.
  BinaryWriter types;
  types.Byte(kFuncType).U32(1).Byte(kI64).U32(0);  // (i64) -> ()
  types.Byte(kFuncType).U32(0).U32(1).Byte(kI64);  // () -> i64
  BinaryWriter functions;
  functions.U32(first_new_type).U32(first_new_type + 1);
  BinaryWriter globals;
  globals.Byte(kI64).Byte(0x01).Byte(kI64Const).S64(options.initial_fuel);
  globals.Byte(kEnd);
  BinaryWriter exports;
  exports.Name(kSetFuelExport).Byte(kFuncKind).U32(result.set_fuel_function);
  exports.Name(kGetFuelExport).Byte(kFuncKind).U32(result.get_fuel_function);
  // set: fuel = max(value, 0); get: fuel.
  BinaryWriter set_body;
  set_body.U32(0)
      .Byte(kLocalGet).U32(0)
      .Byte(kI64Const).S64(0)
      .Byte(kLocalGet).U32(0)
      .Byte(kI64Const).S64(0)
      .Byte(kI64GtS)
      .Byte(kSelect)
      .Byte(kGlobalSet).U32(global)
      .Byte(kEnd);
  BinaryWriter get_body;
  get_body.U32(0).Byte(kGlobalGet).U32(global).Byte(kEnd);
  BinaryWriter new_bodies;
  new_bodies.U32(static_cast<uint32_t>(set_body.bytes().size()))
      .Bytes(set_body.bytes());
  new_bodies.U32(static_cast<uint32_t>(get_body.bytes().size()))
      .Bytes(get_body.bytes());

  struct Addition {
    uint8_t id;
    uint32_t expected_count;
    uint32_t added;
    const BinaryWriter* entries;
  };
  const Addition additions[] = {
      {kTypeSection, static_cast<uint32_t>(info.types.size()), 2, &types},
      {kFunctionSection,
       static_cast<uint32_t>(info.function_type_indices.size()), 2,
       &functions},
      {kGlobalSection, static_cast<uint32_t>(info.globals.size()), 1,
       &globals},
      {kExportSection, static_cast<uint32_t>(info.exports.size()), 2,
       &exports},
      {kCodeSection, static_cast<uint32_t>(bodies.size()), 2,
       &new_bodies},
  };

  // The code section's payload: every body instrumented, then the new ones.
  Piece code;
  size_t code_anchor = bytes.size();
  for (const SectionInfo& s : info.sections) {
    if (s.id == kCodeSection) code_anchor = s.offset;
  }
  code.Inject(code_anchor).U32(static_cast<uint32_t>(bodies.size()) + 2);
  for (const FunctionBody& body : bodies) {
    WASMHOST_RETURN_IF_ERROR(RewriteBody(bytes, info, body, global, &code));
    if (code.size() > kMaxOffset) {
      return absl::InvalidArgumentError(
          "the instrumented module would exceed 4 GiB");
    }
  }
  code.Inject(code_anchor).Bytes(new_bodies.bytes());

  // A missing section goes right after the last non-custom section that
  // must precede it (or the header); custom sections stay in place.
  std::vector<size_t> insert_after(std::size(additions), 0);
  std::vector<bool> present(std::size(additions), false);
  for (size_t a = 0; a < std::size(additions); ++a) {
    const int order = SectionOrder(additions[a].id);
    for (size_t i = 0; i < info.sections.size(); ++i) {
      const int o = SectionOrder(info.sections[i].id);
      if (info.sections[i].id == additions[a].id) present[a] = true;
      if (o != 0 && o < order) insert_after[a] = i + 1;
    }
  }

  Piece out;
  out.Copy(bytes, 0, kModuleHeaderSize);
  const size_t n = info.sections.size();
  for (size_t i = 0; i <= n; ++i) {
    const size_t anchor = i < n ? info.sections[i].offset : bytes.size();
    for (size_t a = 0; a < std::size(additions); ++a) {
      if (present[a] || insert_after[a] != i) continue;
      if (additions[a].id == kCodeSection) {
        out.AppendSection(kCodeSection, code, anchor);
        continue;
      }
      Piece payload;
      payload.Inject(anchor).U32(additions[a].added).Bytes(
          additions[a].entries->bytes());
      out.AppendSection(additions[a].id, payload, anchor);
    }
    if (i == n) break;
    const SectionInfo& section = info.sections[i];
    bool rewritten = false;
    for (const Addition& addition : additions) {
      if (section.id != addition.id || section.id == 0) continue;
      rewritten = true;
      if (section.id == kCodeSection) {
        out.AppendSection(kCodeSection, code, section.offset);
        break;
      }
      Piece payload;
      WASMHOST_RETURN_IF_ERROR(AppendEntries(bytes, section,
                                             addition.expected_count,
                                             addition.added,
                                             addition.entries->bytes(),
                                             &payload));
      out.AppendSection(section.id, payload, section.offset);
      break;
    }
    if (!rewritten) {
      out.Copy(bytes, section.offset,
               section.payload_offset + section.payload_size);
    }
  }
  if (out.size() > kMaxOffset) {
    return absl::InvalidArgumentError(
        "the instrumented module would exceed 4 GiB");
  }
  out.Finish(&result);
  return result;
}

}  // namespace wasmhost::wasm
