// lib/bindgen/wit_names.h: what the bindings generators (c_guest.h,
// cpp_host.h) derive from a WIT world alike: who declares each named type,
// doc comments, and line wrapping of generated declarations.
//
//   TypeOwners    the interface and name that declare each named type
//   SnakeCase     "add-blob" → "add_blob"
//   DocComment    a doc comment as `//` lines
//   DocKey        the ParsedWorld::docs key of an interface's item
//   WrapList      `head(a, b, c)tail` within 80 columns, as clang-format

#ifndef WASMHOST_LIB_BINDGEN_WIT_NAMES_H_
#define WASMHOST_LIB_BINDGEN_WIT_NAMES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lib/component/types.h"
#include "lib/component/world.h"

namespace wasmhost::bindgen {

// The declaring interface and name of every named type of a world: the
// first interface (imports, then exports) whose types list it, else the
// world-level imported type. A `use` or an alias names the same TypeId, so
// it has the declaration's owner. Plain value: thread-compatible.
class TypeOwners {
 public:
  struct Owner {
    std::string iface;  // World item name; empty for a world-level type.
    std::string name;   // The WIT name.
    bool exported = false;
  };

  explicit TypeOwners(const component::World& world);

  // nullptr for an anonymous type.
  [[nodiscard]] const Owner* Find(component::TypeId id) const;
  // Whether types of more than one owner have WIT name `name`, so that a
  // generator names them with their interface.
  [[nodiscard]] bool Ambiguous(const std::string& name) const;

 private:
  absl::flat_hash_map<component::TypeId, Owner> owners_;
  std::map<std::string, int> short_names_;
};

// Lower case, with '-', ':', '/' and '.' as '_'.
[[nodiscard]] std::string SnakeCase(absl::string_view name);

// `docs[key]` as comment lines, each prefixed by `indent` and "// "; empty
// when there is none.
[[nodiscard]] std::string DocComment(
    const std::map<std::string, std::string>& docs, const std::string& key,
    absl::string_view indent = "");

// "iface#name" ("#name" at world level).
[[nodiscard]] std::string DocKey(const std::string& iface,
                                 const std::string& name);

// `head` + the comma-separated `items` + `tail` within 80 columns where it
// can, in clang-format's manner: one line; else items packed and aligned
// after the '('; else a break after the '(' and a 4-space indent more than
// `head`'s own leading spaces. `indent`: columns before `head` on its line.
[[nodiscard]] std::string WrapList(const std::string& head,
                                   const std::vector<std::string>& items,
                                   const std::string& tail, size_t indent = 0);

}  // namespace wasmhost::bindgen

#endif  // WASMHOST_LIB_BINDGEN_WIT_NAMES_H_
