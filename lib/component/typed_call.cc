// lib/component/typed_call.cc: the out-of-line parts of typed component
// calls (wasmhost/component_typed.h): labels of the declaration macros,
// signature checks, and the direct path's lowering and lifting, which
// reuse the canonical ABI's checks and trap messages.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "lib/component/canonical_abi.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"
#include "wasmhost/internal/component_direct.h"
#include "wasmhost/internal/component_traits.h"

namespace wasmhost::component::internal {

std::vector<std::string> WitLabels(const char* declared) {
  std::vector<std::string> labels;
  for (absl::string_view label :
       absl::StrSplit(declared, ',', absl::SkipWhitespace())) {
    // A trailing '_' escapes a C++ keyword ("class_"); no WIT label ends
    // in '-'.
    label = absl::StripAsciiWhitespace(label);
    if (absl::EndsWith(label, "_")) label.remove_suffix(1);
    labels.push_back(absl::StrReplaceAll(label, {{"_", "-"}}));
  }
  return labels;
}

absl::Status KindMismatch(ValKind expected, const Val& got) {
  return component::ExpectKind(got, expected);
}

absl::Status ShapeMismatch(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("value does not fit the C++ type: ", what));
}

bool SignatureMatches(const FuncType& expected, const FuncType& actual) {
  if (expected.params.size() != actual.params.size() ||
      expected.result != actual.result) {
    return false;
  }
  for (size_t i = 0; i < expected.params.size(); ++i) {
    const auto& [name, type] = expected.params[i];
    if (type != actual.params[i].second) return false;
    if (!name.empty() && name != actual.params[i].first) return false;
  }
  return true;
}

absl::Status CheckSignature(absl::string_view what, const FuncType& actual,
                            const FuncType& expected) {
  if (SignatureMatches(expected, actual)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " is ", actual.ToString(), ", the C++ signature says ",
                   expected.ToString()));
}

absl::Status DirectCall::CheckString(std::string_view s) {
  if (wasm::IsValidUtf8(absl::string_view(s.data(), s.size()))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError("string value is not valid UTF-8");
}

absl::Status DirectCall::LowerBytes(const void* bytes, uint32_t count,
                                    uint32_t size, uint32_t align, int32_t* ptr,
                                    int32_t* len) {
  const uint64_t byte_length = uint64_t{count} * size;
  if (byte_length > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("a list or string of ", byte_length,
                     " bytes does not fit in guest memory"));
  }
  if (deferring_) {
    pending_[pending_count_++] = {bytes, static_cast<uint32_t>(byte_length)};
    *ptr = static_cast<int32_t>(byte_length);
    *len = static_cast<int32_t>(count);
    return absl::OkStatus();
  }
  guest_ran_ = true;
  GuestCalled();
  uint32_t at;
  if (realloc_ != nullptr) {
    // The typed core handle: no wasmhost::Val vectors on the way.
    WASMHOST_ASSIGN_OR_RETURN(
        const int32_t p, realloc_->Call(0, 0, static_cast<int32_t>(align),
                                        static_cast<int32_t>(byte_length)));
    at = static_cast<uint32_t>(p);
  } else {
    WASMHOST_ASSIGN_OR_RETURN(
        at, internal::Realloc(export_, 0, 0, align,
                              static_cast<uint32_t>(byte_length)));
  }
  absl::Span<uint8_t> memory = Memory();
  WASMHOST_RETURN_IF_ERROR(CheckRange(memory, at, byte_length, align));
  if (byte_length != 0) std::memcpy(memory.data() + at, bytes, byte_length);
  *ptr = static_cast<int32_t>(at);
  *len = static_cast<int32_t>(count);
  return absl::OkStatus();
}

absl::Span<uint8_t> DirectCall::Memory() {
  if (!memory_.has_value()) memory_ = MemoryBytes(export_);
  return *memory_;
}

absl::StatusOr<const uint8_t*> DirectCall::Range(uint32_t ptr, uint64_t size,
                                                 uint32_t align) {
  absl::Span<uint8_t> memory = Memory();
  WASMHOST_RETURN_IF_ERROR(CheckRange(memory, ptr, size, align));
  return memory.data() + ptr;
}

absl::StatusOr<std::string> DirectCall::LiftString(uint32_t ptr, uint32_t len) {
  WASMHOST_ASSIGN_OR_RETURN(const uint8_t* p, Range(ptr, len, 1));
  std::string s(reinterpret_cast<const char*>(p), len);
  if (!wasm::IsValidUtf8(s)) return absl::AbortedError("invalid UTF-8");
  return s;
}

absl::StatusOr<char32_t> DirectCall::LiftChar(uint32_t code_point) {
  WASMHOST_ASSIGN_OR_RETURN(const Val c, ConvertI32ToChar(code_point));
  return static_cast<char32_t>(c.char_value());
}

absl::Status DirectCall::BadCase(uint32_t discriminant,
                                 absl::string_view what) {
  return absl::AbortedError(
      absl::StrCat("discriminant ", discriminant, " out of range for ", what));
}

}  // namespace wasmhost::component::internal
