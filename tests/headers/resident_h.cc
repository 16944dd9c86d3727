#include "wasmhost/resident.h"

namespace wasmhost {
[[maybe_unused]] static TickBudget resident_h_budget{};
}  // namespace wasmhost
