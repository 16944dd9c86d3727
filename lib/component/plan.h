// lib/component/plan.h: how a component's core instances are made and
// linked, computed once per component from its definitions.
//
//   CoreItem       a core function, table, memory or global as instances
//                  see it: another core instance's export, a lowered host
//                  function, or a resource built-in
//   CoreStep       one core instantiation: a module and its imports
//   LoweredImport  a canon lower (a trampoline) of an imported function, or
//                  of a function the component lifted (one nested
//                  component calling another)
//   LiftedExport   a canon lift of a core export; exported or not
//   GuestResource  a resource the component defines, with its destructor
//   Plan           all of the above, flat
//   MakePlan       walks the definitions, nested components flattened
//
// Nested components are flattened as they are instantiated: their imports
// are bound to the instantiation's arguments and their definitions walked
// in the parent's plan (outer aliases resolved where the component was
// defined), so the plan has no nesting; each instantiation keeps a handle
// table of its own.

#ifndef WASMHOST_LIB_COMPONENT_PLAN_H_
#define WASMHOST_LIB_COMPONENT_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/component/definitions.h"
#include "lib/component/types.h"

namespace wasmhost::component {

struct CoreItem {
  enum class Kind : uint8_t {
    kExport,        // export `name` of core instance step `index`
    kLowered,       // Plan::lowered[index]
    kResourceNew,   // resource `index` (a TypeId)
    kResourceDrop,  // resource `index`
    kResourceRep,   // resource `index`
  };
  Kind kind = Kind::kExport;
  uint32_t index = 0;
  std::string name;
  uint32_t table = 0;  // Resource built-ins: the component instance's.
};

// A core module to compile: a byte range of the component binary.
struct PlannedModule {
  size_t offset = 0;
  size_t size = 0;
};

struct CoreStep {
  uint32_t module = 0;  // Into Plan::modules.
  struct Import {
    std::string module;
    std::string name;
    CoreItem item;
  };
  // One per import of the module, in its import order.
  std::vector<Import> imports;
};

// Canonical options with core items for memory, realloc, post-return.
struct PlannedOptions {
  StringEncoding string_encoding = StringEncoding::kUtf8;
  std::optional<CoreItem> memory;
  std::optional<CoreItem> realloc;
  std::optional<CoreItem> post_return;
};

struct LoweredImport {
  // Set: the lowered function is Plan::lifted[*lifted]; else the import
  // `name` of `interface` (empty: a function of the world itself).
  std::optional<uint32_t> lifted;
  std::string interface;
  std::string name;
  TypeId type = 0;  // The kFunc type.
  PlannedOptions options;
  uint32_t table = 0;  // The calling component instance's handle table.
};

struct LiftedExport {
  // Exports only: the interface (empty: a function of the world itself)
  // and name.
  std::string interface;
  std::string name;
  TypeId type = 0;  // The kFunc type.
  CoreItem callee;  // kExport.
  PlannedOptions options;
  uint32_t table = 0;  // The lifting component instance's handle table.
};

struct GuestResource {
  TypeId type = 0;
  std::optional<CoreItem> dtor;
  uint32_t table = 0;  // The defining component instance's handle table.
};

struct Plan {
  std::vector<PlannedModule> modules;
  std::vector<CoreStep> steps;
  std::vector<LoweredImport> lowered;
  std::vector<LiftedExport> lifted;   // Every canon lift, in order.
  std::vector<LiftedExport> exports;  // The root's exported functions.
  std::vector<GuestResource> resources;
  // Each component instance (the root's is 0, then one per nested
  // instantiation) has its own handle table, as the spec's have.
  uint32_t num_tables = 1;
  // Resource types that are another TypeId's at run time (a nested
  // component's imported or exported resource and its argument or
  // definition): (alias, canonical).
  std::vector<std::pair<TypeId, TypeId>> resource_aliases;
};

// The plan of `component`.
// Returns Unimplemented for what the runtime does not run yet (a start
// function, async or other gated built-ins, core module or component
// imports, value imports) and
// InvalidArgument for an inconsistency the reader let through.
absl::StatusOr<Plan> MakePlan(const Component& component);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_PLAN_H_
