// wasmhost/component_val.h: one dynamically typed Component Model value,
// for tools and bindings in other languages (the typed C++ calls do not need
// it).
//
//   component::ValKind      which WIT type a value has (bool ... borrow)
//   component::GuestHandle  the identity of a handle to a resource the
//                           component defines, as the host holds it
//   component::Val          one value of a WIT type
//
// A Val carries its kind and data, not its full WIT type: a record knows its
// field names, a variant its case index, but the type a value is lifted from
// or lowered to is given separately (a function's WIT signature).
//
// Plain values with no engine behind them: thread-compatible.

#ifndef WASMHOST_COMPONENT_VAL_H_
#define WASMHOST_COMPONENT_VAL_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace wasmhost::component {
namespace internal {
struct GuestHandleAccess;
}  // namespace internal

// A handle to a resource the component defines (a guest resource), as the
// host holds it: which component instance (and which pool lease of it), the
// resource type of that instance (each instantiation of a component makes
// its own), and a slot of the instance's table of host-held handles with a
// generation, like wasmtime's ResourceAny. Only the library makes valid
// ones, when a call gives the host an own<R> or borrow<R> of a guest
// resource; passing one back into a call is checked against that table, so
// one of another instance or resource type, or one dropped
// (Instance::DropResource), moved into the component, of a borrow whose
// call returned or of an earlier pool lease is an error of the call
// (component_instance.h), not a guest trap. Default-constructed it names
// nothing (a host resource's value is its rep instead). Copyable: copies
// name the same handle, and a move into the guest ends it for all.
// Thread-compatible.
class GuestHandle {
 public:
  GuestHandle() = default;

  // Whether this names a handle (it may still have ended since).
  [[nodiscard]] bool valid() const { return instance_ != 0; }
  // The guest's representation of the resource, for information (calls
  // take the handle, never the rep).
  [[nodiscard]] uint32_t rep() const { return rep_; }

  friend bool operator==(const GuestHandle& a, const GuestHandle& b) {
    return a.instance_ == b.instance_ && a.index_ == b.index_ &&
           a.generation_ == b.generation_;
  }
  friend bool operator!=(const GuestHandle& a, const GuestHandle& b) {
    return !(a == b);
  }

 private:
  friend struct internal::GuestHandleAccess;
  uint64_t instance_ = 0;  // 0: none
  uint32_t index_ = 0;
  uint32_t generation_ = 0;
  uint32_t rep_ = 0;
};

enum class ValKind : uint8_t {
  kBool,
  kS8,
  kU8,
  kS16,
  kU16,
  kS32,
  kU32,
  kS64,
  kU64,
  kF32,
  kF64,
  kChar,
  kString,
  kList,
  kRecord,
  kTuple,
  kVariant,
  kEnum,
  kFlags,
  kOption,
  kResult,
  kOwn,
  kBorrow,
};

// One WIT value. Default-constructed it is bool false.
// Copyable and movable: a value owns its string and its members.
// Thread-compatible.
class Val {
 public:
  Val() = default;

