// lib/component/reader_types.cc: the Reader's value, function, component,
// instance and resource types.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/component/reader_impl.h"
#include "lib/component/resource_names.h"

namespace wasmhost::component::reader_internal {

absl::StatusOr<TypeId> Reader::AddType(BinaryReader& r, size_t at, Type type) {
  if (arena_.size() >= kMaxTypes) {
    return r.Error(at, absl::StrCat("more than ", kMaxTypes, " types"));
  }
  int depth = 0;
  auto member = [&](TypeId id) {
    depth = std::max(depth, id < depths_.size() ? depths_[id] + 1 : 1);
  };
  for (const Field& f : type.fields) member(f.type);
  for (const Case& c : type.cases) {
    if (c.type.has_value()) member(*c.type);
  }
  for (const std::optional<TypeId>& o : {type.element, type.ok, type.error}) {
    if (o.has_value()) member(*o);
  }
  for (const auto* decls : {&type.imports, &type.exports}) {
    for (const ExternDecl& d : *decls) {
      if (d.desc.kind != ExternKind::kCoreModule) member(d.desc.type);
    }
  }
  if (depth > kMaxNesting) {
    return r.Error(
        at, absl::StrCat("types nested deeper than ", kMaxNesting, " levels"));
  }
  const TypeId id = arena_.Add(std::move(type));
  depths_.resize(id + 1, 0);
  depths_[id] = depth;
  return id;
}

absl::StatusOr<TypeId> Reader::ReadValType(BinaryReader& r, const Scope& s) {
  const size_t at = r.offset();
  if (r.at_end()) return r.Error(at, "unexpected end of input");
  BinaryReader peek = r;
  uint8_t b;
  WASMHOST_RETURN_IF_ERROR(peek.ReadU8(&b));
  if (IsPrimitiveCode(b)) {
    r = peek;
    return TypeArena::Primitive(PrimitiveKind(b));
  }
  int64_t index;
  WASMHOST_RETURN_IF_ERROR(r.ReadS33(&index));
  if (index < 0) {
    return r.Error(at, absl::StrFormat("invalid value type 0x%02x", b));
  }
  if (index > UINT32_MAX) return r.Error(at, "type index too large");
  WASMHOST_RETURN_IF_ERROR(
      CheckIndex(r, at, static_cast<uint32_t>(index), s.types.size(), "type"));
  const TypeId id = s.types[index];
  if (!IsValueType(arena_[id].kind)) {
    return r.Error(at, absl::StrCat("type ", index, " is a ",
                                    TypeKindName(arena_[id].kind),
                                    " type, not a value type"));
  }
  return id;
}

absl::StatusOr<std::optional<TypeId>> Reader::ReadOptionalValType(
    BinaryReader& r, const Scope& s) {
  const size_t at = r.offset();
  uint8_t present;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&present));
  if (present == 0) return std::optional<TypeId>();
  if (present != 1) {
    return r.Error(at, absl::StrFormat("invalid option flag 0x%02x", present));
  }
  WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadValType(r, s));
  return std::optional<TypeId>(t);
}

absl::StatusOr<std::optional<TypeId>> Reader::ReadResultList(BinaryReader& r,
                                                             const Scope& s) {
  const size_t at = r.offset();
  uint8_t form;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
  if (form == 0x00) {
    WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadValType(r, s));
    return std::optional<TypeId>(t);
  }
  uint8_t zero;
  if (form == 0x01) {
    const size_t zero_at = r.offset();
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&zero));
    if (zero != 0) {
      return r.Error(zero_at, "named results are not supported");
    }
    return std::optional<TypeId>();
  }
  return r.Error(at, absl::StrFormat("invalid result list 0x%02x", form));
}

absl::StatusOr<TypeId> Reader::ReadResourceIndex(BinaryReader& r,
                                                 const Scope& s) {
  const size_t at = r.offset();
  WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                            ReadIndex(r, s.types.size(), "type"));
  const TypeId id = s.types[index];
  if (arena_[id].kind != TypeKind::kResource) {
    return r.Error(at, absl::StrCat("type ", index, " is a ",
                                    TypeKindName(arena_[id].kind),
                                    " type, not a resource"));
  }
  return id;
}

