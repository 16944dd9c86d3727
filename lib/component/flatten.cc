#include "lib/component/flatten.h"

#include <algorithm>
#include <optional>

namespace wasmhost::component {
namespace {

uint32_t SaturatingAdd(uint32_t a, uint32_t b) {
  return std::min(a + b, FlatInfo::kSaturated);
}

}  // namespace

uint32_t FlatInfo::FlatCount(const std::vector<Field>& fields) {
  uint32_t n = 0;
  for (const Field& f : fields) n = SaturatingAdd(n, FlatCount(f.type));
  return n;
}

uint32_t FlatInfo::FlatCount(TypeId id) {
  if (id < counts_.size() && counts_[id] != 0) return counts_[id] - 1;
  const Type& t = arena_[id];
  uint32_t n = 1;
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kMap:
      n = 2;  // Pointer and length.
      break;
    case TypeKind::kList:
      if (t.fixed_length == 0) {
        n = 2;
      } else {
        const uint64_t total =
            uint64_t{t.fixed_length} * FlatCount(*t.element);
        n = static_cast<uint32_t>(std::min<uint64_t>(total, kSaturated));
      }
      break;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      n = FlatCount(t.fields);
      break;
    case TypeKind::kFlags:
      n = t.labels.empty() ? 0 : 1;
      break;
    case TypeKind::kVariant:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      // The discriminant, then the widest payload (payloads share slots).
      uint32_t widest = 0;
      for (const Case& c : t.cases) {
        if (c.type.has_value()) widest = std::max(widest, FlatCount(*c.type));
      }
      for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
        if (o.has_value()) widest = std::max(widest, FlatCount(*o));
      }
      n = SaturatingAdd(1, widest);
      break;
    }
    default:  // Scalars, enums, handles, streams, futures: one value.
      break;
  }
  if (counts_.size() <= id) counts_.resize(id + 1, 0);
  counts_[id] = n + 1;
  return n;
}

bool FlatInfo::ContainsStringOrList(TypeId id) {
  if (id < contains_.size() && contains_[id] >= 0) return contains_[id] == 1;
  const Type& t = arena_[id];
  bool contains = false;
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kMap:
      contains = true;
      break;
    case TypeKind::kList:
      contains = t.fixed_length == 0 || ContainsStringOrList(*t.element);
      break;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
    case TypeKind::kVariant:
    case TypeKind::kOption:
    case TypeKind::kResult:
      for (const Field& f : t.fields) contains |= ContainsStringOrList(f.type);
      for (const Case& c : t.cases) {
        if (c.type.has_value()) contains |= ContainsStringOrList(*c.type);
      }
      for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
        if (o.has_value()) contains |= ContainsStringOrList(*o);
      }
      break;
    default:  // Handles, streams and futures carry no memory of their own.
      break;
  }
  if (contains_.size() <= id) contains_.resize(id + 1, -1);
  contains_[id] = contains ? 1 : 0;
  return contains;
}

}  // namespace wasmhost::component
