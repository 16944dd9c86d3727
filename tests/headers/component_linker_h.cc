#include "wasmhost/component_linker.h"

namespace wasmhost::component {
[[maybe_unused]] static HostResourceDtor component_linker_h_dtor;
}  // namespace wasmhost::component