  static Val Bool(bool v) { return Val(ValKind::kBool, v ? 1 : 0); }
  static Val S8(int8_t v) { return Val(ValKind::kS8, Signed(v)); }
  static Val U8(uint8_t v) { return Val(ValKind::kU8, v); }
  static Val S16(int16_t v) { return Val(ValKind::kS16, Signed(v)); }
  static Val U16(uint16_t v) { return Val(ValKind::kU16, v); }
  static Val S32(int32_t v) { return Val(ValKind::kS32, Signed(v)); }
  static Val U32(uint32_t v) { return Val(ValKind::kU32, v); }
  static Val S64(int64_t v) { return Val(ValKind::kS64, Signed(v)); }
  static Val U64(uint64_t v) { return Val(ValKind::kU64, v); }
  // Floats keep their bits, NaN payloads included (lifting canonicalises
  // NaNs as the canonical ABI requires; lowering stores the bits given).
  static Val F32(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    return Val(ValKind::kF32, bits);
  }
  static Val F64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    return Val(ValKind::kF64, bits);
  }
  // A Unicode scalar value (lowering rejects surrogates and values above
  // U+10FFFF with InvalidArgument).
  static Val Char(uint32_t code_point) {
    return Val(ValKind::kChar, code_point);
  }
  // UTF-8 (lowering rejects ill-formed UTF-8 with InvalidArgument).
  static Val String(std::string utf8) {
    Val val(ValKind::kString, 0);
    val.string_ = std::move(utf8);
    return val;
  }
  static Val List(std::vector<Val> elements) {
    return Aggregate(ValKind::kList, std::move(elements));
  }
  // A list<u8> held as contiguous bytes instead of one Val per byte, so a
  // body or buffer crosses the canonical ABI with one copy. Host functions
  // receive their list<u8> arguments in this form; lowering accepts it for
  // list<u8> only (InvalidArgument for any other list type). Equal to the
  // List of the same U8 values.
  static Val Bytes(std::string bytes) {
    Val val(ValKind::kList, 0);
    val.string_ = std::move(bytes);
    val.is_bytes_ = true;
    return val;
  }
  // Fields in the record type's order, with their names.
  static Val Record(std::vector<std::pair<std::string, Val>> fields) {
    Val val(ValKind::kRecord, 0);
    for (auto& [name, field] : fields) {
      val.names_.push_back(std::move(name));
      val.members_.push_back(std::move(field));
    }
    return val;
  }
  static Val Tuple(std::vector<Val> elements) {
    return Aggregate(ValKind::kTuple, std::move(elements));
  }
  // Case `case_index` of a variant type, with the payload the case carries
  // (none for a case without a type).
  static Val Variant(uint32_t case_index, std::optional<Val> payload) {
    return WithPayload(ValKind::kVariant, case_index, std::move(payload));
  }
  static Val Enum(uint32_t case_index) {
    return Val(ValKind::kEnum, case_index);
  }
  // Bit i set: label i of the flags type is set (at most 32 labels).
  static Val Flags(uint32_t bits) { return Val(ValKind::kFlags, bits); }
  static Val None() { return Val(ValKind::kOption, 0); }
  static Val Some(Val v) {
    return WithPayload(ValKind::kOption, 1, std::move(v));
  }
  static Val Ok(std::optional<Val> payload = std::nullopt) {
    return WithPayload(ValKind::kResult, 0, std::move(payload));
  }
  static Val Err(std::optional<Val> payload = std::nullopt) {
    return WithPayload(ValKind::kResult, 1, std::move(payload));
  }
  // A handle to a host resource (one the host defines with
  // LinkerInstance::DefineResource): the rep the host chose. Lifting an
  // own<R> takes the handle out of the guest's table and gives its rep;
  // lowering one puts a new handle for the rep into the guest's table.
  static Val Own(uint32_t rep) { return Val(ValKind::kOwn, rep); }
  static Val Borrow(uint32_t rep) { return Val(ValKind::kBorrow, rep); }
  // A handle to a guest resource (one the component defines): what a call
  // gave the host. A borrow of an own the host holds is
  // Borrow(own.guest_handle()). Lowering a guest resource's value made
  // from a rep instead is InvalidArgument.
  static Val Own(GuestHandle handle) {
    Val val(ValKind::kOwn, handle.rep());
    val.handle_ = handle;
    return val;
  }
  static Val Borrow(GuestHandle handle) {
    Val val(ValKind::kBorrow, handle.rep());
    val.handle_ = handle;
    return val;
  }

  [[nodiscard]] ValKind kind() const { return kind_; }

  // The accessors read the value as the requested kind; check kind() first
  // when the kind is not known.
  [[nodiscard]] bool bool_value() const { return bits_ != 0; }
  [[nodiscard]] int8_t s8() const { return static_cast<int8_t>(bits_); }
  [[nodiscard]] uint8_t u8() const { return static_cast<uint8_t>(bits_); }
  [[nodiscard]] int16_t s16() const { return static_cast<int16_t>(bits_); }
  [[nodiscard]] uint16_t u16() const { return static_cast<uint16_t>(bits_); }
  [[nodiscard]] int32_t s32() const { return static_cast<int32_t>(bits_); }
  [[nodiscard]] uint32_t u32() const { return static_cast<uint32_t>(bits_); }
  [[nodiscard]] int64_t s64() const { return static_cast<int64_t>(bits_); }
  [[nodiscard]] uint64_t u64() const { return bits_; }
  [[nodiscard]] float f32() const {
    const auto bits = static_cast<uint32_t>(bits_);
    float v;
    std::memcpy(&v, &bits, sizeof(v));
    return v;
  }
  [[nodiscard]] double f64() const {
    double v;
    std::memcpy(&v, &bits_, sizeof(v));
    return v;
  }
  [[nodiscard]] uint32_t char_value() const {
    return static_cast<uint32_t>(bits_);
  }
  [[nodiscard]] const std::string& string() const { return string_; }
  // Whether this list was made by Bytes(): its bytes() hold the list and
  // its elements() are empty.
  [[nodiscard]] bool is_bytes() const { return is_bytes_; }
  // A Bytes() list's bytes (empty for any other value).
  [[nodiscard]] absl::string_view bytes() const {
    return is_bytes_ ? absl::string_view(string_) : absl::string_view();
  }
  // A list's (unless is_bytes()) or tuple's elements, a record's field
  // values.
  [[nodiscard]] absl::Span<const Val> elements() const { return members_; }
  // A record's field names, in the order of elements().
  [[nodiscard]] absl::Span<const std::string> field_names() const {
    return names_;
  }
  // A variant's or enum's case index; for an option 0 is none and 1 some,
  // for a result 0 is ok and 1 err.
  [[nodiscard]] uint32_t case_index() const {
    return static_cast<uint32_t>(bits_);
  }
  // A variant's, option's or result's payload; null when there is none.
  [[nodiscard]] const Val* payload() const {
    return members_.empty() ? nullptr : &members_[0];
  }
  [[nodiscard]] uint32_t flags() const { return static_cast<uint32_t>(bits_); }
  // An own's or borrow's rep: a host resource's, or for information a guest
  // resource's (guest_handle().rep()).
  [[nodiscard]] uint32_t rep() const { return static_cast<uint32_t>(bits_); }
  // An own's or borrow's handle when the resource is the guest's; invalid
  // for a host resource.
  [[nodiscard]] const GuestHandle& guest_handle() const { return handle_; }
  // The raw bits of a scalar (floats as their bit patterns).
  [[nodiscard]] uint64_t bits() const { return bits_; }

  // Floats compare by bits, so a NaN equals the same NaN.
  // A Bytes() list equals the List of the same U8 values.
  friend bool operator==(const Val& a, const Val& b) {
    if (a.is_bytes_ != b.is_bytes_) {
      return a.is_bytes_ ? b.EqualsBytes(a.string_) : a.EqualsBytes(b.string_);
    }
    return a.kind_ == b.kind_ && a.bits_ == b.bits_ && a.string_ == b.string_ &&
           a.members_ == b.members_ && a.names_ == b.names_ &&
           a.handle_ == b.handle_;
  }
  friend bool operator!=(const Val& a, const Val& b) { return !(a == b); }

 private:
  Val(ValKind kind, uint64_t bits) : kind_(kind), bits_(bits) {}
  // Integers are stored sign-extended so that s64() of an s8 is its value.
  static uint64_t Signed(int64_t v) { return static_cast<uint64_t>(v); }
  static Val Aggregate(ValKind kind, std::vector<Val> members) {
    Val val(kind, 0);
    val.members_ = std::move(members);
    return val;
  }
  static Val WithPayload(ValKind kind, uint32_t index,
                         std::optional<Val> payload) {
    Val val(kind, index);
    if (payload.has_value()) val.members_.push_back(*std::move(payload));
    return val;
  }

  // Whether this is a list of U8 Vals holding exactly `bytes`.
  bool EqualsBytes(absl::string_view bytes) const {
    if (kind_ != ValKind::kList || members_.size() != bytes.size()) {
      return false;
    }
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (members_[i] != U8(static_cast<uint8_t>(bytes[i]))) return false;
    }
    return true;
  }

  ValKind kind_ = ValKind::kBool;
  bool is_bytes_ = false;
  uint64_t bits_ = 0;
  std::string string_;              // a string; a Bytes() list's bytes
  std::vector<Val> members_;        // list, tuple, record; the payload
  std::vector<std::string> names_;  // record field names
  GuestHandle handle_;              // own, borrow of a guest resource
};

}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_VAL_H_
