#include "wasmhost/memory.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/runtime/instance_state.h"

namespace wasmhost {
namespace {

absl::Status CheckRange(uint64_t offset, uint64_t length, uint64_t size) {
  if (offset > size || length > size - offset) {
    return absl::OutOfRangeError(
        absl::StrCat("memory access [", offset, ", ", offset, " + ", length,
                     ") is outside the memory of ", size, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Span<uint8_t> Memory::data() const {
  return instance_->backend->MemoryBytes();
}

absl::Status Memory::Read(uint64_t offset, absl::Span<uint8_t> out) const {
  absl::Span<uint8_t> bytes = data();
  absl::Status in_range = CheckRange(offset, out.size(), bytes.size());
  if (!in_range.ok()) return in_range;
  if (!out.empty()) std::memcpy(out.data(), bytes.data() + offset, out.size());
  return absl::OkStatus();
}

absl::Status Memory::Write(uint64_t offset,
                           absl::Span<const uint8_t> source) const {
  absl::Span<uint8_t> bytes = data();
  absl::Status in_range = CheckRange(offset, source.size(), bytes.size());
  if (!in_range.ok()) return in_range;
  if (!source.empty()) {
    std::memcpy(bytes.data() + offset, source.data(), source.size());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Memory::ReadString(uint64_t offset,
                                               uint64_t length) const {
  absl::Span<uint8_t> bytes = data();
  absl::Status in_range = CheckRange(offset, length, bytes.size());
  if (!in_range.ok()) return in_range;
  return std::string(reinterpret_cast<const char*>(bytes.data() + offset),
                     length);
}

}  // namespace wasmhost
