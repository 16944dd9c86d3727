// wasmhost/component_type.h: WIT types as a host sees them.
//
//   component::Type      one WIT value type: read from a component, or built
//                        by the host to say what a host function expects
//   component::FuncType  a WIT function type: named parameters, a result
//
// A Type read from a component shares that component's type table, so it
// stays valid however long it is kept (it outlives the Component). Types
// the host builds (Type::List(Type::String()), ...) have their own table.
// Two types are equal when they are structurally equal: the same kind,
// field, case and label names, member types; resources by name.
//
// Plain values, immutable: thread-safe.
//
// The classes live in the inline namespace `api` (users write
// component::Type; the inline namespace keeps them apart from the
// internal reader's structs of the same names in lib/component).

#ifndef WASMHOST_COMPONENT_TYPE_H_
#define WASMHOST_COMPONENT_TYPE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "wasmhost/component_val.h"
#include "wasmhost/export.h"

namespace wasmhost::component {

class TypeArena;  // lib/component/types.h

inline namespace api {

// One WIT value type. Default-constructed it is bool.
// Cheap to copy (a shared table and an index). Thread-safe.
class WASMHOST_EXPORT Type {
 public:
  struct Field;
  struct Case;

  Type();

  // Types built by the host, e.g. for Linker::Define's expected type.
  static Type Bool();
  static Type S8();
  static Type U8();
  static Type S16();
  static Type U16();
  static Type S32();
  static Type U32();
  static Type S64();
  static Type U64();
  static Type F32();
  static Type F64();
  static Type Char();
  static Type String();
  static Type List(const Type& element);
  static Type Record(const std::vector<Field>& fields);
  static Type Tuple(const std::vector<Type>& elements);
  static Type Variant(const std::vector<Case>& cases);
  static Type Enum(const std::vector<std::string>& labels);
  static Type Flags(const std::vector<std::string>& labels);
  static Type Option(const Type& element);
  static Type Result(const std::optional<Type>& ok,
                     const std::optional<Type>& err);
  // A handle to the resource named `resource` (its WIT name, "blob").
  static Type Own(absl::string_view resource);
  static Type Borrow(absl::string_view resource);

  [[nodiscard]] ValKind kind() const;
  // kRecord: the fields; kTuple: the elements (empty names).
  [[nodiscard]] std::vector<Field> fields() const;
  // kVariant: the cases.
  [[nodiscard]] std::vector<Case> cases() const;
  // kEnum, kFlags: the labels.
  [[nodiscard]] std::vector<std::string> labels() const;
  // kList, kOption: the element type (bool for other kinds).
  [[nodiscard]] Type element() const;
  // kResult: the ok and error types, when they have one.
  [[nodiscard]] std::optional<Type> ok() const;
  [[nodiscard]] std::optional<Type> err() const;
  // kOwn, kBorrow: the resource's WIT name ("blob").
  [[nodiscard]] std::string resource_name() const;
  // kOwn, kBorrow: whether the two handles name the same resource type of
  // one component (two imports of the same name in different interfaces
  // are different resources). Host-built types compare by name only.
  [[nodiscard]] bool SameResource(const Type& other) const;

  // The type in WIT syntax: "list<string>", "record { x: s32, y: s32 }",
  // "own<blob>".
  [[nodiscard]] std::string ToString() const;

  friend WASMHOST_EXPORT bool operator==(const Type& a, const Type& b);
  friend bool operator!=(const Type& a, const Type& b) { return !(a == b); }

 private:
  friend struct TypeAccess;
  Type(std::shared_ptr<const TypeArena> arena, uint32_t id)
      : arena_(std::move(arena)), id_(id) {}

  std::shared_ptr<const TypeArena> arena_;
  uint32_t id_ = 0;
};

// A record field or a tuple element (empty name).
struct Type::Field {
  std::string name;
  Type type;
};

// A variant case; `type` unset: the case has no payload.
struct Type::Case {
  std::string name;
  std::optional<Type> type;
};

// A WIT function type. Plain value: thread-compatible.
struct WASMHOST_EXPORT FuncType {
  std::vector<std::pair<std::string, Type>> params;
  std::optional<Type> result;

  // "func(a: s32, b: s32) -> s32".
  [[nodiscard]] std::string ToString() const;

  friend WASMHOST_EXPORT bool operator==(const FuncType& a, const FuncType& b);
  friend bool operator!=(const FuncType& a, const FuncType& b) {
    return !(a == b);
  }
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_TYPE_H_
