#include "tools/spec/spec_value.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wasmhost::spec {
namespace {

using ::testing::HasSubstr;

SpecValue Parse(const std::string& type, const std::string& lane_type,
                const std::vector<std::string>& lanes) {
  absl::StatusOr<SpecValue> value = ParseSpecValue(type, lane_type, lanes);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : SpecValue();
}

ValueBytes Bytes(uint64_t low, uint64_t high = 0) {
  ValueBytes bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(low >> (8 * i));
    bytes[8 + i] = static_cast<uint8_t>(high >> (8 * i));
  }
  return bytes;
}

TEST(SpecValueTest, IntegersCompareBitForBit) {
  SpecValue value = Parse("i32", "", {"4294967295"});
  EXPECT_EQ(value.type, ValType::kI32);
  EXPECT_EQ(value.bits(), 0xffffffffu);
  EXPECT_EQ(value.ToString(), "i32:-1");
  EXPECT_TRUE(Matches(value, Bytes(0xffffffffu)));
  EXPECT_FALSE(Matches(value, Bytes(0x7fffffffu)));
  EXPECT_EQ(Parse("i64", "", {"18446744073709551615"}).bits(), ~uint64_t{0});
}

TEST(SpecValueTest, FloatsCompareBitForBitUnlessAPatternIsGiven) {
  SpecValue exact = Parse("f32", "", {"2141192192"});  // 0x7fa00000
  EXPECT_TRUE(Matches(exact, Bytes(0x7fa00000)));
  EXPECT_FALSE(Matches(exact, Bytes(0x7fc00000)));
  EXPECT_EQ(exact.ToString(), "f32:0x7fa00000(nan)");

  SpecValue negative_zero = Parse("f64", "", {"9223372036854775808"});
  EXPECT_FALSE(Matches(negative_zero, Bytes(0)));
  EXPECT_TRUE(Matches(negative_zero, Bytes(0x8000000000000000u)));
}

TEST(SpecValueTest, CanonicalNanIsOnlyTheQuietBitEitherSign) {
  SpecValue f32 = Parse("f32", "", {"nan:canonical"});
  EXPECT_EQ(f32.ToString(), "f32:nan:canonical");
  EXPECT_TRUE(Matches(f32, Bytes(0x7fc00000)));
  EXPECT_TRUE(Matches(f32, Bytes(0xffc00000)));
  EXPECT_FALSE(Matches(f32, Bytes(0x7fc00001)));  // a payload bit
  EXPECT_FALSE(Matches(f32, Bytes(0x7f800000)));  // infinity

  SpecValue f64 = Parse("f64", "", {"nan:canonical"});
  EXPECT_TRUE(Matches(f64, Bytes(0xfff8000000000000u)));
  EXPECT_FALSE(Matches(f64, Bytes(0x7ff8000000000001u)));
}

TEST(SpecValueTest, ArithmeticNanNeedsTheQuietBitAnyPayload) {
  SpecValue f32 = Parse("f32", "", {"nan:arithmetic"});
  EXPECT_TRUE(Matches(f32, Bytes(0x7fc00000)));
  EXPECT_TRUE(Matches(f32, Bytes(0xffc00001)));
  EXPECT_FALSE(Matches(f32, Bytes(0x7fa00000)));  // signalling
  EXPECT_FALSE(Matches(f32, Bytes(0x3f800000)));  // 1.0

  SpecValue f64 = Parse("f64", "", {"nan:arithmetic"});
  EXPECT_TRUE(Matches(f64, Bytes(0x7ffc000000000000u)));
  EXPECT_FALSE(Matches(f64, Bytes(0x7ff4000000000000u)));
}

TEST(SpecValueTest, V128ComparesLaneByLane) {
  SpecValue value = Parse("v128", "i32", {"1", "2", "3", "4294967295"});
  EXPECT_EQ(value.ToString(), "v128:i32x4[1 2 3 -1]");
  EXPECT_TRUE(Matches(value, Bytes(0x0000000200000001u, 0xffffffff00000003u)));
  EXPECT_FALSE(Matches(value, Bytes(0x0000000200000001u, 0xfffffffe00000003u)));

  SpecValue lanes = Parse(
      "v128", "f32", {"nan:canonical", "1065353216", "nan:arithmetic", "0"});
  EXPECT_TRUE(Matches(lanes, Bytes(0x3f8000007fc00000u, 0x00000000ffc00001u)));
  EXPECT_FALSE(Matches(lanes, Bytes(0x3f8000007fc00001u, 0x00000000ffc00001u)));
  EXPECT_EQ(FormatBytes(lanes, Bytes(0x3f8000007fc00000u)),
            "v128:f32x4[0x7fc00000(nan) 0x3f800000(1) 0x0(0) 0x0(0)]");

  SpecValue bytes = Parse("v128", "i8", std::vector<std::string>(16, "255"));
  EXPECT_TRUE(Matches(bytes, Bytes(~uint64_t{0}, ~uint64_t{0})));
}

TEST(SpecValueTest, References) {
  EXPECT_TRUE(Parse("externref", "", {"null"}).is_null);
  EXPECT_EQ(Parse("externref", "", {"7"}).host_ref, 7u);
  EXPECT_EQ(Parse("externref", "", {}).ToString(), "externref:non-null");
  EXPECT_EQ(Parse("funcref", "", {"null"}).ToString(), "funcref:null");
}

TEST(SpecValueTest, MalformedValuesAreInvalidArgument) {
  struct Case {
    std::string type, lane_type;
    std::vector<std::string> lanes;
    std::string message;
  } cases[] = {
      {"i128", "", {"1"}, "unknown value type 'i128'"},
      {"i32", "", {"4294967296"}, "is not a i32 bit pattern"},
      {"i32", "", {"-1"}, "is not a i32 bit pattern"},
      {"i32", "", {"nan:canonical"}, "for an integer lane"},
      {"i32", "", {}, "needs 1 lane value(s), got 0"},
      {"v128", "i16", {"1", "2"}, "needs 8 lane value(s), got 2"},
      {"v128", "i128", {"1"}, "unknown v128 lane type 'i128'"},
      {"v128", "i8", std::vector<std::string>(16, "256"), "not a i8"},
      {"funcref", "", {"3"}, "is not a funcref value"},
      {"externref", "", {"1", "2"}, "a reference has one value"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<SpecValue> value =
        ParseSpecValue(c.type, c.lane_type, c.lanes);
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument)
        << c.message;
    EXPECT_THAT(std::string(value.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace wasmhost::spec
