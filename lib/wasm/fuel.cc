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
#include "lib/wasm/section_rewriter.h"

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

// A region: where its check goes (its first instruction) and its cost.
struct Region {
  size_t at;
  uint64_t cost;
};

// Emits the check that charges `cost`, anchored to `anchor`.
void EmitCheck(MappedBytes* piece, size_t anchor, uint64_t cost,
               uint32_t global, std::optional<uint32_t> tmp) {
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
  piece->Mark();
  w.Byte(kUnreachable).Byte(kEnd);
}

// What rewriting one body needs, kept from body to body so a module's
// thousands of bodies reuse the same allocations.
struct Scratch {
  std::vector<Region> regions;
  // Per open block (the function's own excluded): the region index of a
  // loop, or kNotLoop. Bounded by the body size: each block takes a byte.
  std::vector<size_t> blocks;
  std::vector<size_t> loops;  // Region indices of the open loops.
  MappedBytes out;            // The instrumented body.
};

// Finds the regions of `body` and their costs, into scratch.regions.
absl::Status FindRegions(absl::Span<const uint8_t> bytes,
                         const FunctionBody& body, Scratch& scratch) {
  std::vector<Region>& regions = scratch.regions;
  std::vector<size_t>& blocks = scratch.blocks;
  std::vector<size_t>& loops = scratch.loops;
  regions.assign(1, {body.code_offset, 0});
  blocks.clear();
  loops.clear();
  constexpr size_t kNotLoop = std::numeric_limits<size_t>::max();
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
  return absl::OkStatus();
}

// Appends `body`'s size and instrumented body to `code`.
absl::Status RewriteBody(absl::Span<const uint8_t> bytes,
                         const ModuleInfo& info, const FunctionBody& body,
                         uint32_t global, Scratch& scratch, MappedBytes* code) {
  WASMHOST_RETURN_IF_ERROR(FindRegions(bytes, body, scratch));
  const FuncType* type = info.FunctionType(body.function_index);
  if (type == nullptr) return InfoMismatch();
  const uint64_t locals = type->params.size() + body.local_count;
  MappedBytes& out = scratch.out;
  out.Clear();
  std::optional<uint32_t> tmp;
  if (locals + 1 <= kMaxLocals) {
    tmp = static_cast<uint32_t>(locals);
    // One more declaration group: (1 x i64) after the existing ones.
    BinaryReader r(bytes, "a locals declaration");
    WASMHOST_RETURN_IF_ERROR(r.Skip(body.offset));
    uint32_t groups = 0;  // Set by ReadU32; gcc -O under ASan cannot tell.
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
  for (const Region& region : scratch.regions) {
    out.Copy(bytes, cursor, region.at);
    EmitCheck(&out, region.at, region.cost, global, tmp);
    cursor = region.at;
  }
  out.Copy(bytes, cursor, body.end);
  if (out.size() > kMaxOffset) {
    return absl::InvalidArgumentError(
        absl::StrCat("the instrumented body of function ", body.function_index,
                     " exceeds 4 GiB"));
  }
  code->Inject(body.offset).U32(static_cast<uint32_t>(out.size()));
  code->Append(out);
  return absl::OkStatus();
}

}  // namespace

uint32_t FuelRewrite::OriginalOffset(uint32_t instrumented_offset) const {
  return wasm::OriginalOffset(offset_map, instrumented_offset);
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
  for (absl::string_view name :
       {options.set_fuel_export, options.get_fuel_export}) {
    if (absl::Status s = CheckNotExported(info, name); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(s.message(), " (is it already metered?)"));
    }
  }
  WASMHOST_ASSIGN_OR_RETURN(std::vector<FunctionBody> bodies,
                            ReadFunctionBodies(bytes, info));

  FuelRewrite result;
  result.set_fuel_export = options.set_fuel_export;
  result.get_fuel_export = options.get_fuel_export;
  result.fuel_global_index = info.global_count();
  result.set_fuel_function = info.function_count();
  result.get_fuel_function = result.set_fuel_function + 1;
  const uint32_t global = result.fuel_global_index;

  // set: fuel = max(value, 0); get: fuel.
  AddedFunction set{{{ValType::kI64}, {}}, options.set_fuel_export, {}};
  set.body = BinaryWriter()
                 .U32(0)
                 .Byte(kLocalGet)
                 .U32(0)
                 .Byte(kI64Const)
                 .S64(0)
                 .Byte(kLocalGet)
                 .U32(0)
                 .Byte(kI64Const)
                 .S64(0)
                 .Byte(kI64GtS)
                 .Byte(kSelect)
                 .Byte(kGlobalSet)
                 .U32(global)
                 .Byte(kEnd)
                 .Release();
  AddedFunction get{{{}, {ValType::kI64}}, options.get_fuel_export, {}};
  get.body =
      BinaryWriter().U32(0).Byte(kGlobalGet).U32(global).Byte(kEnd).Release();
  std::vector<SectionAddition> additions;
  AddFunctions(info, {set, get}, &additions);
  additions.push_back({kGlobalSection,
                       static_cast<uint32_t>(info.globals.size()), 1,
                       BinaryWriter()
                           .Byte(kI64)
                           .Byte(0x01)
                           .Byte(kI64Const)
                           .S64(options.initial_fuel)
                           .Byte(kEnd)
                           .Release()});

  // The code section's payload: every body instrumented, then the new ones.
  MappedBytes code;
  for (const SectionInfo& section : info.sections) {
    // Checks add about a third to typical code.
    if (section.id == kCodeSection) {
      code.Reserve(section.payload_size + section.payload_size / 2 + 4096);
    }
  }
  Scratch scratch;
  WASMHOST_RETURN_IF_ERROR(RewriteCode(
      bytes, info, bodies,
      [&](const FunctionBody& body, MappedBytes* piece) {
        return RewriteBody(bytes, info, body, global, scratch, piece);
      },
      &additions, &code));

  MappedBytes out;
  WASMHOST_RETURN_IF_ERROR(RewriteSections(bytes, info, additions, &out));
  if (out.size() > kMaxOffset) {
    return absl::InvalidArgumentError(
        "the instrumented module would exceed 4 GiB");
  }
  result.offset_map = ToOffsetMap(out);
  result.out_of_fuel_offsets.assign(out.marks().begin(), out.marks().end());
  result.bytes = out.Release();
  return result;
}

}  // namespace wasmhost::wasm
