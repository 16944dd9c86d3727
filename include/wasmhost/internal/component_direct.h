// wasmhost/internal/component_direct.h: the direct path of typed component
// calls (not user API; see component_typed.h). For signatures whose
// parameters are scalars, strings and lists of numbers and whose result is
// a scalar or one of the few shapes read from a return area, a typed call
// lowers C++ values straight into guest memory and flat core values,
// calls the lifted core function through a core TypedFunc and lifts the
// result from core values and memory, with no component::Val in between.
//
//   Direct<T>        per C++ type: whether it takes the direct path as a
//                    parameter (kParam, its flat core types Flat, Check
//                    and Lower) or as a result (kFlatResult: one core
//                    value; kLoaded: from the return area, with kAlign,
//                    kSize and Load)
//   DirectCall       the non-template steps, in lib/component/typed_call.cc
//
// Every function is thread-affine (the instance's thread).

#ifndef WASMHOST_INTERNAL_COMPONENT_DIRECT_H_
#define WASMHOST_INTERNAL_COMPONENT_DIRECT_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/component_values.h"
#include "wasmhost/export.h"
#include "wasmhost/internal/component_call.h"

namespace wasmhost::component::internal {

// The guest side of one direct call: the export's memory and realloc.
// Made per call; `memory` is fetched again after every realloc.
class WASMHOST_EXPORT DirectCall {
 public:
  // cabi_realloc(old_ptr, old_size, align, new_size) as a core handle.
  using ReallocFunc =
      wasmhost::TypedFunc<int32_t(int32_t, int32_t, int32_t, int32_t)>;

  // `realloc` (may be null: then Realloc of component_call.h) is the
  // export's realloc option as a typed handle, which LowerBytes calls; it
  // must outlive this.
  DirectCall(const ExportState& e, const ReallocFunc* realloc)
      : export_(e), realloc_(realloc) {}

  // InvalidArgument unless `s` is well-formed UTF-8 (checked before
  // anything runs in the guest, so a bad argument does not poison).
  static absl::Status CheckString(std::string_view s);

  // Copies `bytes` (`count` elements of `align`-aligned size) into a new
  // guest allocation (cabi_realloc(0, 0, align, size)); its pointer and
  // `count` become the flat (ptr, len). A trap in realloc is Aborted, as
  // is a pointer realloc returns unaligned or out of bounds.
  absl::Status LowerBytes(const void* bytes, uint32_t count, uint32_t size,
                          uint32_t align, int32_t* ptr, int32_t* len);

  // The guest memory [ptr, ptr + size), which must be `align`-aligned and
  // in bounds (Aborted "unaligned pointer ..." / "pointer out of bounds"
  // as the spec's traps). Invalid after any call into the guest.
  absl::StatusOr<const uint8_t*> Range(uint32_t ptr, uint64_t size,
                                       uint32_t align);
  // A string (ptr, len) in guest memory, checked as Range and for UTF-8
  // (Aborted "invalid UTF-8").
  absl::StatusOr<std::string> LiftString(uint32_t ptr, uint32_t len);
  // A char's code point: Aborted "invalid char" for a surrogate or one
  // above U+10FFFF.
  static absl::StatusOr<char32_t> LiftChar(uint32_t code_point);
  // Aborted "discriminant <d> out of range for <what>".
  static absl::Status BadCase(uint32_t discriminant, absl::string_view what);

  // True once realloc ran (the guest has run: a failure poisons).
  [[nodiscard]] bool guest_ran() const { return guest_ran_; }

  // For a driver call (component_call.h's CallDriven): LowerBytes then
  // records the bytes for the driver to copy after its realloc, and
  // lowers (ptr, len) as (byte length, count).
  void DeferAllocations() { deferring_ = true; }
  [[nodiscard]] absl::Span<const DriverBytes> deferred() const {
    return absl::MakeConstSpan(pending_, pending_count_);
  }

  // Forgets the memory's bytes: the guest ran (it may have grown them).
  void GuestCalled() { memory_.reset(); }

 private:
  // The export's memory, fetched once per stretch of host work (each
  // fetch opens a V8 handle scope).
  absl::Span<uint8_t> Memory();

