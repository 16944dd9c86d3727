// lib/wasm/code_scanner.cc: ReadFunctionBodies, InstructionReader, ScanCode.

#include "lib/wasm/code_scanner.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/status_macros.h"

namespace wasmhost::wasm {
namespace {

// Number and reference types: the value types of locals and `select t*`.
bool IsValueType(uint8_t b) {
  switch (b) {
    case 0x7f:  // i32
    case 0x7e:  // i64
    case 0x7d:  // f32
    case 0x7c:  // f64
    case 0x7b:  // v128
    case 0x70:  // funcref
    case 0x6f:  // externref
      return true;
    default:
      return false;
  }
}

// Reads one value type byte (a local declaration's, `select t*`'s).
absl::Status SkipValueType(BinaryReader& r) {
  const size_t at = r.offset();
  uint8_t type;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&type));
  if (!IsValueType(type)) {
    return r.Error(at, absl::StrFormat("invalid value type 0x%02x", type));
  }
  return absl::OkStatus();
}

// SIMD opcodes below 0x100 that the SIMD proposal left unassigned (V8's
// wasm-opcodes.h and wabt's opcode table agree).
bool IsUnassignedSimdOpcode(uint32_t opcode) {
  switch (opcode) {
    case 0x9a:
    case 0xa2:
    case 0xa5:
    case 0xa6:
    case 0xaf:
    case 0xb0:
    case 0xb2:
    case 0xb3:
    case 0xb4:
    case 0xbb:
    case 0xc2:
    case 0xc5:
    case 0xc6:
    case 0xcf:
    case 0xd0:
    case 0xd2:
    case 0xd3:
    case 0xd4:
    case 0xe2:
    case 0xee:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::vector<FunctionBody>> ReadFunctionBodies(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info) {
  const size_t defined = info.function_type_indices.size();
  if (info.function_body_offsets.size() != defined) return InfoMismatch();
  const SectionInfo* code = nullptr;
  for (const SectionInfo& section : info.sections) {
    if (section.id == kCodeSection) code = &section;
  }
  std::vector<FunctionBody> bodies;
  if (code == nullptr) {
    if (defined != 0) return InfoMismatch();
    return bodies;
  }
  // `info` comes from the caller; never trust its offsets with memory safety.
  if (code->payload_offset > bytes.size() ||
      code->payload_size > bytes.size() - code->payload_offset) {
    return InfoMismatch();
  }
  BinaryReader module(bytes, "the code section");
  WASMHOST_RETURN_IF_ERROR(module.Skip(code->payload_offset));
  BinaryReader r = module;
  WASMHOST_RETURN_IF_ERROR(
      module.ReadSub(code->payload_size, "the code section", &r));
  uint32_t count;
  WASMHOST_RETURN_IF_ERROR(r.ReadCount(1, &count));
  if (count != defined) return InfoMismatch();
  bodies.reserve(count);
  const uint32_t first_index = info.imported_function_count();
  std::string context;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t size;
    WASMHOST_RETURN_IF_ERROR(r.ReadU32(&size));
    if (r.offset() != info.function_body_offsets[i]) return InfoMismatch();
    FunctionBody body;
    body.function_index = first_index + i;
    body.offset = r.offset();
    body.end = body.offset + size;
    // Reused: one allocation for all bodies, not one each.
    context.assign("the locals of function ");
    absl::StrAppend(&context, body.function_index);
    BinaryReader b = r;
    WASMHOST_RETURN_IF_ERROR(r.ReadSub(size, context, &b));
    uint32_t declarations;
    // Each declaration: a count and a value type.
    WASMHOST_RETURN_IF_ERROR(b.ReadCount(2, &declarations));
    for (uint32_t j = 0; j < declarations; ++j) {
      uint32_t n;
      WASMHOST_RETURN_IF_ERROR(b.ReadU32(&n));
      WASMHOST_RETURN_IF_ERROR(SkipValueType(b));
      body.local_count += n;
    }
    body.code_offset = b.offset();
    bodies.push_back(body);
  }
  if (!r.at_end()) return InfoMismatch();
  return bodies;
}

InstructionReader::InstructionReader(absl::Span<const uint8_t> bytes,
                                     const FunctionBody& body)
    : bytes_(bytes),
      context_(absl::StrCat("function ", body.function_index)),
      r_(absl::Span<const uint8_t>(), context_) {
  // A body that does not fit the bytes is reported by Next().
  out_of_range_ = body.code_offset > body.end || body.end > bytes.size();
  if (!out_of_range_) {
    BinaryReader all(bytes, context_);
    all.Skip(body.code_offset).IgnoreError();  // Cannot fail: checked.
    all.ReadSub(body.end - body.code_offset, context_, &r_).IgnoreError();
  }
}

namespace {

// How the fast path decodes a single-byte opcode's immediates; kSlow
// leaves the opcode to the checked path.
enum FastKind : uint8_t {
  kSlow,
  kNone,
  kBlock,  // block, loop, if: a one-byte block type
  kEnd,
  kIndex,   // one u32
  kIndex2,  // two u32
  kMemArg,  // alignment (without a memory index) and offset
  kI32Const,
  kI64Const,
  kF32Const,
  kF64Const,
};

constexpr std::array<FastKind, 256> MakeFastKinds() {
  std::array<FastKind, 256> kinds{};
  for (int op = 0x45; op <= 0xc4; ++op) kinds[op] = kNone;  // Numeric.
  for (int op = 0x28; op <= 0x3e; ++op) kinds[op] = kMemArg;
  for (int op : {0x00, 0x01, 0x05, 0x0f, 0x1a, 0x1b, 0xd1}) kinds[op] = kNone;
  for (int op : {0x02, 0x03, 0x04}) kinds[op] = kBlock;
  kinds[0x0b] = kEnd;
  for (int op : {0x0c, 0x0d, 0x10, 0x12, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
                 0x26, 0x3f, 0x40, 0xd2}) {
    kinds[op] = kIndex;
  }
  kinds[0x11] = kIndex2;
  kinds[0x13] = kIndex2;
  kinds[0x41] = kI32Const;
  kinds[0x42] = kI64Const;
  kinds[0x43] = kF32Const;
  kinds[0x44] = kF64Const;
  return kinds;
}
constexpr std::array<FastKind, 256> kFastKinds = MakeFastKinds();

// A LEB128 integer of `bits` bits at p[*pos] (before `end`), with
// BinaryReader's checks: at most ceil(bits / 7) bytes, and the unused
// bits of the last one zero (unsigned) or copies of the sign (signed).
// Advances *pos and returns true if it is well-formed; false otherwise,
// for the checked path to report. `value` gets the low 32 bits.
template <int kBits, bool kSigned>
inline bool SkipLeb(const uint8_t* p, size_t* pos, size_t end,
                    uint32_t* value = nullptr) {
  constexpr int kMaxBytes = (kBits + 6) / 7;
  size_t at = *pos;
  uint32_t v = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (at >= end) return false;
    const uint8_t b = p[at++];
    if (i < 5) v |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if (i == kMaxBytes - 1) {
      if (b & 0x80) return false;
      const int used = kBits - 7 * i;
      const uint8_t rest = static_cast<uint8_t>((b & 0x7f) >> used);
      if (kSigned) {
        const bool negative = (b >> (used - 1)) & 1;
        if (rest != (negative ? (0x7f >> used) : 0)) return false;
      } else if (rest != 0) {
        return false;
      }
      break;
    }
    if ((b & 0x80) == 0) break;
  }
  *pos = at;
  if (value != nullptr) *value = v;
  return true;
}

}  // namespace

