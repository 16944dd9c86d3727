#include "lib/util/memory_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wasmhost::internal {
namespace {

constexpr size_t kPage = MemoryImage::kPageSize;
constexpr size_t kPages = 64;

// An anonymous mapping standing in for a Wasm memory.
class Region {
 public:
  explicit Region(size_t pages = kPages) : pages_(pages) {
    void* mapping = mmap(nullptr, pages_ * kPage, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(mapping, MAP_FAILED);
    bytes_ = static_cast<uint8_t*>(mapping);
  }
  ~Region() { munmap(bytes_, pages_ * kPage); }
  absl::Span<uint8_t> span() { return {bytes_, pages_ * kPage}; }
  uint8_t* page(size_t i) { return bytes_ + i * kPage; }

 private:
  const size_t pages_;
  uint8_t* bytes_;
};

// Whether page `i` of `region` is a private copy (was written since the
// image was mapped or last dropped), read from /proc/self/pagemap.
bool IsPrivateCopy(Region& region, size_t i) {
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  uint64_t entry = 0;
  const off_t offset = static_cast<off_t>(
      reinterpret_cast<uintptr_t>(region.page(i)) / kPage * sizeof(entry));
  EXPECT_EQ(pread(fd, &entry, sizeof(entry), offset),
            static_cast<ssize_t>(sizeof(entry)));
  close(fd);
  return (entry >> 63 & 1) == 1 && (entry >> 61 & 1) == 0;
}

class MemoryImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Data in a few pages, the rest zero: both kinds are restored.
    std::memset(region_.page(0), 0x11, kPage);
    std::memset(region_.page(5) + 100, 0x55, 10);
    std::memset(region_.page(kPages - 1), 0x77, kPage);
    expected_.assign(region_.span().begin(), region_.span().end());
    auto image = MemoryImage::Capture(region_.span());
    ASSERT_TRUE(image.ok()) << image.status();
    image_ = *std::move(image);
    // A memory's first reset maps the image over whatever it held.
    std::memset(region_.page(3), 0x33, kPage);
    ASSERT_TRUE(image_->MapOnto(region_.span()).ok());
    ASSERT_TRUE(Matches());
  }

  bool Matches() {
    return std::memcmp(region_.page(0), expected_.data(), kPages * kPage) == 0;
  }

  Region region_;
  std::vector<uint8_t> expected_;
  std::unique_ptr<const MemoryImage> image_;
};

TEST_F(MemoryImageTest, CapturesSize) {
  EXPECT_EQ(image_->size(), kPages * kPage);
}

TEST_F(MemoryImageTest, RestoreCopiesBackFewWrittenPagesAndKeepsThem) {
  region_.page(0)[7] = 1;    // a data page
  region_.page(2)[0] = 2;    // a zero page
  region_.page(5)[105] = 3;  // a page with a little data
  ASSERT_TRUE(image_->Restore(region_.span(), 16).ok());
  EXPECT_TRUE(Matches());
  // Copied back, not dropped: the pages are still the region's own.
  EXPECT_TRUE(IsPrivateCopy(region_, 0));
  EXPECT_TRUE(IsPrivateCopy(region_, 2));
  EXPECT_FALSE(IsPrivateCopy(region_, 1));
}

TEST_F(MemoryImageTest, RestoreDropsWrittenPagesBeyondTheBudget) {
  for (size_t i = 10; i < 20; ++i) region_.page(i)[1] = 9;
  ASSERT_TRUE(image_->Restore(region_.span(), 4).ok());
  EXPECT_TRUE(Matches());
  for (size_t i = 10; i < 20; ++i) EXPECT_FALSE(IsPrivateCopy(region_, i));
}

TEST_F(MemoryImageTest, RestoreWithNothingWrittenChangesNothing) {
  volatile uint8_t sink = region_.page(0)[0] + region_.page(40)[0];
  (void)sink;
  ASSERT_TRUE(image_->Restore(region_.span(), 16).ok());
  EXPECT_TRUE(Matches());
}

// Whether the kernel has the PAGEMAP_SCAN ioctl (Linux 6.7).
bool KernelHasPagemapScan() {
  struct utsname name;
  int major = 0, minor = 0;
  if (uname(&name) != 0 || sscanf(name.release, "%d.%d", &major, &minor) != 2)
    return false;
  return major > 6 || (major == 6 && minor >= 7);
}

