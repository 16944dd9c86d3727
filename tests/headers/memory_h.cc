#include "wasmhost/memory.h"

namespace wasmhost {
[[maybe_unused]] static absl::Status (Memory::*memory_h_read)(
    uint64_t, absl::Span<uint8_t>) const = &Memory::Read;
}  // namespace wasmhost
