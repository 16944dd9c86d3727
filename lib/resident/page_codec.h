// lib/resident/page_codec.h: a linear memory in a snapshot: its non-zero
// 4 KiB pages in runs, each run zero-run encoded. An in-house encoding
// because the library depends only on V8, Abseil and protobuf: guest heaps
// are mostly zeros and small integers, which zero runs catch; dense data
// (e.g. a random-filled page) costs one varint per run over its size.

#ifndef WASMHOST_LIB_RESIDENT_PAGE_CODEC_H_
#define WASMHOST_LIB_RESIDENT_PAGE_CODEC_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "proto/wasmhost/v1/snapshot.pb.h"

namespace wasmhost::internal {

inline constexpr size_t kSnapshotPageSize = 4096;

// Fills `out` (index and byte_length set by the caller or here) with the
// non-zero pages of `memory`.
void EncodeMemory(absl::Span<const uint8_t> memory, v1::LinearMemory* out);

// Writes the pages of `encoded` into `memory`, which must already be
// encoded.byte_length() bytes and zero wherever `encoded` has no page.
// Returns DataLoss when a run lies outside the memory, overlaps the one
// before, or does not decode to exactly its pages.
absl::Status DecodeMemory(const v1::LinearMemory& encoded,
                          absl::Span<uint8_t> memory);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RESIDENT_PAGE_CODEC_H_
