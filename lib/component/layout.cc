#include "lib/component/layout.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "lib/component/types.h"

namespace wasmhost::component {
namespace {

// Sizes of invalid types saturate far above the spec's 2^28 bound.
uint32_t SaturatedSize(uint64_t n) {
  return static_cast<uint32_t>(
      std::min<uint64_t>(n, std::numeric_limits<uint32_t>::max()));
}

uint32_t SaturatingAdd(uint32_t a, uint32_t b) {
  return std::min(a + b, kSaturatedFlatCount);
}

ValType Join(ValType a, ValType b) {
  if (a == b) return a;
  if ((a == ValType::kI32 && b == ValType::kF32) ||
      (a == ValType::kF32 && b == ValType::kI32)) {
    return ValType::kI32;
  }
  return ValType::kI64;
}

// Calls `f` on every case payload of a variant, option or result (the
// spec's despecialize: an option's is `element`, a result's `ok`/`error`).
template <typename F>
void ForEachPayload(const Type& t, F f) {
  for (const Case& c : t.cases) {
    if (c.type.has_value()) f(*c.type);
  }
  for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
    if (o.has_value()) f(*o);
  }
}

// The number of cases of a variant, enum, option or result.
size_t NumCases(const Type& t) {
  switch (t.kind) {
    case TypeKind::kVariant:
      return t.cases.size();
    case TypeKind::kEnum:
      return t.labels.size();
    default:
      return 2;  // option: none, some; result: ok, error.
  }
}

// flatten_type of `t` over its members' flattenings.
void FlattenMembers(const TypeArena& arena, const Type& t,
                    std::vector<ValType>& out) {
  switch (t.kind) {
    case TypeKind::kS64:
    case TypeKind::kU64:
      out.push_back(ValType::kI64);
      return;
    case TypeKind::kF32:
      out.push_back(ValType::kF32);
      return;
    case TypeKind::kF64:
      out.push_back(ValType::kF64);
      return;
    case TypeKind::kString:
    case TypeKind::kMap:
      out.insert(out.end(), {ValType::kI32, ValType::kI32});
      return;
    case TypeKind::kList:
      if (t.fixed_length == 0) {
        out.insert(out.end(), {ValType::kI32, ValType::kI32});
      } else {
        for (uint32_t i = 0; i < t.fixed_length; ++i) {
          FlattenType(arena, *t.element, out);
        }
      }
      return;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (const Field& f : t.fields) FlattenType(arena, f.type, out);
      return;
    case TypeKind::kFlags:
      if (!t.labels.empty()) out.push_back(ValType::kI32);
      return;
    case TypeKind::kVariant:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      out.push_back(ValType::kI32);  // The discriminant.
      const size_t joined_at = out.size();
      std::vector<ValType> flat;
      ForEachPayload(t, [&](TypeId payload) {
        flat.clear();
        FlattenType(arena, payload, flat);
        for (size_t i = 0; i < flat.size(); ++i) {
          if (joined_at + i < out.size()) {
            out[joined_at + i] = Join(out[joined_at + i], flat[i]);
          } else {
            out.push_back(flat[i]);
          }
        }
      });
      return;
    }
    default:  // 32-bit scalars, enums, handles, streams, futures.
      out.push_back(ValType::kI32);
      return;
  }
}

}  // namespace

uint32_t DiscriminantSize(size_t num_cases) {
  if (num_cases <= (size_t{1} << 8)) return 1;
  if (num_cases <= (size_t{1} << 16)) return 2;
  return 4;
}

TypeLayout ComputeLayout(const TypeArena& arena, const Type& t,
                         std::vector<ValType>& flat_cache) {
  TypeLayout l;
  l.size = 4;  // s32, u32, f32, char, handles, async values, non-values.
  l.alignment = 4;
  l.flat_count = 1;
  switch (t.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
      l.size = l.alignment = 1;
      break;
    case TypeKind::kS16:
    case TypeKind::kU16:
      l.size = l.alignment = 2;
      break;
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64:
      l.size = l.alignment = 8;
      break;
    case TypeKind::kString:
    case TypeKind::kMap:
      l.size = 8;  // Pointer and length.
      l.flat_count = 2;
      break;
    case TypeKind::kList:
      if (t.fixed_length == 0) {
        l.size = 8;
        l.flat_count = 2;
      } else {
        const TypeLayout& e = arena.layout(*t.element);
        l.size = SaturatedSize(uint64_t{t.fixed_length} * e.size);
        l.alignment = e.alignment;
        l.flat_count = static_cast<uint32_t>(std::min<uint64_t>(
            uint64_t{t.fixed_length} * e.flat_count, kSaturatedFlatCount));
      }
      break;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint64_t size = 0;
      l.alignment = 1;
      l.flat_count = 0;
      for (const Field& f : t.fields) {
        const TypeLayout& m = arena.layout(f.type);
        size = std::min<uint64_t>(AlignTo(size, m.alignment) + m.size,
                                  std::numeric_limits<uint32_t>::max());
        l.alignment = std::max(l.alignment, m.alignment);
        l.flat_count = SaturatingAdd(l.flat_count, m.flat_count);
      }
      l.size = SaturatedSize(AlignTo(size, l.alignment));
      break;
    }
    case TypeKind::kFlags:
      l.size = l.alignment = t.labels.size() <= 8    ? 1
                             : t.labels.size() <= 16 ? 2
                                                     : 4;
      l.flat_count = t.labels.empty() ? 0 : 1;
      break;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      l.discriminant_size = static_cast<uint8_t>(DiscriminantSize(NumCases(t)));
      uint8_t case_alignment = 1;
      uint32_t widest = 0;
      uint32_t widest_flat = 0;
      ForEachPayload(t, [&](TypeId payload) {
        const TypeLayout& p = arena.layout(payload);
        case_alignment = std::max(case_alignment, p.alignment);
        widest = std::max(widest, p.size);
        widest_flat = std::max(widest_flat, p.flat_count);
      });
      l.payload_offset =
          static_cast<uint8_t>(AlignTo(l.discriminant_size, case_alignment));
      l.alignment = std::max(l.discriminant_size, case_alignment);
      l.size = SaturatedSize(
          AlignTo(uint64_t{l.payload_offset} + widest, l.alignment));
      l.flat_count = SaturatingAdd(1, widest_flat);
      break;
    }
    default:
      break;
  }
  if (l.flat_count <= kMaxCachedFlat) {
    // Members' flattenings are cached too (flat counts only grow with
    // nesting), so this is a few copies.
    std::vector<ValType> flat;
    FlattenMembers(arena, t, flat);
    l.flat_begin = static_cast<uint32_t>(flat_cache.size());
    flat_cache.insert(flat_cache.end(), flat.begin(), flat.end());
  }
  return l;
}

void FlattenType(const TypeArena& arena, TypeId id, std::vector<ValType>& out) {
  const absl::Span<const ValType> cached = arena.flat(id);
  if (cached.size() == arena.layout(id).flat_count) {
    out.insert(out.end(), cached.begin(), cached.end());
  } else {
    FlattenMembers(arena, arena[id], out);
  }
}

}  // namespace wasmhost::component