// Over 16 MiB reading every pagemap entry would cost more than dropping;
// PAGEMAP_SCAN finds the written pages anyway, so they are kept.
TEST(MemoryImageLargeTest, RestoreKeepsFewWrittenPagesOfA64MiBMemory) {
  if (!KernelHasPagemapScan()) GTEST_SKIP() << "kernel without PAGEMAP_SCAN";
  constexpr size_t kLargePages = 16384;
  Region region(kLargePages);
  std::memset(region.page(100), 0x42, 50 * kPage);
  std::vector<uint8_t> expected(region.span().begin(), region.span().end());
  auto image = MemoryImage::Capture(region.span());
  ASSERT_TRUE(image.ok()) << image.status();
  ASSERT_TRUE((*image)->MapOnto(region.span()).ok());
  const size_t written[] = {0, 120, 121, 9000, kLargePages - 1};
  for (size_t page : written) region.page(page)[17] = 0xee;
  ASSERT_TRUE((*image)->Restore(region.span(), 8).ok());
  EXPECT_EQ(std::memcmp(region.page(0), expected.data(), expected.size()), 0);
  for (size_t page : written) EXPECT_TRUE(IsPrivateCopy(region, page)) << page;
  EXPECT_FALSE(IsPrivateCopy(region, 122));
  // More written pages than the budget are all dropped.
  for (size_t page = 2000; page < 2010; ++page) region.page(page)[0] = 1;
  ASSERT_TRUE((*image)->Restore(region.span(), 8).ok());
  EXPECT_EQ(std::memcmp(region.page(0), expected.data(), expected.size()), 0);
  for (size_t page : written) EXPECT_FALSE(IsPrivateCopy(region, page)) << page;
}

// More separate written ranges than one PAGEMAP_SCAN call returns (64):
// the scan continues where the kernel stopped.
TEST(MemoryImageLargeTest, RestoreFindsManySeparateWrittenPages) {
  if (!KernelHasPagemapScan()) GTEST_SKIP() << "kernel without PAGEMAP_SCAN";
  constexpr size_t kLargePages = 8192;
  Region region(kLargePages);
  std::memset(region.page(0), 0x42, kLargePages * kPage / 2);
  std::vector<uint8_t> expected(region.span().begin(), region.span().end());
  auto image = MemoryImage::Capture(region.span());
  ASSERT_TRUE(image.ok()) << image.status();
  ASSERT_TRUE((*image)->MapOnto(region.span()).ok());
  // 150 pages, every 50th: 150 ranges, half in data, half in zero pages.
  for (size_t page = 0; page < kLargePages - 50; page += 50)
    region.page(page)[9] = 0xee;
  ASSERT_TRUE((*image)->Restore(region.span(), 200).ok());
  EXPECT_EQ(std::memcmp(region.page(0), expected.data(), expected.size()), 0);
  for (size_t page = 0; page < kLargePages - 50; page += 50)
    EXPECT_TRUE(IsPrivateCopy(region, page)) << page;
}

// Pages kept as private copies are restored again on every later reset,
// whichever pages each round writes.
TEST_F(MemoryImageTest, ManyRoundsOfRandomWritesAlwaysRestore) {
  std::mt19937 random(42);
  for (int round = 0; round < 200; ++round) {
    const int writes = static_cast<int>(random() % 8);
    for (int w = 0; w < writes; ++w) {
      region_.page(random() % kPages)[random() % kPage] =
          static_cast<uint8_t>(random());
    }
    ASSERT_TRUE(image_->Restore(region_.span(), 12).ok());
    ASSERT_TRUE(Matches()) << "round " << round;
  }
}

// A forked child reads its own pagemap, not its parent's.
TEST_F(MemoryImageTest, RestoreWorksInAForkedChild) {
  region_.page(1)[0] = 1;
  ASSERT_TRUE(image_->Restore(region_.span(), 16).ok());  // opens pagemap
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    region_.page(4)[0] = 4;
    const bool restored = image_->Restore(region_.span(), 16).ok() && Matches();
    _exit(restored ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A pagemap that cannot be opened (the process is out of descriptors) makes
// a reset drop the written pages; once descriptors are free again, a later
// reset opens it and copies pages back instead.
TEST_F(MemoryImageTest, RestoreRetriesAFailedPagemapOpenLater) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child has not opened its pagemap yet (the fork forgot the
    // parent's). Exhaust its descriptors under a small limit.
    rlimit limit{64, 64};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(10);
    std::vector<int> fillers;
    for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) {
      fillers.push_back(fd);
    }
    if (errno != EMFILE) _exit(11);
    region_.page(2)[0] = 2;
    if (!image_->Restore(region_.span(), 16).ok() || !Matches()) _exit(12);
    for (int fd : fillers) close(fd);
    // Dropped, not copied back: the page is the image's again.
    if (IsPrivateCopy(region_, 2)) _exit(13);
    // Within the retry interval the failure stands.
    region_.page(2)[0] = 2;
    if (!image_->Restore(region_.span(), 16).ok() || !Matches()) _exit(14);
    if (IsPrivateCopy(region_, 2)) _exit(15);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    region_.page(2)[0] = 2;
    if (!image_->Restore(region_.span(), 16).ok() || !Matches()) _exit(16);
    // Copied back: the open was retried and the scan found the page.
    _exit(IsPrivateCopy(region_, 2) ? 0 : 17);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace wasmhost::internal
