#include "lib/component/subtype.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
namespace {

absl::Status Mismatch(absl::string_view what, const absl::Status& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("type mismatch in ", what, ": ", why.message()));
}

const ExternDecl* Find(const std::vector<ExternDecl>& decls,
                       absl::string_view name) {
  auto it = std::find_if(decls.begin(), decls.end(),
                         [&](const ExternDecl& d) { return d.name == name; });
  return it == decls.end() ? nullptr : &*it;
}

}  // namespace

bool SubtypeChecker::IsFresh(TypeId id, absl::string_view name) const {
  const Type& t = arena_[id];
  return t.kind == TypeKind::kResource && !t.defined && t.name == name &&
         !bindings_.contains(id) && !same_.contains(id);
}

absl::Status SubtypeChecker::Check(const ExternDesc& given,
                                   const ExternDecl& expected) {
  if (given.kind != expected.desc.kind) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a ", ExternKindName(expected.desc.kind),
                     ", found a ", ExternKindName(given.kind)));
  }
  switch (given.kind) {
    case ExternKind::kCoreModule:
      return CheckModule(given.core_type, expected.desc.core_type);
    case ExternKind::kType:
      if (IsFresh(expected.desc.type, expected.name)) {
        if (arena_[given.type].kind != TypeKind::kResource) {
          return absl::InvalidArgumentError(
              "expected resource, found defined type");
        }
        if (in_import_) {
          same_[expected.desc.type] = given.type;
          same_[given.type] = expected.desc.type;
        } else {
          bindings_[expected.desc.type] = given.type;
        }
        matched_.clear();
        return absl::OkStatus();
      }
      return CheckType(given.type, expected.desc.type);
    default:
      return CheckType(given.type, expected.desc.type);
  }
}

absl::Status SubtypeChecker::CheckType(TypeId given, TypeId expected) {
  if (auto it = bindings_.find(expected); it != bindings_.end()) {
    expected = it->second;
  }
  if (given == expected || matched_.contains({given, expected})) {
    return absl::OkStatus();
  }
  const Type& g = arena_[given];
  const Type& e = arena_[expected];
  if (g.kind != e.kind) {
    if (e.kind == TypeKind::kResource || g.kind == TypeKind::kResource) {
      return absl::InvalidArgumentError(
          e.kind == TypeKind::kResource
              ? "expected resource, found defined type"
              : "expected defined type, found resource");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", TypeKindName(e.kind), ", found ", TypeKindName(g.kind)));
  }
  switch (e.kind) {
    case TypeKind::kResource:
      if (ResourceIdentity(arena_, given) ==
          ResourceIdentity(arena_, expected)) {
        break;
      }
      if (auto it = same_.find(given);
          it != same_.end() && it->second == expected) {
        break;
      }
      return absl::InvalidArgumentError("resource types are not the same");
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      WASMHOST_RETURN_IF_ERROR(CheckFields(
          g, e, e.kind == TypeKind::kRecord ? "field" : "tuple field"));
      break;
    case TypeKind::kVariant:
      if (g.cases.size() != e.cases.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "expected ", e.cases.size(), " cases, found ", g.cases.size()));
      }
      for (size_t i = 0; i < e.cases.size(); ++i) {
        if (g.cases[i].name != e.cases[i].name) {
          return absl::InvalidArgumentError(
              absl::StrCat("expected case named `", e.cases[i].name,
                           "`, found `", g.cases[i].name, "`"));
        }
        WASMHOST_RETURN_IF_ERROR(CheckOptional(
            g.cases[i].type, e.cases[i].type,
            absl::StrCat("variant case `", e.cases[i].name, "`")));
      }
      break;
    case TypeKind::kFlags:
    case TypeKind::kEnum:
      if (g.labels != e.labels) {
        return absl::InvalidArgumentError(
            absl::StrCat("mismatch in ", TypeKindName(e.kind), " labels"));
      }
      break;
    case TypeKind::kList:
      if (g.fixed_length != e.fixed_length) {
        return absl::InvalidArgumentError("mismatch in list lengths");
      }
      [[fallthrough]];
    case TypeKind::kOption:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
    case TypeKind::kStream:
    case TypeKind::kFuture:
    case TypeKind::kMap:
    case TypeKind::kResult:
      WASMHOST_RETURN_IF_ERROR(CheckOptional(g.element, e.element, "element"));
      WASMHOST_RETURN_IF_ERROR(CheckOptional(g.ok, e.ok, "ok type"));
      WASMHOST_RETURN_IF_ERROR(CheckOptional(g.error, e.error, "error type"));
      break;
    case TypeKind::kFunc:
      if (g.async != e.async) {
        return absl::InvalidArgumentError("mismatch in async");
      }
      WASMHOST_RETURN_IF_ERROR(CheckFields(g, e, "function parameter"));
      WASMHOST_RETURN_IF_ERROR(CheckOptional(g.ok, e.ok, "result"));
      break;
    case TypeKind::kInstance:
      WASMHOST_RETURN_IF_ERROR(CheckInstance(g, e));
      break;
    case TypeKind::kComponent:
      WASMHOST_RETURN_IF_ERROR(CheckComponent(g, e));
      break;
    default:  // Primitives of the same kind.
      break;
  }
  matched_.insert({given, expected});
  return absl::OkStatus();
}

