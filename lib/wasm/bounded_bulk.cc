// lib/wasm/bounded_bulk.cc: BoundBulkInstructions.

#include "lib/wasm/bounded_bulk.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/code_scanner.h"

namespace wasmhost::wasm {
namespace {

constexpr uint32_t kMaxChunk = 1u << 30;

// The rewritten instructions (after the 0xfc prefix).
constexpr uint32_t kMemoryInit = 8;
constexpr uint32_t kMemoryCopy = 10;
constexpr uint32_t kMemoryFill = 11;
constexpr uint32_t kTableInit = 12;
constexpr uint32_t kTableCopy = 14;
constexpr uint32_t kTableGrow = 15;
constexpr uint32_t kTableSize = 16;
constexpr uint32_t kTableFill = 17;

// Opcodes the helpers use.
constexpr uint8_t kLoop = 0x03;
constexpr uint8_t kIf = 0x04;
constexpr uint8_t kElse = 0x05;
constexpr uint8_t kEnd = 0x0b;
constexpr uint8_t kBrIf = 0x0d;
constexpr uint8_t kReturn = 0x0f;
constexpr uint8_t kCall = 0x10;
constexpr uint8_t kLocalGet = 0x20;
constexpr uint8_t kLocalSet = 0x21;
constexpr uint8_t kLocalTee = 0x22;
constexpr uint8_t kGlobalGet = 0x23;
constexpr uint8_t kDrop = 0x1a;
constexpr uint8_t kMemorySize = 0x3f;
constexpr uint8_t kI32Const = 0x41;
constexpr uint8_t kI64Const = 0x42;
constexpr uint8_t kI32Ne = 0x47;
constexpr uint8_t kI32GtU = 0x4b;
constexpr uint8_t kI32LeU = 0x4d;
constexpr uint8_t kI64GtU = 0x56;
constexpr uint8_t kI32Add = 0x6a;
constexpr uint8_t kI32Sub = 0x6b;
constexpr uint8_t kI32And = 0x71;
constexpr uint8_t kI32Or = 0x72;
constexpr uint8_t kI64Add = 0x7c;
constexpr uint8_t kI64Shl = 0x86;
constexpr uint8_t kI64ExtendI32U = 0xad;
constexpr uint8_t kVoidBlock = 0x40;
constexpr uint8_t kI32 = 0x7f;

// V8's kV8MaxWasmTableSize: no table grows past it.
constexpr uint64_t kMaxTableSize = 10000000;

// The helpers' parameters: destination, source (or fill value), length.
constexpr uint32_t kDst = 0, kSrc = 1, kLen = 2;

bool IsBounded(const Instruction& insn, bool grow) {
  if (insn.prefix != kMiscPrefix) return false;
  switch (insn.opcode) {
    case kTableGrow:
      return grow;
    case kMemoryInit:
    case kMemoryCopy:
    case kMemoryFill:
    case kTableInit:
    case kTableCopy:
    case kTableFill:
      return true;
    default:
      return false;
  }
}

// A memory (kMemory) or a table index: what a range lies in.
constexpr uint32_t kMemory = std::numeric_limits<uint32_t>::max();

// What one helper does, decoded from the instruction's immediates.
struct Shape {
  uint32_t dst_space = kMemory;  // Memory or table written.
  // The source's memory or table (copy); unset for fill and init.
  std::optional<uint32_t> src_space;
  bool is_init = false;
  bool is_fill = false;
  uint32_t chunk = 0;
};

absl::StatusOr<Shape> Decode(const Instruction& insn,
                             const BoundedBulkOptions& options) {
  BinaryReader r(insn.immediates, "an immediate");
  Shape shape;
  shape.chunk = options.memory_chunk_bytes;
  uint32_t a = 0, b = 0;
  switch (insn.opcode) {
    case kMemoryInit:
      shape.is_init = true;
      break;
    case kMemoryCopy:
      shape.src_space = kMemory;
      break;
    case kMemoryFill:
      shape.is_fill = true;
      break;
    case kTableInit:  // segment, table
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&a));
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&b));
      shape.is_init = true;
      shape.dst_space = b;
      shape.chunk = options.table_chunk_elements;
      break;
    case kTableCopy:  // destination, source
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&a));
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&b));
      shape.dst_space = a;
      shape.src_space = b;
      shape.chunk = options.table_chunk_elements;
      break;
    case kTableFill:
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&a));
      shape.is_fill = true;
      shape.dst_space = a;
      shape.chunk = options.table_chunk_elements;
      break;
  }
  return shape;
}

