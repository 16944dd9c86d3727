#include "wasmhost/scheduler.h"

namespace wasmhost {
[[maybe_unused]] static SchedulerOptions scheduler_h_options{};
}  // namespace wasmhost
