#include "lib/wasi/random.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace wasmhost::wasi {
namespace {

TEST(RandomTest, SplitMix64KnownValues) {
  // Reference outputs of splitmix64 seeded with 0.
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64(&state), 0xe220a8397b1dcdafull);
  EXPECT_EQ(SplitMix64(&state), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(SplitMix64(&state), 0x06c45d188009454full);
}

TEST(RandomTest, SameSeedSameStream) {
  Xoshiro256 a(42);
  Xoshiro256 b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next());
}

TEST(RandomTest, DifferentSeedsDiffer) {
  Xoshiro256 a(1);
  Xoshiro256 b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.Next() == b.Next();
  EXPECT_EQ(same, 0);
}

TEST(RandomTest, FillIsWordStreamLittleEndian) {
  Xoshiro256 words(7);
  Xoshiro256 bytes(7);
  uint64_t first = words.Next();
  uint64_t second = words.Next();
  std::vector<uint8_t> out(11);
  bytes.Fill(out.data(), out.size());
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(out[i], static_cast<uint8_t>(first >> (8 * i)));
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out[8 + i], static_cast<uint8_t>(second >> (8 * i)));
  }
}

TEST(RandomTest, FillLooksRandom) {
  Xoshiro256 rng(123);
  std::vector<uint8_t> out(1 << 16);
  rng.Fill(out.data(), out.size());
  int counts[256] = {};
  for (uint8_t b : out) ++counts[b];
  for (int c : counts) {
    EXPECT_GT(c, 150);
    EXPECT_LT(c, 370);
  }
}

}  // namespace
}  // namespace wasmhost::wasi