// Writes the body of a fill, copy or init helper: see the top of
// bounded_bulk.h.
class HelperWriter {
 public:
  // `self`: the helper's own function index.
  HelperWriter(const Instruction& insn, const Shape& shape, uint32_t self)
      : insn_(insn), shape_(shape), self_(self) {}

  std::vector<uint8_t> Body() {
    U32(0);  // No locals beyond the parameters.
    // Cheap: one chunk or less. The common case, tested first.
    Get(kLen).Const(shape_.chunk).Byte(kI32LeU);
    Byte(kIf).Byte(kVoidBlock);
    Get(kDst).Get(kSrc).Get(kLen).Original().Byte(kReturn).Byte(kEnd);
    // Out of bounds: the original traps before writing anything.
    OutOfBounds(kDst, shape_.dst_space);
    if (shape_.src_space.has_value()) {
      OutOfBounds(kSrc, *shape_.src_space);
      Byte(kI32Or);
    }
    if (shape_.is_init) {
      // src + n beyond u32: past any segment.
      Get(kSrc).Byte(kI64ExtendI32U).Get(kLen).Byte(kI64ExtendI32U);
      Byte(kI64Add).Const64(std::numeric_limits<uint32_t>::max());
      Byte(kI64GtU).Byte(kI32Or);
    }
    Byte(kIf).Byte(kVoidBlock);
    Get(kDst).Get(kSrc).Get(kLen).Original().Byte(kReturn).Byte(kEnd);
    if (shape_.is_init) {
      // The segment range [s, s + n): a zero-length init at its end traps
      // exactly when it does not fit (a dropped segment has length 0).
      Const(0);
      Get(kSrc).Get(kLen).Byte(kI32Add).Const(0).Original();
    }
    if (shape_.src_space.has_value()) {
      // Overlap: a destination above the source is copied from the end.
      Get(kDst).Get(kSrc).Byte(kI32GtU).Byte(kIf).Byte(kVoidBlock);
      Backward();
      Byte(kElse);
      Forward();
      Byte(kEnd);
    } else {
      Forward();
    }
    // The last, partial chunk.
    Get(kDst).Get(kSrc).Get(kLen).Original().Byte(kEnd);
    return w_.Release();
  }

 private:
  HelperWriter& Get(uint32_t local) { return Byte(kLocalGet).U32(local); }
  HelperWriter& Byte(uint8_t b) {
    w_.Byte(b);
    return *this;
  }
  HelperWriter& U32(uint32_t v) {
    w_.U32(v);
    return *this;
  }
  HelperWriter& Const(int64_t v) {
    w_.Byte(kI32Const).S64(v);
    return *this;
  }
  HelperWriter& Const64(int64_t v) {
    w_.Byte(kI64Const).S64(v);
    return *this;
  }

  HelperWriter& Original() {
    w_.Byte(kMiscPrefix).U32(insn_.opcode).Bytes(insn_.immediates);
    return *this;
  }

  // Pushes whether [local, local + n) exceeds `space`'s size.
  void OutOfBounds(uint32_t local, uint32_t space) {
    Get(local).Byte(kI64ExtendI32U).Get(kLen).Byte(kI64ExtendI32U);
    Byte(kI64Add);
    if (space == kMemory) {
      Byte(kMemorySize).Byte(0x00).Byte(kI64ExtendI32U);
      Const64(16).Byte(kI64Shl);  // Pages of 64 KiB.
    } else {
      Byte(kMiscPrefix).U32(kTableSize).U32(space).Byte(kI64ExtendI32U);
    }
    Byte(kI64GtU);
  }

  // Chunks from the start while more than one chunk is left.
  void Forward() {
    Byte(kLoop).Byte(kVoidBlock);
    Get(kDst).Get(kSrc).Chunk();
    Advance(kDst);
    if (!shape_.is_fill) Advance(kSrc);
    Get(kLen).Const(shape_.chunk).Byte(kI32Sub);
    Byte(kLocalTee).U32(kLen);
    Const(shape_.chunk).Byte(kI32GtU).Byte(kBrIf).U32(0);
    Byte(kEnd);
  }

