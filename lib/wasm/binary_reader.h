// lib/wasm/binary_reader.h: a bounds-checked cursor over WebAssembly binary
// bytes, shared by the module reader and the rewriter.
//
//   ErrorAt       the InvalidArgument status every decoding error uses
//   IsValidUtf8   the UTF-8 check the binary format requires of names
//   BinaryReader  reads bytes, LEB128 integers, counts and names

#ifndef WASMHOST_LIB_WASM_BINARY_READER_H_
#define WASMHOST_LIB_WASM_BINARY_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace wasmhost::wasm {

// InvalidArgument "at offset <offset>: <reason>". The offset counts from the
// first byte of the module so a user can find the spot with a hex dump.
[[nodiscard]] inline absl::Status ErrorAt(size_t offset,
                                          absl::string_view reason) {
  return absl::InvalidArgumentError(
      absl::StrCat("at offset ", offset, ": ", reason));
}

// True if `s` is well-formed UTF-8: no overlong forms, no surrogates, nothing
// above U+10FFFF (the binary format's rule for names).
[[nodiscard]] inline bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((b0 & 0xe0) == 0xc0) {
      len = 2, min = 0x80, cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      len = 3, min = 0x800, cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      len = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

// A cursor over a window of a module's bytes. Every read checks the window's
// end first, so no input can make it read out of bounds; errors carry the
// absolute offset and name what was being read (the context).
//
// The reader borrows the bytes and the context string: both must outlive it.
// Thread-compatible.
class BinaryReader {
 public:
  // Reads all of `bytes`; `context` completes error messages
  // ("... in the type section").
  BinaryReader(absl::Span<const uint8_t> bytes, absl::string_view context)
      : data_(bytes.data()), pos_(0), end_(bytes.size()), context_(context) {}

  // Absolute offset of the next byte.
  [[nodiscard]] size_t offset() const { return pos_; }
  [[nodiscard]] size_t remaining() const { return end_ - pos_; }
  [[nodiscard]] bool at_end() const { return pos_ == end_; }

  // InvalidArgument "at offset <offset>: <reason> in <context>".
  [[nodiscard]] absl::Status Error(size_t offset,
                                   absl::string_view reason) const {
    return ErrorAt(offset, absl::StrCat(reason, " in ", context_));
  }

  // Moves the next `size` bytes into `*sub` (a reader of its own, with the
  // same absolute offsets and the new context) and skips them here.
  absl::Status ReadSub(size_t size, absl::string_view context,
                       BinaryReader* sub) {
    if (size > remaining()) return Truncated(pos_);
    *sub = BinaryReader(data_, pos_, pos_ + size, context);
    pos_ += size;
    return absl::OkStatus();
  }

  absl::Status ReadU8(uint8_t* out) {
    if (at_end()) return Truncated(pos_);
    *out = data_[pos_++];
    return absl::OkStatus();
  }

  // LEB128 readers. They reject encodings longer than the type allows
  // (ceil(bits / 7) bytes) and unused bits in the last byte that are not
  // zero (unsigned) or a sign extension (signed).
  absl::Status ReadU32(uint32_t* out) { return ReadLeb(out); }
  absl::Status ReadS32(int32_t* out) { return ReadLeb(out); }
  absl::Status ReadS64(int64_t* out) { return ReadLeb(out); }
  // A signed 33-bit integer (at most 5 bytes): block types' type indices.
  absl::Status ReadS33(int64_t* out) { return ReadLeb<int64_t, 33>(out); }

  // Skips `n` bytes, or the rest if fewer remain: for a caller that has
  // already checked them (no status to build).
  void SkipChecked(size_t n) { pos_ += n < remaining() ? n : remaining(); }

  absl::Status Skip(size_t n) {
    if (n > remaining()) {
      return Error(
          pos_, absl::StrCat("unexpected end of input (", n, " bytes needed, ",
                             remaining(), " remain)"));
    }
    pos_ += n;
    return absl::OkStatus();
  }

  // A vector length. Rejects counts that cannot fit in the remaining bytes
  // at `min_entry_size` bytes each, so callers may reserve `*out` entries
  // without letting a forged count allocate gigabytes.
  absl::Status ReadCount(size_t min_entry_size, uint32_t* out) {
    const size_t at = pos_;
    if (absl::Status s = ReadU32(out); !s.ok()) return s;
    if (*out > remaining() / min_entry_size) {
      return Error(at, absl::StrCat("count ", *out, " too large for the ",
                                    remaining(), " bytes remaining"));
    }
    return absl::OkStatus();
  }

  // A length-prefixed UTF-8 name.
  absl::Status ReadName(std::string* out) {
    uint32_t size;
    if (absl::Status s = ReadU32(&size); !s.ok()) return s;
    const size_t at = pos_;
    if (absl::Status s = Skip(size); !s.ok()) return s;
    out->assign(reinterpret_cast<const char*>(data_ + at), size);
    if (!IsValidUtf8(*out)) return Error(at, "invalid UTF-8 in a name");
    return absl::OkStatus();
  }

 private:
  BinaryReader(const uint8_t* data, size_t pos, size_t end,
               absl::string_view context)
      : data_(data), pos_(pos), end_(end), context_(context) {}

  absl::Status Truncated(size_t at) const {
    return Error(at, "unexpected end of input");
  }

  // `kBits` (at most the width of T) is the encoded integer's width.
  template <typename T, int kBits = sizeof(T) * 8>
  absl::Status ReadLeb(T* out) {
    using U = std::make_unsigned_t<T>;
    static_assert(kBits <= static_cast<int>(sizeof(T) * 8));
    constexpr int kMaxBytes = (kBits + 6) / 7;
    const size_t start = pos_;
    U result = 0;
    for (int i = 0; i < kMaxBytes; ++i) {
      if (at_end()) return Truncated(start);
      const uint8_t b = data_[pos_++];
      const int shift = 7 * i;
      result |= static_cast<U>(b & 0x7f) << shift;
      if (i == kMaxBytes - 1) {
        if (b & 0x80) return Error(start, "integer representation too long");
        // The last byte holds only kBits - shift bits of the value; the
        // rest must not carry information.
        const int used = kBits - shift;
        const uint8_t rest = static_cast<uint8_t>((b & 0x7f) >> used);
        const uint8_t all_ones = static_cast<uint8_t>(0x7f >> used);
        bool ok = rest == 0;
        if (std::is_signed_v<T>) {
          const bool negative = (b >> (used - 1)) & 1;
          ok = rest == (negative ? all_ones : 0);
        }
        if (!ok) return Error(start, "integer too large");
        // Narrower than T (s33 in an int64_t): extend the sign past kBits.
        if constexpr (std::is_signed_v<T> && kBits < sizeof(T) * 8) {
          if ((b >> (used - 1)) & 1) result |= ~U{0} << kBits;
        }
        break;
      }
      if ((b & 0x80) == 0) {
        if (std::is_signed_v<T> && (b & 0x40)) result |= ~U{0} << (shift + 7);
        break;
      }
    }
    *out = static_cast<T>(result);
    return absl::OkStatus();
  }

  const uint8_t* data_;
  size_t pos_;
  size_t end_;
  absl::string_view context_;
};

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_BINARY_READER_H_