absl::StatusOr<TypeId> Reader::ReadDefType(BinaryReader& r, Scope& s) {
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  Type t;
  if (IsPrimitiveCode(code)) return TypeArena::Primitive(PrimitiveKind(code));
  absl::flat_hash_set<std::string> seen;
  switch (code) {
    case 0x72: {  // record
      t.kind = TypeKind::kRecord;
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        const size_t field_at = r.offset();
        Field f;
        WASMHOST_ASSIGN_OR_RETURN(f.name, ReadLabel(r));
        WASMHOST_RETURN_IF_ERROR(
            CheckUnique(r, field_at, seen, f.name, "field"));
        WASMHOST_ASSIGN_OR_RETURN(f.type, ReadValType(r, s));
        t.fields.push_back(std::move(f));
        return absl::OkStatus();
      }));
      if (t.fields.empty()) return r.Error(at, "record without fields");
      break;
    }
    case 0x71: {  // variant
      t.kind = TypeKind::kVariant;
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        const size_t case_at = r.offset();
        Case c;
        WASMHOST_ASSIGN_OR_RETURN(c.name, ReadLabel(r));
        WASMHOST_RETURN_IF_ERROR(CheckUnique(r, case_at, seen, c.name, "case"));
        WASMHOST_ASSIGN_OR_RETURN(c.type, ReadOptionalValType(r, s));
        const size_t refines_at = r.offset();
        uint8_t refines;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&refines));
        if (refines != 0) {
          return r.Error(refines_at,
                         "variant case refinements are not "
                         "supported (0x00 expected)");
        }
        t.cases.push_back(std::move(c));
        return absl::OkStatus();
      }));
      if (t.cases.empty()) return r.Error(at, "variant without cases");
      break;
    }
    case 0x70:    // list
    case 0x6b: {  // option
      t.kind = code == 0x70 ? TypeKind::kList : TypeKind::kOption;
      WASMHOST_ASSIGN_OR_RETURN(t.element, ReadValType(r, s));
      break;
    }
    case 0x67: {  // fixed-size list
      t.kind = TypeKind::kList;
      WASMHOST_ASSIGN_OR_RETURN(t.element, ReadValType(r, s));
      const size_t len_at = r.offset();
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&t.fixed_length));
      if (t.fixed_length == 0) {
        return r.Error(len_at, "fixed-size list of length 0");
      }
      break;
    }
    case 0x6f: {  // tuple
      t.kind = TypeKind::kTuple;
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        Field f;
        WASMHOST_ASSIGN_OR_RETURN(f.type, ReadValType(r, s));
        t.fields.push_back(std::move(f));
        return absl::OkStatus();
      }));
      if (t.fields.empty()) return r.Error(at, "tuple without elements");
      break;
    }
    case 0x6e:    // flags
    case 0x6d: {  // enum
      t.kind = code == 0x6e ? TypeKind::kFlags : TypeKind::kEnum;
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        const size_t label_at = r.offset();
        WASMHOST_ASSIGN_OR_RETURN(std::string label, ReadLabel(r));
        WASMHOST_RETURN_IF_ERROR(CheckUnique(r, label_at, seen, label,
                                             code == 0x6e ? "flag" : "case"));
        t.labels.push_back(std::move(label));
        return absl::OkStatus();
      }));
      if (t.labels.empty()) {
        return r.Error(at,
                       absl::StrCat(TypeKindName(t.kind), " without labels"));
      }
      if (t.kind == TypeKind::kFlags && t.labels.size() > 32) {
        return r.Error(at, absl::StrCat("flags with ", t.labels.size(),
                                        " labels (at most 32)"));
      }
      break;
    }
    case 0x6a: {  // result
      t.kind = TypeKind::kResult;
      WASMHOST_ASSIGN_OR_RETURN(t.ok, ReadOptionalValType(r, s));
      WASMHOST_ASSIGN_OR_RETURN(t.error, ReadOptionalValType(r, s));
      break;
    }
    case 0x69:    // own
    case 0x68: {  // borrow
      t.kind = code == 0x69 ? TypeKind::kOwn : TypeKind::kBorrow;
      WASMHOST_ASSIGN_OR_RETURN(t.element, ReadResourceIndex(r, s));
      break;
    }
    case 0x66:    // stream
    case 0x65: {  // future
      t.kind = code == 0x66 ? TypeKind::kStream : TypeKind::kFuture;
      WASMHOST_ASSIGN_OR_RETURN(t.element, ReadOptionalValType(r, s));
      // Binary.md: rejected for now, until its encoding is settled.
      if (code == 0x66 && t.element.has_value() &&
          arena_[*t.element].kind == TypeKind::kChar) {
        return r.Error(at, "(stream char) is not valid at this time");
      }
      break;
    }
    case 0x63: {  // map
      t.kind = TypeKind::kMap;
      WASMHOST_ASSIGN_OR_RETURN(t.element, ReadValType(r, s));
      WASMHOST_ASSIGN_OR_RETURN(t.ok, ReadValType(r, s));
      break;
    }
    case 0x40:    // func
    case 0x43: {  // async func
      t.kind = TypeKind::kFunc;
      t.async = code == 0x43;
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        const size_t param_at = r.offset();
        Field f;
        WASMHOST_ASSIGN_OR_RETURN(f.name, ReadLabel(r));
        WASMHOST_RETURN_IF_ERROR(
            CheckUnique(r, param_at, seen, f.name, "parameter"));
        WASMHOST_ASSIGN_OR_RETURN(f.type, ReadValType(r, s));
        t.fields.push_back(std::move(f));
        return absl::OkStatus();
      }));
      WASMHOST_ASSIGN_OR_RETURN(t.ok, ReadResultList(r, s));
      if (t.ok.has_value() && ContainsBorrow(*t.ok)) {
        return r.Error(at, "a function result contains a borrow");
      }
      break;
    }
    case 0x41:  // component type
    case 0x42:  // instance type
      return ReadComponentOrInstanceType(r, at, code == 0x41, s);
    case 0x3f: {  // resource
      if (in_type_scope_) {
        return r.Error(at, "resource type defined inside a type");
      }
      t.kind = TypeKind::kResource;
      t.defined = true;
      const size_t rep_at = r.offset();
      uint8_t rep;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&rep));
      if (rep != 0x7f) {
        return r.Error(rep_at,
                       absl::StrFormat("resource representation 0x%02x (only "
                                       "i32 is valid)",
                                       rep));
      }
      const size_t dtor_at = r.offset();
      uint8_t has_dtor;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&has_dtor));
      if (has_dtor > 1) {
        return r.Error(dtor_at,
                       absl::StrFormat("invalid option flag 0x%02x", has_dtor));
      }
      if (has_dtor) {
        const size_t index_at = r.offset();
        WASMHOST_ASSIGN_OR_RETURN(uint32_t dtor,
                                  ReadIndex(r, s.core_counts[0], "core func"));
        WASMHOST_RETURN_IF_ERROR(CheckCoreFunc(r, index_at, s, dtor,
                                               {{ValType::kI32}, {}},
                                               "the resource's destructor"));
        t.dtor = dtor;
      }
      break;
    }
    default:
      return r.Error(at, absl::StrFormat("unknown type opcode 0x%02x", code));
  }
  WASMHOST_ASSIGN_OR_RETURN(const TypeId id, AddType(r, at, std::move(t)));
  // Keeps the canonical ABI's size arithmetic far from overflow.
  if (IsValueType(arena_[id].kind) && flat_.ElemSize(id) >= kMaxElemSize) {
    return r.Error(at, absl::StrCat("the ", TypeKindName(arena_[id].kind),
                                    " type's byte size exceeds 2^28 (the "
                                    "maximum element size)"));
  }
  return id;
}

