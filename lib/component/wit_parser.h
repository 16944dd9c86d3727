// lib/component/wit_parser.h: WIT text to the World the binary reader's
// ResolveWorld gives, so the printer, the canonical ABI and the bindings
// generator work the same on a .wit source as on a component.
//
//   WitFile       one source file (its path for messages, its text)
//   WitSources    a package's files and its dependencies' files
//   LoadWit       reads a .wit file, or a directory with `deps/`, as
//                 wit-parser (and so jco) lays them out
//   ParsedWorld   a World plus the package, world name and doc comments
//   ParseWit      parses, resolves and elaborates one world
//
// Types resolve as the binary does: a `use` names the same TypeId as the
// declaration, a `type a = b` alias is b's TypeId, and a resource is one
// kResource type whose handles are kOwn/kBorrow types over it. The world is
// elaborated as wit-component encodes it: an interface a world item uses
// types from is imported (unless exported, for exports), imported
// interfaces come before imported types and functions, and exported
// functions and types before exported interfaces. Within an interface,
// items keep their source order (wit-component may list a component's
// types in another order, and gives an exported interface its own copies
// of the records, variants, enums and flags it `use`s).
//
// Feature gates: `@unstable(feature = ...)` items are left out (no feature
// is enabled), `@since` and `@deprecated` are parsed and ignored.

#ifndef WASMHOST_LIB_COMPONENT_WIT_PARSER_H_
#define WASMHOST_LIB_COMPONENT_WIT_PARSER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/component/world.h"

namespace wasmhost::component {

struct WitFile {
  std::string path;  // For messages ("dir/a.wit:3:7: ...").
  std::string text;
};

// The main package's files (one `package` declaration among them, or none
// for a single anonymous package) and one group of files per dependency
// package.
struct WitSources {
  std::vector<WitFile> main;
  std::vector<std::vector<WitFile>> deps;
};

// Reads `path`: a .wit file is the main package alone; a directory's *.wit
// files are the main package and its `deps/` holds dependencies, each a
// `deps/NAME.wit` file or a `deps/NAME/` directory of *.wit files (files in
// name order). Returns NotFound if `path` or a listed file cannot be read.
[[nodiscard]] absl::StatusOr<WitSources> LoadWit(const std::string& path);

// A world parsed from WIT. Plain value: thread-compatible.
struct ParsedWorld {
  World world;
  std::string package;  // "demo:res" or "demo:res@1.0.0"; may be empty.
  std::string name;     // The world's name.
  // Doc comments (`///`, `/** */`), text without the markers, keyed by
  // what they document: "" the world, "IFACE" an interface by its world
  // item name, "IFACE#item" a type or function in it (a resource's
  // functions by their "[method]r.f" names), "#item" a world-level item.
  std::map<std::string, std::string> docs;
};

// Parses `sources` and resolves world `world` of the main package; an empty
// `world` picks the main package's only world.
//
// Returns InvalidArgument, with "path:line:column: " before the reason, for
// text that is not WIT, names that are undefined or defined twice, type
// cycles, `use` of a missing interface or type, handles of non-resources,
// a world that is missing or ambiguous, and packages declared twice.
[[nodiscard]] absl::StatusOr<ParsedWorld> ParseWit(const WitSources& sources,
                                                   absl::string_view world);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_WIT_PARSER_H_
