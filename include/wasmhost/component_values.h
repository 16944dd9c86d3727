// wasmhost/component_values.h: the C++ types that stand for WIT types in
// typed component calls (component_typed.h).
//
//   WIT type          C++ type
//   bool              bool
//   s8..s64, u8..u64  int8_t..int64_t, uint8_t..uint64_t
//   f32, f64          float, double
//   char              char32_t
//   string            std::string; std::string_view as a parameter
//   list<T>           std::vector<T>; absl::Span<const T> as a parameter
//   option<T>         std::optional<T>
//   result<T, E>      component::Result<T, E> (void for a missing type)
//   tuple<T...>       std::tuple<T...>
//   record            a struct declared with WASMHOST_COMPONENT_RECORD
//   enum              an enum class declared with WASMHOST_COMPONENT_ENUM
//   flags             a bitset declared with WASMHOST_COMPONENT_FLAGS
//   variant           a std::variant subclass declared with
//                     WASMHOST_COMPONENT_VARIANT (std::monostate for a
//                     case without a payload)
//   own<R>, borrow<R> component::Own<Tag>, component::Borrow<Tag>, where
//                     Tag::kWitName is R's WIT name
//
// WIT names are kebab-case; the macros take C++ identifiers and turn each
// `_` into `-` (a field `max_size` is WIT's `max-size`); a trailing `_` is
// dropped, so a field `class_` is WIT's `class`.
//
// Plain values: thread-compatible.

#ifndef WASMHOST_COMPONENT_VALUES_H_
#define WASMHOST_COMPONENT_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "wasmhost/component_val.h"

namespace wasmhost::component {

// A WIT result: either ok with a T or an error with an E; `void` stands
// for a case without a payload (result<_, string> is Result<void,
// std::string>). Copyable if T and E are. Thread-compatible.
template <typename T, typename E>
class Result {
 public:
  // What the cases hold: T and E, std::monostate for void.
  using OkValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
  using ErrValue = std::conditional_t<std::is_void_v<E>, std::monostate, E>;

  static Result Ok(OkValue value = {}) {
    return Result(std::in_place_index<0>, std::move(value));
  }
  static Result Err(ErrValue error = {}) {
    return Result(std::in_place_index<1>, std::move(error));
  }

  [[nodiscard]] bool ok() const { return value_.index() == 0; }
  // REQUIRES: ok().
  [[nodiscard]] const OkValue& value() const { return std::get<0>(value_); }
  [[nodiscard]] OkValue& value() { return std::get<0>(value_); }
  // REQUIRES: !ok().
  [[nodiscard]] const ErrValue& error() const { return std::get<1>(value_); }
  [[nodiscard]] ErrValue& error() { return std::get<1>(value_); }

  friend bool operator==(const Result& a, const Result& b) {
    return a.value_ == b.value_;
  }
  friend bool operator!=(const Result& a, const Result& b) { return !(a == b); }

 private:
  template <std::size_t I, typename V>
  Result(std::in_place_index_t<I> index, V&& value)
      : value_(index, std::forward<V>(value)) {}

  std::variant<OkValue, ErrValue> value_;
};

// A handle to a resource: `Tag` is any type with
// `static constexpr const char* kWitName`, the resource's WIT name
// ("counter"). For a host resource (one the host defines) it is the host's
// own rep; for a guest resource (one the component defines) it is the
// GuestHandle a call gave the host (component_val.h; what
// Instance::DropResource takes), checked when passed back. Thread-compatible.
template <typename Tag>
class Own {
 public:
  // A host resource's handle.
  explicit Own(uint32_t rep = 0) : rep_(rep) {}
  // A guest resource's handle.
  explicit Own(GuestHandle handle) : rep_(handle.rep()), handle_(handle) {}
  // The host resource's rep (for a guest resource, the guest's, for
  // information).
  [[nodiscard]] uint32_t rep() const { return rep_; }
  // Invalid for a host resource.
  [[nodiscard]] const GuestHandle& handle() const { return handle_; }
  friend bool operator==(const Own& a, const Own& b) {
    return a.rep_ == b.rep_ && a.handle_ == b.handle_;
  }
  friend bool operator!=(const Own& a, const Own& b) { return !(a == b); }

 private:
  uint32_t rep_;
  GuestHandle handle_;
};

// A borrowed handle: as Own, valid only during the call it is passed to.
template <typename Tag>
class Borrow {
 public:
  explicit Borrow(uint32_t rep = 0) : rep_(rep) {}
  explicit Borrow(GuestHandle handle) : rep_(handle.rep()), handle_(handle) {}
  // A borrow of a handle the host owns.
  explicit Borrow(const Own<Tag>& own)
      : rep_(own.rep()), handle_(own.handle()) {}
  [[nodiscard]] uint32_t rep() const { return rep_; }
  [[nodiscard]] const GuestHandle& handle() const { return handle_; }
  friend bool operator==(const Borrow& a, const Borrow& b) {
    return a.rep_ == b.rep_ && a.handle_ == b.handle_;
  }
  friend bool operator!=(const Borrow& a, const Borrow& b) { return !(a == b); }