bool Reader::RefersToResource(TypeId id) {
  return Memoized(id, refers_to_resource_, &Reader::RefersToResourceUncached);
}

bool Reader::RefersToResourceUncached(TypeId id) {
  const Type& t = arena_[id];
  if (t.kind == TypeKind::kResource) return true;
  if (IsPrimitive(t.kind)) return false;
  for (const Field& f : t.fields) {
    if (RefersToResource(f.type)) return true;
  }
  for (const Case& c : t.cases) {
    if (c.type.has_value() && RefersToResource(*c.type)) return true;
  }
  for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
    if (o.has_value() && RefersToResource(*o)) return true;
  }
  for (const auto* decls : {&t.imports, &t.exports}) {
    for (const ExternDecl& d : *decls) {
      if (d.desc.kind != ExternKind::kCoreModule &&
          RefersToResource(d.desc.type)) {
        return true;
      }
    }
  }
  return false;
}

bool Reader::ContainsBorrow(TypeId id) {
  return Memoized(id, contains_borrow_, &Reader::ContainsBorrowUncached);
}

bool Reader::Memoized(TypeId id, std::vector<int8_t>& cache,
                      bool (Reader::*compute)(TypeId)) {
  if (cache.size() <= id) cache.resize(id + 1, -1);
  if (cache[id] < 0) {
    const bool value = (this->*compute)(id);
    if (cache.size() <= id) cache.resize(id + 1, -1);
    cache[id] = value;
  }
  return cache[id] == 1;
}

