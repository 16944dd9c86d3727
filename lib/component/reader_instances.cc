// lib/component/reader_instances.cc: the Reader's instances, instantiation
// (substituting imported types) and aliases.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/component/reader_impl.h"
#include "lib/component/resource_names.h"
#include "lib/component/subtype.h"

namespace wasmhost::component::reader_internal {

absl::Status Reader::ReadInstance(BinaryReader& r, ComponentDef* def) {
  Scope& s = *scope_;
  const size_t at = r.offset();
  uint8_t form;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
  if (form > 0x01) {
    return r.Error(at, absl::StrFormat("unknown instance form 0x%02x", form));
  }
  Instance instance;
  absl::flat_hash_set<std::string> names;
  if (form == 0x00) {
    WASMHOST_ASSIGN_OR_RETURN(uint32_t c,
                              ReadIndex(r, s.components.size(), "component"));
    instance.component = c;
  }
  WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
    const size_t arg_at = r.offset();
    Instance::Arg arg;
    std::optional<std::string> implements;
    if (form == 0x00) {
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&arg.name));
    } else {
      WASMHOST_ASSIGN_OR_RETURN(arg.name, ReadExternName(r, &implements));
    }
    WASMHOST_RETURN_IF_ERROR(CheckUnique(
        r, arg_at, names, arg.name, form == 0x00 ? "argument" : "export name"));
    WASMHOST_ASSIGN_OR_RETURN(arg.item, ReadSortIndex(r, s));
    if (form == 0x01 &&
        static_cast<int>(arg.item.sort) < static_cast<int>(Sort::kCoreModule)) {
      return r.Error(arg_at,
                     "instance export of a core sort other than a "
                     "module");
    }
    WASMHOST_RETURN_IF_ERROR(CheckImplements(r, arg_at, arg.name, implements,
                                             SortToExternKind(arg.item.sort)));
    instance.args.push_back(std::move(arg));
    return absl::OkStatus();
  }));
  Type type;
  type.kind = TypeKind::kInstance;
  if (form == 0x01) {
    // A bag of exports is checked as an instance type's exports are.
    for (const Instance::Arg& arg : instance.args) {
      ExternDecl e{arg.name, DescOf(s, arg.item.sort, arg.item.index)};
      WASMHOST_RETURN_IF_ERROR(NameExportedType(r, at, e.name, &e.desc));
      WASMHOST_RETURN_IF_ERROR(Located(
          r, at, CheckResourceFuncName(arena_, e.name, e.desc, type.exports)));
      type.exports.push_back(std::move(e));
    }
  } else {
    WASMHOST_ASSIGN_OR_RETURN(
        type.exports, Instantiate(r, at, *instance.component, instance));
  }
  WASMHOST_ASSIGN_OR_RETURN(instance.type, AddType(r, at, std::move(type)));
  s.instances.push_back(instance.type);
  def->instances.push_back(std::move(instance));
  Order(def, Definition::Kind::kInstance, def->instances.size());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ExternDecl>> Reader::Instantiate(
    BinaryReader& r, size_t at, uint32_t c, const Instance& instance) {
  const Scope& s = *scope_;
  const Type& component = arena_[s.components[c]];
  SubtypeChecker checker(arena_);
  absl::flat_hash_map<TypeId, TypeId> substitution;
  for (const ExternDecl& import : component.imports) {
    auto arg = std::find_if(
        instance.args.begin(), instance.args.end(),
        [&](const Instance::Arg& a) { return a.name == import.name; });
    if (arg == instance.args.end()) {
      return r.Error(at, absl::StrCat("no argument for import \"", import.name,
                                      "\" of component ", c));
    }
    const ExternDesc given = DescOf(s, arg->item.sort, arg->item.index);
    if (static_cast<int>(arg->item.sort) <
        static_cast<int>(Sort::kCoreModule)) {
      return r.Error(
          at, absl::StrCat("argument \"", import.name, "\" is a ",
                           SortName(arg->item.sort), ", the import is a ",
                           ExternKindName(import.desc.kind)));
    }
    // Imports are checked in order, so a type import's binding applies
    // to the imports after it that use the type.
    if (absl::Status st = checker.Check(given, import); !st.ok()) {
      return r.Error(at, absl::StrCat("argument \"", import.name,
                                      "\" does not match the import of "
                                      "component ",
                                      c, ": ", st.message()));
    }
    // The exports' types then use the arguments' types, resources or not
    // (so the names an argument's types have carry over).
    if (import.desc.kind == ExternKind::kType) {
      substitution.try_emplace(import.desc.type, given.type);
    } else if (import.desc.kind == ExternKind::kInstance) {
      const Type& provided = arena_[given.type];
      for (const ExternDecl& e : arena_[import.desc.type].exports) {
        if (e.desc.kind != ExternKind::kType) continue;
        for (const ExternDecl& p : provided.exports) {
          if (p.name == e.name && p.desc.kind == ExternKind::kType) {
            substitution.try_emplace(e.desc.type, p.desc.type);
          }
        }
      }
    }
  }
  for (const auto& [expected, given] : checker.bindings()) {
    substitution[expected] = given;
  }
  // What the component defines (or its type leaves abstract) is new for
  // each instantiation; what it imports is the arguments'.
  // (A copy: adding types below may move the arena's types.)
  std::vector<ExternDecl> exports = component.exports;
  absl::flat_hash_set<TypeId> seen;
  std::vector<TypeId> resources;
  for (const ExternDecl& e : exports) {
    if (e.desc.kind != ExternKind::kCoreModule) {
      CollectResources(e.desc.type, &seen, &resources);
    }
  }
  // An exported name of a resource becomes what the resource becomes.
  std::vector<TypeId> names;
  for (TypeId id : resources) {
    if (arena_[id].resource_of.has_value()) names.push_back(id);
  }
  for (TypeId id : names) {
    const TypeId resource = *arena_[id].resource_of;
    if (seen.insert(resource).second) resources.push_back(resource);
  }
  resources.erase(std::remove_if(resources.begin(), resources.end(),
                                 [&](TypeId id) {
                                   return substitution.contains(id) ||
                                          arena_[id].resource_of.has_value();
                                 }),
                  resources.end());
  WASMHOST_RETURN_IF_ERROR(Freshen(r, at, resources, &substitution));
  for (TypeId id : names) {
    const TypeId resource = *arena_[id].resource_of;
    auto it = substitution.find(resource);
    // By value: inserting may rehash and free what `it` points at.
    const TypeId target = it == substitution.end() ? resource : it->second;
    substitution.try_emplace(id, target);
  }
  for (ExternDecl& e : exports) {
    if (e.desc.kind == ExternKind::kCoreModule) continue;
    WASMHOST_ASSIGN_OR_RETURN(e.desc.type,
                              Substitute(r, at, e.desc.type, substitution));
  }
  return exports;
}

