// lib/component/layout.h: the canonical ABI's layout of a value type, as
// the spec's alignment, elem_size, discriminant size and flatten_type give
// it with 32-bit pointers (definitions.py), computed once per type.
//
//   TypeLayout        size, alignment, variant discriminant and payload
//                     offset, flat count of one type
//   DiscriminantSize  the discriminant's bytes for a number of cases
//   AlignTo           the spec's align_to
//   ComputeLayout     a new type's layout from its members' (TypeArena::Add)
//   FlattenType       flatten_type, from TypeArena's cache when small
//
// TypeArena::Add computes each type's layout as it is added: a type's
// members are always added before it and a type's shape never changes
// after, so the layout is final at once and threads that share the arena
// read it without a lock. Lift and lower look layouts up instead of
// recomputing them per value.

#ifndef WASMHOST_LIB_COMPONENT_LAYOUT_H_
#define WASMHOST_LIB_COMPONENT_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "wasmhost/value.h"

namespace wasmhost::component {

using TypeId = uint32_t;
struct Type;
class TypeArena;

// Flat counts saturate here (validation compares them with 16 and 1).
inline constexpr uint32_t kSaturatedFlatCount = 1u << 20;
// Flattenings up to this long (kMaxFlatParams) are cached in the arena.
inline constexpr uint32_t kMaxCachedFlat = 16;

// One value type's canonical ABI layout. Sizes of types beyond the spec's
// bounds (rejected by validation) saturate instead of overflowing.
// Non-value types (functions, components) get a 4-byte placeholder.
struct TypeLayout {
  uint32_t size = 0;      // elem_size(t, 'i32') in bytes.
  uint8_t alignment = 1;  // alignment(t, 'i32'): 1, 2, 4 or 8.
  // Variants, enums, options, results: the discriminant's bytes (1, 2 or
  // 4) and where every case's payload starts. 0 for other kinds.
  uint8_t discriminant_size = 0;
  uint8_t payload_offset = 0;
  // len(flatten_type(t)), saturated at kSaturatedFlatCount.
  uint32_t flat_count = 0;
  // Where flatten_type(t) starts in the arena's cache (when flat_count <=
  // kMaxCachedFlat).
  uint32_t flat_begin = 0;
};

// The discriminant's byte size (and alignment) for `num_cases` cases.
[[nodiscard]] uint32_t DiscriminantSize(size_t num_cases);

// align_to: `n` rounded up to a multiple of `alignment`.
[[nodiscard]] inline uint64_t AlignTo(uint64_t n, uint32_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

// The layout of `type`, whose members are in `arena` with their layouts;
// appends its flattening to `flat_cache` when it is short enough.
[[nodiscard]] TypeLayout ComputeLayout(const TypeArena& arena, const Type& type,
                                       std::vector<ValType>& flat_cache);

// flatten_type: the core types value type `id` flattens to (variants join
// their cases' types), appended to `out`. The one implementation, for
// validation and for lib/component/canonical_abi. Not bounded: callers
// check the flat count first (or use validated types).
void FlattenType(const TypeArena& arena, TypeId id, std::vector<ValType>& out);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_LAYOUT_H_
