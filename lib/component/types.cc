// lib/component/types.cc: kind names, the interned primitives, adding a type.

#include "lib/component/types.h"

namespace wasmhost::component {

absl::string_view TypeKindName(TypeKind kind) {
  static constexpr absl::string_view kNames[] = {
      "bool",     "s8",     "u8",     "s16",           "u16",
      "s32",      "u32",    "s64",    "u64",           "f32",
      "f64",      "char",   "string", "error-context", "record",
      "variant",  "list",   "tuple",  "flags",         "enum",
      "option",   "result", "own",    "borrow",        "stream",
      "future",   "map",    "func",   "component",     "instance",
      "resource",
  };
  return kNames[static_cast<size_t>(kind)];
}

bool IsPrimitive(TypeKind kind) { return kind <= TypeKind::kErrorContext; }

absl::string_view ExternKindName(ExternKind kind) {
  static constexpr absl::string_view kNames[] = {
      "core module", "func", "value", "type", "component", "instance",
  };
  return kNames[static_cast<size_t>(kind)];
}

TypeId TypeArena::Add(Type type) {
  types_.push_back(std::move(type));
  layouts_.push_back(ComputeLayout(*this, types_.back(), flat_));
  return static_cast<TypeId>(types_.size() - 1);
}

TypeArena::TypeArena() {
  for (int k = 0; k <= static_cast<int>(TypeKind::kErrorContext); ++k) {
    Type t;
    t.kind = static_cast<TypeKind>(k);
    Add(std::move(t));
  }
}

}  // namespace wasmhost::component
