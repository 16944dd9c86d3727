// lib/wasm/reader.cc: ReadModule, a section-by-section structural parser.

#include "lib/wasm/reader.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/wasm/binary_reader.h"

namespace wasmhost::wasm {
namespace {

// Static strings: readers keep them as error context.
absl::string_view SectionContext(uint8_t id) {
  static constexpr absl::string_view kNames[] = {
      "the custom section",     "the type section",   "the import section",
      "the function section",   "the table section",  "the memory section",
      "the global section",     "the export section", "the start section",
      "the element section",    "the code section",   "the data section",
      "the data count section", "the tag section",
  };
  return kNames[id];
}

// "function section" for messages that are not about reading inside it.
absl::string_view SectionName(uint8_t id) {
  return SectionContext(id).substr(4);
}

// The binary codes of the value types.
struct ValTypeCodeEntry {
  uint8_t code;
  ValType type;
};
constexpr ValTypeCodeEntry kValTypeCodes[] = {
    {0x7f, ValType::kI32},       {0x7e, ValType::kI64},
    {0x7d, ValType::kF32},       {0x7c, ValType::kF64},
    {0x7b, ValType::kV128},      {0x70, ValType::kFuncRef},
    {0x6f, ValType::kExternRef},
};

}  // namespace

absl::Status ReadValType(BinaryReader& r, ValType* out) {
  const size_t at = r.offset();
  uint8_t b;
  if (absl::Status s = r.ReadU8(&b); !s.ok()) return s;
  for (const ValTypeCodeEntry& e : kValTypeCodes) {
    if (e.code == b) {
      *out = e.type;
      return absl::OkStatus();
    }
  }
  return r.Error(at, absl::StrFormat("invalid value type 0x%02x", b));
}

absl::Status ReadRefType(BinaryReader& r, ValType* out) {
  const size_t at = r.offset();
  uint8_t b;
  if (absl::Status s = r.ReadU8(&b); !s.ok()) return s;
  switch (b) {
    case 0x70:
      *out = ValType::kFuncRef;
      return absl::OkStatus();
    case 0x6f:
      *out = ValType::kExternRef;
      return absl::OkStatus();
    default:
      return r.Error(at, absl::StrFormat("invalid reference type 0x%02x", b));
  }
}

// `allow_shared`: memories may be shared (flags 0x03); tables may not.
absl::Status ReadLimits(BinaryReader& r, bool allow_shared, Limits* out) {
  const size_t at = r.offset();
  uint8_t flags;
  if (absl::Status s = r.ReadU8(&flags); !s.ok()) return s;
  if (flags > 0x03 || (!allow_shared && flags > 0x01)) {
    return r.Error(at, absl::StrFormat("invalid limits flags 0x%02x", flags));
  }
  if (flags == 0x02) return r.Error(at, "shared memory without a maximum");
  uint32_t min;
  if (absl::Status s = r.ReadU32(&min); !s.ok()) return s;
  out->min = min;
  out->shared = (flags & 0x02) != 0;
  out->max.reset();
  if (flags & 0x01) {
    const size_t max_at = r.offset();
    uint32_t max;
    if (absl::Status s = r.ReadU32(&max); !s.ok()) return s;
    if (max < min) {
      return r.Error(max_at, absl::StrCat("limits maximum ", max,
                                          " below the minimum ", min));
    }
    out->max = max;
  }
  return absl::OkStatus();
}

namespace {

// A vector: a count (entries at least `min_entry_size` bytes each), then
// each entry read into `*out` (resized to the count) by
// `read_entry(r, T*)`.
template <typename T, typename ReadEntry>
absl::Status ReadVector(BinaryReader& r, size_t min_entry_size,
                        std::vector<T>* out, ReadEntry read_entry) {
  uint32_t count;
  if (absl::Status s = r.ReadCount(min_entry_size, &count); !s.ok()) return s;
  out->resize(count);
  for (T& entry : *out) {
    if (absl::Status s = read_entry(r, &entry); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ReadIndex(BinaryReader& r, uint32_t bound, absl::string_view what,
                       uint32_t* out) {
  const size_t at = r.offset();
  if (absl::Status s = r.ReadU32(out); !s.ok()) return s;
  if (*out >= bound) {
    absl::string_view noun = what;
    std::string plural;
    if (bound != 1) {
      plural = what == "memory" ? "memories" : absl::StrCat(what, "s");
      noun = plural;
    }
    return r.Error(at, absl::StrCat(what, " index ", *out, " out of range (",
                                    bound, " ", noun, ")"));
  }
  return absl::OkStatus();
}

// Parses a constant expression through its `end`: the constants, global.get,
// ref.null, ref.func, and extended-const i32/i64 add/sub/mul that V8 accepts.
// Typing is left to V8; indices are checked against `functions` and
// `globals`, the sizes of the index spaces visible to the expression.
absl::Status ReadConstExpr(BinaryReader& r, uint32_t functions,
                           uint32_t globals) {
  bool empty = true;
  for (;;) {
    const size_t at = r.offset();
    uint8_t op;
    if (absl::Status s = r.ReadU8(&op); !s.ok()) return s;
    absl::Status s;
    uint32_t index;
    switch (op) {
      case 0x0b:  // end
        if (empty) return r.Error(at, "empty constant expression");
        return absl::OkStatus();
      case 0x41: {  // i32.const
        int32_t v;
        s = r.ReadS32(&v);
        break;
      }
      case 0x42: {  // i64.const
        int64_t v;
        s = r.ReadS64(&v);
        break;
      }
      case 0x43:
        s = r.Skip(4);
        break;  // f32.const
      case 0x44:
        s = r.Skip(8);
        break;  // f64.const
      case 0x23:
        s = ReadIndex(r, globals, "global", &index);
        break;
      case 0xd0: {  // ref.null
        ValType t;
        s = ReadRefType(r, &t);
        break;
      }
      case 0xd2:
        s = ReadIndex(r, functions, "function", &index);
        break;
      case 0x6a:
      case 0x6b:
      case 0x6c:  // i32.add/sub/mul
      case 0x7c:
      case 0x7d:
      case 0x7e:  // i64.add/sub/mul
        break;
      case 0xfd: {  // SIMD prefix: only v128.const (12) is constant.
        uint32_t sub;
        s = r.ReadU32(&sub);
        if (s.ok() && sub != 12) {
          return r.Error(at, absl::StrCat("opcode 0xfd ", sub,
                                          " not allowed in a constant "
                                          "expression"));
        }
        if (s.ok()) s = r.Skip(16);
        break;
      }
      default:
        return r.Error(at, absl::StrFormat("opcode 0x%02x not allowed in a "
                                           "constant expression",
                                           op));
    }
    if (!s.ok()) return s;
    empty = false;
  }
}

// Reads one module; holds the partial ModuleInfo while it does.
class ModuleReader {
 public:
  explicit ModuleReader(absl::Span<const uint8_t> bytes) : bytes_(bytes) {}

  absl::StatusOr<ModuleInfo> Read() {
    static constexpr uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d};
    if (bytes_.size() < 4 ||
        !std::equal(std::begin(kMagic), std::end(kMagic), bytes_.begin())) {
      return ErrorAt(0, "not a WebAssembly module (bad magic)");
    }
    if (bytes_.size() < 8) {
      return ErrorAt(4, "unexpected end of input in the version");
    }
    const uint32_t version = bytes_[4] | bytes_[5] << 8 | bytes_[6] << 16 |
                             static_cast<uint32_t>(bytes_[7]) << 24;
    if (version != 1) {
      return ErrorAt(4, absl::StrCat("unsupported version ", version));
    }
    BinaryReader r(bytes_, "a section header");
    if (absl::Status s = r.Skip(8); !s.ok()) return s;
    int last_order = 0;
    uint8_t last_id = 0;
    while (!r.at_end()) {
      SectionInfo section;
      section.offset = r.offset();
      if (absl::Status s = r.ReadU8(&section.id); !s.ok()) return s;
      const size_t size_at = r.offset();
      uint32_t size;
      if (absl::Status s = r.ReadU32(&size); !s.ok()) return s;
      if (section.id > kTagSection) {
        return ErrorAt(section.offset,
                       absl::StrCat("unknown section id ", section.id));
      }
      if (size > r.remaining()) {
        return ErrorAt(size_at,
                       absl::StrCat(SectionName(section.id), " size ", size,
                                    " extends past the end of the module (",
                                    r.remaining(), " bytes remain)"));
      }
      if (section.id != kCustomSection) {
        const int order = SectionOrder(section.id);
        if (order == last_order) {
          return ErrorAt(section.offset,
                         absl::StrCat("duplicate section ", section.id, " (",
                                      SectionName(section.id), ")"));
        }
        if (order < last_order) {
          return ErrorAt(section.offset,
                         absl::StrCat("section ", section.id, " out of order (",
                                      SectionName(section.id), " after the ",
                                      SectionName(last_id), ")"));
        }
        last_order = order;
        last_id = section.id;
      }
      section.payload_offset = r.offset();
      section.payload_size = size;
      BinaryReader payload = r;
      if (absl::Status s =
              r.ReadSub(size, SectionContext(section.id), &payload);
          !s.ok()) {
        return s;
      }
      if (absl::Status s = ReadSection(payload, &section); !s.ok()) return s;
      if (!payload.at_end()) {
        return payload.Error(
            payload.offset(),
            absl::StrCat(payload.remaining(), " unexpected trailing bytes"));
      }
      info_.sections.push_back(std::move(section));
    }
    if (!seen_code_ && !info_.function_type_indices.empty()) {
      return ErrorAt(bytes_.size(),
                     absl::StrCat("the function section declares ",
                                  info_.function_type_indices.size(),
                                  " functions but there is no code section"));
    }
    if (!seen_data_ && info_.data_count.value_or(0) != 0) {
      return ErrorAt(
          bytes_.size(),
          absl::StrCat("the data count section declares ", *info_.data_count,
                       " segments but there is no data section"));
    }
    return std::move(info_);
  }

 private:
  absl::Status ReadSection(BinaryReader& r, SectionInfo* section) {
    switch (section->id) {
      case kCustomSection:
        return ReadCustom(r, section);
      case kTypeSection:
        return ReadTypes(r);
      case kImportSection:
        return ReadImports(r);
      case kFunctionSection:
        return ReadFunctions(r);
      case kTableSection:
        return ReadTables(r);
      case kMemorySection:
        return ReadMemories(r);
      case kTagSection:
        return ReadTags(r);
      case kGlobalSection:
        return ReadGlobals(r);
      case kExportSection:
        return ReadExports(r);
      case kStartSection:
        return ReadStart(r);
      case kElementSection:
        return ReadElements(r);
      case kDataCountSection:
        return ReadDataCount(r);
      case kCodeSection:
        return ReadCode(r);
      case kDataSection:
        return ReadData(r);
    }
    return absl::InternalError("unreachable section id");
  }

  absl::Status ReadCustom(BinaryReader& r, SectionInfo* section) {
    if (absl::Status s = r.ReadName(&section->custom_name); !s.ok()) return s;
    section->custom_content_size = r.remaining();
    if (section->custom_name == "name") ReadNames(r);
    return r.Skip(r.remaining());
  }

  // Best effort: a malformed name section changes nothing (engines ignore
  // it too), so it is parsed into locals and committed only if it is whole.
  void ReadNames(BinaryReader r) {
    std::string module_name;
    absl::flat_hash_map<uint32_t, std::string> function_names;
    while (!r.at_end()) {
      uint8_t id;
      uint32_t size;
      BinaryReader sub = r;
      if (!r.ReadU8(&id).ok() || !r.ReadU32(&size).ok() ||
          !r.ReadSub(size, "the name section", &sub).ok()) {
        return;
      }
      if (id == 0) {
        if (!sub.ReadName(&module_name).ok() || !sub.at_end()) return;
      } else if (id == 1) {
        uint32_t count;
        if (!sub.ReadCount(2, &count).ok()) return;
        function_names.reserve(count);
        for (uint32_t i = 0; i < count; ++i) {
          uint32_t index;
          std::string name;
          if (!sub.ReadU32(&index).ok() || !sub.ReadName(&name).ok()) return;
          function_names[index] = std::move(name);
        }
        if (!sub.at_end()) return;
      }
    }
    info_.module_name = std::move(module_name);
    info_.function_names = std::move(function_names);
  }

  absl::Status ReadTypes(BinaryReader& r) {
    uint32_t count;
    if (absl::Status s = r.ReadCount(3, &count); !s.ok()) return s;
    info_.types.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      const size_t at = r.offset();
      uint8_t form;
      if (absl::Status s = r.ReadU8(&form); !s.ok()) return s;
      if (form != 0x60) {
        return r.Error(at,
                       absl::StrFormat("unsupported type form 0x%02x", form));
      }
      FuncType type;
      if (absl::Status s = ReadValTypes(r, &type.params); !s.ok()) return s;
      if (absl::Status s = ReadValTypes(r, &type.results); !s.ok()) return s;
      info_.types.push_back(std::move(type));
    }
    return absl::OkStatus();
  }

  absl::Status ReadValTypes(BinaryReader& r, std::vector<ValType>* out) {
    return ReadVector(r, 1, out, ReadValType);
  }

  absl::Status ReadImports(BinaryReader& r) {
    uint32_t count;
    // Smallest import: two empty names, a kind, a one-byte index.
    if (absl::Status s = r.ReadCount(4, &count); !s.ok()) return s;
    info_.imports.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      Import import;
      if (absl::Status s = r.ReadName(&import.module); !s.ok()) return s;
      if (absl::Status s = r.ReadName(&import.name); !s.ok()) return s;
      const size_t at = r.offset();
      uint8_t kind;
      if (absl::Status s = r.ReadU8(&kind); !s.ok()) return s;
      absl::Status s;
      switch (kind) {
        case 0x00:
          import.kind = ExternKind::kFunc;
          s = ReadTypeIndex(r, &import.func_type_index);
          break;
        case 0x01:
          import.kind = ExternKind::kTable;
          s = ReadTableType(r, &import.table);
          break;
        case 0x02:
          import.kind = ExternKind::kMemory;
          s = ReadLimits(r, /*allow_shared=*/true, &import.memory);
          break;
        case 0x03:
          import.kind = ExternKind::kGlobal;
          s = ReadGlobalType(r, &import.global);
          break;
        case 0x04:
          import.kind = ExternKind::kTag;
          s = ReadTagType(r, &import.func_type_index);
          break;
        default:
          return r.Error(at,
                         absl::StrFormat("invalid import kind 0x%02x", kind));
      }
      if (!s.ok()) return s;
      ++imported_[static_cast<int>(import.kind)];
      info_.imports.push_back(std::move(import));
    }
    return absl::OkStatus();
  }

  // Index space sizes. The ModuleInfo methods rescan the imports on every
  // call; per-entry checks use these cached counts to stay linear.
  uint32_t Functions() const {
    return imported_[0] +
           static_cast<uint32_t>(info_.function_type_indices.size());
  }
  uint32_t Tables() const {
    return imported_[1] + static_cast<uint32_t>(info_.tables.size());
  }
  uint32_t Memories() const {
    return imported_[2] + static_cast<uint32_t>(info_.memories.size());
  }
  uint32_t Globals() const {
    return imported_[3] + static_cast<uint32_t>(info_.globals.size());
  }
  uint32_t Tags() const {
    return imported_[4] + static_cast<uint32_t>(info_.tag_type_indices.size());
  }

  absl::Status ReadTypeIndex(BinaryReader& r, uint32_t* out) {
    return ReadIndex(r, static_cast<uint32_t>(info_.types.size()), "type", out);
  }

  absl::Status ReadTableType(BinaryReader& r, TableType* out) {
    if (absl::Status s = ReadRefType(r, &out->element); !s.ok()) return s;
    return ReadLimits(r, /*allow_shared=*/false, &out->limits);
  }

  absl::Status ReadGlobalType(BinaryReader& r, GlobalType* out) {
    if (absl::Status s = ReadValType(r, &out->type); !s.ok()) return s;
    const size_t at = r.offset();
    uint8_t mut;
    if (absl::Status s = r.ReadU8(&mut); !s.ok()) return s;
    if (mut > 1) {
      return r.Error(at, absl::StrFormat("invalid mutability 0x%02x", mut));
    }
    out->is_mutable = mut == 1;
    return absl::OkStatus();
  }

  absl::Status ReadTagType(BinaryReader& r, uint32_t* type_index) {
    const size_t at = r.offset();
    uint8_t attribute;
    if (absl::Status s = r.ReadU8(&attribute); !s.ok()) return s;
    if (attribute != 0) {
      return r.Error(
          at, absl::StrFormat("invalid tag attribute 0x%02x", attribute));
    }
    return ReadTypeIndex(r, type_index);
  }

  absl::Status ReadFunctions(BinaryReader& r) {
    return ReadVector(r, 1, &info_.function_type_indices,
                      [this](BinaryReader& entry, uint32_t* index) {
                        return ReadTypeIndex(entry, index);
                      });
  }

  absl::Status ReadTables(BinaryReader& r) {
    return ReadVector(r, 3, &info_.tables,
                      [this](BinaryReader& entry, TableType* table) {
                        return ReadTableType(entry, table);
                      });
  }

  absl::Status ReadMemories(BinaryReader& r) {
    return ReadVector(r, 2, &info_.memories,
                      [](BinaryReader& entry, Limits* limits) {
                        return ReadLimits(entry, /*allow_shared=*/true, limits);
                      });
  }

  absl::Status ReadTags(BinaryReader& r) {
    return ReadVector(r, 2, &info_.tag_type_indices,
                      [this](BinaryReader& entry, uint32_t* index) {
                        return ReadTagType(entry, index);
                      });
  }

  absl::Status ReadGlobals(BinaryReader& r) {
    uint32_t count;
    // Smallest global: type, mutability, end.
    if (absl::Status s = r.ReadCount(3, &count); !s.ok()) return s;
    info_.globals.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      GlobalType global;
      if (absl::Status s = ReadGlobalType(r, &global); !s.ok()) return s;
      // Initializers may read imported and earlier globals.
      if (absl::Status s = ReadConstExpr(r, Functions(), Globals()); !s.ok()) {
        return s;
      }
      info_.globals.push_back(global);
    }
    return absl::OkStatus();
  }

