#include "lib/resident/page_codec.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace wasmhost::internal {
namespace {

// Zero runs shorter than this stay in the literal: a varint pair costs
// more than the zeros.
constexpr size_t kMinZeroRun = 4;

bool PageIsZero(const uint8_t* page) {
  uint64_t any = 0;
  for (size_t i = 0; i < kSnapshotPageSize; i += 8) {
    uint64_t word;
    std::memcpy(&word, page + i, 8);
    any |= word;
  }
  return any == 0;
}

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(const std::string& in, size_t* at, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *at < in.size(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in[(*at)++]);
    *value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Zero-run encodes `bytes`: (literal length, literal, zero count) ...
std::string EncodeRun(const uint8_t* bytes, size_t size) {
  std::string out;
  size_t at = 0;
  while (at < size) {
    // The literal ends where a long enough zero run starts.
    size_t literal_end = at;
    size_t zeros = 0;
    while (literal_end < size) {
      size_t run = 0;
      while (literal_end + run < size && bytes[literal_end + run] == 0) ++run;
      if (run >= kMinZeroRun || literal_end + run == size) {
        zeros = run;
        break;
      }
      literal_end += run + 1;
    }
    PutVarint(literal_end - at, &out);
    out.append(reinterpret_cast<const char*>(bytes + at), literal_end - at);
    PutVarint(zeros, &out);
    at = literal_end + zeros;
  }
  return out;
}

}  // namespace

void EncodeMemory(absl::Span<const uint8_t> memory, v1::LinearMemory* out) {
  out->set_byte_length(memory.size());
  out->clear_runs();
  const size_t pages = memory.size() / kSnapshotPageSize;
  for (size_t page = 0; page < pages;) {
    if (PageIsZero(memory.data() + page * kSnapshotPageSize)) {
      ++page;
      continue;
    }
    size_t end = page + 1;
    while (end < pages &&
           !PageIsZero(memory.data() + end * kSnapshotPageSize)) {
      ++end;
    }
    v1::PageRun* run = out->add_runs();
    run->set_first_page(page);
    run->set_page_count(static_cast<uint32_t>(end - page));
    run->set_encoded(EncodeRun(memory.data() + page * kSnapshotPageSize,
                               (end - page) * kSnapshotPageSize));
    page = end;
  }
}

absl::Status DecodeMemory(const v1::LinearMemory& encoded,
                          absl::Span<uint8_t> memory) {
  const uint64_t pages = memory.size() / kSnapshotPageSize;
  uint64_t next_free = 0;
  for (int i = 0; i < encoded.runs_size(); ++i) {
    const v1::PageRun& run = encoded.runs(i);
    if (run.first_page() < next_free || run.page_count() == 0 ||
        run.first_page() > pages ||
        run.page_count() > pages - run.first_page()) {
      return absl::DataLossError(
          absl::StrCat("memory ", encoded.index(), "'s page run ", i,
                       " (pages ", run.first_page(), "+", run.page_count(),
                       ") is outside the memory or overlaps the run before"));
    }
    next_free = run.first_page() + run.page_count();
    uint8_t* out = memory.data() + run.first_page() * kSnapshotPageSize;
    const uint64_t size = uint64_t{run.page_count()} * kSnapshotPageSize;
    uint64_t written = 0;
    size_t at = 0;
    const std::string& in = run.encoded();
    bool valid = true;
    while (valid && at < in.size()) {
      uint64_t literal = 0, zeros = 0;
      valid = GetVarint(in, &at, &literal) && literal <= in.size() - at &&
              literal <= size - written;
      if (!valid) break;
      std::memcpy(out + written, in.data() + at, literal);
      at += literal;
      written += literal;
      valid = GetVarint(in, &at, &zeros) && zeros <= size - written;
      // The memory is zero already.
      written += zeros;
    }
    if (!valid || written != size) {
      return absl::DataLossError(
          absl::StrCat("memory ", encoded.index(), "'s page run ", i,
                       " does not decode to its ", run.page_count(), " pages"));
    }
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::internal