absl::StatusOr<TypeId> Reader::Substitute(
    BinaryReader& r, size_t at, TypeId id,
    absl::flat_hash_map<TypeId, TypeId>& map) {
  if (auto it = map.find(id); it != map.end()) return it->second;
  if (IsPrimitive(arena_[id].kind) || arena_[id].kind == TypeKind::kResource) {
    return id;
  }
  Type t = arena_[id];
  bool changed = false;
  auto sub = [&](TypeId& member) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(TypeId replaced, Substitute(r, at, member, map));
    changed |= replaced != member;
    member = replaced;
    return absl::OkStatus();
  };
  for (Field& f : t.fields) WASMHOST_RETURN_IF_ERROR(sub(f.type));
  for (Case& c : t.cases) {
    if (c.type.has_value()) WASMHOST_RETURN_IF_ERROR(sub(*c.type));
  }
  for (std::optional<TypeId>* o : {&t.element, &t.ok, &t.error}) {
    if (o->has_value()) WASMHOST_RETURN_IF_ERROR(sub(**o));
  }
  for (std::vector<ExternDecl>* decls : {&t.imports, &t.exports}) {
    for (ExternDecl& d : *decls) {
      if (d.desc.kind != ExternKind::kCoreModule) {
        WASMHOST_RETURN_IF_ERROR(sub(d.desc.type));
      }
    }
  }
  TypeId result = id;
  if (changed) {
    WASMHOST_ASSIGN_OR_RETURN(result, AddType(r, at, std::move(t)));
  }
  map[id] = result;
  return result;
}