bool InstructionReader::FastDecode(Instruction* out) {
  const size_t at = r_.offset();
  const size_t end = at + r_.remaining();
  if (at >= end) return false;
  const uint8_t* p = bytes_.data();
  const uint8_t op = p[at];
  size_t pos = at + 1;
  switch (kFastKinds[op]) {
    case kSlow:
      return false;
    case kNone:
      break;
    case kBlock: {
      // 0x40 or a value type; a type index takes the checked path.
      if (pos >= end) return false;
      const uint8_t type = p[pos];
      if (type != 0x40 && !IsValueType(type)) return false;
      ++pos;
      break;
    }
    case kEnd:
      // The body's final end takes the checked path, which looks past it.
      if (depth_ <= 1) return false;
      break;
    case kIndex:
      if (!SkipLeb<32, false>(p, &pos, end)) return false;
      break;
    case kIndex2:
      if (!SkipLeb<32, false>(p, &pos, end) ||
          !SkipLeb<32, false>(p, &pos, end)) {
        return false;
      }
      break;
    case kMemArg: {
      uint32_t align;
      if (!SkipLeb<32, false>(p, &pos, end, &align) || (align & 0x40) ||
          !SkipLeb<32, false>(p, &pos, end)) {
        return false;
      }
      break;
    }
    case kI32Const:
      if (!SkipLeb<32, true>(p, &pos, end)) return false;
      break;
    case kI64Const:
      if (!SkipLeb<64, true>(p, &pos, end)) return false;
      break;
    case kF32Const:
      if (end - pos < 4) return false;
      pos += 4;
      break;
    case kF64Const:
      if (end - pos < 8) return false;
      pos += 8;
      break;
  }
  if (kFastKinds[op] == kBlock) ++depth_;
  if (kFastKinds[op] == kEnd) --depth_;
  out->offset = at;
  out->prefix = kNoPrefix;
  out->opcode = op;
  out->immediates = bytes_.subspan(at + 1, pos - at - 1);
  r_.SkipChecked(pos - at);
  return true;
}

