// lib/component/visibility.h: the external visibility of types
// (Explainer.md, "external visibility of types"): what a component imports
// or exports may refer to a nameable type (record, variant, enum, flags,
// resource) only if that type was itself imported (or, for exports,
// imported or exported) before, so that every type crossing the boundary
// has a name a host or WIT can use.
//
//   NamedTypes      the types an import or export has named so far
//   CheckVisible    an extern type against them
//   AddNamed        the types an import or export names, added to a set

#ifndef WASMHOST_LIB_COMPONENT_VISIBILITY_H_
#define WASMHOST_LIB_COMPONENT_VISIBILITY_H_

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "lib/component/types.h"

namespace wasmhost::component {

using NamedTypes = absl::flat_hash_set<TypeId>;

// Checks that extern type `desc` refers to nameable types only through
// `named` or `also_named` (may be null): the top of a type export may be
// nameable itself (the export names it); an instance type's own type
// exports name what its later exports use. Component types are checked
// where they are defined, so they pass here. Returns InvalidArgument
// "<kind> not valid to be used as <what>: ..." naming the unnamed type.
[[nodiscard]] absl::Status CheckVisible(const TypeArena& arena,
                                        const ExternDesc& desc,
                                        absl::string_view what,
                                        const NamedTypes& named,
                                        const NamedTypes* also_named);

// Adds the types `desc` names to `named`: a type import or export names
// its type, an instance its type exports (nested instances' too).
void AddNamed(const TypeArena& arena, const ExternDesc& desc,
              NamedTypes* named);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_VISIBILITY_H_
