// lib/util/api_access.h: the one seam through which lib/ reaches what the
// public classes keep private (a Caller's constructor, a Linker's
// definitions), so none of it is public API.

#ifndef WASMHOST_LIB_UTIL_API_ACCESS_H_
#define WASMHOST_LIB_UTIL_API_ACCESS_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"

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

  // What a Module and an Instance hold (lib/runtime's ModuleState and
  // InstanceState), e.g. for resident snapshots.
  static const std::shared_ptr<const ModuleState>& StateOf(
      const Module& module) {
    return module.state_;
  }
  static InstanceState& StateOf(Instance& instance) { return *instance.state_; }

  // Instantiates `module` without writing its active data segments or
  // running its start function, for state about to be replaced (a
  // resident's restore). A module whose data segments and start function
  // could not be deferred (at V8's limits) still gets both.
  static absl::StatusOr<Instance> InstantiateForRestore(
      const Module& module, const Linker& linker,
      const InstanceOptions& options) {
    return Instance::Instantiate(module, linker, options, /*from_image=*/true);
  }

  // The engine object `linker` grants as `module`.`name`, or nullptr.
  static std::shared_ptr<const ExternState> FindExtern(const Linker& linker,
                                                       absl::string_view module,
                                                       absl::string_view name) {
    return linker.FindExtern(module, name);
  }
  // Grants export `export_name` (of `kind`) of `instance` as
  // `module`.`name` (the component runtime's core instantiation, where a
  // bag of exports renames them). Returns as Instance::GetGlobal does
  // (NotFound, InvalidArgument for another kind, FailedPrecondition off the
  // instance's thread) or AlreadyExists as Linker::Define.
  static absl::Status DefineExport(Linker& linker, absl::string_view module,
                                   absl::string_view name,
                                   const Instance& instance,
                                   absl::string_view export_name,
                                   ExternKind kind) {
    absl::StatusOr<std::shared_ptr<const ExternState>> found =
        instance.FindExtern(export_name, kind);
    if (!found.ok()) return found.status();
    return linker.DefineExtern(module, name, *std::move(found));
  }
  // Function export `name` of `instance` (its index and type, as
  // Instance::GetFunc finds it) and the same export as an engine object,
  // for the component driver that imports it. Return as Instance::GetFunc.
  static absl::StatusOr<FuncExport> FindFuncExport(const Instance& instance,
                                                   absl::string_view name) {
    return Instance::FindFuncExport(*instance.state_, name, nullptr);
  }
  static absl::StatusOr<std::shared_ptr<const ExternState>> FindFuncObject(
      const Instance& instance, absl::string_view name) {
    return instance.FindExtern(name, ExternKind::kFunc);
  }
  // The engine state of `instance` (its embedder contexts, for the
  // component runtime's Caller).
  static const InstanceState& StateOf(const Instance& instance) {
    return *instance.state_;
  }
  // The instance a host function's `caller` was called by.
  static InstanceState* CallerInstance(const Caller& caller) {
    return caller.instance_;
  }
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_API_ACCESS_H_
