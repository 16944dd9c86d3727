#include "lib/util/stable_hash.h"

#include <cstring>

namespace wasmhost::internal {
namespace {

constexpr uint64_t kPrime1 = 0x9e3779b185ebca87;
constexpr uint64_t kPrime2 = 0xc2b2ae3d27d4eb4f;
constexpr uint64_t kPrime3 = 0x165667b19e3779f9;

uint64_t RotateLeft(uint64_t x, int bits) {
  return (x << bits) | (x >> (64 - bits));
}

uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// The rotation carries every bit's difference into the next multiply, so
// changes cannot cancel out within a lane.
uint64_t Mix(uint64_t lane, uint64_t word) {
  return RotateLeft(lane + word * kPrime2, 31) * kPrime1;
}

}  // namespace

uint64_t StableHash(absl::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  uint64_t lanes[4] = {kPrime1 + kPrime2, kPrime2, 0, ~kPrime1};
  for (; left >= 32; p += 32, left -= 32) {
    for (int i = 0; i < 4; ++i) lanes[i] = Mix(lanes[i], LoadWord(p + 8 * i));
  }
  uint64_t hash = RotateLeft(lanes[0], 1) + RotateLeft(lanes[1], 7) +
                  RotateLeft(lanes[2], 12) + RotateLeft(lanes[3], 18);
  for (uint64_t lane : lanes) hash = (hash ^ Mix(0, lane)) * kPrime1 + kPrime3;
  hash += data.size();
  for (; left >= 8; p += 8, left -= 8) {
    hash = RotateLeft(hash ^ Mix(0, LoadWord(p)), 27) * kPrime1 + kPrime3;
  }
  for (; left > 0; ++p, --left) {
    hash = RotateLeft(hash ^ (static_cast<unsigned char>(*p) * kPrime3), 11) *
           kPrime1;
  }
  // Every input bit reaches every output bit.
  hash ^= hash >> 33;
  hash *= kPrime2;
  hash ^= hash >> 29;
  hash *= kPrime3;
  hash ^= hash >> 32;
  return hash;
}

}  // namespace wasmhost::internal
