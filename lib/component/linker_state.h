// lib/component/linker_state.h: a component::Linker's definitions, as
// component::Instance::Create looks them up.

#ifndef WASMHOST_LIB_COMPONENT_LINKER_STATE_H_
#define WASMHOST_LIB_COMPONENT_LINKER_STATE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_type.h"

namespace wasmhost::component {
inline namespace api {

struct Linker::Definitions {
  struct Func {
    std::shared_ptr<const HostFunc> func;
    std::optional<FuncType> expected;
  };
  struct Resource {
    // Empty for a resource without a destructor.
    std::shared_ptr<const HostResourceDtorWithCaller> dtor;
    // Null when the pool keeps only the rep.
    std::shared_ptr<const HostResourceImage> image;
  };
  struct Interface {
    absl::flat_hash_map<std::string, Func> funcs;
    absl::flat_hash_map<std::string, Resource> resources;
  };
  // By interface name; "" holds the world's own functions.
  absl::flat_hash_map<std::string, Interface> interfaces;
};

struct LinkerAccess {
  // The definition of interface `name` that satisfies an import of that
  // name: exactly it, else the highest semver-compatible version of the
  // same interface; nullptr when there is none.
  static const Linker::Definitions::Interface* FindInterface(
      const Linker& linker, absl::string_view name);
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_LINKER_STATE_H_
