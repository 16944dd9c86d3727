#include "wasmhost/module.h"

namespace wasmhost {
[[maybe_unused]] static ImportType module_h_import;
}  // namespace wasmhost
