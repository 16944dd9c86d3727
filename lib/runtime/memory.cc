#include "wasmhost/memory.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/runtime/extern_state.h"
#include "lib/runtime/instance_state.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"

namespace wasmhost {
namespace {

absl::Status CheckRange(uint64_t offset, uint64_t length, uint64_t size) {
  if (offset > size || length > size - offset) {
    return internal::UsageError(
        absl::StatusCode::kOutOfRange,
        absl::StrCat("memory access [", offset, ", ", offset, " + ", length,
                     ") is outside the memory of ", size, " bytes"));
  }
  return absl::OkStatus();
}

// The wasm32 limit: 4 GiB.
constexpr uint64_t kMaxPages = 65536;

}  // namespace

absl::StatusOr<Memory> Memory::Create(const MemoryType& type) {
  const uint64_t max = type.max_pages.value_or(kMaxPages);
  if (type.min_pages > max || max > kMaxPages) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(
            "invalid memory limits: minimum ", type.min_pages,
            " pages, maximum ",
            type.max_pages.has_value() ? absl::StrCat(*type.max_pages) : "none",
            " (at most ", kMaxPages, ")"));
  }
  auto state = std::make_shared<internal::ExternState>();
  state->kind = ExternKind::kMemory;
  state->memory = type;
  WASMHOST_ASSIGN_OR_RETURN(state->object,
                            v8backend::ExternObject::NewMemory(type));
  return Memory(nullptr, std::move(state));
}

absl::Span<uint8_t> Memory::data() const {
  // An instance's memory through the instance, which notes that the host
  // may have written to it (a pool's reset must not skip it).
  if (instance_ != nullptr) return instance_->backend->MemoryBytes();
  return object_->object->MemoryBytes();
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

absl::Status Memory::WriteString(uint64_t offset, std::string_view text) const {
  return Write(
      offset, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()),
                                  text.size()));
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
