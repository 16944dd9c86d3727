// lib/util/sha256.h: SHA-256 (FIPS 180-4), for snapshot hashes.
//
// The library may depend only on V8, Abseil and protobuf, none of which
// offers a cryptographic hash, so this is a small one of our own, checked
// against the FIPS 180-4 example vectors (sha256_test.cc).

#ifndef WASMHOST_LIB_UTIL_SHA256_H_
#define WASMHOST_LIB_UTIL_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace wasmhost::internal {

// An incremental SHA-256. Thread-compatible.
class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();

  void Update(absl::string_view data);
  void Update(const uint8_t* data, size_t size) {
    Update(absl::string_view(reinterpret_cast<const char*>(data), size));
  }
  // The digest of everything given; the object must not be used after.
  Digest Finish();

  // The digest of `data` as 32 raw bytes.
  static std::string Hash(absl::string_view data);

 private:
  void Compress(const uint8_t* block);

  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_SHA256_H_
