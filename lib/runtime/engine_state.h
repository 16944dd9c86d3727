// lib/runtime/engine_state.h: what an Engine handle shares.

#ifndef WASMHOST_LIB_RUNTIME_ENGINE_STATE_H_
#define WASMHOST_LIB_RUNTIME_ENGINE_STATE_H_

#include <memory>

#include "lib/runtime/code_cache.h"
#include "wasmhost/engine.h"

namespace wasmhost::internal {

struct EngineState {
  EngineOptions options;
  // Set when options.code_cache_dir is.
  std::unique_ptr<CodeCache> code_cache;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_ENGINE_STATE_H_
