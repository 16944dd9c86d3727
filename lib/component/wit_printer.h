// lib/component/wit_printer.h: a World as WIT text.
//
//   PrintWit   `world root { import ...; export ...; }` followed by one
//              `package ns:name[@version] { interface ... }` block per
//              package of the world's interfaces, with their types
//              (records, variants, enums, flags, resources with their
//              constructors, methods and static functions) and functions.
//
// Types named in another interface are brought in with `use`.

#ifndef WASMHOST_LIB_COMPONENT_WIT_PRINTER_H_
#define WASMHOST_LIB_COMPONENT_WIT_PRINTER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "lib/component/world.h"

namespace wasmhost::component {

[[nodiscard]] std::string PrintWit(const World& world);

// True for WIT's keywords ("record", "u8", ...), which a name spells with a
// leading '%' ("%record").
[[nodiscard]] bool IsWitKeyword(absl::string_view s);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_WIT_PRINTER_H_
