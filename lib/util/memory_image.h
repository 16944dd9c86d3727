// MemoryImage: a linear memory's bytes kept in a sealed memfd, mapped
// copy-on-write over instances' memories and restored into them.
//
// Restoring copies back only the pages written since (found through
// /proc/self/pagemap: a written page of a private file mapping is an
// anonymous page; with the PAGEMAP_SCAN ioctl of Linux 6.7+ at a cost
// that follows the written pages, not the memory's size, else by reading
// the entries of memories up to 16 MiB) instead of dropping them with
// madvise(MADV_DONTNEED):
// dropping unmaps, which in a multi-threaded process interrupts every CPU
// running one of its threads to flush its TLB, and the next write faults
// the page in again. Copied pages stay resident, so past a budget of
// written pages the image drops them after all.

#ifndef WASMHOST_LIB_UTIL_MEMORY_IMAGE_H_
#define WASMHOST_LIB_UTIL_MEMORY_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace wasmhost::internal {

// Immutable after Capture; thread-safe. Memories it is mapped onto are
// not: restoring one must not race with writes to it.
class MemoryImage {
 public:
  static constexpr size_t kPageSize = 4096;

  // Copies `memory` (a whole number of pages) into a new sealed memfd,
  // writing only pages that are not all zero so the image stays sparse.
  // Returns Internal when the memfd cannot be made or written.
  static absl::StatusOr<std::unique_ptr<const MemoryImage>> Capture(
      absl::Span<const uint8_t> memory);

  MemoryImage(const MemoryImage&) = delete;
  MemoryImage& operator=(const MemoryImage&) = delete;
  ~MemoryImage();

  size_t size() const { return size_; }

  // Replaces the pages of `memory` (page-aligned, size() bytes) with a
  // private copy-on-write mapping of the image. Returns Internal when mmap
  // fails.
  absl::Status MapOnto(absl::Span<uint8_t> memory) const;

  // Makes `memory`, mapped with MapOnto, equal to the image again. Pages
  // written since the last drop are copied back from the image while there
  // are at most `keep_resident_pages` of them; beyond that, or when
  // /proc/self/pagemap cannot be read (or the kernel lacks PAGEMAP_SCAN
  // and the memory is over 16 MiB), they are all dropped. A failed open
  // of /proc/self/pagemap (e.g. out of descriptors) is retried by a Restore
  // at least 100 ms later. Returns
  // Internal when the kernel refuses.
  absl::Status Restore(absl::Span<uint8_t> memory,
                       size_t keep_resident_pages) const;

 private:
  MemoryImage(int memfd, size_t size, const uint8_t* mapping,
              std::vector<bool> data_pages)
      : memfd_(memfd),
        size_(size),
        mapping_(mapping),
        data_pages_(std::move(data_pages)) {}

  absl::Status Drop(absl::Span<uint8_t> memory) const;
  // Copies `pages` of the image back into `memory`. Always OK.
  absl::Status CopyBack(absl::Span<uint8_t> memory,
                        absl::Span<const uint32_t> pages) const;

  const int memfd_;
  const size_t size_;
  // The image mapped read-only and shared: the source of copied-back pages.
  const uint8_t* const mapping_;
  // Pages holding data; the others are zero.
  const std::vector<bool> data_pages_;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_MEMORY_IMAGE_H_
