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
// table of its own and makes resource types of its own.

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
    kResourceNew,   // resource `index` (a Plan::resource_types index)
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
  // Whose view of the resource types `type` is (a Plan::resource_ids
  // index): the lifting component instance's for a lifted function, the
  // root's for an import.
  uint32_t type_scope = 0;
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
  uint32_t type = 0;  // A Plan::resource_types index.
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
  // The resource types at run time, what handles carry. Each
  // instantiation of a component that defines a resource makes a new one
  // (the spec's generativity: a handle of one instantiation's `r` is not
  // another's), and a resource that is imported or exported under other
  // TypeIds (a nested component's import bound to its argument, the
  // instance type an instantiation gives its parent) is one. Each has a
  // TypeId for its name: the definition, or for a host resource the root's
  // import.
  struct ResourceType {
    TypeId type = 0;
  };
  std::vector<ResourceType> resource_types;
  // By component instance (handle table index): each resource TypeId that
  // instance's types name (ResourceIdentity applied) -> its resource_types
  // index. Lifted functions look their types up in their own instance's,
  // lowered ones in LoweredImport::type_scope's.
  std::vector<ResourceIds> resource_ids;
};

// The plan of `component`.
// Returns Unimplemented for what the runtime does not run yet (a start
// function, async or other gated built-ins, core module or component
// imports, value imports) and
// InvalidArgument for an inconsistency the reader let through.
absl::StatusOr<Plan> MakePlan(const Component& component);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_PLAN_H_
