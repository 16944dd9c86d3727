#include "wasmhost/component.h"

namespace wasmhost::component {
[[maybe_unused]] static ComponentFunc component_h_func;
}  // namespace wasmhost::component
