// lib/component/flatten.h: the canonical ABI's flattening, only as far as
// validation needs it: how many core values a type flattens to and whether
// lifting or lowering it touches linear memory.
//
//   kMaxFlatParams, kMaxFlatResults   the spec's MAX_FLAT_* limits
//   FlatInfo    FlatCount and ContainsStringOrList over a TypeArena
//
// The canonical ABI proper (lib/component/canonical_abi*) flattens to core
// types; this is the count that `canon lift/lower` option checks need.

#ifndef WASMHOST_LIB_COMPONENT_FLATTEN_H_
#define WASMHOST_LIB_COMPONENT_FLATTEN_H_

#include <cstdint>
#include <vector>

#include "lib/component/types.h"

namespace wasmhost::component {

inline constexpr uint32_t kMaxFlatParams = 16;
inline constexpr uint32_t kMaxFlatResults = 1;

// Answers are cached per TypeId, so shared type DAGs cost linear time. Holds
// a reference to `arena`, which may grow meanwhile (types are immutable
// once added). Not thread-safe: one FlatInfo per reader.
class FlatInfo {
 public:
  explicit FlatInfo(const TypeArena& arena) : arena_(arena) {}

  // The number of core values value type `id` flattens to
  // (flatten_type's length), saturated at kSaturated.
  static constexpr uint32_t kSaturated = 1u << 20;
  [[nodiscard]] uint32_t FlatCount(TypeId id);

  // The flat count of a parameter or result list, saturated likewise.
  [[nodiscard]] uint32_t FlatCount(const std::vector<Field>& fields);

  // True if value type `id` contains a string or a list (a map is a list),
  // so lowering it needs `memory` and lifting it needs `realloc`.
  [[nodiscard]] bool ContainsStringOrList(TypeId id);

 private:
  const TypeArena& arena_;
  std::vector<uint32_t> counts_;    // 0: not computed yet; else count + 1.
  std::vector<int8_t> contains_;    // -1: not computed yet.
};

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_FLATTEN_H_
