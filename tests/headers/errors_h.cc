#include "wasmhost/errors.h"

namespace wasmhost {
[[maybe_unused]] static TrapInfo errors_h_info;
}  // namespace wasmhost
