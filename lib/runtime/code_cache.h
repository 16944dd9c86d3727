// lib/runtime/code_cache.h: compiled code on disk, shared by processes.
//
// A cache file is keyed by the module's original bytes and the engine
// fingerprint (V8 version, flags, and every option that changes the
// host's rewrites), and holds what a later Compile of the same bytes needs
// to skip validation, the code scan and the rewrites: the module's
// metadata record (opaque here; lib/runtime/module.cc writes it), the
// rewritten bytes V8 compiles, the original bytes as a patch of those
// (sections the rewrites left unchanged, and the changed ones; verified
// byte for byte against the bytes being compiled), and V8's serialised
// code, with a checksum of what the comparison does not cover. Everything is
// verified on load, so a corrupt, truncated or mismatched file is ignored and
// replaced. The code is executed when loaded: the directory must be writable
// only by trusted users.
//
// V8 10.2 serialises only TurboFan code (functions still at Liftoff, or
// not compiled yet, are recorded as "compile lazily"). A module compiled
// by TurboFan is stored at once; a tiered one is stored by a background
// thread once V8 has optimised some of it and its serialised size has
// stopped changing between two polls, so the first process never waits
// for TurboFan.

#ifndef WASMHOST_LIB_RUNTIME_CODE_CACHE_H_
#define WASMHOST_LIB_RUNTIME_CODE_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/util/mutex.h"
#include "lib/v8/backend.h"
#include "wasmhost/engine.h"

namespace wasmhost::internal {

// [begin, end) byte ranges.
using Ranges = std::vector<std::pair<size_t, size_t>>;

// A cache file mapped read-only; unmapped when destroyed.
class MappedFile {
 public:
  // The file at `path`, or nullptr when it cannot be opened or mapped.
  static std::unique_ptr<MappedFile> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  absl::string_view contents() const { return contents_; }

 private:
  explicit MappedFile(absl::string_view contents) : contents_(contents) {}
  absl::string_view contents_;
};

// What a cache file gives back for a module's original bytes: views into
// the mapped file, valid while it lives. Move-only (owns the mapping).
struct CacheEntry {
  std::unique_ptr<MappedFile> file;
  absl::string_view metadata;                // as given to Store
  absl::Span<const uint8_t> compiled_bytes;  // the bytes V8 compiled
  absl::string_view code;                    // V8's serialised code
};

// Thread-safe: files are written to a temporary name and renamed; the
// background writer owns its queue under a mutex.
class CodeCache {
 public:
  // `engine_fingerprint` must name everything compiled code depends on
  // besides the original bytes (V8 version and flags, and options that
  // change the rewrites).
  CodeCache(std::string directory, std::string engine_fingerprint)
      : directory_(std::move(directory)),
        fingerprint_(std::move(engine_fingerprint)) {}
  // Never destroyed while its writer runs: the engine state owning it is
  // never freed.
  ~CodeCache();

  // The file that holds (or would hold) the entry for `original_bytes`.
  std::string PathFor(absl::Span<const uint8_t> original_bytes) const;

  // The entry at `path` (PathFor(original_bytes)) for `original_bytes`, or
  // nullopt on a miss (counted) or a file that fails verification (counted
  // as rejected).
  std::optional<CacheEntry> Load(const std::string& path,
                                 absl::Span<const uint8_t> original_bytes);

  // Writes the entry at `path` for `original_bytes` with `compiled` (the
  // module compiled from the rewritten bytes) now, if V8 has optimised
  // code for it; else once it has (see the top of this file), from a
  // background thread. Compile pays for the original bytes' sections the
  // rewrites changed (copied), not for the file. Holds `compiled` weakly: a
  // module dropped before then is never written. Failed writes are not reported
  // (the cache never fails a Compile; the next process compiles instead).
  void Store(const std::string& path, absl::Span<const uint8_t> original_bytes,
             std::string metadata,
             const std::shared_ptr<const v8backend::CompiledCode>& compiled);

  CodeCacheStats stats() const;
  // Load verifies the file; the engine decides whether the code was used.
  void CountHit() { hits_.fetch_add(1, std::memory_order_relaxed); }
  void CountRejected() { rejected_.fetch_add(1, std::memory_order_relaxed); }

 private:
  // A module waiting for optimised code, and the serialised size seen at
  // the previous poll.
  struct Pending {
    std::string path;
    std::string metadata;
    std::string original_patch;
    Ranges covered;  // of the compiled bytes, compared on a hit
    std::weak_ptr<const v8backend::CompiledCode> compiled;
    size_t last_size = 0;
  };

  // Builds and writes the file.
  absl::Status Write(const std::string& path, absl::string_view metadata,
                     absl::Span<const uint8_t> compiled_bytes,
                     absl::string_view original_patch, const Ranges& covered,
                     absl::string_view code);
  // The background writer's loop: polls every kPollInterval while modules
  // are pending.
  void WriterLoop();

  const std::string directory_;
  const std::string fingerprint_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, rejected_{0}, writes_{0};
  mutable Mutex mutex_;
  CondVar wake_;
  std::vector<Pending> pending_ ABSL_GUARDED_BY(mutex_);
  // Entries the writer took out of pending_ and is serialising.
  size_t polling_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread writer_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_CODE_CACHE_H_
