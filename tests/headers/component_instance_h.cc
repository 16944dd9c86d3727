#include "wasmhost/component_instance.h"

namespace wasmhost::component {
[[maybe_unused]] static InstanceOptions component_instance_h_options;
}  // namespace wasmhost::component
