// lib/wasi/random.h: the deterministic random source behind
// WasiOptions::random_seed: xoshiro256** seeded through splitmix64.

#ifndef WASMHOST_LIB_WASI_RANDOM_H_
#define WASMHOST_LIB_WASI_RANDOM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wasmhost::wasi {

// splitmix64: expands one 64-bit seed into well-mixed state words.
// Advances `*state`.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256**: a fast generator with a 256-bit state. Not cryptographic:
// it exists so that seeded runs are reproducible. Copyable (a copy
// continues the same stream); thread-compatible.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t& word : s_) word = SplitMix64(&seed);
  }

  // The generator's state, and one continuing from it (resident
  // snapshots carry the stream's position this way).
  std::array<uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  static Xoshiro256 FromState(const std::array<uint64_t, 4>& state) {
    Xoshiro256 generator(0);
    for (int i = 0; i < 4; ++i) generator.s_[i] = state[i];
    return generator;
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Fills `size` bytes at `out` with the next bytes of the stream (each
  // word little-endian; a partial last word is cut, not carried over).
  void Fill(uint8_t* out, size_t size) {
    while (size >= 8) {
      uint64_t word = Next();
      std::memcpy(out, &word, 8);
      out += 8;
      size -= 8;
    }
    if (size > 0) {
      uint64_t word = Next();
      std::memcpy(out, &word, size);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_RANDOM_H_
