#include "wasmhost/component_val.h"

namespace wasmhost::component {
[[maybe_unused]] static Val component_val_h_val = Val::Some(Val::U8(1));
}  // namespace wasmhost::component
