#include "lib/component/resource_names.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace wasmhost::component {
namespace {

absl::Status Error(absl::string_view name, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("\"", name, "\": ", why));
}

// The name `earlier` gives resource `id`, or null.
const std::string* NameOf(TypeId id, const std::vector<ExternDecl>& earlier) {
  for (const ExternDecl& d : earlier) {
    if (d.desc.kind == ExternKind::kType && d.desc.type == id) return &d.name;
  }
  return nullptr;
}

// `handle` (an own or borrow) must be of the resource `earlier` names
// `resource`.
absl::Status CheckHandle(absl::string_view name, const Type& handle,
                         absl::string_view resource,
                         const std::vector<ExternDecl>& earlier) {
  const std::string* found = NameOf(*handle.element, earlier);
  if (found == nullptr) {
    return Error(name,
                 "resource used in function does not have a name in this "
                 "context");
  }
  if (*found != resource) {
    return Error(name, absl::StrCat("function does not match expected "
                                    "resource name `",
                                    *found, "`"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckResourceFuncName(const TypeArena& arena,
                                   absl::string_view name,
                                   const ExternDesc& desc,
                                   const std::vector<ExternDecl>& earlier) {
  absl::string_view rest = name;
  enum { kConstructor, kMethod, kStatic } kind;
  if (absl::ConsumePrefix(&rest, "[constructor]")) {
    kind = kConstructor;
  } else if (absl::ConsumePrefix(&rest, "[method]")) {
    kind = kMethod;
  } else if (absl::ConsumePrefix(&rest, "[static]")) {
    kind = kStatic;
  } else {
    return absl::OkStatus();
  }
  if (desc.kind != ExternKind::kFunc) {
    return Error(
        name, absl::StrCat("is not a func but a ", ExternKindName(desc.kind)));
  }
  // The name grammar (checked before) guarantees the '.' of methods and
  // static functions.
  const absl::string_view resource = rest.substr(0, rest.find('.'));
  const Type& func = arena[desc.type];
  switch (kind) {
    case kConstructor: {
      if (!func.ok.has_value()) return Error(name, "should return one value");
      const Type* result = &arena[*func.ok];
      if (result->kind == TypeKind::kResult && result->ok.has_value()) {
        result = &arena[*result->ok];
      }
      if (result->kind != TypeKind::kOwn) {
        return Error(name,
                     "function should return `(own $T)` or `(result (own "
                     "$T))`");
      }
      return CheckHandle(name, *result, resource, earlier);
    }
    case kMethod: {
      if (func.fields.empty()) {
        return Error(name, "should have at least one argument");
      }
      if (func.fields[0].name != "self") {
        return Error(name, "should have a first argument called `self`");
      }
      const Type& self = arena[func.fields[0].type];
      if (self.kind != TypeKind::kBorrow) {
        return Error(name, "should take a first argument of `(borrow $T)`");
      }
      return CheckHandle(name, self, resource, earlier);
    }
    case kStatic:
      for (const ExternDecl& d : earlier) {
        if (d.name == resource && d.desc.kind == ExternKind::kType &&
            arena[d.desc.type].kind == TypeKind::kResource) {
          return absl::OkStatus();
        }
      }
      return Error(name, "static resource name is not known in this context");
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::component
