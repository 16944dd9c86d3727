// lib/component/canonical_abi.h: the Component Model's canonical ABI (sync
// only), following CanonicalABI.md and its reference definitions.py: how a
// WIT value is laid out in a guest's linear memory and as core values.
//
//   GuestMemory       the guest memory and its cabi_realloc, abstractly
//   CanonicalOptions  string encoding, memory, realloc, post-return
//   LiftLowerContext  one lift or lower: options, handle table, call scope
//   CheckSupported    refuses the async types (stream, future,
//                     error-context) and map
//   Alignment, ElemSize, FlattenFuncType (lookups of layout.h's TypeLayout,
//   computed once per type by the TypeArena; flatten_type is FlattenType)
//   CheckCanonOptions the options a canon lift/lower needs
//   Load, Store       a value at a pointer in guest memory
//   LiftFlat, LowerFlat              a value as core values
//   LiftFlatValues, LowerFlatValues  a parameter or result list, spilled to
//                                    memory past the flattening limits
//
// Pointers are i32 (memory64 components are not supported). The spec's
// traps are kAborted statuses with the reason ("invalid UTF-8", "pointer
// out of bounds", ...); a host value that does not fit its type (a wrong
// kind, ill-formed UTF-8, a surrogate char) is kInvalidArgument.

#ifndef WASMHOST_LIB_COMPONENT_CANONICAL_ABI_H_
#define WASMHOST_LIB_COMPONENT_CANONICAL_ABI_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/component/definitions.h"
#include "lib/component/flatten.h"
#include "lib/component/handle_table.h"
#include "lib/component/host_handles.h"
#include "lib/component/types.h"
#include "wasmhost/component_val.h"
#include "wasmhost/value.h"

namespace wasmhost::component {

// The spec's limits (kMaxFlatParams, kMaxFlatResults: flatten.h).
inline constexpr uint32_t kMaxStringByteLength = (1u << 28) - 1;
inline constexpr uint32_t kMaxListByteLength = (1u << 28) - 1;
// The latin1+utf16 encoding's tag bit in a string's code unit count.
inline constexpr uint32_t kUtf16Tag = 1u << 31;

// A guest's linear memory and its realloc function. Implemented by the
// instance layer over V8 and by tests over a byte vector. Used on the
// thread of the instance it belongs to (thread-affine there).
class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  // The memory's bytes. Invalid after Realloc (which may grow the memory).
  virtual absl::Span<uint8_t> Bytes() = 0;
  // Calls the guest's cabi_realloc(old_ptr, old_size, align, new_size) and
  // returns the pointer it gave. A guest trap is its status.
  virtual absl::StatusOr<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size,
                                           uint32_t align,
                                           uint32_t new_size) = 0;
};

// The canonical options of one canon lift or lower (definitions.h's
// CanonOptions, resolved to run-time objects).
struct CanonicalOptions {
  StringEncoding string_encoding = StringEncoding::kUtf8;
  // Null: the function has no memory option; lifting or lowering a value
  // that needs memory returns kFailedPrecondition.
  GuestMemory* memory = nullptr;
  // Whether the realloc option was given (GuestMemory::Realloc may be
  // called); without it lowering into memory returns kFailedPrecondition.
  bool realloc = false;
  // Whether a post-return function was given; the caller of the lifted
  // function runs it after reading the results.
  bool post_return = false;
};

// One lift or lower of values. `handles` is the guest instance's table
// (null when the values hold no resources). For canon lift (a call into
// the guest), `borrow_scope` is the call's HandleTable::EnterCall scope;
// for canon lower (the guest calls out), borrows lifted are lent and their
// indices collected in `lends` for HandleTable::ReleaseLends at call exit.
// `resources` gives the handle table's run-time type of each resource the
// function's type names (null: the TypeIds themselves, for tests).
// `host`, when set, is the other side's table of guest resource handles
// (the values come from or go to the host, or another component instance
// through it): a lifted own or borrow of a guest resource (one `handles`
// does not know as the host's) becomes a GuestHandle there, and lowering
// one checks it (HostHandles::Check, before any handle is made) instead of
// taking a rep. Lowering then records in `moved` the owns it took (for the
// caller to End once all values are lowered) and in `made` the handles it
// added to `handles` (to remove if a later value fails); lifting records in
// `host_borrows` the borrows it made (to End when the call returns).
// `lift_bytes` lifts every list<u8> as one Val::Bytes (for host-function
// arguments) instead of a Val per byte.
struct LiftLowerContext {
  const TypeArena& types;
  const CanonicalOptions& opts;
  HandleTable* handles = nullptr;
  std::optional<uint32_t> borrow_scope;
  std::vector<uint32_t> lends;
  const ResourceIds* resources = nullptr;
  HostHandles* host = nullptr;
  std::vector<GuestHandle> moved;
  std::vector<uint32_t> made;
  std::vector<GuestHandle> host_borrows;
  bool lift_bytes = false;
};

