#include "wasmhost/wasi_component.h"

namespace wasmhost::wasi {
[[maybe_unused]] static auto* wasi_component_h_add = &AddToComponentLinker;
}  // namespace wasmhost::wasi
