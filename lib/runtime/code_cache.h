// lib/runtime/code_cache.h: compiled code on disk, shared by processes.
//
// A cache file holds the module's wire bytes and V8's serialised code,
// keyed by the bytes and by the engine fingerprint (V8 version and flags).
// Everything is verified on load (magic, format, fingerprint, the wire
// bytes themselves, a checksum of the code), so a corrupt, truncated or
// mismatched file is ignored and replaced. The code is executed when
// loaded: the directory must be writable only by trusted users.

#ifndef WASMHOST_LIB_RUNTIME_CODE_CACHE_H_
#define WASMHOST_LIB_RUNTIME_CODE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/engine.h"

namespace wasmhost::internal {

// Thread-safe: files are written to a temporary name and renamed.
class CodeCache {
 public:
  CodeCache(std::string directory, std::string engine_fingerprint)
      : directory_(std::move(directory)),
        fingerprint_(std::move(engine_fingerprint)) {}

  // The cached code for `wire_bytes`, or nullopt on a miss or a file that
  // fails verification (counted as rejected).
  std::optional<std::string> Load(absl::Span<const uint8_t> wire_bytes);

  // Writes `code` for `wire_bytes`. Returns Internal on I/O errors.
  absl::Status Store(absl::Span<const uint8_t> wire_bytes,
                     absl::string_view code);

  // The file that holds (or would hold) the code for `wire_bytes`.
  std::string PathFor(absl::Span<const uint8_t> wire_bytes) const;

  CodeCacheStats stats() const;
  // Load verifies the file; the engine decides whether the code was used.
  void CountHit() { hits_.fetch_add(1, std::memory_order_relaxed); }
  void CountRejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }

 private:
  const std::string directory_;
  const std::string fingerprint_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, rejected_{0}, writes_{0};
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_CODE_CACHE_H_
