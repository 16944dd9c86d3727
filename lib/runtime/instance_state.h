// lib/runtime/instance_state.h: what an Instance owns.

#ifndef WASMHOST_LIB_RUNTIME_INSTANCE_STATE_H_
#define WASMHOST_LIB_RUNTIME_INSTANCE_STATE_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "lib/runtime/extern_state.h"
#include "lib/v8/backend.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"

namespace wasmhost::internal {

// Thread-affine, like Instance. Shared: by the Instance, and by the
// handles and linker definitions of its exports, which may call into it.
struct InstanceState : std::enable_shared_from_this<InstanceState> {
  explicit InstanceState(Module compiled) : module(std::move(compiled)) {}

  Module module;
  // The host functions the instance imported, kept alive for its life.
  std::vector<std::shared_ptr<const HostFunc>> host_funcs;
  // By import index: the engine object bound to each non-host import (null
  // for host functions), kept alive for the instance's life.
  std::vector<std::shared_ptr<const ExternState>> imported_externs;
  // The limits memory 0 was made or imported with; nullopt without memory.
  std::optional<MemoryType> memory_type;
  // InstanceOptions' contexts, by TypeKey<T>(); declared before `backend`,
  // so destroyed after it (host functions may use them until then).
  absl::flat_hash_map<const void*, std::shared_ptr<void>> contexts;
  // PoolOptions::SetHandles's result for this instance, if any.
  std::shared_ptr<void> pool_handles;
  // Why the instance is poisoned; OK while it is usable.
  absl::Status poison;
  std::unique_ptr<v8backend::BackendInstance> backend;
};

// The dynamic call path for signatures with references (or a function
// value): as CallExport, with Vals. `function` is null for export
// `export_index`.
absl::Status CallWithVals(InstanceState& instance, const FuncRefState* function,
                          uint32_t export_index, const FuncType& type,
                          const Val* args, Val* results,
                          const CallOptions& options);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_INSTANCE_STATE_H_
