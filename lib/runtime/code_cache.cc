#include "lib/runtime/code_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/stable_hash.h"

namespace wasmhost::internal {
namespace {

constexpr char kMagic[4] = {'W', 'H', 'C', 'C'};
// 2: StableHash instead of FNV-1a.
constexpr uint32_t kFormatVersion = 2;


absl::string_view AsChars(absl::Span<const uint8_t> bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                           bytes.size());
}

template <typename T>
void Put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// A bounds-checked reader over the file contents.
class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T* value) {
    if (data_.size() < sizeof(T)) return false;
    std::memcpy(value, data_.data(), sizeof(T));
    data_.remove_prefix(sizeof(T));
    return true;
  }
  bool Bytes(uint64_t size, absl::string_view* out) {
    if (data_.size() < size) return false;
    *out = data_.substr(0, size);
    data_.remove_prefix(size);
    return true;
  }
  bool at_end() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

}  // namespace

std::string CodeCache::PathFor(absl::Span<const uint8_t> wire_bytes) const {
  return absl::StrFormat("%s/%016x-%016x.wasmcode", directory_,
                         StableHash(AsChars(wire_bytes)), StableHash(fingerprint_));
}

std::optional<std::string> CodeCache::Load(
    absl::Span<const uint8_t> wire_bytes) {
  std::ifstream file(PathFor(wire_bytes), std::ios::binary | std::ios::ate);
  if (!file) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  // One read of the whole file, not a stream iterator's byte at a time.
  std::string contents(static_cast<size_t>(std::max<std::streamoff>(
                           file.tellg(), 0)),
                       '\0');
  file.seekg(0);
  file.read(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!file) contents.clear();  // fails validation below
  Reader reader(contents);
  char magic[4];
  uint32_t version = 0;
  uint64_t fingerprint_size = 0, wire_size = 0, code_size = 0, checksum = 0;
  absl::string_view fingerprint, wire, code;
  const bool valid =
      reader.Get(&magic) && std::memcmp(magic, kMagic, 4) == 0 &&
      reader.Get(&version) && version == kFormatVersion &&
      reader.Get(&fingerprint_size) &&
      reader.Bytes(fingerprint_size, &fingerprint) &&
      fingerprint == fingerprint_ && reader.Get(&wire_size) &&
      reader.Bytes(wire_size, &wire) && wire == AsChars(wire_bytes) &&
      reader.Get(&code_size) && reader.Get(&checksum) &&
      reader.Bytes(code_size, &code) && StableHash(code) == checksum &&
      reader.at_end();
  if (!valid) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return std::string(code);
}

absl::Status CodeCache::Store(absl::Span<const uint8_t> wire_bytes,
                              absl::string_view code) {
  std::string contents(kMagic, sizeof kMagic);
  Put(contents, kFormatVersion);
  Put(contents, uint64_t{fingerprint_.size()});
  contents.append(fingerprint_);
  Put(contents, uint64_t{wire_bytes.size()});
  absl::StrAppend(&contents, AsChars(wire_bytes));
  Put(contents, uint64_t{code.size()});
  Put(contents, StableHash(code));
  absl::StrAppend(&contents, code);

  const std::string path = PathFor(wire_bytes);
  // A unique temporary name, then rename: readers never see a partial file.
  const std::string temporary = absl::StrCat(
      path, ".tmp.", getpid(), ".",
      std::hash<std::thread::id>()(std::this_thread::get_id()));
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!file.flush()) {
      std::remove(temporary.c_str());
      return absl::InternalError(
          absl::StrCat("cannot write the code cache file ", temporary));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::InternalError(
        absl::StrCat("cannot rename the code cache file to ", path, ": ",
                     std::strerror(errno)));
  }
  writes_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

CodeCacheStats CodeCache::stats() const {
  CodeCacheStats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  stats.rejected = rejected_.load(std::memory_order_relaxed);
  stats.writes = writes_.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace wasmhost::internal
