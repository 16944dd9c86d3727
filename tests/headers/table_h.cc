#include "wasmhost/table.h"

namespace wasmhost {
[[maybe_unused]] static absl::StatusOr<Val> (Table::*table_h_get)(
    uint64_t) const = &Table::Get;
}  // namespace wasmhost
