#include "tools/spec/spec_value.h"

#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace wasmhost::spec {
namespace {

size_t LaneWidth(LaneType lane) {
  switch (lane) {
    case LaneType::kI8:
      return 1;
    case LaneType::kI16:
      return 2;
    case LaneType::kI32:
    case LaneType::kF32:
      return 4;
    case LaneType::kI64:
    case LaneType::kF64:
      return 8;
  }
  return 8;
}

bool IsFloat(LaneType lane) {
  return lane == LaneType::kF32 || lane == LaneType::kF64;
}

absl::string_view LaneName(LaneType lane) {
  switch (lane) {
    case LaneType::kI8:
      return "i8";
    case LaneType::kI16:
      return "i16";
    case LaneType::kI32:
      return "i32";
    case LaneType::kI64:
      return "i64";
    case LaneType::kF32:
      return "f32";
    case LaneType::kF64:
      return "f64";
  }
  return "?";
}

std::optional<LaneType> ParseLaneType(absl::string_view name) {
  for (LaneType lane : {LaneType::kI8, LaneType::kI16, LaneType::kI32,
                        LaneType::kI64, LaneType::kF32, LaneType::kF64}) {
    if (LaneName(lane) == name) return lane;
  }
  return std::nullopt;
}

size_t LaneCount(const SpecValue& value) {
  return value.type == ValType::kV128 ? 16 / LaneWidth(value.lane) : 1;
}

uint64_t LaneBits(const ValueBytes& bytes, LaneType lane, size_t index) {
  const size_t width = LaneWidth(lane);
  uint64_t bits = 0;
  // Little-endian hosts only (x86-64, arm64), as V8's Wasm is.
  std::memcpy(&bits, bytes.data() + index * width, width);
  return bits;
}

// The lane as a signed integer, or as float bits with the float's value.
std::string FormatLane(LaneType lane, uint64_t bits) {
  switch (lane) {
    case LaneType::kI8:
      return absl::StrCat(static_cast<int8_t>(bits));
    case LaneType::kI16:
      return absl::StrCat(static_cast<int16_t>(bits));
    case LaneType::kI32:
      return absl::StrCat(static_cast<int32_t>(bits));
    case LaneType::kI64:
      return absl::StrCat(static_cast<int64_t>(bits));
    case LaneType::kF32: {
      float value;
      const uint32_t narrow = static_cast<uint32_t>(bits);
      std::memcpy(&value, &narrow, sizeof(value));
      return absl::StrCat("0x", absl::Hex(narrow), "(", value, ")");
    }
    case LaneType::kF64: {
      double value;
      std::memcpy(&value, &bits, sizeof(value));
      return absl::StrCat("0x", absl::Hex(bits), "(", value, ")");
    }
  }
  return "?";
}

std::string FormatLanes(const SpecValue& shape, const ValueBytes& bytes,
                        bool with_patterns) {
  std::vector<std::string> lanes;
  for (size_t i = 0; i < LaneCount(shape); ++i) {
    if (with_patterns && shape.nans[i] == NanPattern::kCanonical) {
      lanes.push_back("nan:canonical");
    } else if (with_patterns && shape.nans[i] == NanPattern::kArithmetic) {
      lanes.push_back("nan:arithmetic");
    } else {
      lanes.push_back(FormatLane(shape.lane, LaneBits(bytes, shape.lane, i)));
    }
  }
  if (shape.type != ValType::kV128) {
    return absl::StrCat(ValTypeName(shape.type), ":", lanes[0]);
  }
  return absl::StrCat("v128:", LaneName(shape.lane), "x", lanes.size(), "[",
                      absl::StrJoin(lanes, " "), "]");
}

absl::Status ParseLane(absl::string_view text, size_t index, SpecValue& value) {
  if (text == "nan:canonical" || text == "nan:arithmetic") {
    if (!IsFloat(value.lane)) {
      return absl::InvalidArgumentError(
          absl::StrCat(text, " for an integer lane"));
    }
    value.nans[index] = text == "nan:canonical" ? NanPattern::kCanonical
                                                : NanPattern::kArithmetic;
    return absl::OkStatus();
  }
  uint64_t bits;
  const size_t width = LaneWidth(value.lane);
  if (!absl::SimpleAtoi(text, &bits) ||
      (width < 8 && bits >> (8 * width) != 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not a ", LaneName(value.lane), " bit pattern"));
  }
  std::memcpy(value.bytes.data() + index * width, &bits, width);
  return absl::OkStatus();
}

absl::StatusOr<SpecValue> ParseReference(ValType type,
                                         absl::Span<const std::string> lanes) {
  SpecValue value;
  value.type = type;
  if (lanes.empty()) return value;  // any non-null reference
  if (lanes.size() != 1) {
    return absl::InvalidArgumentError("a reference has one value");
  }
  if (lanes[0] == "null") {
    value.is_null = true;
    return value;
  }
  uint64_t id;
  if (type != ValType::kExternRef || !absl::SimpleAtoi(lanes[0], &id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", lanes[0], "' is not a ", ValTypeName(type), " value"));
  }
  value.host_ref = id;
  return value;
}

}  // namespace

uint64_t SpecValue::bits() const { return LaneBits(bytes, LaneType::kI64, 0); }

std::string SpecValue::ToString() const {
  if (type == ValType::kFuncRef || type == ValType::kExternRef) {
    std::string ref = is_null                ? "null"
                      : host_ref.has_value() ? absl::StrCat(*host_ref)
                                             : "non-null";
    return absl::StrCat(ValTypeName(type), ":", ref);
  }
  return FormatLanes(*this, bytes, /*with_patterns=*/true);
}

absl::StatusOr<SpecValue> ParseSpecValue(absl::string_view type,
                                         absl::string_view lane_type,
                                         absl::Span<const std::string> lanes) {
  SpecValue value;
  if (type == "funcref") return ParseReference(ValType::kFuncRef, lanes);
  if (type == "externref") return ParseReference(ValType::kExternRef, lanes);
  if (type == "v128") {
    std::optional<LaneType> lane = ParseLaneType(lane_type);
    if (!lane.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown v128 lane type '", lane_type, "'"));
    }
    value.type = ValType::kV128;
    value.lane = *lane;
  } else {
    static constexpr struct {
      absl::string_view name;
      ValType type;
      LaneType lane;
    } kNumbers[] = {{"i32", ValType::kI32, LaneType::kI32},
                    {"i64", ValType::kI64, LaneType::kI64},
                    {"f32", ValType::kF32, LaneType::kF32},
                    {"f64", ValType::kF64, LaneType::kF64}};
    bool known = false;
    for (const auto& number : kNumbers) {
      if (number.name == type) {
        value.type = number.type;
        value.lane = number.lane;
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown value type '", type, "'"));
    }
  }
  const size_t count = LaneCount(value);
  if (lanes.size() != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ", type, " value needs ", count, " lane value(s), got ",
                     lanes.size()));
  }
  value.nans.assign(count, NanPattern::kNone);
  for (size_t i = 0; i < count; ++i) {
    absl::Status status = ParseLane(lanes[i], i, value);
    if (!status.ok()) return status;
  }
  return value;
}

bool Matches(const SpecValue& expected, const ValueBytes& got) {
  const bool f32 = expected.lane == LaneType::kF32;
  // Sign cleared; then a canonical NaN is exactly the quiet bit over an
  // all-ones exponent, an arithmetic NaN has at least those bits.
  const uint64_t magnitude = f32 ? 0x7fffffffu : 0x7fffffffffffffffu;
  const uint64_t quiet_nan = f32 ? 0x7fc00000u : 0x7ff8000000000000u;
  if (expected.nans.size() != LaneCount(expected)) return false;  // a reference
  for (size_t i = 0; i < LaneCount(expected); ++i) {
    const uint64_t bits = LaneBits(got, expected.lane, i);
    switch (expected.nans[i]) {
      case NanPattern::kNone:
        if (bits != LaneBits(expected.bytes, expected.lane, i)) return false;
        break;
      case NanPattern::kCanonical:
        if ((bits & magnitude) != quiet_nan) return false;
        break;
      case NanPattern::kArithmetic:
        if ((bits & quiet_nan) != quiet_nan) return false;
        break;
    }
  }
  return true;
}

std::string FormatBytes(const SpecValue& expected, const ValueBytes& got) {
  return FormatLanes(expected, got, /*with_patterns=*/false);
}

}  // namespace wasmhost::spec