bool Reader::ContainsBorrowUncached(TypeId id) {
  const Type& t = arena_[id];
  if (t.kind == TypeKind::kBorrow) return true;
  if (t.kind == TypeKind::kResource || IsPrimitive(t.kind) ||
      t.kind == TypeKind::kOwn) {
    return false;
  }
  for (const Field& f : t.fields) {
    if (ContainsBorrow(f.type)) return true;
  }
  for (const Case& c : t.cases) {
    if (c.type.has_value() && ContainsBorrow(*c.type)) return true;
  }
  for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
    if (o.has_value() && ContainsBorrow(*o)) return true;
  }
  return false;
}

absl::StatusOr<TypeId> Reader::ReadComponentOrInstanceType(BinaryReader& r,
                                                           size_t at,
                                                           bool component,
                                                           Scope& parent) {
  WASMHOST_RETURN_IF_ERROR(Enter(r));
  const TypeId first_inner = static_cast<TypeId>(arena_.size());
  Scope s;
  s.parent = &parent;
  s.checks_visibility = component;
  const bool saved_in_type = in_type_scope_;
  in_type_scope_ = true;
  WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
    const size_t decl_at = r.offset();
    uint8_t kind;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&kind));
    switch (kind) {
      case 0x00: {
        WASMHOST_ASSIGN_OR_RETURN(uint32_t t, ReadCoreType(r, s));
        s.core_types.push_back(t);
        return absl::OkStatus();
      }
      case 0x01: {
        WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadDefType(r, s));
        s.types.push_back(t);
        return absl::OkStatus();
      }
      case 0x02: {
        Alias alias;
        return ReadAlias(r, s, &alias);
      }
      case 0x03:
        if (component) {
          std::string name;
          ExternDesc desc;
          return ReadImportDecl(r, s, &name, &desc);
        }
        break;
      case 0x04: {
        const size_t name_at = r.offset();
        std::optional<std::string> implements;
        WASMHOST_ASSIGN_OR_RETURN(std::string name,
                                  ReadExternName(r, &implements));
        WASMHOST_RETURN_IF_ERROR(
            CheckUnique(r, name_at, s.export_names, name, "export name"));
        WASMHOST_ASSIGN_OR_RETURN(ExternDesc desc, ReadExternType(r, s, name));
        WASMHOST_RETURN_IF_ERROR(
            CheckImplements(r, name_at, name, implements, desc.kind));
        // Each instance a type declares has resources of its own.
        if (desc.kind == ExternKind::kInstance) {
          WASMHOST_ASSIGN_OR_RETURN(desc.type,
                                    FreshInstance(r, name_at, desc.type));
        }
        WASMHOST_RETURN_IF_ERROR(Located(
            r, name_at, CheckResourceFuncName(arena_, name, desc, s.exports)));
        WASMHOST_RETURN_IF_ERROR(CheckExportVisible(r, name_at, s, desc));
        Push(s, desc);
        s.exports.push_back({std::move(name), desc});
        return absl::OkStatus();
      }
      default:
        break;
    }
    return r.Error(decl_at,
                   absl::StrFormat("unknown %s declaration 0x%02x",
                                   component ? "component" : "instance", kind));
  }));
  in_type_scope_ = saved_in_type;
  --depth_;
  Type t;
  t.kind = component ? TypeKind::kComponent : TypeKind::kInstance;
  t.imports = std::move(s.imports);
  t.exports = std::move(s.exports);
  WASMHOST_ASSIGN_OR_RETURN(const TypeId id, AddType(r, at, std::move(t)));
  first_inner_type_[id] = first_inner;
  return id;
}

void Reader::CollectResources(TypeId id, absl::flat_hash_set<TypeId>* seen,
                              std::vector<TypeId>* out) {
  if (!seen->insert(id).second) return;
  const Type& t = arena_[id];
  if (t.kind == TypeKind::kResource) {
    out->push_back(id);
    return;
  }
  for (const Field& f : t.fields) CollectResources(f.type, seen, out);
  for (const Case& c : t.cases) {
    if (c.type.has_value()) CollectResources(*c.type, seen, out);
  }
  for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
    if (o.has_value()) CollectResources(*o, seen, out);
  }
  for (const auto* decls : {&t.imports, &t.exports}) {
    for (const ExternDecl& d : *decls) {
      if (d.desc.kind != ExternKind::kCoreModule) {
        CollectResources(d.desc.type, seen, out);
      }
    }
  }
}

