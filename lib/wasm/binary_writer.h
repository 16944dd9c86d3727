// lib/wasm/binary_writer.h: appends WebAssembly binary encodings to a byte
// buffer; used by the rewriter and by tests that assemble modules by hand.
//
//   BinaryWriter  bytes, LEB128 integers, names and whole sections

#ifndef WASMHOST_LIB_WASM_BINARY_WRITER_H_
#define WASMHOST_LIB_WASM_BINARY_WRITER_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace wasmhost::wasm {

// A growing byte buffer with the binary format's encodings. Writes cannot
// fail; the methods return *this so a test can chain them.
// Thread-compatible.
class BinaryWriter {
 public:
  BinaryWriter() = default;

  // The "\0asm" magic and version 1.
  BinaryWriter& Header() {
    return Bytes({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
  }

  BinaryWriter& Byte(uint8_t b) {
    bytes_.push_back(b);
    return *this;
  }

  BinaryWriter& Bytes(absl::Span<const uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return *this;
  }

  // Unsigned LEB128, shortest form.
  BinaryWriter& U32(uint32_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      if (v != 0) b |= 0x80;
      bytes_.push_back(b);
    } while (v != 0);
    return *this;
  }

  // Signed LEB128, shortest form (for i32.const / i64.const immediates).
  BinaryWriter& S64(int64_t v) {
    bool more = true;
    while (more) {
      uint8_t b = v & 0x7f;
      v >>= 7;  // Arithmetic shift: GCC and Clang define it for negatives.
      more = !((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0));
      if (more) b |= 0x80;
      bytes_.push_back(b);
    }
    return *this;
  }

  // A length-prefixed name. The caller ensures it is valid UTF-8.
  BinaryWriter& Name(absl::string_view name) {
    U32(static_cast<uint32_t>(name.size()));
    bytes_.insert(bytes_.end(), name.begin(), name.end());
    return *this;
  }

  // A section: id, payload size, payload.
  BinaryWriter& Section(uint8_t id, absl::Span<const uint8_t> payload) {
    Byte(id);
    U32(static_cast<uint32_t>(payload.size()));
    return Bytes(payload);
  }

  // Makes room for `n` bytes in all, so a big output grows (and the
  // kernel maps its pages) once.
  BinaryWriter& Reserve(size_t n) {
    bytes_.reserve(n);
    return *this;
  }

  // Empties the buffer, keeping its capacity.
  BinaryWriter& Clear() {
    bytes_.clear();
    return *this;
  }

  [[nodiscard]] const std::vector<uint8_t>& bytes() const { return bytes_; }
  [[nodiscard]] std::vector<uint8_t> Release() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_BINARY_WRITER_H_