// InvalidArgument "expected a <kind> value, got a <kind>" unless `v` has
// `kind`.
absl::Status ExpectKind(const Val& v, ValKind kind);

// The spec's checks before a load or store of `size` bytes at `ptr`:
// aligned to `alignment` and inside `mem` (kAborted "unaligned pointer
// ..." / "pointer out of bounds ..." otherwise).
absl::Status CheckRange(absl::Span<const uint8_t> mem, uint64_t ptr,
                        uint64_t size, uint32_t alignment);

// A char lifted from a core i32: kAborted "invalid char 0x..." for a
// surrogate or a value above U+10FFFF.
absl::StatusOr<Val> ConvertI32ToChar(uint32_t i);

// OK when every type reachable from `type` is one the sync canonical ABI
// here handles; kUnimplemented naming stream, future, error-context or map
// otherwise, kInvalidArgument for a type that is not a value type.
absl::Status CheckSupported(const TypeArena& types, TypeId type);

// The spec's alignment and elem_size (types.layout(type)'s; the variant
// discriminant's size is layout.h's DiscriminantSize).
[[nodiscard]] uint32_t Alignment(const TypeArena& types, TypeId type);
[[nodiscard]] uint32_t ElemSize(const TypeArena& types, TypeId type);

enum class FlattenContext : uint8_t { kLift, kLower };

// The core function type of the WIT function type `func` (flatten_functype)
// for canon lift or canon lower. kUnimplemented as CheckSupported, or for
// an async function.
absl::StatusOr<CoreFuncType> FlattenFuncType(const TypeArena& types,
                                             TypeId func,
                                             FlattenContext context);

// The spec's validation of a canon lift or lower of function type `func`
// with `options` (canonopt validation plus the lift/lower rules): memory
// when values are loaded or stored, realloc when the ABI allocates in the
// guest (strings or lists passed into it, spilled lift parameters),
// post-return only on lift, realloc only with memory. kInvalidArgument
// naming the missing or misplaced option; kUnimplemented for async (and as
// FlattenFuncType).
absl::Status CheckCanonOptions(const TypeArena& types, TypeId func,
                               FlattenContext context,
                               const CanonOptions& options);

// Loads the value of `type` at `ptr` (load). The caller has checked `ptr`'s
// alignment and bounds as the spec does before load; this checks them again
// and returns kAborted when they do not hold.
absl::StatusOr<Val> Load(LiftLowerContext& cx, uint32_t ptr, TypeId type);
// Stores `value` of `type` at `ptr` (store), checked as Load.
absl::Status Store(LiftLowerContext& cx, const Val& value, TypeId type,
                   uint32_t ptr);

// Core values read one at a time by LiftFlat (the spec's CoreValueIter).
// It views `values`, which must outlive it. Thread-compatible.
class CoreValueIter {
 public:
  explicit CoreValueIter(absl::Span<const wasmhost::Val> values)
      : values_(values) {}
  // The next value, which must have type `type` (kInvalidArgument if not or
  // if none is left).
  absl::StatusOr<wasmhost::Val> Next(ValType type);
  [[nodiscard]] bool done() const { return next_ == values_.size(); }

 private:
  absl::Span<const wasmhost::Val> values_;
  size_t next_ = 0;
};

absl::StatusOr<Val> LiftFlat(LiftLowerContext& cx, CoreValueIter& vi,
                             TypeId type);
absl::Status LowerFlat(LiftLowerContext& cx, const Val& value, TypeId type,
                       std::vector<wasmhost::Val>& out);

// The values of `types` from core values (lift_flat_values): flat when
// they flatten to at most `max_flat` core values, else loaded from the
// tuple at the pointer `vi` holds.
absl::StatusOr<std::vector<Val>> LiftFlatValues(LiftLowerContext& cx,
                                                size_t max_flat,
                                                CoreValueIter& vi,
                                                absl::Span<const TypeId> types);
// The core values of `values` of `types` (lower_flat_values): flat, or,
// past `max_flat`, stored as a tuple at a pointer: one realloc'ed and
// returned when `out_param` is null, else the return pointer `out_param`
// gives (and nothing is returned).
absl::StatusOr<std::vector<wasmhost::Val>> LowerFlatValues(
    LiftLowerContext& cx, size_t max_flat, absl::Span<const Val> values,
    absl::Span<const TypeId> types, CoreValueIter* out_param = nullptr);

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_CANONICAL_ABI_H_