absl::Status InstructionReader::CheckedNext(Instruction* out) {
  if (done_) {
    return absl::FailedPreconditionError(
        absl::StrCat("no instructions left to read in ", context_));
  }
  if (out_of_range_) {
    done_ = true;
    return absl::InvalidArgumentError(
        absl::StrCat("the body of ", context_, " lies outside the bytes"));
  }
  absl::Status status = Decode(out);
  if (!status.ok()) done_ = true;
  return status;
}

absl::Status InstructionReader::Decode(Instruction* out) {
  const size_t at = r_.offset();
  if (r_.at_end()) {
    return r_.Error(at, "unexpected end of the body (no final end)");
  }
  uint8_t byte;
  WASMHOST_RETURN_IF_ERROR(r_.ReadU8(&byte));
  uint8_t prefix = kNoPrefix;
  uint32_t opcode = byte;
  if (byte == kMiscPrefix || byte == kSimdPrefix || byte == kAtomicPrefix) {
    prefix = byte;
    WASMHOST_RETURN_IF_ERROR(r_.ReadU32(&opcode));
  }
  const size_t immediates = r_.offset();
  WASMHOST_RETURN_IF_ERROR(ReadImmediates(prefix, opcode, at));
  out->offset = at;
  out->prefix = prefix;
  out->opcode = opcode;
  out->immediates = bytes_.subspan(immediates, r_.offset() - immediates);
  if (depth_ == 0) {
    if (!r_.at_end()) {
      return r_.Error(
          r_.offset(),
          absl::StrCat(r_.remaining(), " bytes after the body's final end"));
    }
    done_ = true;
  }
  return absl::OkStatus();
}

absl::Status InstructionReader::ReadImmediates(uint8_t prefix, uint32_t opcode,
                                               size_t at) {
  switch (prefix) {
    case kMiscPrefix:
      return ReadMiscImmediates(opcode, at);
    case kSimdPrefix:
      return ReadSimdImmediates(opcode, at);
    case kAtomicPrefix:
      return ReadAtomicImmediates(opcode, at);
    default:
      break;
  }
  if (opcode >= 0x45 && opcode <= 0xc4) {
    return absl::OkStatus();  // Numeric, sign extension (0xc0-0xc4).
  }
  if (opcode >= 0x28 && opcode <= 0x3e) return ReadMemArg();  // Load/store.
  switch (opcode) {
    case 0x00:  // unreachable
    case 0x01:  // nop
    case 0x05:  // else
    case 0x0f:  // return
    case 0x19:  // catch_all
    case 0x1a:  // drop
    case 0x1b:  // select
    case 0xd1:  // ref.is_null
      return absl::OkStatus();
    case 0x02:  // block
    case 0x03:  // loop
    case 0x04:  // if
    case 0x06:  // try
      ++depth_;
      return ReadBlockType();
    case 0x0b:  // end
      --depth_;
      return absl::OkStatus();
    case 0x18:  // delegate: ends its `try` like `end`.
      if (depth_ == 1) return r_.Error(at, "delegate outside a block");
      --depth_;
      return ReadIndices(1);
    case 0x07:  // catch (tag)
    case 0x08:  // throw (tag)
    case 0x09:  // rethrow (label)
    case 0x0c:  // br
    case 0x0d:  // br_if
    case 0x10:  // call
    case 0x12:  // return_call
    case 0x20:  // local.get
    case 0x21:  // local.set
    case 0x22:  // local.tee
    case 0x23:  // global.get
    case 0x24:  // global.set
    case 0x25:  // table.get
    case 0x26:  // table.set
    case 0x3f:  // memory.size (memory)
    case 0x40:  // memory.grow (memory)
    case 0xd2:  // ref.func
      return ReadIndices(1);
    case 0x11:  // call_indirect (type, table)
    case 0x13:  // return_call_indirect
      return ReadIndices(2);
    case 0x0e: {  // br_table: labels and a default.
      uint32_t count;
      WASMHOST_RETURN_IF_ERROR(r_.ReadCount(1, &count));
      return ReadIndices(static_cast<int64_t>(count) + 1);
    }
    case 0x1c: {  // select t*
      uint32_t count;
      WASMHOST_RETURN_IF_ERROR(r_.ReadCount(1, &count));
      for (uint32_t i = 0; i < count; ++i) {
        WASMHOST_RETURN_IF_ERROR(SkipValueType(r_));
      }
      return absl::OkStatus();
    }
    case 0x41: {  // i32.const
      int32_t v;
      return r_.ReadS32(&v);
    }
    case 0x42: {  // i64.const
      int64_t v;
      return r_.ReadS64(&v);
    }
    case 0x43:  // f32.const
      return r_.Skip(4);
    case 0x44:  // f64.const
      return r_.Skip(8);
    case 0xd0: {  // ref.null
      const size_t type_at = r_.offset();
      uint8_t type;
      WASMHOST_RETURN_IF_ERROR(r_.ReadU8(&type));
      if (type != 0x70 && type != 0x6f) {
        return r_.Error(type_at,
                        absl::StrFormat("invalid reference type 0x%02x", type));
      }
      return absl::OkStatus();
    }
    default:
      return UnknownOpcode(at, kNoPrefix, opcode);
  }
}