  const ExportState& export_;
  const ReallocFunc* realloc_;
  bool guest_ran_ = false;
  bool deferring_ = false;
  // At most 16 flat parameters: 8 (ptr, len) pairs.
  DriverBytes pending_[8] = {};
  uint32_t pending_count_ = 0;
  std::optional<absl::Span<uint8_t>> memory_;
};

// Numbers a list's elements may be on the direct path: stored as their
// bytes (bool and char need conversion, so they take the Val path).
template <typename T>
constexpr bool kListNumber =
    std::is_arithmetic_v<T> && !std::is_same_v<T, bool> &&
    !std::is_same_v<T, char32_t> && !std::is_same_v<T, char> &&
    !std::is_same_v<T, wchar_t>;

template <typename T, typename = void>
struct Direct {
  static constexpr bool kParam = false;
  // A string or list parameter: lowered as bytes realloc allocates, of
  // elements aligned to kElemAlign.
  static constexpr bool kBytes = false;
  static constexpr uint32_t kElemAlign = 1;
  static constexpr bool kFlatResult = false;
  static constexpr bool kLoaded = false;
  static constexpr uint32_t kAlign = 1;
  static constexpr uint32_t kSize = 0;
};

// Scalars: one core value each way.
template <typename T>
struct Direct<
    T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, char> &&
                        !std::is_same_v<T, wchar_t>>> {
  using Core = std::conditional_t<
      std::is_floating_point_v<T>, T,
      std::conditional_t<(sizeof(T) == 8), int64_t, int32_t>>;
  using Flat = std::tuple<Core>;
  static constexpr bool kParam = true;
  static constexpr bool kBytes = false;
  static constexpr uint32_t kElemAlign = 1;
  static constexpr bool kFlatResult = true;
  static constexpr bool kLoaded = true;
  static constexpr uint32_t kAlign = sizeof(T);
  static constexpr uint32_t kSize = sizeof(T);

  static absl::Status Check(T) { return absl::OkStatus(); }
  static absl::Status Lower(DirectCall&, T v, Flat& out) {
    if constexpr (std::is_same_v<T, char32_t>) {
      // Host values are checked before the guest runs: InvalidArgument.
      if (v >= 0x110000 || (v >= 0xd800 && v < 0xe000)) {
        return absl::InvalidArgumentError("invalid char value");
      }
    }
    std::get<0>(out) = static_cast<Core>(v);
    return absl::OkStatus();
  }
  // From the flat core result.
  static absl::StatusOr<T> Lift(Core v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v != 0;
    } else if constexpr (std::is_same_v<T, char32_t>) {
      return DirectCall::LiftChar(static_cast<uint32_t>(v));
    } else {
      return static_cast<T>(v);
    }
  }
  static absl::StatusOr<T> Load(DirectCall& cx, uint32_t ptr) {
    absl::StatusOr<const uint8_t*> p = cx.Range(ptr, kSize, kAlign);
    if (!p.ok()) return p.status();
    if constexpr (std::is_same_v<T, bool>) {
      return **p != 0;
    } else {
      T v;
      std::memcpy(&v, *p, sizeof v);
      if constexpr (std::is_same_v<T, char32_t>) {
        return DirectCall::LiftChar(static_cast<uint32_t>(v));
      } else {
        return v;
      }
    }
  }
};

// Strings: (ptr, len) of UTF-8 bytes.
template <typename T>
struct Direct<T, std::enable_if_t<std::is_same_v<T, std::string> ||
                                  std::is_same_v<T, std::string_view>>> {
  using Flat = std::tuple<int32_t, int32_t>;
  static constexpr bool kParam = true;
  static constexpr bool kBytes = true;
  static constexpr uint32_t kElemAlign = 1;
  static constexpr bool kFlatResult = false;
  static constexpr bool kLoaded = std::is_same_v<T, std::string>;
  static constexpr uint32_t kAlign = 4;
  static constexpr uint32_t kSize = 8;

  static absl::Status Check(std::string_view s) {
    return DirectCall::CheckString(s);
  }
  static absl::Status Lower(DirectCall& cx, std::string_view s, Flat& out) {
    return cx.LowerBytes(s.data(), static_cast<uint32_t>(s.size()), 1, 1,
                         &std::get<0>(out), &std::get<1>(out));
  }
  static absl::StatusOr<std::string> Load(DirectCall& cx, uint32_t ptr) {
    absl::StatusOr<const uint8_t*> p = cx.Range(ptr, 8, 4);
    if (!p.ok()) return p.status();
    uint32_t at, len;
    std::memcpy(&at, *p, 4);
    std::memcpy(&len, *p + 4, 4);
    return cx.LiftString(at, len);
  }
};