absl::Status SubtypeChecker::CheckFields(const Type& given,
                                         const Type& expected,
                                         absl::string_view what) {
  if (given.fields.size() != expected.fields.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", expected.fields.size(), " ", what,
                     "s, found ", given.fields.size()));
  }
  for (size_t i = 0; i < expected.fields.size(); ++i) {
    const std::string& name = expected.fields[i].name;
    if (given.fields[i].name != name) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected ", what, " named `", name, "`, found `",
                       given.fields[i].name, "`"));
    }
    absl::Status s = CheckType(given.fields[i].type, expected.fields[i].type);
    if (!s.ok()) {
      return Mismatch(name.empty() ? absl::StrCat(what, " ", i)
                                   : absl::StrCat(what, " `", name, "`"),
                      s);
    }
  }
  return absl::OkStatus();
}

absl::Status SubtypeChecker::CheckOptional(
    const std::optional<TypeId>& given, const std::optional<TypeId>& expected,
    absl::string_view what) {
  if (given.has_value() != expected.has_value()) {
    return absl::InvalidArgumentError(
        expected.has_value() ? absl::StrCat("expected ", what, ", found none")
                             : absl::StrCat("expected no ", what));
  }
  if (!given.has_value()) return absl::OkStatus();
  absl::Status s = CheckType(*given, *expected);
  return s.ok() ? s : Mismatch(what, s);
}

// An instance may export more than expected, never less.
absl::Status SubtypeChecker::CheckInstance(const Type& given,
                                           const Type& expected) {
  for (const ExternDecl& e : expected.exports) {
    const ExternDecl* g = Find(given.exports, e.name);
    if (g == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing expected export `", e.name, "`"));
    }
    absl::Status s = Check(g->desc, e);
    if (!s.ok()) return Mismatch(absl::StrCat("export `", e.name, "`"), s);
  }
  return absl::OkStatus();
}

// A component may import less than expected and export more. Its imports
// are checked the other way round: the expected import must do for it.
absl::Status SubtypeChecker::CheckComponent(const Type& given,
                                            const Type& expected) {
  for (const ExternDecl& g : given.imports) {
    const ExternDecl* e = Find(expected.imports, g.name);
    if (e == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing expected import `", g.name, "`"));
    }
    in_import_ = !in_import_;
    absl::Status s = Check(e->desc, g);
    in_import_ = !in_import_;
    if (!s.ok()) return Mismatch(absl::StrCat("import `", g.name, "`"), s);
  }
  return CheckInstance(given, expected);
}

absl::Status SubtypeChecker::CheckModule(uint32_t given, uint32_t expected) {
  const CoreType& g = arena_.core(given);
  const CoreType& e = arena_.core(expected);
  using Entity = CoreType::Entity;
  auto find = [](const std::vector<Entity>& in, const Entity& like) {
    return std::find_if(in.begin(), in.end(), [&](const Entity& x) {
      return x.module == like.module && x.name == like.name;
    });
  };
  for (const Entity& i : g.imports) {
    auto it = find(e.imports, i);
    if (it == e.imports.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "missing expected import `", i.module, "::", i.name, "`"));
    }
    if (it->kind != i.kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          "type mismatch in import `", i.module, "::", i.name, "`"));
    }
  }
  for (const Entity& x : e.exports) {
    auto it = find(g.exports, x);
    if (it == g.exports.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing expected export `", x.name, "`"));
    }
    if (it->kind != x.kind) {
      return absl::InvalidArgumentError(
          absl::StrCat("type mismatch in export `", x.name, "`"));
    }
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::component
