#include "wasmhost/value.h"

namespace wasmhost {
[[maybe_unused]] static Val value_h_val = Val::I32(1);
}  // namespace wasmhost