absl::Status Reader::Freshen(BinaryReader& r, size_t at,
                             const std::vector<TypeId>& resources,
                             absl::flat_hash_map<TypeId, TypeId>* map) {
  for (TypeId id : resources) {
    Type fresh;
    fresh.kind = TypeKind::kResource;
    fresh.name = arena_[id].name;
    WASMHOST_ASSIGN_OR_RETURN((*map)[id], AddType(r, at, std::move(fresh)));
  }
  return absl::OkStatus();
}

absl::StatusOr<TypeId> Reader::FreshInstance(BinaryReader& r, size_t at,
                                             TypeId instance) {
  auto first = first_inner_type_.find(instance);
  if (first == first_inner_type_.end()) return instance;
  absl::flat_hash_set<TypeId> seen;
  std::vector<TypeId> resources;
  CollectResources(instance, &seen, &resources);
  resources.erase(std::remove_if(resources.begin(), resources.end(),
                                 [&](TypeId id) {
                                   return id < first->second || id > instance;
                                 }),
                  resources.end());
  if (resources.empty()) return instance;
  absl::flat_hash_map<TypeId, TypeId> map;
  WASMHOST_RETURN_IF_ERROR(Freshen(r, at, resources, &map));
  return Substitute(r, at, instance, map);
}

absl::StatusOr<ExternDesc> Reader::ReadExternType(BinaryReader& r, Scope& s,
                                                  absl::string_view name) {
  const size_t at = r.offset();
  uint8_t code;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
  ExternDesc d;
  auto typed = [&](TypeKind expected) -> absl::Status {
    const size_t index_at = r.offset();
    WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                              ReadIndex(r, s.types.size(), "type"));
    d.type = s.types[index];
    if (arena_[d.type].kind != expected) {
      return r.Error(index_at, absl::StrCat("type ", index, " is a ",
                                            TypeKindName(arena_[d.type].kind),
                                            " type, not a ",
                                            TypeKindName(expected), " type"));
    }
    return absl::OkStatus();
  };
  switch (code) {
    case 0x00: {
      d.kind = ExternKind::kCoreModule;
      const size_t sort_at = r.offset();
      uint8_t sort;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
      if (sort != 0x11) {
        return r.Error(sort_at, "core extern type other than a module");
      }
      const size_t index_at = r.offset();
      WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                ReadIndex(r, s.core_types.size(), "core type"));
      d.core_type = s.core_types[index];
      if (!arena_.core(d.core_type).is_module) {
        return r.Error(index_at, absl::StrCat("core type ", index,
                                              " is not a module type"));
      }
      return d;
    }
    case 0x01: {
      d.kind = ExternKind::kFunc;
      WASMHOST_RETURN_IF_ERROR(typed(TypeKind::kFunc));
      return d;
    }
    case 0x02: {
      d.kind = ExternKind::kValue;
      const size_t bound_at = r.offset();
      uint8_t bound;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&bound));
      if (bound == 0x00) {
        WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                  ReadIndex(r, s.values.size(), "value"));
        d.type = s.values[index];
      } else if (bound == 0x01) {
        WASMHOST_ASSIGN_OR_RETURN(d.type, ReadValType(r, s));
      } else {
        return r.Error(bound_at,
                       absl::StrFormat("unknown value bound 0x%02x", bound));
      }
      return d;
    }
    case 0x03: {
      d.kind = ExternKind::kType;
      const size_t bound_at = r.offset();
      uint8_t bound;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&bound));
      if (bound == 0x00) {
        WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                  ReadIndex(r, s.types.size(), "type"));
        d.type = s.types[index];
      } else if (bound == 0x01) {
        Type resource;
        resource.kind = TypeKind::kResource;
        resource.name = std::string(name);
        WASMHOST_ASSIGN_OR_RETURN(d.type, AddType(r, at, std::move(resource)));
      } else {
        return r.Error(bound_at,
                       absl::StrFormat("unknown type bound 0x%02x", bound));
      }
      return d;
    }
    case 0x04:
      d.kind = ExternKind::kComponent;
      WASMHOST_RETURN_IF_ERROR(typed(TypeKind::kComponent));
      return d;
    case 0x05:
      d.kind = ExternKind::kInstance;
      WASMHOST_RETURN_IF_ERROR(typed(TypeKind::kInstance));
      return d;
    default:
      return r.Error(at, absl::StrFormat("unknown extern type 0x%02x", code));
  }
}

}  // namespace wasmhost::component::reader_internal
