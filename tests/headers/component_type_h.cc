#include "wasmhost/component_type.h"

namespace wasmhost::component {
[[maybe_unused]] static FuncType component_type_h_type;
}  // namespace wasmhost::component
