#include "wasmhost/component_pool.h"

namespace wasmhost::component {
[[maybe_unused]] static PoolOptions component_pool_h_options;
}  // namespace wasmhost::component
