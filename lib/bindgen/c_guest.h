// lib/bindgen/c_guest.h: C guest bindings for a WIT world, what wit-bindgen's
// C generator gives a C author, made from this project's own WIT parser.
//
//   CGuestFiles      the generated header and source
//   GenerateCGuest   generates them for a parsed world
//
// The header declares a C type for every WIT type the world uses (structs,
// tagged unions, enums and flags as integers with #defines, `*_string_t` and
// `*_list_*_t` as ptr+len, handles as structs), the imported functions
// (wrappers that lower arguments and lift results) and the exported
// functions the author implements. The source holds `cabi_realloc`, the
// wrappers and the exports wit-component expects (`cabi_post_*` freeing
// what an export's result allocated, resource destructors). C structs have
// the canonical ABI's memory layout on wasm32, so values in memory (return
// areas, spilled parameters, list elements) are read and written as
// structs; only flat core values are converted field by field.
//
// Ownership: an export receives its arguments owned (free them with the
// `*_free` functions) and hands its result to the wrapper, which frees it
// after the host has read it; an import borrows its arguments and gives its
// result owned to the caller. Handles are never dropped by `*_free`; a
// borrowed handle of an imported resource passed to an export is dropped by
// the generated wrapper when the export returns (as the spec requires).

#ifndef WASMHOST_LIB_BINDGEN_C_GUEST_H_
#define WASMHOST_LIB_BINDGEN_C_GUEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/component/wit_parser.h"

namespace wasmhost::bindgen {

struct CGuestFiles {
  std::string stem;    // The world's name in snake case: NAME.h, NAME.c.
  std::string header;  // NAME.h
  std::string source;  // NAME.c, which includes "NAME.h".
};

// The bindings of `world`. Deterministic: the same world gives the same
// bytes.
//
// Returns Unimplemented for what the generator does not support yet:
// async functions, streams, futures, error-context, maps and fixed-length
// lists.
[[nodiscard]] absl::StatusOr<CGuestFiles> GenerateCGuest(
    const component::ParsedWorld& world);

}  // namespace wasmhost::bindgen

#endif  // WASMHOST_LIB_BINDGEN_C_GUEST_H_
