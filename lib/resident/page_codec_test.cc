#include "lib/resident/page_codec.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wasmhost::internal {
namespace {

using ::testing::HasSubstr;

constexpr size_t kPage = kSnapshotPageSize;

std::vector<uint8_t> RoundTrip(const std::vector<uint8_t>& memory,
                               v1::LinearMemory* encoded) {
  EncodeMemory(memory, encoded);
  std::vector<uint8_t> decoded(encoded->byte_length());
  absl::Status status = DecodeMemory(*encoded, absl::MakeSpan(decoded));
  EXPECT_TRUE(status.ok()) << status;
  return decoded;
}

TEST(PageCodecTest, ZeroMemoryHasNoRuns) {
  std::vector<uint8_t> memory(16 * kPage);
  v1::LinearMemory encoded;
  EXPECT_EQ(RoundTrip(memory, &encoded), memory);
  EXPECT_EQ(encoded.byte_length(), 16 * kPage);
  EXPECT_EQ(encoded.runs_size(), 0);
}

TEST(PageCodecTest, ConsecutivePagesShareARunAndSparseBytesShrink) {
  std::vector<uint8_t> memory(16 * kPage);
  memory[2 * kPage + 5] = 1;
  memory[3 * kPage + 4095] = 2;
  memory[9 * kPage] = 3;
  v1::LinearMemory encoded;
  EXPECT_EQ(RoundTrip(memory, &encoded), memory);
  ASSERT_EQ(encoded.runs_size(), 2);
  EXPECT_EQ(encoded.runs(0).first_page(), 2u);
  EXPECT_EQ(encoded.runs(0).page_count(), 2u);
  EXPECT_EQ(encoded.runs(1).first_page(), 9u);
  EXPECT_LT(encoded.runs(0).encoded().size(), 16u);
}

TEST(PageCodecTest, RandomContentRoundTrips) {
  std::mt19937 random(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<uint8_t> memory(8 * kPage);
    // Bursts of random bytes and of short zero runs at random places.
    for (int burst = 0; burst < 20; ++burst) {
      size_t at = random() % memory.size();
      size_t len = random() % 300;
      for (size_t i = at; i < std::min(memory.size(), at + len); ++i) {
        memory[i] = (random() % 3 == 0) ? 0 : static_cast<uint8_t>(random());
      }
    }
    v1::LinearMemory encoded;
    ASSERT_EQ(RoundTrip(memory, &encoded), memory) << "round " << round;
  }
}

TEST(PageCodecTest, RunOutsideMemoryIsDataLoss) {
  std::vector<uint8_t> memory(4 * kPage, 7);
  v1::LinearMemory encoded;
  EncodeMemory(memory, &encoded);
  encoded.mutable_runs(0)->set_first_page(2);
  std::vector<uint8_t> decoded(4 * kPage);
  absl::Status status = DecodeMemory(encoded, absl::MakeSpan(decoded));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("outside the memory"));
}

TEST(PageCodecTest, TruncatedRunIsDataLoss) {
  std::vector<uint8_t> memory(2 * kPage, 7);
  v1::LinearMemory encoded;
  EncodeMemory(memory, &encoded);
  std::string* bytes = encoded.mutable_runs(0)->mutable_encoded();
  bytes->resize(bytes->size() - 10);
  std::vector<uint8_t> decoded(2 * kPage);
  absl::Status status = DecodeMemory(encoded, absl::MakeSpan(decoded));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("does not decode"));
}

TEST(PageCodecTest, OverlongZeroCountIsDataLoss) {
  v1::LinearMemory encoded;
  encoded.set_byte_length(kPage);
  v1::PageRun* run = encoded.add_runs();
  run->set_first_page(0);
  run->set_page_count(1);
  // One literal byte, then 5000 zeros: past the page.
  run->set_encoded(std::string("\x01\x09\x88\x27", 4));
  std::vector<uint8_t> decoded(kPage);
  absl::Status status = DecodeMemory(encoded, absl::MakeSpan(decoded));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace wasmhost::internal