  // Chunks from the end while more than one chunk is left.
  void Backward() {
    Byte(kLoop).Byte(kVoidBlock);
    Get(kLen).Const(shape_.chunk).Byte(kI32Sub);
    Byte(kLocalSet).U32(kLen);
    Get(kDst).Get(kLen).Byte(kI32Add);
    Get(kSrc).Get(kLen).Byte(kI32Add).Chunk();
    Get(kLen).Const(shape_.chunk).Byte(kI32GtU);
    Byte(kBrIf).U32(0).Byte(kEnd);
  }

  void Advance(uint32_t local) {
    Get(local).Const(shape_.chunk).Byte(kI32Add);
    Byte(kLocalSet).U32(local);
  }

  // One chunk: the helper calls itself, taking the cheap path. V8 10.2 did
  // not interrupt a loop running memory.fill itself (TerminateExecution
  // waited for all of a 1 GiB fill in 1 MiB chunks); a loop with a call
  // stops within a chunk.
  HelperWriter& Chunk() { return Const(shape_.chunk).Byte(kCall).U32(self_); }

  const Instruction& insn_;
  const Shape& shape_;
  const uint32_t self_;
  BinaryWriter w_;
};

// Writes a `table.grow` helper's body: see the top of bounded_bulk.h.
std::vector<uint8_t> GrowHelperBody(const ModuleInfo& info,
                                    const Instruction& insn, uint32_t table,
                                    uint64_t table_max, uint32_t budget_global,
                                    uint32_t chunk, uint32_t self) {
  constexpr uint32_t kValue = 0, kDelta = 1, kOld = 2;
  BinaryWriter w;
  w.U32(1).U32(1).Byte(kI32);  // kOld
  auto size = [&w](uint32_t t) {
    w.Byte(kMiscPrefix).U32(kTableSize).U32(t).Byte(kI64ExtendI32U);
  };
  auto grow = [&] {
    w.Byte(kMiscPrefix).U32(insn.opcode).Bytes(insn.immediates);
  };
  // Past the instance's budget: -1, as growth past a maximum.
  const uint32_t imported = info.imported_table_count();
  w.Byte(kLocalGet).U32(kDelta).Byte(kI64ExtendI32U);
  for (uint32_t t = imported; t < imported + info.tables.size(); ++t) {
    size(t);
    w.Byte(kI64Add);
  }
  if (table < imported) {
    size(table);
    w.Byte(kI64Add);
  }
  w.Byte(kGlobalGet).U32(budget_global).Byte(kI64ExtendI32U).Byte(kI64GtU);
  // Growth by 0 allocates nothing: it always answers the size.
  w.Byte(kLocalGet).U32(kDelta).Byte(kI32Const).S64(0).Byte(kI32Ne).Byte(
      kI32And);
  w.Byte(kIf).Byte(kVoidBlock).Byte(kI32Const).S64(-1).Byte(kReturn).Byte(kEnd);
  // Small, or past the table's own maximum (V8 refuses it): the original.
  w.Byte(kLocalGet).U32(kDelta).Byte(kI32Const).S64(chunk).Byte(kI32LeU);
  size(table);
  w.Byte(kLocalGet).U32(kDelta).Byte(kI64ExtendI32U).Byte(kI64Add);
  w.Byte(kI64Const).S64(static_cast<int64_t>(table_max)).Byte(kI64GtU);
  w.Byte(kI32Or).Byte(kIf).Byte(kVoidBlock);
  w.Byte(kLocalGet).U32(kValue).Byte(kLocalGet).U32(kDelta);
  grow();
  w.Byte(kReturn).Byte(kEnd);
  // In chunks, each a call (see HelperWriter::Chunk), then the old size.
  w.Byte(kMiscPrefix).U32(kTableSize).U32(table).Byte(kLocalSet).U32(kOld);
  w.Byte(kLoop).Byte(kVoidBlock);
  w.Byte(kLocalGet)
      .U32(kValue)
      .Byte(kI32Const)
      .S64(chunk)
      .Byte(kCall)
      .U32(self)
      .Byte(kDrop);
  w.Byte(kLocalGet).U32(kDelta).Byte(kI32Const).S64(chunk).Byte(kI32Sub);
  w.Byte(kLocalTee).U32(kDelta).Byte(kI32Const).S64(chunk).Byte(kI32GtU);
  w.Byte(kBrIf).U32(0).Byte(kEnd);
  w.Byte(kLocalGet).U32(kValue).Byte(kLocalGet).U32(kDelta);
  grow();
  w.Byte(kDrop).Byte(kLocalGet).U32(kOld).Byte(kEnd);
  return w.Release();
}

