// lib/component/subtype.h: whether one extern type can stand where another
// is expected, as instantiation arguments and ascribed export types must
// (Explainer.md's type checking of `instantiate` and `export`).
//
//   SubtypeChecker   checks a given extern type against an expected one,
//                    binding the expected side's abstract resources
//
// Value types match structurally (the same members, names and labels),
// except resources, which match only themselves: a resource's identity is
// its TypeId. An expected `(sub resource)` (an import's or an instance
// type's fresh abstract resource) accepts any resource and is bound to it,
// so later checks against the same checker see them as one.

#ifndef WASMHOST_LIB_COMPONENT_SUBTYPE_H_
#define WASMHOST_LIB_COMPONENT_SUBTYPE_H_

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/component/types.h"

namespace wasmhost::component {

// One checker per instantiation (or ascription): its bindings accumulate
// over the imports checked in order. Holds a reference to `arena`, which
// must outlive it. Thread-compatible.
class SubtypeChecker {
 public:
  explicit SubtypeChecker(const TypeArena& arena) : arena_(arena) {}

  // Checks that an item of type `given` can be used as `expected` (an
  // import or export declaration, whose name locates fresh resources).
  // Returns InvalidArgument naming the first mismatch ("resource types are
  // not the same", "missing expected export `x`", "expected u32, found
  // string", ...), without an offset: the caller adds its own.
  [[nodiscard]] absl::Status Check(const ExternDesc& given,
                                   const ExternDecl& expected);

  // The expected side's resources bound so far, to the given ones.
  [[nodiscard]] const absl::flat_hash_map<TypeId, TypeId>& bindings() const {
    return bindings_;
  }

 private:
  // Whether `id`, the type of declaration `name`, is a `(sub resource)`
  // bound not yet bound.
  bool IsFresh(TypeId id, absl::string_view name) const;
  absl::Status CheckType(TypeId given, TypeId expected);
  absl::Status CheckFields(const Type& given, const Type& expected,
                           absl::string_view what);
  absl::Status CheckOptional(const std::optional<TypeId>& given,
                             const std::optional<TypeId>& expected,
                             absl::string_view what);
  absl::Status CheckInstance(const Type& given, const Type& expected);
  absl::Status CheckComponent(const Type& given, const Type& expected);
  absl::Status CheckModule(uint32_t given, uint32_t expected);

  const TypeArena& arena_;
  absl::flat_hash_map<TypeId, TypeId> bindings_;
  // Resources two component types import under the same name, matched
  // both ways while checking one against the other: local to the check,
  // never part of `bindings_`.
  absl::flat_hash_map<TypeId, TypeId> same_;
  bool in_import_ = false;  // Checking a component type's imports.
  // Pairs (given, expected) already found to match: type DAGs share
  // members, which a walk would otherwise visit once per path. Cleared
  // when a binding is added.
  absl::flat_hash_set<std::pair<TypeId, TypeId>> matched_;
};

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_SUBTYPE_H_
