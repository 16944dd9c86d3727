// wasmhost/memory.h: a WebAssembly linear memory outside the guest.
//
//   Memory  bounds-checked access to the bytes of a memory: an instance's,
//           or one the host made to be imported through a Linker

#ifndef WASMHOST_MEMORY_H_
#define WASMHOST_MEMORY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/export.h"
#include "wasmhost/module.h"

namespace wasmhost {

namespace internal {
struct ExternState;
struct InstanceState;
}  // namespace internal

// A handle to a linear memory. Instance::memory() and Caller::memory() view
// an instance's memory 0 (exported, imported or internal) and must not
// outlive the instance; Instance::GetMemory (an exported memory) and
// Memory::Create (a new one for Linker::Define) give handles that keep the
// memory alive. Every method reads the memory's current size, so a handle
// stays valid across `memory.grow`; the span from data() does not: it is
// invalid after any call into the guest. Cheap to copy.
// Thread-affine: use it on the thread whose isolate holds the memory (the
// instance's, or Create's); elsewhere data() is empty.
class WASMHOST_EXPORT Memory {
 public:
  // A new memory of `type` (zero-filled) in the calling thread's isolate,
  // for Linker::Define. Returns:
  //   FailedPrecondition no Engine has been created yet
  //   InvalidArgument    min_pages > max_pages, or either above 65536
  //                      pages (4 GiB)
  //   ResourceExhausted  the memory cannot be allocated
  [[nodiscard]] static absl::StatusOr<Memory> Create(const MemoryType& type);

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
  // Copies the bytes of `text` to `offset`, with no terminating NUL (the
  // guest is told the length, as ReadString is). Returns OutOfRange like
  // Read.
  absl::Status WriteString(uint64_t offset, std::string_view text) const;

 private:
  friend class Instance;
  friend class Caller;
  friend class Linker;
  explicit Memory(internal::InstanceState* instance,
                  std::shared_ptr<const internal::ExternState> object = nullptr)
      : instance_(instance), object_(std::move(object)) {}

  // The instance whose memory 0 this views, or null for a memory the host
  // made (then object_ is set).
  internal::InstanceState* instance_;
  // The memory as an object another instance can import; null for
  // memory() views.
  std::shared_ptr<const internal::ExternState> object_;
};

}  // namespace wasmhost

#endif  // WASMHOST_MEMORY_H_
