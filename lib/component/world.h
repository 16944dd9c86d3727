// lib/component/world.h: a component's interface as a host sees it, in
// WIT terms: what it imports and exports, each a function, an interface (an
// instance of types and functions) or a type, with every type resolved.
//
//   FuncName     what a function name says: freestanding, constructor,
//                method or static function of a resource
//   ParseFuncName
//   NamedType, NamedFunc, Interface, WorldItem, World
//   ResolveWorld builds the World of a parsed component
//
// This is what the canonical ABI (types of parameters and results), the
// linker (the interfaces and functions to grant, by name) and `wasmhost
// inspect` consume.

#ifndef WASMHOST_LIB_COMPONENT_WORLD_H_
#define WASMHOST_LIB_COMPONENT_WORLD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/component/definitions.h"
#include "lib/component/types.h"

namespace wasmhost::component {

// A function name split as WIT reads it: "[method]counter.inc" is method
// "inc" of resource "counter"; "add" is freestanding.
struct FuncName {
  enum class Kind : uint8_t { kFreestanding, kConstructor, kMethod, kStatic };
  Kind kind = Kind::kFreestanding;
  std::string resource;  // Empty for kFreestanding.
  std::string name;      // Empty for kConstructor.
};

// Splits `name`. Malformed annotated names ("[method]x" without a dot, an
// unknown "[...]" prefix) are InvalidArgument.
[[nodiscard]] absl::StatusOr<FuncName> ParseFuncName(absl::string_view name);

struct NamedType {
  std::string name;
  TypeId type = 0;
};

struct NamedFunc {
  std::string name;  // As exported ("[method]counter.inc").
  FuncName parsed;
  TypeId type = 0;  // A kFunc type: named parameters, optional result.
};

// An imported or exported instance: its types and functions, in the order
// of the instance type.
struct Interface {
  std::vector<NamedType> types;
  std::vector<NamedFunc> funcs;
};

struct WorldItem {
  enum class Kind : uint8_t { kFunc, kInterface, kType };
  Kind kind = Kind::kFunc;
  std::string name;     // "host-log", "demo:kv/store@1.0.0", "point".
  TypeId type = 0;      // The function, instance or named type.
  FuncName func;        // kFunc.
  Interface interface;  // kInterface.
};

// A component's world. Owns a copy of the component's types, so it stands
// alone. Plain value: thread-compatible.
struct World {
  TypeArena types;
  std::vector<WorldItem> imports;
  std::vector<WorldItem> exports;
};

// The world of `component`'s root.
//
// Returns InvalidArgument if an import or export cannot be expressed in
// WIT: a core module, a component or a value, an instance exporting
// anything but types and functions, or a malformed function name.
[[nodiscard]] absl::StatusOr<World> ResolveWorld(const Component& component);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_WORLD_H_