// Lists of numbers: (ptr, len) of their bytes.
template <typename T>
struct ListElement {
  using Type = void;
};
template <typename T>
struct ListElement<std::vector<T>> {
  using Type = T;
};
template <typename T>
struct ListElement<absl::Span<const T>> {
  using Type = T;
};

template <typename L>
struct Direct<L, std::enable_if_t<kListNumber<typename ListElement<L>::Type>>> {
  using T = typename ListElement<L>::Type;
  using Flat = std::tuple<int32_t, int32_t>;
  static constexpr bool kParam = true;
  static constexpr bool kBytes = true;
  static constexpr uint32_t kElemAlign = alignof(T);
  static constexpr bool kFlatResult = false;
  static constexpr bool kLoaded = std::is_same_v<L, std::vector<T>>;
  static constexpr uint32_t kAlign = 4;
  static constexpr uint32_t kSize = 8;

  static absl::Status Check(absl::Span<const T>) { return absl::OkStatus(); }
  static absl::Status Lower(DirectCall& cx, absl::Span<const T> v, Flat& out) {
    return cx.LowerBytes(v.data(), static_cast<uint32_t>(v.size()), sizeof(T),
                         alignof(T), &std::get<0>(out), &std::get<1>(out));
  }
  static absl::StatusOr<std::vector<T>> Load(DirectCall& cx, uint32_t ptr) {
    absl::StatusOr<const uint8_t*> p = cx.Range(ptr, 8, 4);
    if (!p.ok()) return p.status();
    uint32_t at, len;
    std::memcpy(&at, *p, 4);
    std::memcpy(&len, *p + 4, 4);
    absl::StatusOr<const uint8_t*> bytes =
        cx.Range(at, uint64_t{len} * sizeof(T), alignof(T));
    if (!bytes.ok()) return bytes.status();
    std::vector<T> out(len);
    if (len != 0) std::memcpy(out.data(), *bytes, size_t{len} * sizeof(T));
    return out;
  }
};

// A case of a result or option read from memory: void or a loaded type.
template <typename T>
struct DirectCase {
  static constexpr bool kLoaded = Direct<T>::kLoaded;
  static constexpr uint32_t kAlign = Direct<T>::kAlign;
  static constexpr uint32_t kSize = Direct<T>::kSize;
};
template <>
struct DirectCase<void> {
  static constexpr bool kLoaded = true;
  static constexpr uint32_t kAlign = 1;
  static constexpr uint32_t kSize = 0;
};

constexpr uint32_t AlignTo(uint32_t x, uint32_t align) {
  return (x + align - 1) / align * align;
}

// result<T, E> and option<T> of loadable cases: a discriminant byte (two
// cases), then the payload at the cases' alignment.
template <typename A, typename B>
struct TwoCaseLayout {
  static constexpr bool kLoaded =
      DirectCase<A>::kLoaded && DirectCase<B>::kLoaded;
  static constexpr uint32_t kPayloadAlign =
      DirectCase<A>::kAlign > DirectCase<B>::kAlign ? DirectCase<A>::kAlign
                                                    : DirectCase<B>::kAlign;
  static constexpr uint32_t kPayloadAt = AlignTo(1, kPayloadAlign);
  static constexpr uint32_t kPayloadSize =
      DirectCase<A>::kSize > DirectCase<B>::kSize ? DirectCase<A>::kSize
                                                  : DirectCase<B>::kSize;
  static constexpr uint32_t kAlign = kPayloadAlign;
  static constexpr uint32_t kSize = AlignTo(kPayloadAt + kPayloadSize, kAlign);

  // Case 0 or 1 of the discriminant at `ptr`.
  static absl::StatusOr<bool> Case(DirectCall& cx, uint32_t ptr,
                                   absl::string_view what) {
    absl::StatusOr<const uint8_t*> p = cx.Range(ptr, kSize, kAlign);
    if (!p.ok()) return p.status();
    if (**p > 1) return DirectCall::BadCase(**p, what);
    return **p == 1;
  }
  template <typename T, typename V>
  static absl::StatusOr<V> Payload(DirectCall& cx, uint32_t ptr) {
    if constexpr (std::is_void_v<T>) {
      return V();
    } else {
      return Direct<T>::Load(cx, ptr + kPayloadAt);
    }
  }
};

