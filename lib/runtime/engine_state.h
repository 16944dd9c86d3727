// lib/runtime/engine_state.h: what an Engine handle shares.

#ifndef WASMHOST_LIB_RUNTIME_ENGINE_STATE_H_
#define WASMHOST_LIB_RUNTIME_ENGINE_STATE_H_

#include "wasmhost/engine.h"

namespace wasmhost::internal {

struct EngineState {
  EngineOptions options;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_ENGINE_STATE_H_