// The element type and maximum of every table, imports first.
struct Table {
  ValType element;
  uint64_t max;  // The declared maximum or V8's, whichever is lower.
};

std::vector<Table> Tables(const ModuleInfo& info) {
  std::vector<Table> tables;
  auto add = [&tables](const TableType& type) {
    tables.push_back(
        {type.element,
         std::min(type.limits.max.value_or(kMaxTableSize), kMaxTableSize)});
  };
  for (const Import& import : info.imports) {
    if (import.kind == ExternKind::kTable) add(import.table);
  }
  for (const TableType& table : info.tables) add(table);
  return tables;
}

class Rewriter {
 public:
  Rewriter(absl::Span<const uint8_t> bytes, const ModuleInfo& info,
           const BoundedBulkOptions& options)
      : bytes_(bytes),
        info_(info),
        options_(options),
        tables_(Tables(info)),
        budget_global_(info.global_count()),
        imported_functions_(info.imported_function_count()) {}

  // Appends `body`, its bulk instructions replaced by calls to the helpers
  // AddHelpers made, to `code`. Decodes nothing: AddHelpers noted where
  // the instructions are.
  void RewriteBody(const FunctionBody& body, MappedBytes* code) const {
    const uint32_t defined = body.function_index - imported_functions_;
    const auto [first, last] = defined < body_sites_.size()
                                   ? body_sites_[defined]
                                   : std::pair<uint32_t, uint32_t>{0, 0};
    size_t size = body.end - body.offset;
    for (uint32_t i = first; i < last; ++i) {
      const Site& site = sites_[i];
      size = size - (site.end - site.offset) + 1 + LebSize(site.helper);
    }
    code->Inject(body.offset).U32(static_cast<uint32_t>(size));
    size_t cursor = body.offset;
    for (uint32_t i = first; i < last; ++i) {
      const Site& site = sites_[i];
      code->Copy(bytes_, cursor, site.offset);
      code->Inject(site.offset).Byte(kCall).U32(site.helper);
      cursor = site.end;
    }
    code->Copy(bytes_, cursor, body.end);
  }

  // Creates the helpers `body` calls and notes where it calls them.
  absl::Status AddHelpers(const FunctionBody& body) {
    InstructionReader reader(bytes_, body);
    while (!reader.done()) {
      Instruction insn;
      WASMHOST_RETURN_IF_ERROR(reader.Next(&insn));
      WASMHOST_RETURN_IF_ERROR(
          AddSite(body.function_index - imported_functions_, insn));
    }
    return absl::OkStatus();
  }

  // The same for one instruction of defined function `defined`; nothing
  // unless it is bounded. Sites are added in code order.
  absl::Status AddSite(uint32_t defined, const Instruction& insn) {
    if (!IsBounded(insn, grow())) return absl::OkStatus();
    WASMHOST_ASSIGN_OR_RETURN(const uint32_t helper, AddHelper(insn));
    const size_t end =
        static_cast<size_t>(insn.immediates.data() - bytes_.data()) +
        insn.immediates.size();
    if (defined >= body_sites_.size()) body_sites_.resize(defined + 1);
    auto& [first, last] = body_sites_[defined];
    if (first == last) first = last = static_cast<uint32_t>(sites_.size());
    sites_.push_back({insn.offset, end, helper});
    ++last;
    return absl::OkStatus();
  }

  const std::vector<AddedFunction>& helpers() const { return helpers_; }
  bool grows_tables() const { return grows_tables_; }
  uint32_t budget_global() const { return budget_global_; }

 private:
  static std::pair<uint32_t, std::string> Key(const Instruction& insn) {
    return {insn.opcode,
            std::string(insn.immediates.begin(), insn.immediates.end())};
  }

  // One replaced instruction: [offset, end) becomes `call helper`.
  struct Site {
    size_t offset;
    size_t end;
    uint32_t helper;
  };