template <typename T, typename E>
struct Direct<Result<T, E>,
              std::enable_if_t<TwoCaseLayout<T, E>::kLoaded &&
                               !(std::is_void_v<T> && std::is_void_v<E>)>> {
  using Layout = TwoCaseLayout<T, E>;
  using R = Result<T, E>;
  static constexpr bool kParam = false;
  static constexpr bool kFlatResult = false;
  static constexpr bool kLoaded = true;
  static constexpr uint32_t kAlign = Layout::kAlign;
  static constexpr uint32_t kSize = Layout::kSize;

  static absl::StatusOr<R> Load(DirectCall& cx, uint32_t ptr) {
    absl::StatusOr<bool> err = Layout::Case(cx, ptr, "result");
    if (!err.ok()) return err.status();
    if (!*err) {
      auto v = Layout::template Payload<T, typename R::OkValue>(cx, ptr);
      if (!v.ok()) return v.status();
      return R::Ok(*std::move(v));
    }
    auto e = Layout::template Payload<E, typename R::ErrValue>(cx, ptr);
    if (!e.ok()) return e.status();
    return R::Err(*std::move(e));
  }
};

template <typename T>
struct Direct<std::optional<T>,
              std::enable_if_t<TwoCaseLayout<void, T>::kLoaded>> {
  using Layout = TwoCaseLayout<void, T>;
  static constexpr bool kParam = false;
  static constexpr bool kFlatResult = false;
  static constexpr bool kLoaded = true;
  static constexpr uint32_t kAlign = Layout::kAlign;
  static constexpr uint32_t kSize = Layout::kSize;

  static absl::StatusOr<std::optional<T>> Load(DirectCall& cx, uint32_t ptr) {
    absl::StatusOr<bool> some = Layout::Case(cx, ptr, "option");
    if (!some.ok()) return some.status();
    if (!*some) return std::optional<T>();
    absl::StatusOr<T> v = Direct<T>::Load(cx, ptr + Layout::kPayloadAt);
    if (!v.ok()) return v.status();
    return std::optional<T>(*std::move(v));
  }
};

// The flat core parameters of Args..., concatenated.
template <typename... Args>
using FlatParams =
    decltype(std::tuple_cat(std::declval<typename Direct<Args>::Flat>()...));

// Whether R(Args...) takes the direct path: every parameter lowers
// directly into at most 16 core values (else the canonical ABI spills
// them to memory), and the result is none, one core value or loaded from
// the return area.
template <typename Value, typename... Args>
constexpr bool DirectEligible() {
  if constexpr (!(Direct<Args>::kParam && ...)) {
    return false;
  } else {
    if (std::tuple_size_v<FlatParams<Args...>> > 16) return false;
    if constexpr (std::is_void_v<Value>) {
      return true;
    } else {
      return Direct<Value>::kFlatResult || Direct<Value>::kLoaded;
    }
  }
}

// The core signature of the lifted function: CoreResult(flat params...).
template <typename CoreResult, typename Tuple>
struct CoreSignature;
template <typename CoreResult, typename... Flat>
struct CoreSignature<CoreResult, std::tuple<Flat...>> {
  using Type = CoreResult(Flat...);
};

// The core signature of R(Args...) on the direct path; void() off it
// (where FlatParams would not exist).
template <bool kDirect, typename CoreResult, typename... Args>
struct CoreSignatureOf {
  using Type = void();
};
template <typename CoreResult, typename... Args>
struct CoreSignatureOf<true, CoreResult, Args...> {
  using Type = typename CoreSignature<CoreResult, FlatParams<Args...>>::Type;
};

template <typename Value, bool kFlat = Direct<Value>::kFlatResult>
struct CoreResultOf {
  using Type = int32_t;  // the return area's pointer
};
template <typename Value>
struct CoreResultOf<Value, true> {
  using Type = typename Direct<Value>::Core;
};
template <>
struct CoreResultOf<void, false> {
  using Type = void;
};

}  // namespace wasmhost::component::internal

#endif  // WASMHOST_INTERNAL_COMPONENT_DIRECT_H_
