#include "wasmhost/linker.h"

namespace wasmhost {
[[maybe_unused]] static Linker linker_h_linker;
}  // namespace wasmhost
