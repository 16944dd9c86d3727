#include "lib/resident/lineage.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lib/util/sha256.h"

namespace wasmhost::internal {

std::string DeterministicBytes(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

std::string ShortHex(absl::string_view digest) {
  return absl::BytesToHexString(digest.substr(0, 16));
}

std::string ChainHash(absl::string_view parent_chain,
                      const v1::LineageRecord& record) {
  v1::LineageRecord content = record;
  content.clear_snapshot_id();
  content.clear_chain_sha256();
  Sha256 sha;
  sha.Update(parent_chain);
  sha.Update(DeterministicBytes(content));
  const Sha256::Digest digest = sha.Finish();
  return std::string(digest.begin(), digest.end());
}

absl::Status VerifyLineage(const v1::Snapshot& snapshot) {
  if (snapshot.lineage_size() == 0) {
    return absl::DataLossError("the snapshot has no lineage record");
  }
  std::string parent_chain = snapshot.lineage_base_sha256();
  std::string parent_id = parent_chain.empty() ? "" : ShortHex(parent_chain);
  for (int i = 0; i < snapshot.lineage_size(); ++i) {
    const v1::LineageRecord& record = snapshot.lineage(i);
    const std::string chain = ChainHash(parent_chain, record);
    if (record.parent_id() != parent_id || record.chain_sha256() != chain ||
        record.snapshot_id() != ShortHex(chain)) {
      return absl::DataLossError(
          absl::StrCat("the snapshot's lineage chain is broken at record ", i,
                       " (", record.snapshot_id(), ")"));
    }
    parent_chain = chain;
    parent_id = record.snapshot_id();
  }
  const std::string state_sha256 =
      Sha256::Hash(DeterministicBytes(snapshot.state()));
  if (snapshot.lineage().rbegin()->state_sha256() != state_sha256) {
    return absl::DataLossError(
        "the snapshot's state does not match the SHA-256 its lineage "
        "records: it was changed or corrupted");
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::internal