  static size_t LebSize(uint32_t v) {
    size_t n = 1;
    while (v >= 0x80) v >>= 7, ++n;
    return n;
  }

  // The helper for `insn`, made on first use.
  absl::StatusOr<uint32_t> AddHelper(const Instruction& insn) {
    std::pair<uint32_t, std::string> key = Key(insn);
    if (auto it = index_.find(key); it != index_.end()) return it->second;
    const uint32_t index =
        info_.function_count() + static_cast<uint32_t>(helpers_.size());
    if (insn.opcode == kTableGrow) {
      BinaryReader r(insn.immediates, "an immediate");
      uint32_t table = 0;
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&table));
      WASMHOST_RETURN_IF_ERROR(CheckTable(insn, table));
      AddedFunction helper;
      helper.type = {{tables_[table].element, ValType::kI32}, {ValType::kI32}};
      helper.body =
          GrowHelperBody(info_, insn, table, tables_[table].max, budget_global_,
                         options_.table_chunk_elements, index);
      helpers_.push_back(std::move(helper));
      index_.emplace(std::move(key), index);
      grows_tables_ = true;
      return index;
    }
    WASMHOST_ASSIGN_OR_RETURN(Shape shape, Decode(insn, options_));
    ValType second = ValType::kI32;
    for (uint32_t space :
         {shape.dst_space, shape.src_space.value_or(kMemory)}) {
      if (space != kMemory) WASMHOST_RETURN_IF_ERROR(CheckTable(insn, space));
    }
    if (shape.is_fill && shape.dst_space != kMemory) {
      second = tables_[shape.dst_space].element;
    }
    AddedFunction helper;
    helper.type = {{ValType::kI32, second, ValType::kI32}, {}};
    helper.body = HelperWriter(insn, shape, index).Body();
    helpers_.push_back(std::move(helper));
    index_.emplace(std::move(key), index);
    return index;
  }

  absl::Status CheckTable(const Instruction& insn, uint32_t table) const {
    if (table < tables_.size()) return absl::OkStatus();
    return ErrorAt(insn.offset,
                   absl::StrCat("table ", table, " does not exist"));
  }

  bool grow() const { return !options_.table_budget_export.empty(); }

  absl::Span<const uint8_t> bytes_;
  const ModuleInfo& info_;
  const BoundedBulkOptions& options_;
  std::vector<Table> tables_;
  // Where the table budget global goes: after every existing global.
  uint32_t budget_global_;
  bool grows_tables_ = false;
  std::vector<AddedFunction> helpers_;
  absl::flat_hash_map<std::pair<uint32_t, std::string>, uint32_t> index_;
  const uint32_t imported_functions_;
  std::vector<Site> sites_;
  // By defined function: its sites, [first, last) in sites_.
  std::vector<std::pair<uint32_t, uint32_t>> body_sites_;
};

absl::Status CheckChunk(uint32_t chunk, absl::string_view name) {
  if (chunk >= 1 && chunk <= kMaxChunk) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      name, " is ", chunk, "; it must be between 1 and ", kMaxChunk));
}

}  // namespace

uint32_t BoundedBulk::OriginalOffset(uint32_t offset) const {
  return wasm::OriginalOffset(offset_map, offset);
}

