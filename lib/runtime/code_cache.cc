#include "lib/runtime/code_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/byte_record.h"
#include "lib/util/stable_hash.h"
#include "lib/wasm/binary_reader.h"

namespace wasmhost::internal {
namespace {

constexpr char kMagic[4] = {'W', 'H', 'C', 'C'};
// 2: StableHash instead of FNV-1a. 3: keyed by the original bytes, with the
// module's metadata and the compiled bytes as a patch of the original.
constexpr uint32_t kFormatVersion = 3;

// How often the background writer asks V8 for optimised code. Serialising
// a module with little optimised code costs about a byte per function.
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

// A patch chunk: a range of the original bytes, or bytes of its own.
constexpr uint8_t kCopyChunk = 0, kLiteralChunk = 1;

absl::string_view AsChars(absl::Span<const uint8_t> bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                           bytes.size());
}

// [begin, end) of each section of a module, header excluded; empty when
// the bytes are not a sequence of sections.
std::vector<std::pair<size_t, size_t>> SectionRanges(
    absl::Span<const uint8_t> module) {
  constexpr size_t kHeaderSize = 8;
  std::vector<std::pair<size_t, size_t>> ranges;
  if (module.size() < kHeaderSize) return ranges;
  wasm::BinaryReader reader(module, "module");
  if (!reader.Skip(kHeaderSize).ok()) return {};
  while (!reader.at_end()) {
    const size_t begin = reader.offset();
    uint8_t id = 0;
    uint32_t size = 0;
    if (!reader.ReadU8(&id).ok() || !reader.ReadU32(&size).ok() ||
        !reader.Skip(size).ok()) {
      return {};
    }
    ranges.emplace_back(begin, reader.offset());
  }
  return ranges;
}

// `compiled` as chunks: each of its sections found unchanged in
// `original` (the rewrites copy most sections, data segments included) is
// a reference to it, the rest literal bytes. So a file holds the data of a
// data-heavy module once.
void PutPatch(ByteWriter& out, absl::Span<const uint8_t> original,
              absl::Span<const uint8_t> compiled) {
  const auto original_sections = SectionRanges(original);
  auto compiled_sections = SectionRanges(compiled);
  std::vector<std::pair<uint8_t, std::pair<size_t, size_t>>> chunks;
  size_t literal_from = 0;
  auto flush_literal = [&](size_t to) {
    if (to > literal_from) {
      chunks.push_back({kLiteralChunk, {literal_from, to}});
    }
  };
  for (const auto& [begin, end] : compiled_sections) {
    const absl::string_view section = AsChars(compiled.subspan(begin, end - begin));
    for (const auto& [o_begin, o_end] : original_sections) {
      if (o_end - o_begin != section.size() ||
          AsChars(original.subspan(o_begin, o_end - o_begin)) != section) {
        continue;
      }
      flush_literal(begin);
      chunks.push_back({kCopyChunk, {o_begin, o_end}});
      literal_from = end;
      break;
    }
  }
  flush_literal(compiled.size());
  out.Put(uint64_t{chunks.size()});
  for (const auto& [kind, range] : chunks) {
    out.Put(kind);
    if (kind == kCopyChunk) {
      out.Put(uint64_t{range.first});
      out.Put(uint64_t{range.second - range.first});
    } else {
      out.PutString(AsChars(compiled.subspan(range.first,
                                             range.second - range.first)));
    }
  }
}

// What PutPatch wrote, as chunks of `original` and of the record; false
// when the record is malformed or names bytes outside `original`.
bool GetPatch(ByteReader& in, absl::Span<const uint8_t> original,
              std::vector<absl::Span<const uint8_t>>* compiled) {
  uint64_t count = 0;
  if (!in.Get(&count)) return false;
  compiled->clear();
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t kind = 0;
    if (!in.Get(&kind)) return false;
    if (kind == kCopyChunk) {
      uint64_t offset = 0, size = 0;
      if (!in.Get(&offset) || !in.Get(&size) || offset > original.size() ||
          size > original.size() - offset) {
        return false;
      }
      compiled->push_back(original.subspan(offset, size));
    } else if (kind == kLiteralChunk) {
      absl::string_view literal;
      if (!in.String(&literal)) return false;
      compiled->push_back(absl::Span<const uint8_t>(
          reinterpret_cast<const uint8_t*>(literal.data()), literal.size()));
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

CodeCache::~CodeCache() {
  std::thread writer;
  {
    MutexLock lock(&mutex_);
    stopping_ = true;
    wake_.SignalAll();
    writer = std::move(writer_);
  }
  if (writer.joinable()) writer.join();
}

std::string CodeCache::PathFor(absl::Span<const uint8_t> original_bytes) const {
  return absl::StrFormat("%s/%016x-%016x.wasmcode", directory_,
                         StableHash(AsChars(original_bytes)),
                         StableHash(fingerprint_));
}

std::unique_ptr<MappedFile> MappedFile::Open(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat status = {};
  if (fstat(fd, &status) != 0) {
    close(fd);
    return nullptr;
  }
  const auto size = static_cast<size_t>(status.st_size);
  // Files are replaced by rename, never rewritten in place, so a mapping
  // keeps the file it was made of (the directory is trusted not to
  // truncate one under a reader).
  void* data = size == 0 ? nullptr
                         : mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (data == MAP_FAILED) return nullptr;
  return std::unique_ptr<MappedFile>(new MappedFile(
      absl::string_view(static_cast<const char*>(data), size)));
}

MappedFile::~MappedFile() {
  if (!contents_.empty()) {
    munmap(const_cast<char*>(contents_.data()), contents_.size());
  }
}

std::optional<CacheEntry> CodeCache::Load(
    const std::string& path, absl::Span<const uint8_t> original_bytes) {
  // Mapped, not read: a hit touches the file once, when it is compared
  // and when V8 copies the compiled bytes.
  CacheEntry entry;
  entry.file = MappedFile::Open(path);
  if (entry.file == nullptr) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  ByteReader reader(entry.file->contents());
  char magic[4];
  uint32_t version = 0;
  uint64_t checksum = 0;
  absl::string_view fingerprint, original;
  const bool valid =
      reader.Get(&magic) && std::memcmp(magic, kMagic, 4) == 0 &&
      reader.Get(&version) && version == kFormatVersion &&
      reader.String(&fingerprint) && fingerprint == fingerprint_ &&
      reader.String(&original) && original == AsChars(original_bytes) &&
      reader.String(&entry.metadata) &&
      GetPatch(reader, original_bytes, &entry.compiled_chunks) &&
      reader.Get(&checksum) && reader.String(&entry.code) &&
      StableHash(entry.code) == checksum && reader.at_end();
  if (!valid) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return entry;
}

absl::Status CodeCache::Write(const std::string& path,
                              absl::Span<const uint8_t> original_bytes,
                              absl::string_view metadata,
                              absl::Span<const uint8_t> compiled_bytes,
                              absl::string_view code) {
  std::string contents(kMagic, sizeof kMagic);
  ByteWriter out(&contents);
  out.Put(kFormatVersion);
  out.PutString(fingerprint_);
  out.PutString(AsChars(original_bytes));
  out.PutString(metadata);
  PutPatch(out, original_bytes, compiled_bytes);
  out.Put(StableHash(code));
  out.PutString(code);
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

void CodeCache::Store(
    const std::string& path, absl::Span<const uint8_t> original_bytes,
    std::string metadata,
    const std::shared_ptr<const v8backend::CompiledCode>& compiled) {
  absl::StatusOr<std::string> code = v8backend::SerializeModule(*compiled);
  if (code.ok()) {
    Write(path, original_bytes, metadata, v8backend::WireBytes(*compiled),
          *code)
        .IgnoreError();
    return;
  }
  Pending pending{path, std::string(AsChars(original_bytes)),
                  std::move(metadata), compiled, 0};
  MutexLock lock(&mutex_);
  pending_.push_back(std::move(pending));
  if (!writer_.joinable()) writer_ = std::thread([this] { WriterLoop(); });
  wake_.SignalAll();
}

void CodeCache::WriterLoop() {
  while (true) {
    std::vector<Pending> polled;
    {
      MutexLock lock(&mutex_);
      while (!stopping_ && pending_.empty()) {
        wake_.WaitWithDeadline(&mutex_, absl::InfiniteFuture());
      }
      const absl::Time deadline = absl::Now() + kPollInterval;
      while (!stopping_ && !wake_.WaitWithDeadline(&mutex_, deadline)) {
      }
      if (stopping_) return;
      // Serialised outside the lock, so Store never waits for it.
      polled = std::move(pending_);
      pending_.clear();
      polling_ = polled.size();
    }
    std::vector<Pending> still_pending;
    for (Pending& entry : polled) {
      std::shared_ptr<const v8backend::CompiledCode> compiled =
          entry.compiled.lock();
      if (compiled == nullptr) continue;  // dropped before it was optimised
      absl::StatusOr<std::string> code = v8backend::SerializeModule(*compiled);
      // Written once some code is optimised and tier-up has settled (the
      // size did not change since the last poll); a failed write is not
      // retried (the cache never fails a Compile, and costs only a compile).
      if (code.ok() && code->size() == entry.last_size) {
        const absl::string_view original = entry.original;
        Write(entry.path,
              absl::Span<const uint8_t>(
                  reinterpret_cast<const uint8_t*>(original.data()),
                  original.size()),
              entry.metadata, v8backend::WireBytes(*compiled), *code)
            .IgnoreError();
        continue;
      }
      entry.last_size = code.ok() ? code->size() : 0;
      still_pending.push_back(std::move(entry));
    }
    MutexLock lock(&mutex_);
    for (Pending& entry : still_pending) pending_.push_back(std::move(entry));
    polling_ = 0;
  }
}

CodeCacheStats CodeCache::stats() const {
  CodeCacheStats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  stats.rejected = rejected_.load(std::memory_order_relaxed);
  stats.writes = writes_.load(std::memory_order_relaxed);
  MutexLock lock(&mutex_);
  stats.pending = pending_.size() + polling_;
  return stats;
}

}  // namespace wasmhost::internal
