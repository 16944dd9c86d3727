// lib/component/component_state.h: what the public component classes
// share, and the seams through which lib/component makes them.
//
//   ParsedComponent, TypeDef   the reader's Component and Type under names
//                              that stay unambiguous next to the public
//                              component::Component and component::Type
//   ComponentState             a compiled component: parse, world, plan,
//                              compiled core modules
//   TypeAccess, ComponentAccess  make public handles from internal state
//
// The reader's structs and the public classes (in the inline namespace
// `api`) share names, so in a translation unit that sees both, every lib/
// header must be read before any public component header, and the
// reader's are named by these aliases. A .cc implementing the public API
// therefore includes its public header through this one (never directly:
// clang-format would move a .cc's own header first).

#ifndef WASMHOST_LIB_COMPONENT_COMPONENT_STATE_H_
#define WASMHOST_LIB_COMPONENT_COMPONENT_STATE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/component/canonical_abi.h"
#include "lib/component/definitions.h"
#include "lib/component/handle_table.h"
#include "lib/component/plan.h"
#include "lib/component/reader.h"
#include "lib/component/types.h"
#include "lib/component/wit_printer.h"
#include "lib/component/world.h"

namespace wasmhost::component {
using ParsedComponent = Component;
using ParsedInstance = Instance;
using TypeDef = Type;
}  // namespace wasmhost::component

#include "wasmhost/component.h"           // NOLINT(build/include_order)
#include "wasmhost/component_instance.h"  // NOLINT(build/include_order)
#include "wasmhost/component_type.h"      // NOLINT(build/include_order)
#include "wasmhost/module.h"              // NOLINT(build/include_order)

namespace wasmhost::component {
namespace internal {

// A compiled component. Immutable once made; shared by Component copies,
// instances and the Types read from it. Thread-safe.
struct ComponentState {
  // The component's types, every resource named by the interface that
  // defines it (a resource the component defines has no name of its own),
  // shared with the api::Types read from it.
  std::shared_ptr<const TypeArena> types;
  World world;
  Plan plan;
  std::vector<wasmhost::Module> modules;  // Plan::modules, compiled.
  std::vector<api::ComponentFunc> imported_funcs;
  std::vector<api::ComponentFunc> exported_funcs;
  std::vector<api::ComponentResource> imported_resources;
  std::vector<api::ComponentResource> exported_resources;
  // Every resource of the world by TypeId: its interface and name.
  absl::flat_hash_map<TypeId, api::ComponentResource> resource_names;
  // SHA-256 of the component's bytes outside its core modules (its types,
  // wiring and world): with each core module's own hash, what a resident's
  // snapshot checks it is restored into.
  std::string glue_sha256;
};

// The resource type at run time (Plan::resource_types) of resource `id`
// of the world (resource_names' keys, the root's view); none when no
// function or instance of the component names it.
std::optional<uint32_t> RootResource(const ComponentState& state, TypeId id);

// What messages call each resource type at run time: "r of interface"
// for a resource of the world (the first it has, for one exported twice).
std::vector<std::string> ResourceTypeNames(const ComponentState& state);

// Whether `module` defines its memory (rather than importing another core
// instance's).
bool DefinesMemory(const wasmhost::Module& module);

// For component pools (component_pool.cc), over a component instance's
// state: its core instances in plan order; its handle tables saved with
// the host objects they own (HandleTable::Save), restored to what was
// saved (HandleTable::Restore: host resources' destructors run for handles
// made since; returns the first error), and the saved host objects put
// back (HandleTable::RestoreHostObjects); clearing its poisoned flag (its
// core instances' poison is their own); SetHandles's per-instance result.
std::vector<wasmhost::Instance*> CoreInstances(api::Instance& instance);
absl::StatusOr<std::vector<HandleTable::Snapshot>> SaveHandles(
    api::Instance& instance);
absl::Status RestoreHandles(api::Instance& instance,
                            const std::vector<HandleTable::Snapshot>& saved);
absl::Status RestoreHostObjects(
    api::Instance& instance, const std::vector<HandleTable::Snapshot>& saved);
void ClearPoison(api::Instance& instance);
std::shared_ptr<void>& PoolHandles(api::Instance& instance);

// For resident components (lib/resident): an instance whose core instances
// skip their data segments and start functions (Instance::Create's
// statuses), its state about to be replaced by a snapshot's; and its
// handle tables, one per component instance of the plan.
absl::StatusOr<api::Instance> InstantiateForRestore(
    const api::Component& component, const api::Linker& linker,
    const InstanceOptions& options);
const std::vector<std::unique_ptr<HandleTable>>& HandleTables(
    api::Instance& instance);

}  // namespace internal

inline namespace api {

struct TypeAccess {
  static Type Make(std::shared_ptr<const TypeArena> arena, TypeId id) {
    return Type(std::move(arena), id);
  }
  static const TypeArena& Arena(const Type& type) { return *type.arena_; }
  static TypeId Id(const Type& type) { return type.id_; }
};

struct ComponentAccess {
  static Component Make(std::shared_ptr<const internal::ComponentState> s) {
    return Component(std::move(s));
  }
  static const internal::ComponentState& State(const Component& component) {
    return *component.state_;
  }
};

// The public FuncType of kFunc type `func` of `arena`.
FuncType MakeFuncType(const std::shared_ptr<const TypeArena>& arena,
                      TypeId func);

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_COMPONENT_STATE_H_
