// lib/util/stable_hash.h: a 64-bit hash that is the same in every process.

#ifndef WASMHOST_LIB_UTIL_STABLE_HASH_H_
#define WASMHOST_LIB_UTIL_STABLE_HASH_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace wasmhost::internal {

// A 64-bit hash stable across processes and runs (absl::Hash is seeded per
// process), eight bytes at a time in four independent lanes so that hashing
// megabytes costs little beside loading them (byte-wise FNV-1a took a
// quarter of a 1.2 MB module's load from the code cache). Not
// cryptographic: it names code cache files and modules, and detects
// corruption; callers that must not confuse two inputs compare them too.
uint64_t StableHash(absl::string_view data);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_STABLE_HASH_H_
