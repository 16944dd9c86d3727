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
  const TypeId record =
      Add(TypeKind::kRecord,
          {{"a", P(TypeKind::kU8)}, {"b", P(TypeKind::kString)}});
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
  EXPECT_FALSE(
      flat_.ContainsStringOrList(Add(TypeKind::kList, {}, tuple, 3)));
  EXPECT_TRUE(flat_.ContainsStringOrList(Add(TypeKind::kList, {}, tuple)));
  EXPECT_TRUE(flat_.ContainsStringOrList(
      Add(TypeKind::kOption, {}, P(TypeKind::kString))));
}

TEST_F(FlattenTest, ElementSizesWith64BitPointers) {
  EXPECT_EQ(flat_.ElemSize(P(TypeKind::kBool)), 1u);
  EXPECT_EQ(flat_.ElemSize(P(TypeKind::kString)), 16u);
  // record { a: u8, b: u64 } is padded to 16; option<u8> is 2 bytes.
  const TypeId record = Add(TypeKind::kRecord, {{"a", P(TypeKind::kU8)},
                                                {"b", P(TypeKind::kU64)}});
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

}  // namespace
}  // namespace wasmhost::component
