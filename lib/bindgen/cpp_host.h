// lib/bindgen/cpp_host.h: C++ host bindings for a WIT world, over the typed
// component API (wasmhost/component_typed.h).
//
//   CppHostFiles      the generated header and source
//   GenerateCppHost   generates them for a parsed world
//
// In one namespace (the package's, "test:sink" → test::sink; the world's
// name without a package) the header declares:
// - a C++ type per named WIT type: records as structs with
//   WASMHOST_COMPONENT_RECORD and ==, variants as std::variant subclasses
//   with a kCase constant per case index, enums as enum classes, flags with
//   WASMHOST_COMPONENT_FLAGS, aliases as `using`, resources as tag structs
//   for component::Own/Borrow;
// - per imported interface (and `Imports` for the world's own imported
//   functions) an abstract class the host implements, one pure virtual
//   function per WIT function (resource functions as NewR, RMethod,
//   RStatic, and DropR for the destructor), and AddToLinker(Linker&, Impl&)
//   defining them all as typed host functions;
// - `Exports`, made once per component::Instance by Exports::New, holding a
//   TypedFunc per exported function (exported interfaces as nested
//   classes) with a typed method per function and DropR for exported
//   resources.
// The source defines AddToLinker and Exports::New.

#ifndef WASMHOST_LIB_BINDGEN_CPP_HOST_H_
#define WASMHOST_LIB_BINDGEN_CPP_HOST_H_

#include <string>

#include "absl/status/statusor.h"
#include "lib/component/wit_parser.h"

namespace wasmhost::bindgen {

struct CppHostFiles {
  std::string stem;    // The world's name in snake case + "_host".
  std::string header;  // STEM.h
  std::string source;  // STEM.cc, which includes `include_prefix` + STEM.h.
};

// The host bindings of `world`; the source includes the header as
// `include_prefix` + STEM.h ("tests/bindgen/" + "sink_host.h").
// Deterministic: the same world gives the same bytes.
//
// Returns Unimplemented for what the C++ types of component_values.h cannot
// express: async functions, streams, futures, error-context, maps,
// fixed-length lists, records of more than 16 fields, and flags named like
// component::Flags' members (test, set, bits); InvalidArgument when two
// WIT names become the same C++ name.
[[nodiscard]] absl::StatusOr<CppHostFiles> GenerateCppHost(
    const component::ParsedWorld& world, const std::string& include_prefix);

}  // namespace wasmhost::bindgen

#endif  // WASMHOST_LIB_BINDGEN_CPP_HOST_H_