 private:
  uint32_t rep_;
  GuestHandle handle_;
};

// The base of the bitsets WASMHOST_COMPONENT_FLAGS declares: flag i is
// bit i (at most 32 flags, as WIT allows). Thread-compatible.
template <typename Derived>
class Flags {
 public:
  constexpr Flags() = default;
  // The set of the given flags: Perms{Perms::read, Perms::exec}.
  constexpr Flags(std::initializer_list<uint32_t> flags) {
    for (uint32_t f : flags) bits_ |= uint32_t{1} << f;
  }
  [[nodiscard]] static Derived FromBits(uint32_t bits) {
    Derived d;
    static_cast<Flags&>(d).bits_ = bits;
    return d;
  }

  [[nodiscard]] bool test(uint32_t flag) const {
    return (bits_ >> flag & 1) != 0;
  }
  Derived& set(uint32_t flag, bool on = true) {
    const uint32_t bit = uint32_t{1} << flag;
    bits_ = on ? bits_ | bit : bits_ & ~bit;
    return static_cast<Derived&>(*this);
  }
  [[nodiscard]] uint32_t bits() const { return bits_; }

  friend bool operator==(const Flags& a, const Flags& b) {
    return a.bits_ == b.bits_;
  }
  friend bool operator!=(const Flags& a, const Flags& b) {
    return a.bits_ != b.bits_;
  }

 private:
  uint32_t bits_ = 0;
};

}  // namespace wasmhost::component

// The macros below are used at namespace scope, in the namespace of the
// type they declare (typed calls find the declarations by argument-
// dependent lookup).

// Declares struct `Type` a WIT record whose fields are the listed members,
// in WIT's order (at most 16): WASMHOST_COMPONENT_RECORD(Point, x, y).
// `Type` must be default-constructible.
#define WASMHOST_COMPONENT_RECORD(Type, ...)                             \
  [[maybe_unused]] inline auto WasmhostRecordFields(Type& r) {           \
    return std::tie(WASMHOST_INTERNAL_MEMBERS(r, __VA_ARGS__));          \
  }                                                                      \
  [[maybe_unused]] inline auto WasmhostRecordFields(const Type& r) {     \
    return std::tie(WASMHOST_INTERNAL_MEMBERS(r, __VA_ARGS__));          \
  }                                                                      \
  [[maybe_unused]] inline const char* WasmhostRecordNames(const Type*) { \
    return #__VA_ARGS__;                                                 \
  }

// Declares enum class `Type` a WIT enum with the listed labels: the
// enumerator of value i is label i. WASMHOST_COMPONENT_ENUM(Color, red,
// green, blue) for enum class Color { kRed, kGreen, kBlue }.
#define WASMHOST_COMPONENT_ENUM(Type, ...)                              \
  [[maybe_unused]] inline const char* WasmhostEnumLabels(const Type*) { \
    return #__VA_ARGS__;                                                \
  }

// Defines struct `Type`, a WIT flags bitset with the listed flags, each a
// constant naming its bit: WASMHOST_COMPONENT_FLAGS(Perms, read, write,
// exec) gives Perms{Perms::read, Perms::exec}, p.test(Perms::write).
#define WASMHOST_COMPONENT_FLAGS(Type, ...)                              \
  struct Type : ::wasmhost::component::Flags<Type> {                     \
    enum Flag : uint32_t { __VA_ARGS__ };                                \
    using ::wasmhost::component::Flags<Type>::Flags;                     \
  };                                                                     \
  [[maybe_unused]] inline const char* WasmhostFlagsLabels(const Type*) { \
    return #__VA_ARGS__;                                                 \
  }

// Declares `Type`, a class derived from std::variant<Ts...>, a WIT variant
// whose case i is named by the i-th label and carries a Ts[i]
// (std::monostate: no payload):
//   struct Shape : std::variant<float, Point, std::monostate> {
//     using variant::variant;
//   };
//   WASMHOST_COMPONENT_VARIANT(Shape, circle, rect, empty)
#define WASMHOST_COMPONENT_VARIANT(Type, ...)                             \
  [[maybe_unused]] inline const char* WasmhostVariantCases(const Type*) { \
    return #__VA_ARGS__;                                                  \
  }

// `r.a, r.b, ...` for up to 16 members.
#define WASMHOST_INTERNAL_CAT(a, b) WASMHOST_INTERNAL_CAT_(a, b)
#define WASMHOST_INTERNAL_CAT_(a, b) a##b
#define WASMHOST_INTERNAL_NARGS(...)                                         \
  WASMHOST_INTERNAL_NARGS_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, \
                           6, 5, 4, 3, 2, 1, 0)
#define WASMHOST_INTERNAL_NARGS_(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, \
                                 _12, _13, _14, _15, _16, N, ...)              \
  N
#define WASMHOST_INTERNAL_MEMBERS(r, ...)    \
  WASMHOST_INTERNAL_CAT(WASMHOST_INTERNAL_M, \
                        WASMHOST_INTERNAL_NARGS(__VA_ARGS__))(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M1(r, a) r.a
#define WASMHOST_INTERNAL_M2(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M1(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M3(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M2(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M4(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M3(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M5(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M4(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M6(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M5(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M7(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M6(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M8(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M7(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M9(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M8(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M10(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M9(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M11(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M10(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M12(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M11(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M13(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M12(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M14(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M13(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M15(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M14(r, __VA_ARGS__)
#define WASMHOST_INTERNAL_M16(r, a, ...) \
  r.a, WASMHOST_INTERNAL_M15(r, __VA_ARGS__)

#endif  // WASMHOST_COMPONENT_VALUES_H_