absl::Status InstructionReader::ReadMiscImmediates(uint32_t opcode, size_t at) {
  switch (opcode) {
    case 0:
    case 1:
    case 2:
    case 3:  // i32/i64.trunc_sat_f32/f64_s/u
    case 4:
    case 5:
    case 6:
    case 7:
      return absl::OkStatus();
    case 9:   // data.drop (segment)
    case 11:  // memory.fill (memory)
    case 13:  // elem.drop (segment)
    case 15:  // table.grow (table)
    case 16:  // table.size
    case 17:  // table.fill
      return ReadIndices(1);
    case 8:   // memory.init (segment, memory)
    case 10:  // memory.copy (memory, memory)
    case 12:  // table.init (segment, table)
    case 14:  // table.copy (table, table)
      return ReadIndices(2);
    default:
      return UnknownOpcode(at, kMiscPrefix, opcode);
  }
}

absl::Status InstructionReader::ReadSimdImmediates(uint32_t opcode, size_t at) {
  if (opcode <= 0x0b) return ReadMemArg();  // v128.load*, v128.store
  if (opcode == 0x0c || opcode == 0x0d) {
    return r_.Skip(16);  // v128.const, i8x16.shuffle (16 lane indices)
  }
  if (opcode >= 0x15 && opcode <= 0x22) {
    return r_.Skip(1);  // extract_lane / replace_lane
  }
  if (opcode >= 0x54 && opcode <= 0x5b) {  // v128.load/store*_lane
    WASMHOST_RETURN_IF_ERROR(ReadMemArg());
    return r_.Skip(1);
  }
  if (opcode == 0x5c || opcode == 0x5d) return ReadMemArg();  // *_zero
  // No immediates: everything else up to 0xff that is assigned, and the
  // relaxed SIMD operations 0x100-0x113.
  if ((opcode <= 0xff && !IsUnassignedSimdOpcode(opcode)) ||
      (opcode >= 0x100 && opcode <= 0x113)) {
    return absl::OkStatus();
  }
  return UnknownOpcode(at, kSimdPrefix, opcode);
}

absl::Status InstructionReader::ReadAtomicImmediates(uint32_t opcode,
                                                     size_t at) {
  // notify, wait32, wait64, then loads, stores and read-modify-writes.
  if (opcode <= 0x02 || (opcode >= 0x10 && opcode <= 0x4e)) {
    return ReadMemArg();
  }
  if (opcode == 0x03) {  // atomic.fence: a reserved byte.
    uint8_t reserved;
    return r_.ReadU8(&reserved);
  }
  return UnknownOpcode(at, kAtomicPrefix, opcode);
}

