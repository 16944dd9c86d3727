#include "lib/wasm/module_tail.h"

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::wasm {
namespace {

using testing::Bytes;

// A custom section `name` holding `content`.
Bytes Custom(absl::string_view name, const Bytes& content) {
  BinaryWriter payload;
  payload.Name(name).Bytes(content);
  return BinaryWriter().Section(kCustomSection, payload.bytes()).Release();
}

// A module with one function, a memory, `data` (a data section's payload
// or empty for none) and a data count section if `data_count`, then
// `trailing` bytes (custom sections).
Bytes Module(const Bytes& data, bool data_count, const Bytes& trailing) {
  BinaryWriter w;
  w.Header()
      .Section(kTypeSection, {0x01, 0x60, 0x00, 0x00})
      .Section(kFunctionSection, {0x01, 0x00})
      .Section(kMemorySection, {0x01, 0x00, 0x01})
      .Bytes(Custom("between", {1, 2, 3}));
  if (data_count) w.Section(kDataCountSection, {0x02});
  w.Section(kCodeSection, {0x01, 0x02, 0x00, 0x0b});
  if (!data.empty()) w.Section(kDataSection, data);
  w.Bytes(trailing);
  return w.Release();
}

// Two active segments: "abc" at 0 and "de" at 16.
const Bytes kData = {0x02, 0x00, 0x41, 0x00, 0x0b, 0x03, 'a', 'b',
                     'c',  0x00, 0x41, 0x10, 0x0b, 0x02, 'd', 'e'};

TEST(ModuleTailTest, SetsAsideDataAndTrailingCustomSections) {
  const Bytes trailing = testing::Cat(
      {Custom("name", {0, 1, 0}), Custom(".debug_info", Bytes(100, 7))});
  const Bytes module = Module(kData, /*data_count=*/true, trailing);
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<SplitModule> split = SplitTail(module, *info);
  ASSERT_TRUE(split.ok()) << split.status();

  // The tail starts at the data section; the head ends with the code
  // section, then the stand-in of two empty passive segments.
  const size_t data_at = module.size() - trailing.size() - kData.size() - 2;
  EXPECT_EQ(TailOffset(*info), data_at);
  EXPECT_EQ(Bytes(split->tail.begin(), split->tail.end()),
            Bytes(module.begin() + data_at, module.end()));
  EXPECT_EQ(split->stand_in, (Bytes{kDataSection, 5, 2, 1, 0, 1, 0}));
  absl::StatusOr<ModuleInfo> head = ReadModule(split->head);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->data_segment_count, 2u);
  EXPECT_EQ(head->data_count, 2u);
  EXPECT_EQ(head->function_body_offsets, info->function_body_offsets);

  absl::StatusOr<std::vector<uint8_t>> joined = JoinTail(split->head, *split);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, module);
}

TEST(ModuleTailTest, RewrittenHeadKeepsItsChanges) {
  const Bytes module = Module(kData, false, Custom("name", {0, 1, 0}));
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<SplitModule> split = SplitTail(module, *info);
  ASSERT_TRUE(split.ok()) << split.status();
  // A rewrite inserting a section after the header (as TagModule does).
  const Bytes tag = Custom("tag", {9});
  Bytes head(split->head.begin(), split->head.begin() + kModuleHeaderSize);
  head.insert(head.end(), tag.begin(), tag.end());
  head.insert(head.end(), split->head.begin() + kModuleHeaderSize,
              split->head.end());
  absl::StatusOr<std::vector<uint8_t>> joined = JoinTail(head, *split);
  ASSERT_TRUE(joined.ok()) << joined.status();
  Bytes expected(module.begin(), module.begin() + kModuleHeaderSize);
  expected.insert(expected.end(), tag.begin(), tag.end());
  expected.insert(expected.end(), module.begin() + kModuleHeaderSize,
                  module.end());
  EXPECT_EQ(*joined, expected);
}

TEST(ModuleTailTest, WithoutDataOnlyTrailingCustomSectionsAreSetAside) {
  const Bytes trailing = Custom("name", {0, 1, 0});
  const Bytes module = Module({}, false, trailing);
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<SplitModule> split = SplitTail(module, *info);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_TRUE(split->stand_in.empty());
  EXPECT_EQ(split->tail.size(), trailing.size());
  EXPECT_EQ(split->head, Bytes(module.begin(), module.end() - trailing.size()));
  absl::StatusOr<std::vector<uint8_t>> joined = JoinTail(split->head, *split);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(*joined, module);
}

TEST(ModuleTailTest, NoTail) {
  const Bytes module = Module({}, false, {});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(TailOffset(*info), module.size());
  absl::StatusOr<SplitModule> split = SplitTail(module, *info);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_TRUE(split->tail.empty());
  EXPECT_EQ(split->head, module);
}

TEST(ModuleTailTest, JoinRefusesAHeadWithoutTheStandIn) {
  const Bytes module = Module(kData, false, {});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<SplitModule> split = SplitTail(module, *info);
  ASSERT_TRUE(split.ok()) << split.status();
  Bytes head = split->head;
  head.push_back(0);  // Something after the stand-in.
  testing::ExpectInvalidArgument(
      JoinTail(head, *split).status(),
      "does not end with the data section's stand-in");
  testing::ExpectInvalidArgument(JoinTail(Bytes{0, 'a'}, *split).status(),
                                 "stand-in");
}

TEST(ModuleTailTest, SplitRefusesInfoOfOtherBytes) {
  const Bytes module = Module(kData, false, {});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  const Bytes other(module.begin(), module.end() - 1);
  testing::ExpectInvalidArgument(SplitTail(other, *info).status(),
                                 "does not describe these bytes");
}

}  // namespace
}  // namespace wasmhost::wasm
