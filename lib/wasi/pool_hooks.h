// lib/wasi/pool_hooks.h: the pool hooks both wasi::ConfigurePool overloads
// set (wasi.cc for module pools, wasi_component.cc for component pools):
// a WasiContext per instance, its Reset on release, WASI's exit as a
// normal end.

#ifndef WASMHOST_LIB_WASI_POOL_HOOKS_H_
#define WASMHOST_LIB_WASI_POOL_HOOKS_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "lib/util/status_macros.h"
#include "wasmhost/instance.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi {

// Sets `options`' setup_instance, reset_instance and is_normal_exit, each
// running a hook `options` already had after WASI's part. Returns what
// WasiContext::Create returns for `wasi_options`, leaving `options`
// unchanged then.
template <typename InstanceT>
absl::Status SetWasiPoolHooks(BasicPoolOptions<InstanceT>& options,
                              WasiOptions wasi_options) {
  // Options no context can be made from fail here, before any pool.
  WASMHOST_RETURN_IF_ERROR(WasiContext::Create(wasi_options).status());

  options.setup_instance =
      [wasi_options = std::move(wasi_options),
       next = std::move(options.setup_instance)](
          InstanceOptions& instance_options) -> absl::Status {
    // Contexts are thread-affine: one per instance, made on its thread and
    // owned by it.
    WASMHOST_ASSIGN_OR_RETURN(std::unique_ptr<WasiContext> context,
                              WasiContext::Create(wasi_options));
    instance_options.SetContext(
        std::shared_ptr<WasiContext>(std::move(context)));
    return next ? next(instance_options) : absl::OkStatus();
  };

  options.reset_instance = [next = std::move(options.reset_instance)](
                               InstanceT& instance) -> absl::Status {
    WasiContext* context = instance.template context<WasiContext>();
    if (context == nullptr) {
      return absl::FailedPreconditionError(
          "the pooled instance has no WasiContext to reset");
    }
    WASMHOST_RETURN_IF_ERROR(context->Reset());
    return next ? next(instance) : absl::OkStatus();
  };

  options.is_normal_exit =
      [next = std::move(options.is_normal_exit)](const absl::Status& status) {
        return GetExitCode(status).has_value() || (next && next(status));
      };
  return absl::OkStatus();
}

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_POOL_HOOKS_H_
