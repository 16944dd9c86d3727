// Tests of wasmhost/value.h: ValType names, FuncType, Val.

#include "wasmhost/value.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace wasmhost {
namespace {

TEST(ValueTest, ValTypeNames) {
  EXPECT_EQ(ValTypeName(ValType::kI32), "i32");
  EXPECT_EQ(ValTypeName(ValType::kI64), "i64");
  EXPECT_EQ(ValTypeName(ValType::kF32), "f32");
  EXPECT_EQ(ValTypeName(ValType::kF64), "f64");
  EXPECT_EQ(ValTypeName(ValType::kV128), "v128");
  EXPECT_EQ(ValTypeName(ValType::kFuncRef), "funcref");
  EXPECT_EQ(ValTypeName(ValType::kExternRef), "externref");
}

TEST(ValueTest, FuncTypeToString) {
  EXPECT_EQ(FuncType{}.ToString(), "() -> ()");
  EXPECT_EQ(
      (FuncType{{ValType::kI32, ValType::kI32}, {ValType::kI32}}).ToString(),
      "(i32, i32) -> i32");
  EXPECT_EQ(
      (FuncType{{ValType::kI32}, {ValType::kI32, ValType::kI64}}).ToString(),
      "(i32) -> (i32, i64)");
  EXPECT_EQ((FuncType{{ValType::kF64}, {}}).ToString(), "(f64) -> ()");
  EXPECT_EQ((FuncType{{}, {ValType::kExternRef}}).ToString(),
            "() -> externref");
}

TEST(ValueTest, FuncTypeEquality) {
  FuncType a{{ValType::kI32}, {ValType::kF32}};
  FuncType same{{ValType::kI32}, {ValType::kF32}};
  FuncType other_result{{ValType::kI32}, {ValType::kF64}};
  FuncType swapped{{ValType::kF32}, {ValType::kI32}};
  EXPECT_TRUE(a == same);
  EXPECT_FALSE(a != same);
  EXPECT_NE(a, other_result);
  EXPECT_NE(a, swapped);
}

TEST(ValueTest, DefaultIsI32Zero) {
  Val v;
  EXPECT_EQ(v.type(), ValType::kI32);
  EXPECT_EQ(v.i32(), 0);
  EXPECT_EQ(v.bits(), 0u);
  EXPECT_EQ(v, Val::I32(0));
}

TEST(ValueTest, IntegerRoundTrips) {
  for (int32_t x : {0, 1, -1, std::numeric_limits<int32_t>::min(),
                    std::numeric_limits<int32_t>::max()}) {
    Val v = Val::I32(x);
    EXPECT_EQ(v.type(), ValType::kI32);
    EXPECT_EQ(v.i32(), x);
    // Zero-extended to 64 bits.
    EXPECT_EQ(v.bits(), static_cast<uint64_t>(static_cast<uint32_t>(x)));
    EXPECT_EQ(Val::FromBits(ValType::kI32, v.bits()), v);
  }
  for (int64_t x :
       {int64_t{0}, int64_t{-1}, std::numeric_limits<int64_t>::min(),
        std::numeric_limits<int64_t>::max()}) {
    Val v = Val::I64(x);
    EXPECT_EQ(v.type(), ValType::kI64);
    EXPECT_EQ(v.i64(), x);
    EXPECT_EQ(v.bits(), static_cast<uint64_t>(x));
    EXPECT_EQ(Val::FromBits(ValType::kI64, v.bits()), v);
  }
}

TEST(ValueTest, FloatRoundTripsKeepBits) {
  Val f = Val::F32(-1.5f);
  EXPECT_EQ(f.type(), ValType::kF32);
  EXPECT_EQ(f.f32(), -1.5f);
  EXPECT_EQ(f.bits(), 0xbfc00000u);  // the f32 pattern, not widened
  EXPECT_EQ(Val::FromBits(ValType::kF32, 0x3f800000u).f32(), 1.0f);

  Val d = Val::F64(0.25);
  EXPECT_EQ(d.type(), ValType::kF64);
  EXPECT_EQ(d.f64(), 0.25);
  EXPECT_EQ(d.bits(), 0x3fd0000000000000u);

  // Negative zero and a NaN payload survive bit for bit.
  EXPECT_EQ(Val::F64(-0.0).bits(), 0x8000000000000000u);
  EXPECT_TRUE(std::signbit(Val::F64(-0.0).f64()));
  Val nan = Val::FromBits(ValType::kF32, 0x7fc00001u);
  EXPECT_TRUE(std::isnan(nan.f32()));
  EXPECT_EQ(Val::F32(nan.f32()).bits(), 0x7fc00001u);
}

TEST(ValueTest, EqualityComparesTypeAndBits) {
  EXPECT_EQ(Val::I32(7), Val::I32(7));
  EXPECT_NE(Val::I32(7), Val::I32(8));
  // Same bits, different type.
  EXPECT_NE(Val::I32(7), Val::I64(7));
  EXPECT_NE(Val::FromBits(ValType::kF32, 0), Val::I32(0));
  // Equality is on bits: +0 and -0 differ, a NaN equals itself.
  EXPECT_NE(Val::F64(0.0), Val::F64(-0.0));
  Val nan = Val::F64(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(nan, nan);
}

TEST(ValueTest, ValToString) {
  EXPECT_EQ(Val::I32(42).ToString(), "i32:42");
  EXPECT_EQ(Val::I32(-3).ToString(), "i32:-3");
  EXPECT_EQ(Val::I64(-5).ToString(), "i64:-5");
  EXPECT_EQ(Val::F64(1.5).ToString(), "f64:1.5");
  EXPECT_EQ(Val::F32(0.5f).ToString(), "f32:0.5");
}

TEST(ValueTest, References) {
  const Val null_func = Val::NullRef(ValType::kFuncRef);
  EXPECT_EQ(null_func.type(), ValType::kFuncRef);
  EXPECT_TRUE(null_func.is_null());
  EXPECT_EQ(null_func.ToString(), "funcref:null");
  EXPECT_NE(null_func, Val::NullRef(ValType::kExternRef));

  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(1);
  const Val ref_a = Val::ExternRef(a);
  EXPECT_EQ(ref_a.type(), ValType::kExternRef);
  EXPECT_FALSE(ref_a.is_null());
  EXPECT_EQ(ref_a.externref(), a);
  // Equality is identity, not the host value's contents.
  EXPECT_EQ(ref_a, Val::ExternRef(a));
  EXPECT_NE(ref_a, Val::ExternRef(b));
  EXPECT_EQ(Val::ExternRef(nullptr), Val::NullRef(ValType::kExternRef));
  EXPECT_TRUE(absl::StartsWith(ref_a.ToString(), "externref:"));
  EXPECT_NE(ref_a.ToString(), "externref:null");
  // A Val keeps its host value alive.
  std::weak_ptr<int> watch = a;
  a.reset();
  EXPECT_FALSE(watch.expired());
}

}  // namespace
}  // namespace wasmhost