  absl::Status ReadExports(BinaryReader& r) {
    uint32_t count;
    if (absl::Status s = r.ReadCount(3, &count); !s.ok()) return s;
    info_.exports.reserve(count);
    absl::flat_hash_set<std::string> names;
    names.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      Export exp;
      const size_t name_at = r.offset();
      if (absl::Status s = r.ReadName(&exp.name); !s.ok()) return s;
      if (!names.insert(exp.name).second) {
        return r.Error(
            name_at, absl::StrCat("duplicate export name \"", exp.name, "\""));
      }
      const size_t at = r.offset();
      uint8_t kind;
      if (absl::Status s = r.ReadU8(&kind); !s.ok()) return s;
      // Export kind codes 0-4 are ExternKind's enumerators in order.
      if (kind > static_cast<uint8_t>(ExternKind::kTag)) {
        return r.Error(at, absl::StrFormat("invalid export kind 0x%02x", kind));
      }
      exp.kind = static_cast<ExternKind>(kind);
      const auto [space_size, space] = IndexSpace(exp.kind);
      absl::Status s = ReadIndex(r, space_size, space, &exp.index);
      if (!s.ok()) return s;
      info_.exports.push_back(std::move(exp));
    }
    return absl::OkStatus();
  }

  // The size and the name of `kind`'s index space.
  std::pair<uint32_t, const char*> IndexSpace(ExternKind kind) const {
    switch (kind) {
      case ExternKind::kFunc:
        return {Functions(), "function"};
      case ExternKind::kTable:
        return {Tables(), "table"};
      case ExternKind::kMemory:
        return {Memories(), "memory"};
      case ExternKind::kGlobal:
        return {Globals(), "global"};
      case ExternKind::kTag:
        return {Tags(), "tag"};
    }
    return {0, "?"};
  }

