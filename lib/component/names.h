// lib/component/names.h: the Component Model's name grammar (Explainer.md,
// "Import and Export Definitions"), checked by the reader and usable by a
// linker to check the names a host grants.
//
//   IsLabel          a kebab-case label: "get", "a1-2-3", "HTTP-body"
//   IsInterfaceName  "wasi:cli/stdout@0.2.12"
//   IsPlainName      a label, "[constructor]r", "[method]r.f", "[static]r.f"

#ifndef WASMHOST_LIB_COMPONENT_NAMES_H_
#define WASMHOST_LIB_COMPONENT_NAMES_H_

#include "absl/strings/string_view.h"

namespace wasmhost::component {

// Fragments separated by '-', each all-lowercase or all-uppercase
// alphanumerics; the first starts with a letter.
[[nodiscard]] bool IsLabel(absl::string_view s);

// A namespace (lowercase words) and ':', a package, '/' and a label, and
// an optional '@' version (a semver, or with version suffixes a prefix of
// one: 1, 0.1, 0.0.1). Nested namespaces and projections ("a:b:c/d/e")
// are a gated feature and refused.
[[nodiscard]] bool IsInterfaceName(absl::string_view s);

// A label, or a resource function name: [constructor]r, [method]r.f,
// [static]r.f with labels r and f.
[[nodiscard]] bool IsPlainName(absl::string_view s);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_NAMES_H_