namespace {

// The instruction `site` names, checked against `bodies` and the bytes;
// `previous_end` is where the site before it ended (code order).
absl::StatusOr<Instruction> SiteInstruction(
    absl::Span<const uint8_t> bytes, absl::Span<const FunctionBody> bodies,
    const BulkSite& site, size_t previous_end) {
  if (site.function >= bodies.size()) return InfoMismatch();
  const FunctionBody& body = bodies[site.function];
  if (site.offset < body.code_offset || site.offset < previous_end ||
      site.offset >= site.immediates || site.immediates > site.end ||
      site.end > body.end || bytes[site.offset] != kMiscPrefix) {
    return InfoMismatch();
  }
  BinaryReader r(bytes.subspan(0, site.immediates), "a bulk site");
  uint32_t opcode = 0;
  if (!r.Skip(site.offset + 1).ok() || !r.ReadU32(&opcode).ok() ||
      opcode != site.opcode || !r.at_end()) {
    return InfoMismatch();
  }
  Instruction insn;
  insn.offset = site.offset;
  insn.prefix = kMiscPrefix;
  insn.opcode = site.opcode;
  insn.immediates = bytes.subspan(site.immediates, site.end - site.immediates);
  return insn;
}

// `sites`: where the bulk instructions are (ScanCode's); null: decode
// every body to find them.
absl::StatusOr<BoundedBulk> Bound(absl::Span<const uint8_t> bytes,
                                  const ModuleInfo& info,
                                  const std::vector<BulkSite>* sites,
                                  const BoundedBulkOptions& options) {
  WASMHOST_RETURN_IF_ERROR(
      CheckChunk(options.memory_chunk_bytes, "memory_chunk_bytes"));
  WASMHOST_RETURN_IF_ERROR(
      CheckChunk(options.table_chunk_elements, "table_chunk_elements"));
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        "the module exceeds 4 GiB; the rewrite maps 32-bit offsets");
  }
  WASMHOST_RETURN_IF_ERROR(CheckSectionsMatch(bytes, info));
  WASMHOST_ASSIGN_OR_RETURN(std::vector<FunctionBody> bodies,
                            ReadFunctionBodies(bytes, info));

  // The code section's count covers the helpers, known only once every
  // body has been read: find them first, then rewrite.
  Rewriter rewriter(bytes, info, options);
  if (sites == nullptr) {
    for (const FunctionBody& body : bodies) {
      WASMHOST_RETURN_IF_ERROR(rewriter.AddHelpers(body));
    }
  } else {
    size_t previous_end = 0;
    for (const BulkSite& site : *sites) {
      WASMHOST_ASSIGN_OR_RETURN(
          const Instruction insn,
          SiteInstruction(bytes, bodies, site, previous_end));
      WASMHOST_RETURN_IF_ERROR(rewriter.AddSite(site.function, insn));
      previous_end = site.end;
    }
  }
  BoundedBulk result;
  result.first_helper = info.function_count();
  result.helper_count = static_cast<uint32_t>(rewriter.helpers().size());
  if (result.helper_count == 0) {
    result.bytes.assign(bytes.begin(), bytes.end());
    return result;
  }
  std::vector<SectionAddition> additions;
  AddFunctions(info, rewriter.helpers(), &additions);
  if (rewriter.grows_tables()) {
    WASMHOST_RETURN_IF_ERROR(
        CheckNotExported(info, options.table_budget_export));
    result.table_budget_global = rewriter.budget_global();
    additions.push_back(
        {kGlobalSection, static_cast<uint32_t>(info.globals.size()), 1,
         BinaryWriter()
             .Byte(kI32)
             .Byte(0x01)
             .Byte(kI32Const)
             .S64(static_cast<int32_t>(options.initial_table_budget))
             .Byte(kEnd)
             .Release()});
    additions.push_back({kExportSection,
                         static_cast<uint32_t>(info.exports.size()), 1,
                         BinaryWriter()
                             .Name(options.table_budget_export)
                             .Byte(0x03)  // global
                             .U32(rewriter.budget_global())
                             .Release()});
  }
  MappedBytes code;
  for (const SectionInfo& section : info.sections) {
    // Room for a call a little longer than each instruction it replaces.
    if (section.id == kCodeSection) {
      code.Reserve(section.payload_size + section.payload_size / 16 + 4096);
    }
  }
  WASMHOST_RETURN_IF_ERROR(RewriteCode(
      bytes, info, bodies,
      [&rewriter](const FunctionBody& body, MappedBytes* piece) {
        rewriter.RewriteBody(body, piece);
        return absl::OkStatus();
      },
      &additions, &code));
  MappedBytes out;
  WASMHOST_RETURN_IF_ERROR(RewriteSections(bytes, info, additions, &out));
  if (out.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        "the rewritten module would exceed 4 GiB");
  }
  result.offset_map = ToOffsetMap(out);
  result.bytes = out.Release();
  return result;
}

}  // namespace

absl::StatusOr<BoundedBulk> BoundBulkInstructions(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    const BoundedBulkOptions& options) {
  return Bound(bytes, info, nullptr, options);
}

absl::StatusOr<BoundedBulk> BoundBulkInstructions(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    const CodeSummary& summary, const BoundedBulkOptions& options) {
  return Bound(bytes, info, &summary.bulk_sites, options);
}

}  // namespace wasmhost::wasm
