#include "lib/component/flatten.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace wasmhost::component {
uint32_t FlatInfo::FlatCount(const std::vector<Field>& fields) {
  uint32_t n = 0;
  for (const Field& f : fields) {
    n = std::min(n + FlatCount(f.type), kSaturated);
  }
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

std::pair<uint64_t, uint32_t> FlatInfo::VariantLayout(
    size_t cases, const std::vector<std::optional<TypeId>>& payloads) {
  const uint32_t discriminant = DiscriminantSize(cases);
  uint32_t case_alignment = 1;
  uint64_t widest = 0;
  for (const std::optional<TypeId>& p : payloads) {
    if (!p.has_value()) continue;
    const auto [size, alignment] = Layout(*p);
    case_alignment = std::max(case_alignment, alignment);
    widest = std::max(widest, size);
  }
  const uint32_t alignment = std::max(discriminant, case_alignment);
  const uint64_t size =
      AlignTo(AlignTo(discriminant, case_alignment) + widest, alignment);
  return {std::min(size, kSaturatedSize), alignment};
}

uint64_t FlatInfo::ElemSize(TypeId id) { return Layout(id).first; }

std::pair<uint64_t, uint32_t> FlatInfo::Layout(TypeId id) {
  if (id < layouts_.size() && layouts_[id].second != 0) return layouts_[id];
  const Type& t = arena_[id];
  std::pair<uint64_t, uint32_t> layout = {4, 4};  // 32-bit scalars, handles.
  switch (t.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
      layout = {1, 1};
      break;
    case TypeKind::kS16:
    case TypeKind::kU16:
      layout = {2, 2};
      break;
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64:
      layout = {8, 8};
      break;
    case TypeKind::kString:
    case TypeKind::kMap:
      layout = {16, 8};  // Pointer and length.
      break;
    case TypeKind::kList:
      if (t.fixed_length == 0) {
        layout = {16, 8};
      } else {
        const auto [element, alignment] = Layout(*t.element);
        const uint64_t size =
            element != 0 && t.fixed_length > kSaturatedSize / element
                ? kSaturatedSize
                : t.fixed_length * element;
        layout = {size, alignment};
      }
      break;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint64_t size = 0;
      uint32_t alignment = 1;
      for (const Field& f : t.fields) {
        const auto [field_size, field_alignment] = Layout(f.type);
        size = std::min(AlignTo(size, field_alignment) + field_size,
                        kSaturatedSize);
        alignment = std::max(alignment, field_alignment);
      }
      layout = {AlignTo(size, alignment), alignment};
      break;
    }
    case TypeKind::kFlags: {
      const uint32_t n = DiscriminantSize(size_t{1} << t.labels.size());
      layout = {n, n};
      break;
    }
    case TypeKind::kVariant: {
      std::vector<std::optional<TypeId>> payloads;
      for (const Case& c : t.cases) payloads.push_back(c.type);
      layout = VariantLayout(t.cases.size(), payloads);
      break;
    }
    case TypeKind::kEnum:
      layout = VariantLayout(t.labels.size(), {});
      break;
    case TypeKind::kOption:
    case TypeKind::kResult:  // Two cases: none/some, ok/error.
      layout = VariantLayout(2, {t.element, t.ok, t.error});
      break;
    default:
      break;
  }
  if (layouts_.size() <= id) layouts_.resize(id + 1, {0, 0});
  layouts_[id] = layout;
  return layout;
}

CoreFuncType FlattenFuncType(const TypeArena& arena, FlatInfo& info,
                             TypeId func, bool lift) {
  const Type& f = arena[func];
  CoreFuncType core;
  if (info.FlatCount(f.fields) > kMaxFlatParams) {
    core.params = {ValType::kI32};
  } else {
    for (const Field& p : f.fields) FlattenType(arena, p.type, core.params);
  }
  if (f.ok.has_value()) {
    if (info.FlatCount(*f.ok) > kMaxFlatResults) {
      if (lift) {
        core.results = {ValType::kI32};
      } else {
        core.params.push_back(ValType::kI32);
      }
    } else {
      FlattenType(arena, *f.ok, core.results);
    }
  }
  return core;
}

}  // namespace wasmhost::component
