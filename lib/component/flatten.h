// lib/component/flatten.h: the canonical ABI's flattening and sizes, only
// as far as validation needs them: how many core values a type flattens
// to, whether lifting or lowering it touches linear memory, and its
// element size with 64-bit pointers (bounded by validation).
//
//   kMaxFlatParams, kMaxFlatResults   the spec's MAX_FLAT_* limits
//   kMaxElemSize  the bound on every defined value type's elem_size
//   FlatInfo    FlatCount, ContainsStringOrList, ElemSize over a TypeArena
//   FlattenFuncType   the core signature canon lift/lower use
//
// Flat counts and flatten_type itself are layout.h's, computed once per
// type by the TypeArena; the 64-bit elem_size here is validation's only.

#ifndef WASMHOST_LIB_COMPONENT_FLATTEN_H_
#define WASMHOST_LIB_COMPONENT_FLATTEN_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "lib/component/types.h"

namespace wasmhost::component {

inline constexpr uint32_t kMaxFlatParams = 16;
inline constexpr uint32_t kMaxFlatResults = 1;
// CanonicalABI.md "Element Size": elem_size(t, i64) < 2^28.
inline constexpr uint64_t kMaxElemSize = uint64_t{1} << 28;

// Answers are cached per TypeId (flat counts by the arena itself), so
// shared type DAGs cost linear time. Holds
// a reference to `arena`, which may grow meanwhile (types are immutable
// once added). Not thread-safe: one FlatInfo per reader.
class FlatInfo {
 public:
  explicit FlatInfo(const TypeArena& arena) : arena_(arena) {}

  // The number of core values value type `id` flattens to
  // (flatten_type's length), saturated at kSaturated.
  static constexpr uint32_t kSaturated = kSaturatedFlatCount;
  [[nodiscard]] uint32_t FlatCount(TypeId id) const {
    return arena_.layout(id).flat_count;
  }

  // The flat count of a parameter or result list, saturated likewise.
  [[nodiscard]] uint32_t FlatCount(const std::vector<Field>& fields);

  // True if value type `id` contains a string or a list (a map is a list),
  // so lowering it needs `memory` and lifting it needs `realloc`.
  [[nodiscard]] bool ContainsStringOrList(TypeId id);

  // elem_size(id, 'i64'): the bytes a value of type `id` takes in a list
  // when pointers are 64-bit, saturated at kSaturatedSize. Empty records
  // and variants (invalid, rejected by the reader) count as 0.
  static constexpr uint64_t kSaturatedSize = uint64_t{1} << 40;
  [[nodiscard]] uint64_t ElemSize(TypeId id);

 private:
  // elem_size and alignment with 64-bit pointers.
  std::pair<uint64_t, uint32_t> Layout(TypeId id);
  // Size and alignment of a variant with these payloads and `cases` cases.
  std::pair<uint64_t, uint32_t> VariantLayout(
      size_t cases, const std::vector<std::optional<TypeId>>& payloads);

  const TypeArena& arena_;
  std::vector<int8_t> contains_;  // -1: not computed yet.
  // Alignment 0: not computed yet.
  std::vector<std::pair<uint64_t, uint32_t>> layouts_;
};

// flatten_functype(opts, ft, 'lift' or 'lower') of func type `func` for a
// synchronous call with 32-bit memory: parameters beyond kMaxFlatParams
// pass as one pointer, results beyond kMaxFlatResults through a pointer
// (returned by a lift, passed to a lower).
[[nodiscard]] CoreFuncType FlattenFuncType(const TypeArena& arena,
                                           FlatInfo& info, TypeId func,
                                           bool lift);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_FLATTEN_H_
