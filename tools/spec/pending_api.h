// tools/spec/pending_api.h: what the runner needs from the public API and
// the API does not offer yet, one function per gap.
//
// Each gap returns Unimplemented (or names its feature) so the runner can
// count the commands it blocks as unsupported; when the API gains the
// feature, only the function's body changes.
//
//   MissingValueType  value types that cannot cross the host boundary
//   ToVal / ToBytes   SpecValue <-> Val
//   GetGlobal         read an exported global
//   RegisterInstance  make an instance's exports importable by name
//
// Functions only: thread-compatible, like the Instance they are given.

#ifndef WASMHOST_TOOLS_SPEC_PENDING_API_H_
#define WASMHOST_TOOLS_SPEC_PENDING_API_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/spec/spec_value.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/value.h"

namespace wasmhost::spec {

// The feature ("v128 value", "funcref value", "externref value") a call
// with a `type` parameter or result needs; nullopt if calls support it.
std::optional<std::string> MissingValueType(ValType type);

// `value` as an argument. Returns Unimplemented naming the feature when
// its type cannot cross the host boundary.
absl::StatusOr<Val> ToVal(const SpecValue& value);

// A result's bits, for Matches.
ValueBytes ToBytes(const Val& value);

// The value of `instance`'s exported global `name`.
// Returns Unimplemented: the API has no exported globals yet.
absl::StatusOr<Val> GetGlobal(const Instance& instance, absl::string_view name);

// Defines every export of `instance` on `linker` under module name `as`,
// as the spec's `register` does. `instance` must outlive `linker`'s use.
// Returns Unimplemented: the API cannot define an instance's exports yet.
absl::Status RegisterInstance(Linker& linker, absl::string_view as,
                              const Instance& instance);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_PENDING_API_H_
