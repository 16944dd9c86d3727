#include "wasmhost/instance.h"

namespace wasmhost {
[[maybe_unused]] static InstanceOptions instance_h_options;
}  // namespace wasmhost
