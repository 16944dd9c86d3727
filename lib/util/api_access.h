// lib/util/api_access.h: the one seam through which lib/ reaches what the
// public classes keep private (a Caller's constructor, a Linker's
// definitions), so none of it is public API.

#ifndef WASMHOST_LIB_UTIL_API_ACCESS_H_
#define WASMHOST_LIB_UTIL_API_ACCESS_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "wasmhost/linker.h"

namespace wasmhost::internal {

class ApiAccess {
 public:
  // The Caller a host function called by `instance` gets.
  static Caller MakeCaller(InstanceState* instance) { return Caller(instance); }

  // The host function `linker` grants as `module`.`name`, or nullptr.
  static std::shared_ptr<const HostFunc> FindHostFunc(const Linker& linker,
                                                      absl::string_view module,
                                                      absl::string_view name) {
    return linker.Find(module, name);
  }

  // The engine object `linker` grants as `module`.`name`, or nullptr.
  static std::shared_ptr<const ExternState> FindExtern(const Linker& linker,
                                                       absl::string_view module,
                                                       absl::string_view name) {
    return linker.FindExtern(module, name);
  }
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_API_ACCESS_H_
