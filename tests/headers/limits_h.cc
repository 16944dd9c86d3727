#include "wasmhost/limits.h"

namespace wasmhost {
[[maybe_unused]] static Limits limits_h_limits;
}  // namespace wasmhost
