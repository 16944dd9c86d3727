// FlatInfo over hand-built types: flat counts, memory needs and element
// sizes as CanonicalABI.md defines them.

#include "lib/component/flatten.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace wasmhost::component {
namespace {

class FlattenTest : public testing::Test {
 protected:
  TypeId Add(TypeKind kind, std::vector<Field> fields = {},
             std::optional<TypeId> element = {}, uint32_t fixed_length = 0) {
    Type t;
    t.kind = kind;
    t.fields = std::move(fields);
    t.element = element;
    t.fixed_length = fixed_length;
    return arena_.Add(std::move(t));
  }
  static TypeId P(TypeKind kind) { return TypeArena::Primitive(kind); }

  TypeArena arena_;
  FlatInfo flat_{arena_};
};

TEST_F(FlattenTest, FlatCounts) {
  EXPECT_EQ(flat_.FlatCount(P(TypeKind::kU64)), 1u);
  EXPECT_EQ(flat_.FlatCount(P(TypeKind::kString)), 2u);
  const TypeId record = Add(TypeKind::kRecord, {{"a", P(TypeKind::kU8)},
                                                {"b", P(TypeKind::kString)}});
  EXPECT_EQ(flat_.FlatCount(record), 3u);
  // option<record>: the discriminant and the payload.
  EXPECT_EQ(flat_.FlatCount(Add(TypeKind::kOption, {}, record)), 4u);
  EXPECT_EQ(flat_.FlatCount(Add(TypeKind::kList, {}, record, 5)), 15u);
  EXPECT_EQ(flat_.FlatCount(Add(TypeKind::kList, {}, record)), 2u);
  EXPECT_EQ(flat_.FlatCount(Add(TypeKind::kList, {}, record, 0xffffffff)),
            FlatInfo::kSaturated);
}

TEST_F(FlattenTest, StringsAndListsNeedMemory) {
  EXPECT_FALSE(flat_.ContainsStringOrList(P(TypeKind::kU32)));
  EXPECT_TRUE(flat_.ContainsStringOrList(P(TypeKind::kString)));
  const TypeId tuple = Add(TypeKind::kTuple, {{"", P(TypeKind::kU32)}});
  EXPECT_FALSE(flat_.ContainsStringOrList(tuple));
  EXPECT_FALSE(flat_.ContainsStringOrList(Add(TypeKind::kList, {}, tuple, 3)));
  EXPECT_TRUE(flat_.ContainsStringOrList(Add(TypeKind::kList, {}, tuple)));
  EXPECT_TRUE(flat_.ContainsStringOrList(
      Add(TypeKind::kOption, {}, P(TypeKind::kString))));
}

TEST_F(FlattenTest, ElementSizesWith64BitPointers) {
  EXPECT_EQ(flat_.ElemSize(P(TypeKind::kBool)), 1u);
  EXPECT_EQ(flat_.ElemSize(P(TypeKind::kString)), 16u);
  // record { a: u8, b: u64 } is padded to 16; option<u8> is 2 bytes.
  const TypeId record = Add(
      TypeKind::kRecord, {{"a", P(TypeKind::kU8)}, {"b", P(TypeKind::kU64)}});
  EXPECT_EQ(flat_.ElemSize(record), 16u);
  EXPECT_EQ(flat_.ElemSize(Add(TypeKind::kOption, {}, P(TypeKind::kU8))), 2u);
  EXPECT_EQ(flat_.ElemSize(Add(TypeKind::kOption, {}, record)), 24u);
  Type flags;
  flags.kind = TypeKind::kFlags;
  flags.labels = std::vector<std::string>(9, "f");
  EXPECT_EQ(flat_.ElemSize(arena_.Add(std::move(flags))), 2u);
  // list<u64; 2^29> would wrap a 32-bit multiply to 0.
  EXPECT_EQ(
      flat_.ElemSize(Add(TypeKind::kList, {}, P(TypeKind::kU64), 1u << 29)),
      uint64_t{1} << 32);
  EXPECT_EQ(flat_.ElemSize(Add(TypeKind::kList, {},
                               Add(TypeKind::kList, {}, record, 0xffffffff),
                               0xffffffff)),
            FlatInfo::kSaturatedSize);
}

// FlattenType's core types for `id` alone.
std::vector<ValType> Flat(const TypeArena& arena, TypeId id) {
  std::vector<ValType> out;
  FlattenType(arena, id, out);
  return out;
}

TEST_F(FlattenTest, CoreTypesJoinVariantCases) {
  // variant { a(f32), b(i64), c(u32) }: i32 discriminant, then f32 joined
  // with i64 and i32 as i64.
  Type v;
  v.kind = TypeKind::kVariant;
  v.cases = {{"a", P(TypeKind::kF32)},
             {"b", P(TypeKind::kU64)},
             {"c", P(TypeKind::kU32)}};
  const TypeId variant = arena_.Add(std::move(v));
  EXPECT_EQ(Flat(arena_, variant),
            (std::vector<ValType>{ValType::kI32, ValType::kI64}));
  // option<f32> joined with nothing keeps f32; result<u32, f32> is i32.
  EXPECT_EQ(Flat(arena_, Add(TypeKind::kOption, {}, P(TypeKind::kF32))),
            (std::vector<ValType>{ValType::kI32, ValType::kF32}));
  Type r;
  r.kind = TypeKind::kResult;
  r.ok = P(TypeKind::kU32);
  r.error = P(TypeKind::kF32);
  EXPECT_EQ(Flat(arena_, arena_.Add(std::move(r))),
            (std::vector<ValType>{ValType::kI32, ValType::kI32}));
}

TEST_F(FlattenTest, FuncTypesSpillThroughPointers) {
  Type f;
  f.kind = TypeKind::kFunc;
  f.fields = {{"s", P(TypeKind::kString)}};
  f.ok = P(TypeKind::kString);
  const TypeId strings = arena_.Add(f);
  const CoreFuncType lift = FlattenFuncType(arena_, flat_, strings, true);
  EXPECT_EQ(lift.params, (std::vector<ValType>{ValType::kI32, ValType::kI32}));
  EXPECT_EQ(lift.results, std::vector<ValType>{ValType::kI32});
  const CoreFuncType lower = FlattenFuncType(arena_, flat_, strings, false);
  EXPECT_EQ(lower.params, (std::vector<ValType>{ValType::kI32, ValType::kI32,
                                                ValType::kI32}));
  EXPECT_TRUE(lower.results.empty());
  f.fields.assign(17, {"x", P(TypeKind::kF64)});
  f.ok = P(TypeKind::kF64);
  const CoreFuncType many =
      FlattenFuncType(arena_, flat_, arena_.Add(std::move(f)), true);
  EXPECT_EQ(many.params, std::vector<ValType>{ValType::kI32});
  EXPECT_EQ(many.results, std::vector<ValType>{ValType::kF64});
}

}  // namespace
}  // namespace wasmhost::component
