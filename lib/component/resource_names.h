// lib/component/resource_names.h: the type rules of annotated function
// names (Binary.md, "Import and Export Definitions"): `[constructor]r`,
// `[method]r.f` and `[static]r.f` must be functions tied to a resource
// that the same import or export namespace names `r`.
//
//   CheckResourceFuncName   one import or export against the earlier ones

#ifndef WASMHOST_LIB_COMPONENT_RESOURCE_NAMES_H_
#define WASMHOST_LIB_COMPONENT_RESOURCE_NAMES_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/component/types.h"

namespace wasmhost::component {

// Checks import or export `name` of type `desc` against `earlier`, the
// imports (or exports) of the same component, component type or instance
// type before it. Plain labels and interface names pass. A constructor
// returns `own<r>` or `result<own<r>, _>`; a method's first parameter is
// `self: borrow<r>`; a static function's `r` is a resource of `earlier`.
// Returns InvalidArgument naming the broken rule ("is not a func",
// "should return one value", "resource used in function does not have a
// name in this context", ...).
[[nodiscard]] absl::Status CheckResourceFuncName(
    const TypeArena& arena, absl::string_view name, const ExternDesc& desc,
    const std::vector<ExternDecl>& earlier);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_RESOURCE_NAMES_H_