  absl::Status ReadStart(BinaryReader& r) {
    uint32_t index;
    if (absl::Status s = ReadIndex(r, Functions(), "function", &index);
        !s.ok()) {
      return s;
    }
    info_.start = index;
    return absl::OkStatus();
  }

  // Segment flags (bulk memory): bit 0 passive or declarative, bit 1 an
  // explicit table index (active) or declarative (passive), bit 2 elements
  // as expressions rather than function indices.
  absl::Status ReadElements(BinaryReader& r) {
    uint32_t count;
    if (absl::Status s = r.ReadCount(2, &count); !s.ok()) return s;
    const uint32_t functions = Functions();
    const uint32_t globals = Globals();
    for (uint32_t i = 0; i < count; ++i) {
      const size_t at = r.offset();
      uint32_t flags;
      if (absl::Status s = r.ReadU32(&flags); !s.ok()) return s;
      if (flags > 7) {
        return r.Error(at,
                       absl::StrCat("invalid element segment flags ", flags));
      }
      const bool active = (flags & 1) == 0;
      const bool exprs = (flags & 4) != 0;
      if (active) {
        if (flags & 2) {
          uint32_t table;
          if (absl::Status s = ReadIndex(r, Tables(), "table", &table);
              !s.ok()) {
            return s;
          }
        }
        if (absl::Status s = ReadConstExpr(r, functions, globals); !s.ok()) {
          return s;
        }
      }
      if (flags & 3) {  // Flags 0 and 4 imply funcref; the rest say it.
        if (exprs) {
          ValType type;
          if (absl::Status s = ReadRefType(r, &type); !s.ok()) return s;
        } else {
          const size_t kind_at = r.offset();
          uint8_t kind;
          if (absl::Status s = r.ReadU8(&kind); !s.ok()) return s;
          if (kind != 0) {
            return r.Error(
                kind_at, absl::StrFormat("invalid element kind 0x%02x", kind));
          }
        }
      }
      uint32_t n;
      if (absl::Status s = r.ReadCount(1, &n); !s.ok()) return s;
      for (uint32_t j = 0; j < n; ++j) {
        uint32_t index;
        absl::Status s = exprs ? ReadConstExpr(r, functions, globals)
                               : ReadIndex(r, functions, "function", &index);
        if (!s.ok()) return s;
      }
    }
    info_.element_segment_count = count;
    return absl::OkStatus();
  }

