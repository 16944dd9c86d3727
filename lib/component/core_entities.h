// lib/component/core_entities.h: the types of the core functions, tables,
// memories and globals a component passes between its core instances, as
// far as the reader knows them, and the core subtyping instantiation
// checks them with (the core spec's import matching).
//
//   CoreEntity       one entity's sort and, when known, its type
//   ModuleEntities   a core module's imports and exports as CoreEntities
//   EntitiesOf       them, from the core reader's ModuleInfo
//   CheckCoreEntity  `given` where `expected` is imported

#ifndef WASMHOST_LIB_COMPONENT_CORE_ENTITIES_H_
#define WASMHOST_LIB_COMPONENT_CORE_ENTITIES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "lib/component/types.h"
#include "lib/wasm/reader.h"

namespace wasmhost::component {

// Entities from imported module types and the async built-ins have a sort
// but no known type (`known` false): checks involving them pass.
struct CoreEntity {
  uint8_t kind = 0;  // The core sort code: 0 func, 1 table, 2 memory, ...
  bool known = false;
  CoreFuncType func;          // kind 0
  wasm::TableType table{};    // kind 1
  wasm::Limits memory;        // kind 2
  wasm::GlobalType global{};  // kind 3
};

// A known core function entity of type `func`.
[[nodiscard]] CoreEntity FuncEntity(CoreFuncType func);

struct ModuleEntities {
  struct Import {
    std::string module;
    std::string name;
    CoreEntity entity;
  };
  std::vector<Import> imports;
  absl::flat_hash_map<std::string, CoreEntity> exports;
};

[[nodiscard]] ModuleEntities EntitiesOf(const wasm::ModuleInfo& info);

// Checks that `given` can be imported as `expected` (same sort; equal
// function and global types, the same table element type, limits within
// the expected ones, the same shared flag). Returns InvalidArgument naming
// the mismatch ("expected func (i32) -> (), found () -> ()", "mismatch in
// table limits", ...).
[[nodiscard]] absl::Status CheckCoreEntity(const CoreEntity& given,
                                           const CoreEntity& expected);

// "(i32, i32) -> i32" style, for messages.
[[nodiscard]] std::string CoreFuncTypeString(const CoreFuncType& type);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_CORE_ENTITIES_H_
