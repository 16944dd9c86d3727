// lib/component/reader_indices.cc: the Reader's index spaces, sorts, extern
// names and labels.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/component/names.h"
#include "lib/component/reader_impl.h"
#include "lib/wasm/reader.h"

namespace wasmhost::component::reader_internal {

bool IsPrimitiveCode(uint8_t b) {
  return (b >= 0x73 && b <= 0x7f) || b == 0x64;
}

TypeKind PrimitiveKind(uint8_t b) {
  if (b == 0x64) return TypeKind::kErrorContext;
  return static_cast<TypeKind>(0x7f - b);
}

absl::string_view CoreSortName(uint8_t code) {
  switch (code) {
    case 0x00:
      return "func";
    case 0x01:
      return "table";
    case 0x02:
      return "memory";
    case 0x03:
      return "global";
    case 0x04:
      return "tag";
    case 0x10:
      return "type";
    case 0x11:
      return "module";
    default:
      return "instance";
  }
}

Sort CoreSortToSort(uint8_t code) {
  switch (code) {
    case 0x00:
      return Sort::kCoreFunc;
    case 0x01:
      return Sort::kCoreTable;
    case 0x02:
      return Sort::kCoreMemory;
    case 0x03:
      return Sort::kCoreGlobal;
    case 0x04:
      return Sort::kCoreTag;
    case 0x10:
      return Sort::kCoreType;
    case 0x11:
      return Sort::kCoreModule;
    default:
      return Sort::kCoreInstance;
  }
}

uint8_t ExternKindCoreCode(wasm::ExternKind kind) {
  switch (kind) {
    case wasm::ExternKind::kFunc:
      return 0x00;
    case wasm::ExternKind::kTable:
      return 0x01;
    case wasm::ExternKind::kMemory:
      return 0x02;
    case wasm::ExternKind::kGlobal:
      return 0x03;
    case wasm::ExternKind::kTag:
      return 0x04;
  }
  return 0x00;
}

ExternKind SortToExternKind(Sort sort) {
  switch (sort) {
    case Sort::kFunc:
      return ExternKind::kFunc;
    case Sort::kValue:
      return ExternKind::kValue;
    case Sort::kType:
      return ExternKind::kType;
    case Sort::kComponent:
      return ExternKind::kComponent;
    case Sort::kInstance:
      return ExternKind::kInstance;
    default:
      return ExternKind::kCoreModule;
  }
}

absl::Status Reader::CheckIndex(BinaryReader& r, size_t at, uint32_t index,
                                size_t bound, absl::string_view what) {
  if (index >= bound) {
    return r.Error(at, absl::StrCat(what, " index ", index, " out of range (",
                                    bound, " defined)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> Reader::ReadIndex(BinaryReader& r, size_t bound,
                                           absl::string_view what) {
  const size_t at = r.offset();
  uint32_t index;
  WASMHOST_RETURN_IF_ERROR(r.ReadU32(&index));
  WASMHOST_RETURN_IF_ERROR(CheckIndex(r, at, index, bound, what));
  return index;
}

size_t Reader::CoreCount(const Scope& s, uint8_t code) {
  switch (code) {
    case 0x10:
      return s.core_types.size();
    case 0x11:
      return s.core_modules.size();
    case 0x12:
      return s.core_instances.size();
    default:
      return s.core_counts[code];
  }
}

absl::StatusOr<uint8_t> Reader::ReadCoreSort(BinaryReader& r) {
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  if (code > kCoreTagCode && (code < 0x10 || code > 0x12)) {
    return r.Error(at, absl::StrFormat("unknown core sort 0x%02x", code));
  }
  return code;
}

absl::StatusOr<Sort> Reader::ReadSort(BinaryReader& r) {
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  switch (code) {
    case 0x00: {
      WASMHOST_ASSIGN_OR_RETURN(uint8_t core, ReadCoreSort(r));
      return CoreSortToSort(core);
    }
    case 0x01:
      return Sort::kFunc;
    case 0x02:
      return Sort::kValue;
    case 0x03:
      return Sort::kType;
    case 0x04:
      return Sort::kComponent;
    case 0x05:
      return Sort::kInstance;
    default:
      return r.Error(at, absl::StrFormat("unknown sort 0x%02x", code));
  }
}

size_t Reader::SortCount(const Scope& s, Sort sort) {
  switch (sort) {
    case Sort::kCoreFunc:
      return s.core_counts[0];
    case Sort::kCoreTable:
      return s.core_counts[1];
    case Sort::kCoreMemory:
      return s.core_counts[2];
    case Sort::kCoreGlobal:
      return s.core_counts[3];
    case Sort::kCoreTag:
      return s.core_counts[4];
    case Sort::kCoreType:
      return s.core_types.size();
    case Sort::kCoreModule:
      return s.core_modules.size();
    case Sort::kCoreInstance:
      return s.core_instances.size();
    case Sort::kFunc:
      return s.funcs.size();
    case Sort::kValue:
      return s.values.size();
    case Sort::kType:
      return s.types.size();
    case Sort::kComponent:
      return s.components.size();
    case Sort::kInstance:
      return s.instances.size();
  }
  return 0;
}

ExternDesc Reader::DescOf(const Scope& s, Sort sort, uint32_t index) {
  ExternDesc d;
  d.kind = SortToExternKind(sort);
  switch (sort) {
    case Sort::kFunc:
      d.type = s.funcs[index];
      break;
    case Sort::kValue:
      d.type = s.values[index];
      break;
    case Sort::kType:
      d.type = s.types[index];
      break;
    case Sort::kComponent:
      d.type = s.components[index];
      break;
    case Sort::kInstance:
      d.type = s.instances[index];
      break;
    default:
      d.core_type = s.core_modules[index];
      break;
  }
  return d;
}

void Reader::Push(Scope& s, const ExternDesc& d) {
  switch (d.kind) {
    case ExternKind::kCoreModule:
      s.core_modules.push_back(d.core_type);
      break;
    case ExternKind::kFunc:
      s.funcs.push_back(d.type);
      break;
    case ExternKind::kValue:
      s.values.push_back(d.type);
      break;
    case ExternKind::kType:
      s.types.push_back(d.type);
      break;
    case ExternKind::kComponent:
      s.components.push_back(d.type);
      break;
    case ExternKind::kInstance:
      s.instances.push_back(d.type);
      break;
  }
}

absl::StatusOr<SortIndex> Reader::ReadSortIndex(BinaryReader& r,
                                                const Scope& s) {
  WASMHOST_ASSIGN_OR_RETURN(Sort sort, ReadSort(r));
  WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                            ReadIndex(r, SortCount(s, sort), SortName(sort)));
  return SortIndex{sort, index};
}

absl::StatusOr<std::string> Reader::ReadLabel(BinaryReader& r) {
  const size_t at = r.offset();
  std::string label;
  WASMHOST_RETURN_IF_ERROR(r.ReadName(&label));
  if (!IsLabel(label)) {
    return r.Error(at, absl::StrCat("invalid label \"", label, "\""));
  }
  return label;
}

absl::Status Reader::CheckUnique(BinaryReader& r, size_t at,
                                 absl::flat_hash_set<std::string>& seen,
                                 absl::string_view name,
                                 absl::string_view what) {
  // Explainer.md's canonicalization for strong uniqueness: lowercase,
  // `[method]l.l` and `[static]l.l` become `l`, other annotations but
  // `[constructor]` are stripped.
  std::string canonical = absl::AsciiStrToLower(name);
  absl::string_view rest = canonical;
  if (absl::ConsumePrefix(&rest, "[method]") ||
      absl::ConsumePrefix(&rest, "[static]")) {
    const std::pair<absl::string_view, absl::string_view> labels =
        absl::StrSplit(rest, absl::MaxSplits('.', 1));
    canonical =
        std::string(labels.first == labels.second ? labels.first : rest);
  }
  if (!seen.insert(std::move(canonical)).second) {
    return r.Error(at, absl::StrCat("duplicate ", what, " \"", name, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Reader::ReadExternName(
    BinaryReader& r, std::optional<std::string>* implements) {
  implements->reset();
  const size_t at = r.offset();
  uint8_t form;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
  if (form > 0x02) {
    return r.Error(at,
                   absl::StrFormat("unknown extern name form 0x%02x", form));
  }
  const size_t name_at = r.offset();
  std::string name;
  WASMHOST_RETURN_IF_ERROR(r.ReadName(&name));
  if (!IsPlainName(name) && !IsInterfaceName(name)) {
    return r.Error(name_at, absl::StrCat("\"", name,
                                         "\" is not a valid extern name "
                                         "(a kebab-case label, an "
                                         "annotated one or an interface "
                                         "name)"));
  }
  if (form == 0x02) {
    uint32_t count;
    WASMHOST_RETURN_IF_ERROR(r.ReadCount(2, &count));
    bool seen[3] = {};
    for (uint32_t i = 0; i < count; ++i) {
      const size_t attr_at = r.offset();
      uint8_t kind;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&kind));
      if (kind > 0x02) {
        return r.Error(attr_at,
                       absl::StrFormat("unknown name attribute 0x%02x", kind));
      }
      if (seen[kind]) return r.Error(attr_at, "duplicate name attribute");
      seen[kind] = true;
      const size_t value_at = r.offset();
      std::string value;
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&value));
      if (kind == 0x00) {
        if (!IsInterfaceName(value)) {
          return r.Error(value_at,
                         absl::StrCat("implements \"", value,
                                      "\": must be an interface name"));
        }
        *implements = std::move(value);
      }
    }
  }
  return name;
}

absl::Status Reader::CheckImplements(
    BinaryReader& r, size_t at, absl::string_view name,
    const std::optional<std::string>& implements, ExternKind kind) {
  if (!implements.has_value()) return absl::OkStatus();
  if (kind != ExternKind::kInstance) {
    return r.Error(at,
                   absl::StrCat("\"", name, "\" is a ", ExternKindName(kind),
                                ": only instances can have an "
                                "`implements` attribute"));
  }
  if (!IsLabel(name)) {
    return r.Error(at, absl::StrCat("name \"", name,
                                    "\" is not valid with `implements` "
                                    "(a plain label is)"));
  }
  return absl::OkStatus();
}

absl::Status Reader::Located(BinaryReader& r, size_t at,
                             const absl::Status& status) {
  return status.ok() ? status : r.Error(at, status.message());
}

}  // namespace wasmhost::component::reader_internal
