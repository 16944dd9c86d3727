// lib/util/byte_record.h: fixed-layout records of numbers, strings and
// vectors of plain structs, for files this process or a later build of the
// same code reads back (the code cache).
//
//   ByteWriter  appends values to a string
//   ByteReader  reads them back, bounds-checked: every read of a truncated
//               or forged record fails instead of reading past the end

#ifndef WASMHOST_LIB_UTIL_BYTE_RECORD_H_
#define WASMHOST_LIB_UTIL_BYTE_RECORD_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"

namespace wasmhost::internal {

// Host byte order: records are read back on the machine that wrote them
// (the code cache's fingerprint names the V8 build, hence the CPU).
// Thread-compatible.
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  template <typename T>
  void Put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_->append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  // A u64 size, then the bytes.
  void PutString(absl::string_view bytes) {
    Put(uint64_t{bytes.size()});
    out_->append(bytes.data(), bytes.size());
  }
  // A u64 count, then each element as Put writes it. T must have no
  // padding, so the record is the same for equal values.
  template <typename T>
  void PutVector(const std::vector<T>& values) {
    static_assert(std::has_unique_object_representations_v<T>);
    PutString(absl::string_view(reinterpret_cast<const char*>(values.data()),
                                values.size() * sizeof(T)));
  }

 private:
  std::string* out_;
};

// Borrows the record: it must outlive the reader. Thread-compatible.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}

  template <typename T>
  [[nodiscard]] bool Get(T* value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (data_.size() < sizeof(T)) return false;
    std::memcpy(value, data_.data(), sizeof(T));
    data_.remove_prefix(sizeof(T));
    return true;
  }
  [[nodiscard]] bool Bytes(uint64_t size, absl::string_view* out) {
    if (data_.size() < size) return false;
    *out = data_.substr(0, size);
    data_.remove_prefix(size);
    return true;
  }
  // What PutString wrote.
  [[nodiscard]] bool String(absl::string_view* out) {
    uint64_t size = 0;
    return Get(&size) && Bytes(size, out);
  }
  [[nodiscard]] bool String(std::string* out) {
    absl::string_view view;
    if (!String(&view)) return false;
    out->assign(view.data(), view.size());
    return true;
  }
  // What PutVector wrote.
  template <typename T>
  [[nodiscard]] bool Vector(std::vector<T>* out) {
    absl::string_view bytes;
    if (!String(&bytes) || bytes.size() % sizeof(T) != 0) return false;
    out->resize(bytes.size() / sizeof(T));
    if (!bytes.empty()) std::memcpy(out->data(), bytes.data(), bytes.size());
    return true;
  }
  [[nodiscard]] bool at_end() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_BYTE_RECORD_H_
