// wasmhost/component.h: a compiled Component Model component.
//
//   component::ComponentFunc      an imported or exported function by
//                                 interface and name, with its WIT type
//   component::ComponentResource  an imported or exported resource type
//   component::Component          the compiled core modules and the plan to
//                                 instantiate them
//
// Component::Compile reads the binary, compiles every core module through
// the engine's pipeline (validation, rewrites, ModuleLimits, fuel, code
// cache) and computes once how its core instances are linked: what
// component::Instance::Create (component_instance.h) replays.

#ifndef WASMHOST_COMPONENT_H_
#define WASMHOST_COMPONENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/component_type.h"
#include "wasmhost/engine.h"
#include "wasmhost/export.h"

namespace wasmhost::component {
namespace internal {
struct ComponentState;
}  // namespace internal

inline namespace api {

// A function of a component's world. `interface` is the instance it
// belongs to ("demo:kv/store@0.1.0"), empty for a function of the world
// itself; `name` is its name in the interface, resource functions
// annotated as WIT names them ("[constructor]blob", "[method]blob.size",
// "[static]blob.merge").
struct ComponentFunc {
  std::string interface;
  std::string name;
  FuncType type;
};

// A resource type of a component's world, by interface and name.
struct ComponentResource {
  std::string interface;
  std::string name;
};

// A validated component with its core modules compiled. Immutable: copies
// share everything and are cheap, and any thread may instantiate it.
// Thread-safe.
class WASMHOST_EXPORT Component {
 public:
  // Reads and compiles `bytes`, a component binary. The bytes need not
  // outlive the call.
  // Returns:
  //   InvalidArgument    the bytes are not a valid component (offset and
  //                      reason), a core module does not validate, or a
  //                      canon function's options do not fit its type
  //   ResourceExhausted  a core module is over EngineOptions::module_limits
  //   Unimplemented      it uses what the runtime does not implement yet
  //                      (async, streams, futures, error-context, maps, a
  //                      start function, core module or component
  //                      imports); the message names it
  [[nodiscard]] static absl::StatusOr<Component> Compile(
      const Engine& engine, absl::Span<const uint8_t> bytes);

  // The functions the host must grant (see component::Linker) and those
  // it may call (component::Instance::GetFunc), in the world's order.
  [[nodiscard]] const std::vector<ComponentFunc>& imported_funcs() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  [[nodiscard]] const std::vector<ComponentFunc>& exported_funcs() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  [[nodiscard]] const std::vector<ComponentResource>& imported_resources() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  [[nodiscard]] const std::vector<ComponentResource>& exported_resources() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // The world in WIT syntax, as `wasmhost inspect` prints it.
  [[nodiscard]] std::string WitText() const;
  // How many core modules and core instances the component has.
  [[nodiscard]] size_t num_core_modules() const;
  [[nodiscard]] size_t num_core_instances() const;

 private:
  friend struct ComponentAccess;
  explicit Component(std::shared_ptr<const internal::ComponentState> state)
      : state_(std::move(state)) {}
  std::shared_ptr<const internal::ComponentState> state_;
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_H_