  absl::Status ReadDataCount(BinaryReader& r) {
    uint32_t count;
    if (absl::Status s = r.ReadU32(&count); !s.ok()) return s;
    info_.data_count = count;
    return absl::OkStatus();
  }

  // Bodies are V8's to validate; here each is only skipped by its size.
  absl::Status ReadCode(BinaryReader& r) {
    seen_code_ = true;
    const size_t at = r.offset();
    uint32_t count;
    if (absl::Status s = r.ReadCount(1, &count); !s.ok()) return s;
    if (count != info_.function_type_indices.size()) {
      return r.Error(at, absl::StrCat("function body count ", count,
                                      " does not match the function count ",
                                      info_.function_type_indices.size()));
    }
    info_.function_body_offsets.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t size;
      if (absl::Status s = r.ReadU32(&size); !s.ok()) return s;
      info_.function_body_offsets.push_back(r.offset());
      if (absl::Status s = r.Skip(size); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status ReadData(BinaryReader& r) {
    seen_data_ = true;
    const size_t at = r.offset();
    uint32_t count;
    if (absl::Status s = r.ReadCount(1, &count); !s.ok()) return s;
    if (info_.data_count.has_value() && *info_.data_count != count) {
      return r.Error(at, absl::StrCat("data segment count ", count,
                                      " does not match the data count ",
                                      *info_.data_count));
    }
    info_.data_segments.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      const size_t flags_at = r.offset();
      uint32_t flags;
      if (absl::Status s = r.ReadU32(&flags); !s.ok()) return s;
      if (flags > 2) {
        return r.Error(flags_at,
                       absl::StrCat("invalid data segment flags ", flags));
      }
      DataSegment segment;
      segment.active = flags != 1;
      if (flags == 2) {
        if (absl::Status s =
                ReadIndex(r, Memories(), "memory", &segment.memory);
            !s.ok()) {
          return s;
        }
      }
      if (segment.active) {
        segment.offset_expr_begin = r.offset();
        if (absl::Status s = ReadConstExpr(r, Functions(), Globals());
            !s.ok()) {
          return s;
        }
        segment.offset_expr_end = r.offset();
      }
      if (absl::Status s = r.ReadU32(&segment.data_size); !s.ok()) return s;
      segment.data_offset = r.offset();
      if (absl::Status s = r.Skip(segment.data_size); !s.ok()) return s;
      info_.data_segments.push_back(segment);
    }
    info_.data_segment_count = count;
    return absl::OkStatus();
  }

  absl::Span<const uint8_t> bytes_;
  ModuleInfo info_;
  uint32_t imported_[5] = {};  // By ExternKind.
  bool seen_code_ = false;
  bool seen_data_ = false;
};

uint32_t CountImports(const std::vector<Import>& imports, ExternKind kind) {
  uint32_t n = 0;
  for (const Import& import : imports) n += import.kind == kind;
  return n;
}

}  // namespace

