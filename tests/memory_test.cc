// Tests of wasmhost/memory.h: the host's view of an instance's memory.

#include "wasmhost/memory.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

constexpr uint64_t kPage = 65536;
constexpr absl::StatusCode kOutOfRange = absl::StatusCode::kOutOfRange;

TEST(MemoryTest, DataAndSize) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  Memory memory = instance.memory();
  EXPECT_EQ(memory.size(), kPage);
  absl::Span<uint8_t> data = memory.data();
  ASSERT_EQ(data.size(), kPage);
  // The data segment.
  EXPECT_EQ(std::string(data.begin(), data.begin() + 5), "hello");
  EXPECT_EQ(data[5], 0);
}

TEST(MemoryTest, ReadWriteReadStringInRange) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  Memory memory = instance.memory();
  ASSERT_OK_AND_ASSIGN(std::string hello, memory.ReadString(0, 5));
  EXPECT_EQ(hello, "hello");

  const std::vector<uint8_t> bytes = {1, 2, 3};
  ASSERT_OK(memory.Write(100, bytes));
  std::vector<uint8_t> out(3);
  ASSERT_OK(memory.Read(100, absl::MakeSpan(out)));
  EXPECT_EQ(out, bytes);

  // The last byte, and empty accesses at the very end.
  const std::vector<uint8_t> last = {0xab};
  ASSERT_OK(memory.Write(kPage - 1, last));
  ASSERT_OK_AND_ASSIGN(std::string tail, memory.ReadString(kPage - 1, 1));
  EXPECT_EQ(tail, "\xab");
  ASSERT_OK_AND_ASSIGN(std::string empty, memory.ReadString(kPage, 0));
  EXPECT_EQ(empty, "");
}

TEST(MemoryTest, OutOfRangeAccessesFail) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  Memory memory = instance.memory();
  std::vector<uint8_t> out(2, 0x55);
  EXPECT_STATUS(memory.Read(kPage - 1, absl::MakeSpan(out)), kOutOfRange,
                "outside the memory of 65536 bytes");
  // Nothing was copied.
  EXPECT_EQ(out, std::vector<uint8_t>(2, 0x55));
  EXPECT_STATUS(memory.Read(kPage + 1, {}), kOutOfRange, "outside the memory");

  const std::vector<uint8_t> bytes = {9, 9};
  EXPECT_STATUS(memory.Write(kPage - 1, bytes), kOutOfRange,
                "outside the memory");
  // A failed write leaves the memory as it was.
  EXPECT_EQ(memory.data()[kPage - 1], 0);

  EXPECT_STATUS(memory.ReadString(kPage - 4, 5), kOutOfRange,
                "outside the memory");
  EXPECT_STATUS(memory.ReadString(0, kPage + 1), kOutOfRange,
                "outside the memory");
}

TEST(MemoryTest, WriteStringIsReadBackByTheGuestWithoutATerminator) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  ASSERT_OK_AND_ASSIGN(auto load8, instance.GetFunc<int32_t(int32_t)>("load8"));
  Memory memory = instance.memory();
  ASSERT_OK(memory.WriteString(0, "HE"));  // over "hello"
  ASSERT_OK_AND_ASSIGN(std::string text, memory.ReadString(0, 5));
  EXPECT_EQ(text, "HEllo");  // no NUL written after the text
  ASSERT_OK_AND_ASSIGN(int32_t loaded, load8.Call(1));
  EXPECT_EQ(loaded, 'E');
  // Embedded NULs and an empty string at the very end.
  ASSERT_OK(memory.WriteString(100, std::string_view("a\0b", 3)));
  ASSERT_OK_AND_ASSIGN(text, memory.ReadString(100, 3));
  EXPECT_EQ(text, std::string("a\0b", 3));
  EXPECT_OK(memory.WriteString(kPage, ""));
}

TEST(MemoryTest, WriteStringOutOfRangeWritesNothing) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  Memory memory = instance.memory();
  EXPECT_STATUS(memory.WriteString(kPage - 1, "xy"), kOutOfRange,
                "memory access [65535, 65535 + 2) is outside the memory of "
                "65536 bytes");
  EXPECT_EQ(memory.data()[kPage - 1], 0);
  EXPECT_STATUS(memory.WriteString(std::numeric_limits<uint64_t>::max(), "x"),
                kOutOfRange, "outside the memory");
}

TEST(MemoryTest, OffsetPlusLengthOverflowIsOutOfRange) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  Memory memory = instance.memory();
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  std::vector<uint8_t> out(2);
  EXPECT_STATUS(memory.Read(max, absl::MakeSpan(out)), kOutOfRange,
                "outside the memory");
  const std::vector<uint8_t> bytes = {1};
  EXPECT_STATUS(memory.Write(max, bytes), kOutOfRange, "outside the memory");
  // offset + length wraps around to a small number.
  EXPECT_STATUS(memory.ReadString(2, max), kOutOfRange, "outside the memory");
  EXPECT_STATUS(memory.ReadString(max, 2), kOutOfRange, "outside the memory");
}

