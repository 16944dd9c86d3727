#include "lib/util/memory_image.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>

#include "absl/base/call_once.h"
#include "absl/base/optimization.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace wasmhost::internal {
namespace {

constexpr int kPagemapNotOpened = -2;
// This process's /proc/self/pagemap, or kPagemapNotOpened.
std::atomic<int> g_pagemap_fd{kPagemapNotOpened};
// After a failed open (out of descriptors, say), the steady-clock time in
// nanoseconds before which no Restore tries again: a failure is usually
// passing, but a process without /proc should not pay an open per reset.
std::atomic<int64_t> g_pagemap_retry_after_ns{0};
constexpr int64_t kPagemapRetryIntervalNs = 100'000'000;  // 100 ms

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A forked child's /proc/self is another process: it opens its own.
void ForgetPagemapInChild() {
  g_pagemap_retry_after_ns.store(0);
  const int fd = g_pagemap_fd.exchange(kPagemapNotOpened);
  if (fd >= 0) close(fd);
}

// The pagemap descriptor, or -1 when it cannot be opened now.
int PagemapFd() {
  const int fd = g_pagemap_fd.load(std::memory_order_acquire);
  if (ABSL_PREDICT_TRUE(fd != kPagemapNotOpened)) return fd;
  static absl::once_flag atfork_once;
  absl::call_once(atfork_once, [] {
    pthread_atfork(nullptr, nullptr, ForgetPagemapInChild);
  });
  const int64_t now = SteadyNowNs();
  if (now < g_pagemap_retry_after_ns.load(std::memory_order_relaxed)) return -1;
  const int opened = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (opened < 0) {
    g_pagemap_retry_after_ns.store(now + kPagemapRetryIntervalNs,
                                   std::memory_order_relaxed);
    return -1;
  }
  int expected = kPagemapNotOpened;
  if (!g_pagemap_fd.compare_exchange_strong(expected, opened,
                                            std::memory_order_acq_rel)) {
    close(opened);
    return expected;
  }
  return opened;
}

// Without PAGEMAP_SCAN, reading pagemap costs ~3 ns per page of memory
// whatever was written; past this many pages dropping everything is
// cheaper.
constexpr size_t kMaxScannedPages = 4096;

// Pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t kPresent = uint64_t{1} << 63;
constexpr uint64_t kSwapped = uint64_t{1} << 62;
constexpr uint64_t kFileOrSharedAnon = uint64_t{1} << 61;

// In a private file mapping, a page the guest wrote is a private anonymous
// copy (present or swapped out, not a file page); one it only read is the
// file's page.
bool Written(uint64_t entry) {
  return (entry & kSwapped) != 0 ||
         (entry & (kPresent | kFileOrSharedAnon)) == kPresent;
}

// PAGEMAP_SCAN (Linux 6.7, include/uapi/linux/fs.h), declared here since
// the system's kernel headers predate it: asks the kernel for the ranges of
// pages in a category, walking page tables instead of reading an entry per
// page, so finding what a lease wrote costs what it wrote rather than the
// memory's size.
struct PageRegion {
  uint64_t start, end, categories;
};
struct PagemapScanArg {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages,
      category_inverted, category_mask, category_anyof_mask, return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PagemapScanArg);
constexpr uint64_t kPageIsFile = uint64_t{1} << 2;
constexpr uint64_t kPageIsPresent = uint64_t{1} << 3;
constexpr uint64_t kPageIsSwapped = uint64_t{1} << 4;

// Cleared when the kernel refuses PAGEMAP_SCAN (older than 6.7).
std::atomic<bool> g_pagemap_scan{true};

enum class Scan { kFound, kTooMany, kUnavailable };

// Appends to `written` the pages of `memory` written since they were
// mapped or last dropped: as Written() says, anonymous (private copies),
// present or swapped. kTooMany when there are more than `limit`.
Scan ScanWritten(int pagemap, absl::Span<uint8_t> memory, size_t limit,
                 absl::InlinedVector<uint32_t, 32>& written) {
  constexpr size_t kPageSize = MemoryImage::kPageSize;
  const uint64_t base = reinterpret_cast<uintptr_t>(memory.data());
  PageRegion regions[64];
  PagemapScanArg arg = {};
  arg.size = sizeof arg;
  arg.start = base;
  arg.end = base + memory.size();
  arg.vec = reinterpret_cast<uintptr_t>(regions);
  arg.vec_len = std::size(regions);
  arg.max_pages = limit + 1;
  // Not a file page, and present or swapped out.
  arg.category_inverted = kPageIsFile;
  arg.category_mask = kPageIsFile;
  arg.category_anyof_mask = kPageIsPresent | kPageIsSwapped;
  arg.return_mask = kPageIsPresent | kPageIsSwapped;
  while (arg.start < arg.end) {
    const int count = ioctl(pagemap, kPagemapScan, &arg);
    if (count < 0) {
      if (errno == ENOTTY || errno == EINVAL) {
        g_pagemap_scan.store(false, std::memory_order_relaxed);
      }
      return Scan::kUnavailable;
    }
    for (int i = 0; i < count; ++i) {
      for (uint64_t page = (regions[i].start - base) / kPageSize;
           page < (regions[i].end - base) / kPageSize; ++page) {
        if (written.size() == limit) return Scan::kTooMany;
        written.push_back(static_cast<uint32_t>(page));
      }
    }
    // The walk ends early when the vector is full or max_pages were found.
    if (arg.walk_end <= arg.start) break;
    arg.start = arg.walk_end;
    arg.max_pages = limit + 1 - written.size();
  }
  return Scan::kFound;
}

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<const MemoryImage>> MemoryImage::Capture(
    absl::Span<const uint8_t> memory) {
  const int fd =
      memfd_create("wasmhost-state", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return ErrnoError("memfd for the state image");
  if (ftruncate(fd, static_cast<off_t>(memory.size())) != 0) {
    absl::Status status = ErrnoError("sizing the state image");
    close(fd);
    return status;
  }
  static const uint8_t kZeroPage[kPageSize] = {};
  std::vector<bool> data_pages(memory.size() / kPageSize);
  for (size_t page = 0; page < data_pages.size(); ++page) {
    const uint8_t* bytes = memory.data() + page * kPageSize;
    if (std::memcmp(bytes, kZeroPage, kPageSize) == 0) continue;
    data_pages[page] = true;
    if (pwrite(fd, bytes, kPageSize, static_cast<off_t>(page * kPageSize)) !=
        static_cast<ssize_t>(kPageSize)) {
      absl::Status status = ErrnoError("writing the state image");
      close(fd);
      return status;
    }
  }
  // Sealed so no one can change the image under the memories mapping it.
  fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
  void* mapping = nullptr;
  if (!memory.empty()) {
    mapping = mmap(nullptr, memory.size(), PROT_READ, MAP_SHARED, fd, 0);
    if (mapping == MAP_FAILED) {
      absl::Status status = ErrnoError("mapping the state image");
      close(fd);
      return status;
    }
  }
  return std::unique_ptr<const MemoryImage>(
      new MemoryImage(fd, memory.size(), static_cast<const uint8_t*>(mapping),
                      std::move(data_pages)));
}

MemoryImage::~MemoryImage() {
  if (mapping_ != nullptr) munmap(const_cast<uint8_t*>(mapping_), size_);
  close(memfd_);
}

absl::Status MemoryImage::MapOnto(absl::Span<uint8_t> memory) const {
  if (mmap(memory.data(), size_, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_FIXED, memfd_, 0) == MAP_FAILED) {
    return ErrnoError("mapping the state image");
  }
  return absl::OkStatus();
}

absl::Status MemoryImage::Drop(absl::Span<uint8_t> memory) const {
  // Dropping private pages of a file mapping reverts them to the file.
  if (madvise(memory.data(), size_, MADV_DONTNEED) != 0) {
    return ErrnoError("resetting memory");
  }
  return absl::OkStatus();
}

absl::Status MemoryImage::Restore(absl::Span<uint8_t> memory,
                                  size_t keep_resident_pages) const {
  const size_t pages = size_ / kPageSize;
  const int pagemap = PagemapFd();
  if (pagemap < 0) return Drop(memory);

  absl::InlinedVector<uint32_t, 32> written;
  if (g_pagemap_scan.load(std::memory_order_relaxed)) {
    switch (ScanWritten(pagemap, memory, keep_resident_pages, written)) {
      case Scan::kFound:
        return CopyBack(memory, written);
      case Scan::kTooMany:
        return Drop(memory);
      case Scan::kUnavailable:
        written.clear();
        break;
    }
  }
  if (pages > kMaxScannedPages) return Drop(memory);
  constexpr size_t kChunk = 256;
  uint64_t entries[kChunk];
  const off_t first_entry =
      static_cast<off_t>(reinterpret_cast<uintptr_t>(memory.data()) /
                         kPageSize * sizeof(uint64_t));
  for (size_t start = 0; start < pages; start += kChunk) {
    const size_t count = std::min(kChunk, pages - start);
    const ssize_t bytes = static_cast<ssize_t>(count * sizeof(uint64_t));
    if (pread(pagemap, entries, bytes,
              first_entry + static_cast<off_t>(start * sizeof(uint64_t))) !=
        bytes) {
      return Drop(memory);
    }
    for (size_t i = 0; i < count; ++i) {
      if (!Written(entries[i])) continue;
      if (written.size() == keep_resident_pages) return Drop(memory);
      written.push_back(static_cast<uint32_t>(start + i));
    }
  }
  return CopyBack(memory, written);
}

absl::Status MemoryImage::CopyBack(absl::Span<uint8_t> memory,
                                   absl::Span<const uint32_t> pages) const {
  for (uint32_t page : pages) {
    uint8_t* to = memory.data() + size_t{page} * kPageSize;
    if (data_pages_[page]) {
      std::memcpy(to, mapping_ + size_t{page} * kPageSize, kPageSize);
    } else {
      std::memset(to, 0, kPageSize);
    }
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::internal
