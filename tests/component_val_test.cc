// component::Val: each factory's kind and accessors, and equality.

#include "wasmhost/component_val.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace wasmhost::component {
namespace {

TEST(ComponentValTest, Scalars) {
  EXPECT_EQ(Val().kind(), ValKind::kBool);
  EXPECT_FALSE(Val().bool_value());
  EXPECT_TRUE(Val::Bool(true).bool_value());
  EXPECT_EQ(Val::S8(-128).s8(), -128);
  EXPECT_EQ(Val::S8(-1).s64(), -1);  // sign-extended
  EXPECT_EQ(Val::U8(255).u8(), 255);
  EXPECT_EQ(Val::S16(-300).s16(), -300);
  EXPECT_EQ(Val::U16(65535).u16(), 65535);
  EXPECT_EQ(Val::S32(std::numeric_limits<int32_t>::min()).s32(),
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Val::U32(0xffffffff).u32(), 0xffffffffu);
  EXPECT_EQ(Val::S64(-5).s64(), -5);
  EXPECT_EQ(Val::U64(~uint64_t{0}).u64(), ~uint64_t{0});
  EXPECT_EQ(Val::F32(1.5f).f32(), 1.5f);
  EXPECT_EQ(Val::F64(-0.25).f64(), -0.25);
  EXPECT_EQ(Val::Char(0x1f600).char_value(), 0x1f600u);
  EXPECT_EQ(Val::Char(0x1f600).kind(), ValKind::kChar);
  EXPECT_EQ(Val::String("h\u00e9").string(), "h\u00e9");
  EXPECT_EQ(Val::String("x").kind(), ValKind::kString);
}

TEST(ComponentValTest, FloatsKeepTheirBitsAndCompareByThem) {
  const float nan = std::nanf("0x123");
  const Val v = Val::F32(nan);
  EXPECT_TRUE(std::isnan(v.f32()));
  EXPECT_EQ(v, Val::F32(nan));
  EXPECT_NE(Val::F64(0.0), Val::F64(-0.0));
}

TEST(ComponentValTest, BytesIsAListOfU8HeldContiguously) {
  const Val bytes = Val::Bytes(std::string("a\0b", 3));
  EXPECT_EQ(bytes.kind(), ValKind::kList);
  EXPECT_TRUE(bytes.is_bytes());
  EXPECT_EQ(bytes.bytes(), absl::string_view("a\0b", 3));
  EXPECT_TRUE(bytes.elements().empty());
  EXPECT_EQ(bytes, Val::List({Val::U8('a'), Val::U8(0), Val::U8('b')}));
  EXPECT_EQ(Val::List({Val::U8('a'), Val::U8(0), Val::U8('b')}), bytes);
  EXPECT_NE(bytes, Val::List({Val::U8('a'), Val::U8(0)}));
  EXPECT_NE(bytes, Val::List({Val::U16('a'), Val::U16(0), Val::U16('b')}));
  EXPECT_NE(bytes, Val::String(std::string("a\0b", 3)));
  EXPECT_EQ(Val::Bytes(""), Val::List({}));
  EXPECT_FALSE(Val::List({Val::U8(1)}).is_bytes());
  EXPECT_TRUE(Val::List({Val::U8(1)}).bytes().empty());
  EXPECT_TRUE(Val::String("x").bytes().empty());
}

TEST(ComponentValTest, Aggregates) {
  const Val list = Val::List({Val::U8(1), Val::U8(2)});
  EXPECT_EQ(list.kind(), ValKind::kList);
  ASSERT_EQ(list.elements().size(), 2u);
  EXPECT_EQ(list.elements()[1].u8(), 2);

  const Val rec = Val::Record({{"a", Val::U8(7)}, {"b", Val::String("s")}});
  EXPECT_EQ(rec.kind(), ValKind::kRecord);
  ASSERT_EQ(rec.field_names().size(), 2u);
  EXPECT_EQ(rec.field_names()[1], "b");
  EXPECT_EQ(rec.elements()[1].string(), "s");
  EXPECT_NE(rec, Val::Record({{"a", Val::U8(7)}, {"c", Val::String("s")}}));

  const Val tuple = Val::Tuple({Val::Bool(true)});
  EXPECT_EQ(tuple.kind(), ValKind::kTuple);
  EXPECT_TRUE(tuple.field_names().empty());
  EXPECT_NE(tuple, Val::List({Val::Bool(true)}));
}

TEST(ComponentValTest, CasesAndPayloads) {
  const Val v = Val::Variant(2, Val::U32(9));
  EXPECT_EQ(v.kind(), ValKind::kVariant);
  EXPECT_EQ(v.case_index(), 2u);
  ASSERT_NE(v.payload(), nullptr);
  EXPECT_EQ(v.payload()->u32(), 9u);
  EXPECT_EQ(Val::Variant(1, std::nullopt).payload(), nullptr);
  EXPECT_EQ(Val::Enum(3).case_index(), 3u);
  EXPECT_EQ(Val::Enum(3).payload(), nullptr);
  EXPECT_EQ(Val::None().case_index(), 0u);
  EXPECT_EQ(Val::None().payload(), nullptr);
  EXPECT_EQ(Val::Some(Val::U8(4)).case_index(), 1u);
  EXPECT_EQ(Val::Some(Val::U8(4)).payload()->u8(), 4);
  EXPECT_EQ(Val::Ok().case_index(), 0u);
  EXPECT_EQ(Val::Ok().payload(), nullptr);
  EXPECT_EQ(Val::Err(Val::String("e")).case_index(), 1u);
  EXPECT_EQ(Val::Err(Val::String("e")).payload()->string(), "e");
  EXPECT_NE(Val::Ok(), Val::Err());
}

TEST(ComponentValTest, FlagsAndHandles) {
  EXPECT_EQ(Val::Flags(0x101).flags(), 0x101u);
  EXPECT_EQ(Val::Flags(0x101).kind(), ValKind::kFlags);
  EXPECT_EQ(Val::Own(42).rep(), 42u);
  EXPECT_EQ(Val::Own(42).kind(), ValKind::kOwn);
  EXPECT_EQ(Val::Borrow(42).kind(), ValKind::kBorrow);
  EXPECT_NE(Val::Own(42), Val::Borrow(42));
  // A host resource's rep carries no guest handle; a default GuestHandle
  // names nothing (only calls make valid ones: component_instance_test).
  EXPECT_FALSE(Val::Own(42).guest_handle().valid());
  EXPECT_FALSE(GuestHandle().valid());
  EXPECT_EQ(Val::Borrow(GuestHandle()).kind(), ValKind::kBorrow);
  EXPECT_EQ(Val::Own(GuestHandle()), Val::Own(0));
}

}  // namespace
}  // namespace wasmhost::component