// Data count (12) sits between element and code so code can be validated
// against it in one pass; tag (13) sits between memory and global because
// globals may refer to tags' types.
int SectionOrder(uint8_t id) {
  switch (id) {
    case kTypeSection:
      return 1;
    case kImportSection:
      return 2;
    case kFunctionSection:
      return 3;
    case kTableSection:
      return 4;
    case kMemorySection:
      return 5;
    case kTagSection:
      return 6;
    case kGlobalSection:
      return 7;
    case kExportSection:
      return 8;
    case kStartSection:
      return 9;
    case kElementSection:
      return 10;
    case kDataCountSection:
      return 11;
    case kCodeSection:
      return 12;
    case kDataSection:
      return 13;
    default:
      return 0;
  }
}

uint32_t ModuleInfo::imported_function_count() const {
  return CountImports(imports, ExternKind::kFunc);
}
uint32_t ModuleInfo::imported_table_count() const {
  return CountImports(imports, ExternKind::kTable);
}
uint32_t ModuleInfo::imported_memory_count() const {
  return CountImports(imports, ExternKind::kMemory);
}
uint32_t ModuleInfo::imported_global_count() const {
  return CountImports(imports, ExternKind::kGlobal);
}
uint32_t ModuleInfo::imported_tag_count() const {
  return CountImports(imports, ExternKind::kTag);
}

