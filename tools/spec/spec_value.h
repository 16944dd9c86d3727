// tools/spec/spec_value.h: the values of the spec suite's commands.
//
//   LaneType    the shape a value is compared in: one number, or v128 lanes
//   NanPattern  what a float lane must hold: exact bits, or any NaN of a kind
//   SpecValue   an argument or an expected result, as wast2json writes it
//
// A number is compared as one lane of its own type, a v128 lane by lane, so
// the NaN rules are written once. Plain values: thread-compatible.

#ifndef WASMHOST_TOOLS_SPEC_SPEC_VALUE_H_
#define WASMHOST_TOOLS_SPEC_SPEC_VALUE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/value.h"

namespace wasmhost::spec {

enum class LaneType : uint8_t { kI8, kI16, kI32, kI64, kF32, kF64 };

enum class NanPattern : uint8_t {
  kNone,        // the lane's bits must be equal
  kCanonical,   // "nan:canonical": a NaN with only the quiet bit set
  kArithmetic,  // "nan:arithmetic": a NaN with the quiet bit set
};

// A value's bits, little-endian: numbers in the low bytes, v128 in all 16.
using ValueBytes = std::array<uint8_t, 16>;

struct SpecValue {
  ValType type = ValType::kI32;
  // Numbers: the lane of their own type; v128: wast2json's lane_type.
  LaneType lane = LaneType::kI32;
  ValueBytes bytes{};
  // One per lane (one for a number); all kNone for integers.
  std::vector<NanPattern> nans;
  // References: null, `ref.extern N` (host_ref), or, in an expected
  // result only, any non-null reference (neither set).
  bool is_null = false;
  std::optional<uint64_t> host_ref;

  // The low 64 bits, for the number types.
  uint64_t bits() const;

  // "i32:42", "f32:0x7fc00000", "f64:nan:canonical",
  // "v128:i32x4[1 2 3 4]", "externref:null", "externref:1".
  std::string ToString() const;
};

// Parses one value. `type` is wast2json's "type", `lane_type` its
// "lane_type" (v128 only, else empty), `lanes` its "value": one string for
// a number or reference, one per lane for v128, none for an expected
// reference that may be any non-null one. Integers and float bits are
// unsigned decimal; floats may be "nan:canonical" or "nan:arithmetic".
// Returns InvalidArgument for an unknown type or a malformed value.
absl::StatusOr<SpecValue> ParseSpecValue(absl::string_view type,
                                         absl::string_view lane_type,
                                         absl::Span<const std::string> lanes);

// Whether `got` (the bits of a value of expected.type) satisfies
// `expected`: integer lanes bit for bit; float lanes bit for bit, or by
// expected's NaN pattern. For the number and v128 types only.
bool Matches(const SpecValue& expected, const ValueBytes& got);

// `got` as ToString prints a value of `expected`'s type and lanes.
std::string FormatBytes(const SpecValue& expected, const ValueBytes& got);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_SPEC_VALUE_H_
