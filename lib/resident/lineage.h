// lib/resident/lineage.h: the hashes of a resident's snapshot: the state's
// SHA-256 over its deterministic serialisation, and the lineage's hash
// chain (see LineageRecord in proto/wasmhost/v1/snapshot.proto).

#ifndef WASMHOST_LIB_RESIDENT_LINEAGE_H_
#define WASMHOST_LIB_RESIDENT_LINEAGE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "proto/wasmhost/v1/snapshot.pb.h"

namespace wasmhost::internal {

// Protobuf's deterministic serialisation, so hashes of equal messages agree
// in every process.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

// A record's id: the first 16 bytes of its chain hash, in hex.
std::string ShortHex(absl::string_view digest);

// The record's chain hash: SHA-256 over the parent's chain hash (empty for
// the first record) and the record with its id and chain hash cleared.
std::string ChainHash(absl::string_view parent_chain,
                      const v1::LineageRecord& record);

// Checks that every record chains to the one before (the first to
// lineage_base_sha256) and that the state matches the last record's
// state_sha256. Returns DataLoss saying which check failed.
absl::Status VerifyLineage(const v1::Snapshot& snapshot);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RESIDENT_LINEAGE_H_
