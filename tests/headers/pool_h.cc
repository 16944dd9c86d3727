#include "wasmhost/pool.h"

namespace wasmhost {
[[maybe_unused]] static ReusePolicy pool_h_policy{};
}  // namespace wasmhost