TEST(MemoryTest, HostSeesGuestWritesAndGuestSeesHostWrites) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  ASSERT_OK_AND_ASSIGN(auto store8,
                       instance.GetFunc<void(int32_t, int32_t)>("store8"));
  ASSERT_OK_AND_ASSIGN(auto load8, instance.GetFunc<int32_t(int32_t)>("load8"));
  Memory memory = instance.memory();

  ASSERT_OK(store8.Call(1000, 0x7e));
  EXPECT_EQ(memory.data()[1000], 0x7e);

  const std::vector<uint8_t> bytes = {0x42};
  ASSERT_OK(memory.Write(2000, bytes));
  ASSERT_OK_AND_ASSIGN(int32_t loaded, load8.Call(2000));
  EXPECT_EQ(loaded, 0x42);
  memory.data()[3000] = 0x11;
  ASSERT_OK_AND_ASSIGN(loaded, load8.Call(3000));
  EXPECT_EQ(loaded, 0x11);
}

TEST(MemoryTest, SizeFollowsMemoryGrow) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_wasm()));
  ASSERT_OK_AND_ASSIGN(auto grow, instance.GetFunc<int32_t(int32_t)>("grow"));
  Memory memory = instance.memory();  // taken before growing
  ASSERT_OK_AND_ASSIGN(int32_t old_pages, grow.Call(2));
  EXPECT_EQ(old_pages, 1);
  EXPECT_EQ(memory.size(), 3 * kPage);
  EXPECT_EQ(memory.data().size(), 3 * kPage);
  // The new pages are accessible, and the old contents kept.
  const std::vector<uint8_t> bytes = {5};
  EXPECT_OK(memory.Write(3 * kPage - 1, bytes));
  ASSERT_OK_AND_ASSIGN(std::string hello, memory.ReadString(0, 5));
  EXPECT_EQ(hello, "hello");
  EXPECT_STATUS(memory.Write(3 * kPage, bytes), kOutOfRange,
                "outside the memory of 196608 bytes");
}

TEST(MemoryTest, InstanceWithoutMemoryHasEmptyData) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_none_wasm()));
  Memory memory = instance.memory();
  EXPECT_TRUE(memory.data().empty());
  EXPECT_EQ(memory.size(), 0u);
  std::vector<uint8_t> out(1);
  EXPECT_STATUS(memory.Read(0, absl::MakeSpan(out)), kOutOfRange,
                "outside the memory of 0 bytes");
  ASSERT_OK_AND_ASSIGN(std::string empty, memory.ReadString(0, 0));
  EXPECT_EQ(empty, "");
}

TEST(MemoryTest, UnexportedMemoryIsVisible) {
  // memory_nomax.wat defines a memory without exporting it.
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::memory_nomax_wasm()));
  EXPECT_EQ(instance.memory().size(), kPage);
}

TEST(MemoryTest, ExportedMemoryHandleKeepsTheMemoryAlive) {
  std::optional<Memory> memory;
  {
    ASSERT_OK_AND_ASSIGN(Instance instance,
                         testing::Instantiate(fixtures::externs_wasm()));
    ASSERT_OK_AND_ASSIGN(memory, instance.GetMemory("mem"));
    EXPECT_EQ(memory->data().data(), instance.memory().data().data());
  }
  EXPECT_EQ(memory->size(), kPage);
  EXPECT_THAT(memory->ReadString(0, 2), testing::IsOkAndHolds("hi"));
  ASSERT_OK(memory->Write(2, {'!'}));
  EXPECT_THAT(memory->ReadString(0, 3), testing::IsOkAndHolds("hi!"));
}

TEST(MemoryTest, HostMadeMemory) {
  ASSERT_OK_AND_ASSIGN(Memory memory, Memory::Create({2, 4}));
  EXPECT_EQ(memory.size(), 2 * kPage);
  EXPECT_EQ(memory.data()[2 * kPage - 1], 0);
  ASSERT_OK(memory.Write(2 * kPage - 1, {7}));
  EXPECT_THAT(memory.ReadString(2 * kPage - 1, 1),
              testing::IsOkAndHolds("\x07"));
  EXPECT_STATUS(memory.Write(2 * kPage, {7}), kOutOfRange, "outside");
  // Another thread sees no bytes.
  uint64_t size_elsewhere = 1;
  std::thread other([&] { size_elsewhere = memory.size(); });
  other.join();
  EXPECT_EQ(size_elsewhere, 0u);
}

}  // namespace
}  // namespace wasmhost
