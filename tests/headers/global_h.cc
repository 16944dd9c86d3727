#include "wasmhost/global.h"

namespace wasmhost {
[[maybe_unused]] static absl::Status (Global::*global_h_set)(const Val&) const =
    &Global::Set;
}  // namespace wasmhost
