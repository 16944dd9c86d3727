// wasmhost/memory.h: a view of an instance's linear memory.
//
//   Memory  bounds-checked access to the bytes of one instance's memory

#ifndef WASMHOST_MEMORY_H_
#define WASMHOST_MEMORY_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/export.h"

namespace wasmhost {

namespace internal {
struct InstanceState;
}  // namespace internal

// A handle to an instance's linear memory (its exported or internal memory
// 0). Cheap to copy; must not outlive the instance. Every method reads the
// memory's current size, so a handle stays valid across `memory.grow`; the
// span from data() does not: it is invalid after any call into the guest.
// Thread-affine: use it on the instance's thread.
class WASMHOST_EXPORT Memory {
 public:
  // The memory's bytes; empty when the instance has no memory.
  [[nodiscard]] absl::Span<uint8_t> data() const;
  [[nodiscard]] uint64_t size() const { return data().size(); }

  // Copies out.size() bytes starting at `offset`.
  // Returns OutOfRange when [offset, offset + out.size()) is not inside the
  // memory; nothing is copied then.
  absl::Status Read(uint64_t offset, absl::Span<uint8_t> out) const;
  // Copies `bytes` to `offset`. Returns OutOfRange like Read.
  absl::Status Write(uint64_t offset, absl::Span<const uint8_t> bytes) const;
  // The `length` bytes at `offset` as a string. Returns OutOfRange like
  // Read.
  [[nodiscard]] absl::StatusOr<std::string> ReadString(uint64_t offset,
                                                       uint64_t length) const;

 private:
  friend class Instance;
  friend class Caller;
  explicit Memory(internal::InstanceState* instance) : instance_(instance) {}

  internal::InstanceState* instance_;
};

}  // namespace wasmhost

#endif  // WASMHOST_MEMORY_H_
