// SHA-256 against the FIPS 180-4 examples (NIST's one-block, two-block and
// million-'a' vectors), plus padding edges.

#include "lib/util/sha256.h"

#include <algorithm>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace wasmhost::internal {
namespace {

std::string HexHash(absl::string_view data) {
  return absl::BytesToHexString(Sha256::Hash(data));
}

TEST(Sha256Test, FipsOneBlock) {
  EXPECT_EQ(HexHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, FipsTwoBlocks) {
  EXPECT_EQ(HexHash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, Empty) {
  EXPECT_EQ(HexHash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, FipsMillionAsInPieces) {
  // 1,000,000 'a', fed in uneven pieces so the block buffering is crossed
  // at every offset.
  const std::string million(1'000'000, 'a');
  Sha256 sha;
  size_t at = 0;
  for (size_t piece = 1; at < million.size(); piece = piece % 131 + 1) {
    const size_t take = std::min(piece, million.size() - at);
    sha.Update(absl::string_view(million).substr(at, take));
    at += take;
  }
  const Sha256::Digest digest = sha.Finish();
  EXPECT_EQ(absl::BytesToHexString(absl::string_view(
                reinterpret_cast<const char*>(digest.data()), digest.size())),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PaddingBoundaries) {
  // 55 bytes pad into one block, 56 need a second (values from Python's
  // hashlib).
  EXPECT_EQ(HexHash(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(HexHash(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(HexHash(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

}  // namespace
}  // namespace wasmhost::internal