absl::Status Reader::ReadAlias(BinaryReader& r, Scope& s, Alias* alias) {
  const size_t at = r.offset();
  WASMHOST_ASSIGN_OR_RETURN(alias->sort, ReadSort(r));
  const size_t target_at = r.offset();
  uint8_t target;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&target));
  // Component and instance types declare types and instances only.
  if (in_type_scope_ && alias->sort != Sort::kType &&
      alias->sort != Sort::kCoreType && alias->sort != Sort::kInstance) {
    return r.Error(at, absl::StrCat("an alias in a type declarator may only "
                                    "refer to types or instances, not a ",
                                    SortName(alias->sort)));
  }
  switch (target) {
    case 0x00: {  // export of an instance
      alias->target = Alias::Target::kExport;
      if (static_cast<int>(alias->sort) < static_cast<int>(Sort::kCoreModule)) {
        return r.Error(at, "export alias of a core sort other than a module");
      }
      WASMHOST_ASSIGN_OR_RETURN(alias->instance,
                                ReadIndex(r, s.instances.size(), "instance"));
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&alias->name));
      const Type& instance = arena_[s.instances[alias->instance]];
      for (const ExternDecl& e : instance.exports) {
        if (e.name != alias->name) continue;
        if (e.desc.kind != SortToExternKind(alias->sort)) {
          return r.Error(
              at,
              absl::StrCat("instance ", alias->instance, " exports \"",
                           alias->name, "\" as a ", ExternKindName(e.desc.kind),
                           ", not a ", SortName(alias->sort)));
        }
        Push(s, e.desc);
        return absl::OkStatus();
      }
      return r.Error(at, absl::StrCat("instance ", alias->instance,
                                      " has no export \"", alias->name, "\""));
    }
    case 0x01: {  // export of a core instance
      alias->target = Alias::Target::kCoreExport;
      const int sort = static_cast<int>(alias->sort);
      if (sort > static_cast<int>(Sort::kCoreTag)) {
        return r.Error(
            at, absl::StrCat("core export alias of a ", SortName(alias->sort)));
      }
      WASMHOST_ASSIGN_OR_RETURN(
          alias->instance,
          ReadIndex(r, s.core_instances.size(), "core instance"));
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&alias->name));
      const auto& exports = s.core_instances[alias->instance];
      auto it = exports.find(alias->name);
      if (it == exports.end() || it->second.kind != sort) {
        return r.Error(at, absl::StrCat("core instance ", alias->instance,
                                        " has no ", SortName(alias->sort),
                                        " export \"", alias->name, "\""));
      }
      if (sort == kCoreFuncCode) {
        AddCoreFunc(s, it->second);
      } else {
        ++s.core_counts[sort];
      }
      return absl::OkStatus();
    }
    case 0x02: {  // outer
      alias->target = Alias::Target::kOuter;
      if (alias->sort != Sort::kCoreModule && alias->sort != Sort::kCoreType &&
          alias->sort != Sort::kType && alias->sort != Sort::kComponent) {
        return r.Error(
            at, absl::StrCat("outer alias of a ", SortName(alias->sort)));
      }
      const size_t count_at = r.offset();
      WASMHOST_RETURN_IF_ERROR(r.ReadU32(&alias->instance));
      const Scope* outer = &s;
      bool crosses_component = false;
      for (uint32_t i = 0; i < alias->instance && outer != nullptr; ++i) {
        crosses_component |= outer->is_component;
        outer = outer->parent;
      }
      if (outer == nullptr) {
        return r.Error(count_at,
                       absl::StrCat("outer alias count ", alias->instance,
                                    " beyond the outermost scope"));
      }
      WASMHOST_ASSIGN_OR_RETURN(
          alias->index,
          ReadIndex(r, SortCount(*outer, alias->sort), SortName(alias->sort)));
      // Resource types are generative: a component sees only its own
      // and those it imports, never an enclosing component's.
      if (alias->sort == Sort::kType && crosses_component &&
          RefersToResource(outer->types[alias->index])) {
        return r.Error(at, absl::StrCat("outer alias of type ", alias->index,
                                        " across a component boundary: it "
                                        "transitively refers to resources"));
      }
      if (alias->sort == Sort::kCoreType) {
        s.core_types.push_back(outer->core_types[alias->index]);
      } else {
        Push(s, DescOf(*outer, alias->sort, alias->index));
      }
      return absl::OkStatus();
    }
    default:
      return r.Error(target_at,
                     absl::StrFormat("unknown alias target 0x%02x", target));
  }
}

}  // namespace wasmhost::component::reader_internal
