#include "wasmhost/engine.h"

namespace wasmhost {
[[maybe_unused]] static EngineOptions engine_h_options;
}  // namespace wasmhost
