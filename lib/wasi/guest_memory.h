// lib/wasi/guest_memory.h: bounds-checked little-endian access to a guest's
// linear memory for the duration of one host call.

#ifndef WASMHOST_LIB_WASI_GUEST_MEMORY_H_
#define WASMHOST_LIB_WASI_GUEST_MEMORY_H_

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "absl/types/span.h"

namespace wasmhost::wasi {

// A view of the calling instance's memory. Valid only during the host call
// it was made in: the guest may grow (move) its memory once it runs again.
// Every access is checked; a failed check is the guest's EFAULT. Assumes a
// little-endian host, like the rest of wasmhost.
class GuestMemory {
 public:
  explicit GuestMemory(absl::Span<uint8_t> bytes) : bytes_(bytes) {}

  // True when [offset, offset + size) lies inside the memory.
  [[nodiscard]] bool InBounds(uint64_t offset, uint64_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  // The bytes at `offset`; only after InBounds(offset, n) for the n used.
  [[nodiscard]] uint8_t* At(uint64_t offset) const {
    return bytes_.data() + offset;
  }

  template <typename T>
  [[nodiscard]] bool Load(uint64_t offset, T* out) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!InBounds(offset, sizeof(T))) return false;
    std::memcpy(out, At(offset), sizeof(T));
    return true;
  }
  template <typename T>
  [[nodiscard]] bool Store(uint64_t offset, T value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    if (!InBounds(offset, sizeof(T))) return false;
    std::memcpy(At(offset), &value, sizeof(T));
    return true;
  }

 private:
  absl::Span<uint8_t> bytes_;
};

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_GUEST_MEMORY_H_