// The sums cannot overflow: each count is bounded by the module's size.
uint32_t ModuleInfo::function_count() const {
  return imported_function_count() +
         static_cast<uint32_t>(function_type_indices.size());
}
uint32_t ModuleInfo::table_count() const {
  return imported_table_count() + static_cast<uint32_t>(tables.size());
}
uint32_t ModuleInfo::memory_count() const {
  return imported_memory_count() + static_cast<uint32_t>(memories.size());
}
uint32_t ModuleInfo::global_count() const {
  return imported_global_count() + static_cast<uint32_t>(globals.size());
}
uint32_t ModuleInfo::tag_count() const {
  return imported_tag_count() + static_cast<uint32_t>(tag_type_indices.size());
}

const FuncType* ModuleInfo::FunctionType(uint32_t function_index) const {
  std::optional<uint32_t> type_index;
  uint32_t remaining = function_index;
  for (const Import& import : imports) {
    if (import.kind != ExternKind::kFunc) continue;
    if (remaining == 0) {
      type_index = import.func_type_index;
      break;
    }
    --remaining;
  }
  if (!type_index.has_value()) {
    if (remaining >= function_type_indices.size()) return nullptr;
    type_index = function_type_indices[remaining];
  }
  return *type_index < types.size() ? &types[*type_index] : nullptr;
}

absl::StatusOr<ModuleInfo> ReadModule(absl::Span<const uint8_t> bytes) {
  return ModuleReader(bytes).Read();
}

uint8_t ValTypeCode(ValType type) {
  for (const ValTypeCodeEntry& e : kValTypeCodes) {
    if (e.type == type) return e.code;
  }
  return 0;  // Not reached: the table covers the enum.
}

absl::Status InfoMismatch() {
  return absl::InvalidArgumentError(
      "the module info does not describe these bytes");
}

absl::Status CheckSectionsMatch(absl::Span<const uint8_t> bytes,
                                const ModuleInfo& info) {
  if (bytes.size() < kModuleHeaderSize) return InfoMismatch();
  size_t next = kModuleHeaderSize;
  for (const SectionInfo& section : info.sections) {
    if (section.offset != next || section.payload_offset <= section.offset ||
        section.payload_offset > bytes.size() ||
        section.payload_size > bytes.size() - section.payload_offset) {
      return InfoMismatch();
    }
    next = section.payload_offset + section.payload_size;
  }
  if (next != bytes.size()) return InfoMismatch();
  return absl::OkStatus();
}

}  // namespace wasmhost::wasm
