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
// module's metadata, the compiled bytes, and the original bytes as a patch
// of them. 4: the module record says whether initialisation is deferred.
constexpr uint32_t kFormatVersion = 4;

// How often the background writer asks V8 for optimised code. Serialising
// a module with little optimised code costs about a byte per function.
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

// A patch chunk: a range of the base bytes, or bytes of its own.
constexpr uint8_t kCopyChunk = 0, kLiteralChunk = 1;

absl::string_view AsChars(absl::Span<const uint8_t> bytes) {
  return absl::string_view(reinterpret_cast<const char*>(bytes.data()),
                           bytes.size());
}

// [begin, end) of each section of a module, header excluded; empty when
// the bytes are not a sequence of sections.
Ranges SectionRanges(absl::Span<const uint8_t> module) {
  constexpr size_t kHeaderSize = 8;
  Ranges ranges;
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

// The checksum of what a hit does not compare with the bytes being
// compiled: the module record, the compiled bytes outside `covered` (the
// sections the rewrites changed), and the code. A damaged file then fails
// it or the comparison, never reaches V8.
uint64_t Checksum(absl::string_view metadata, absl::string_view compiled,
                  Ranges covered, absl::string_view code) {
  std::sort(covered.begin(), covered.end());
  std::string digest;
  ByteWriter out(&digest);
  out.Put(StableHash(metadata));
  out.Put(StableHash(code));
  size_t at = 0;
  auto gap = [&](size_t to) {
    if (to <= at) return;
    out.Put(uint64_t{at});
    out.Put(StableHash(compiled.substr(at, to - at)));
    at = to;
  };
  for (const auto& [begin, end] : covered) {
    gap(begin);
    at = std::max(at, end);
  }
  gap(compiled.size());
  return StableHash(digest);
}

// `target` as a patch of `base`: a count, then chunks, each a section of
// `target` found unchanged in `base` (a u8 kCopyChunk, u64 offset and size
// in `base`) or bytes of its own (kLiteralChunk and a string). The
// rewrites copy most sections, data segments included, so the original
// bytes as a patch of the compiled ones hold only the sections the
// rewrites changed.
// `*covered` gets the ranges of `base` the patch copies, which a hit
// verifies by comparing them with the target.
std::string EncodePatch(absl::Span<const uint8_t> base,
                        absl::Span<const uint8_t> target, Ranges* covered) {
  const auto base_sections = SectionRanges(base);
  std::vector<std::pair<uint8_t, std::pair<size_t, size_t>>> chunks;
  size_t literal_from = 0;
  auto flush_literal = [&](size_t to) {
    if (to > literal_from) {
      chunks.push_back({kLiteralChunk, {literal_from, to}});
    }
  };
  for (const auto& [begin, end] : SectionRanges(target)) {
    const absl::string_view section =
        AsChars(target.subspan(begin, end - begin));
    for (const auto& [b_begin, b_end] : base_sections) {
      if (b_end - b_begin != section.size() ||
          AsChars(base.subspan(b_begin, b_end - b_begin)) != section) {
        continue;
      }
      flush_literal(begin);
      chunks.push_back({kCopyChunk, {b_begin, b_end}});
      covered->push_back({b_begin, b_end});
      literal_from = end;
      break;
    }
  }
  flush_literal(target.size());
  std::string patch;
  ByteWriter out(&patch);
  out.Put(uint64_t{chunks.size()});
  for (const auto& [kind, range] : chunks) {
    out.Put(kind);
    if (kind == kCopyChunk) {
      out.Put(uint64_t{range.first});
      out.Put(uint64_t{range.second - range.first});
    } else {
      out.PutString(
          AsChars(target.subspan(range.first, range.second - range.first)));
    }
  }
  return patch;
}

// Whether the patch EncodePatch wrote, applied to `base`, gives exactly
// `target`, compared piece by piece; false also for a malformed patch or
// one naming bytes outside `base`.
bool PatchGives(ByteReader& in, absl::string_view base,
                absl::string_view target, Ranges* covered) {
  uint64_t count = 0;
  if (!in.Get(&count)) return false;
  size_t at = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t kind = 0;
    absl::string_view piece;
    if (!in.Get(&kind)) return false;
    if (kind == kCopyChunk) {
      uint64_t offset = 0, size = 0;
      if (!in.Get(&offset) || !in.Get(&size) || offset > base.size() ||
          size > base.size() - offset) {
        return false;
      }
      piece = base.substr(offset, size);
      covered->push_back({offset, offset + size});
    } else if (kind != kLiteralChunk || !in.String(&piece)) {
      return false;
    }
    if (target.substr(at, piece.size()) != piece) return false;
    at += piece.size();
  }
  return at == target.size();
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
  void* data =
      size == 0 ? nullptr : mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (data == MAP_FAILED) return nullptr;
  return std::unique_ptr<MappedFile>(
      new MappedFile(absl::string_view(static_cast<const char*>(data), size)));
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
  absl::string_view fingerprint, compiled;
  Ranges covered;
  const bool valid =
      reader.Get(&magic) && std::memcmp(magic, kMagic, 4) == 0 &&
      reader.Get(&version) && version == kFormatVersion &&
      reader.String(&fingerprint) && fingerprint == fingerprint_ &&
      reader.String(&entry.metadata) && reader.String(&compiled) &&
      PatchGives(reader, compiled, AsChars(original_bytes), &covered) &&
      reader.Get(&checksum) && reader.String(&entry.code) && reader.at_end() &&
      Checksum(entry.metadata, compiled, covered, entry.code) == checksum;
  if (!valid) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  entry.compiled_bytes = absl::Span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(compiled.data()), compiled.size());
  return entry;
}

absl::Status CodeCache::Write(const std::string& path,
                              absl::string_view metadata,
                              absl::Span<const uint8_t> compiled_bytes,
                              absl::string_view original_patch,
                              const Ranges& covered, absl::string_view code) {
  std::string contents(kMagic, sizeof kMagic);
  ByteWriter out(&contents);
  out.Put(kFormatVersion);
  out.PutString(fingerprint_);
  out.PutString(metadata);
  out.PutString(AsChars(compiled_bytes));
  contents.append(original_patch.data(), original_patch.size());
  out.Put(Checksum(metadata, AsChars(compiled_bytes), covered, code));
  out.PutString(code);
  // A unique temporary name, then rename: readers never see a partial file.
  const std::string temporary =
      absl::StrCat(path, ".tmp.", getpid(), ".",
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
  // The original bytes are kept as a patch of the compiled ones (which V8
  // keeps): only the sections the rewrites changed are copied here.
  const absl::Span<const uint8_t> compiled_bytes =
      v8backend::WireBytes(*compiled);
  Ranges covered;
  std::string original_patch =
      EncodePatch(compiled_bytes, original_bytes, &covered);
  absl::StatusOr<std::string> code = v8backend::SerializeModule(*compiled);
  if (code.ok()) {
    Write(path, metadata, compiled_bytes, original_patch, covered, *code)
        .IgnoreError();
    return;
  }
  Pending pending{path,
                  std::move(metadata),
                  std::move(original_patch),
                  std::move(covered),
                  compiled,
                  0};
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
        Write(entry.path, entry.metadata, v8backend::WireBytes(*compiled),
              entry.original_patch, entry.covered, *code)
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