// 0x40 (no values), a value type, or a non-negative s33 type index
// (multi-value). The first two are single bytes whose s33 value is negative.
absl::Status InstructionReader::ReadBlockType() {
  const size_t at = r_.offset();
  int64_t v;
  WASMHOST_RETURN_IF_ERROR(r_.ReadS33(&v));
  if (v >= 0) return absl::OkStatus();
  const auto byte = static_cast<uint8_t>(v & 0x7f);
  if (r_.offset() - at != 1 || (byte != 0x40 && !IsValueType(byte))) {
    return r_.Error(at, absl::StrCat("invalid block type ", v));
  }
  return absl::OkStatus();
}

// Alignment and offset. An alignment with bit 6 set is followed by a memory
// index (multi-memory).
absl::Status InstructionReader::ReadMemArg() {
  uint32_t align;
  WASMHOST_RETURN_IF_ERROR(r_.ReadU32(&align));
  if (align & 0x40) WASMHOST_RETURN_IF_ERROR(ReadIndices(1));
  uint32_t offset;
  return r_.ReadU32(&offset);
}

// `n` LEB128 u32 indices. Each takes at least one byte, so a large `n` ends
// at the end of the body instead of looping long.
absl::Status InstructionReader::ReadIndices(int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t index;
    WASMHOST_RETURN_IF_ERROR(r_.ReadU32(&index));
  }
  return absl::OkStatus();
}

absl::Status InstructionReader::UnknownOpcode(size_t at, uint8_t prefix,
                                              uint32_t opcode) const {
  if (prefix == kNoPrefix) {
    return r_.Error(at, absl::StrFormat("unknown opcode 0x%02x", opcode));
  }
  return r_.Error(
      at, absl::StrFormat("unknown opcode 0x%02x 0x%02x", prefix, opcode));
}

namespace {

BulkSite Site(absl::Span<const uint8_t> bytes, const FunctionBody& body,
              const Instruction& insn, uint32_t imported) {
  const auto immediates =
      static_cast<size_t>(insn.immediates.data() - bytes.data());
  return {body.function_index - imported, insn.opcode, insn.offset, immediates,
          immediates + insn.immediates.size()};
}

}  // namespace

absl::StatusOr<CodeSummary> ScanCode(absl::Span<const uint8_t> bytes,
                                     const ModuleInfo& info) {
  WASMHOST_ASSIGN_OR_RETURN(std::vector<FunctionBody> bodies,
                            ReadFunctionBodies(bytes, info));
  CodeSummary summary;
  const uint32_t imported = info.imported_function_count();
  for (const FunctionBody& body : bodies) {
    summary.max_body_bytes =
        std::max<uint64_t>(summary.max_body_bytes, body.end - body.offset);
    summary.max_locals = std::max(summary.max_locals, body.local_count);
    InstructionReader reader(bytes, body);
    while (!reader.done()) {
      Instruction insn;
      WASMHOST_RETURN_IF_ERROR(reader.Next(&insn));
      ++summary.instruction_count;
      // depth() counts the function's own block too (and is 0 after the
      // body's final `end`).
      if (reader.depth() > 1) {
        summary.max_nesting_depth =
            std::max(summary.max_nesting_depth, reader.depth() - 1);
      }
      if (insn.prefix == kNoPrefix) {
        switch (insn.opcode) {
          case 0x03:  // loop
            // Cannot overflow: V8 caps modules at 1 GiB; saturate anyway.
            if (summary.loop_count < std::numeric_limits<uint32_t>::max()) {
              ++summary.loop_count;
            }
            break;
          case 0x26:  // table.set
            summary.mutates_tables = true;
            break;
          case 0x40:  // memory.grow
            summary.grows_memory = true;
            break;
          default:
            break;
        }
      } else if (insn.prefix == kMiscPrefix) {
        switch (insn.opcode) {
          case 9:  // data.drop
            summary.drops_data = true;
            summary.uses_bulk_memory = true;
            break;
          case 8:   // memory.init
          case 10:  // memory.copy
          case 11:  // memory.fill
            summary.uses_bulk_memory = true;
            summary.bulk_sites.push_back(Site(bytes, body, insn, imported));
            break;
          case 13:  // elem.drop
            summary.mutates_tables = true;
            break;
          case 12:  // table.init
          case 14:  // table.copy
          case 15:  // table.grow
          case 17:  // table.fill
            summary.mutates_tables = true;
            summary.bulk_sites.push_back(Site(bytes, body, insn, imported));
            break;
          default:
            break;
        }
      }
    }
  }
  return summary;
}

}  // namespace wasmhost::wasm
