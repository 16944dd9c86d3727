// wasmhost/internal/component_traits.h: how each C++ type of
// component_values.h maps to its WIT type and to and from component::Val
// (not user API; see component_typed.h).
//
//   WitTraits<T>    WitType(), ToVal(value), FromVal(val) for one C++ type
//   WitFuncType     the FuncType of a C++ signature
//   CheckSignature  an export's or import's FuncType against it
//
// Types that are only parameters (std::string_view, absl::Span<const T>)
// have no FromVal for guest results but do for host-function arguments,
// where they view the argument Val for the duration of the call.

#ifndef WASMHOST_INTERNAL_COMPONENT_TRAITS_H_
#define WASMHOST_INTERNAL_COMPONENT_TRAITS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "wasmhost/component_type.h"
#include "wasmhost/component_val.h"
#include "wasmhost/component_values.h"
#include "wasmhost/export.h"

namespace wasmhost::component::internal {

// The public WIT type (lib/component has a Type of its own).
using WitTypeT = api::Type;

// "x, max_size" (a macro's stringized arguments) as WIT labels:
// {"x", "max-size"}; a trailing `_` (a C++ keyword escaped: "class_") is
// dropped. Defined in lib/component/typed_call.cc.
WASMHOST_EXPORT std::vector<std::string> WitLabels(const char* declared);

// InvalidArgument "expected a <kind> value, got a <kind>": a Val that does
// not have the C++ type's kind (a host function's argument never does
// once its type was checked; this keeps a bad Val from being misread).
WASMHOST_EXPORT absl::Status KindMismatch(ValKind expected, const Val& got);

// InvalidArgument for a Val whose members do not fit the C++ type: `what`
// says how ("record with 3 fields, 2 expected").
WASMHOST_EXPORT absl::Status ShapeMismatch(absl::string_view what);

inline absl::Status ExpectKind(const Val& v, ValKind kind) {
  return v.kind() == kind ? absl::OkStatus() : KindMismatch(kind, v);
}

// Whether T was declared by one of component_values.h's macros, which
// declare the function `Declared` for it. One detector per macro: clang
// treats partial specialisations over void_t of different expressions as
// the same one (CWG 1558), so WitTraits selects on these instead.
#define WASMHOST_INTERNAL_DECLARED(Detector, Declared)                    \
  template <typename T, typename = void>                                  \
  struct Detector : std::false_type {};                                   \
  template <typename T>                                                   \
  struct Detector<                                                        \
      T, std::void_t<decltype(Declared(static_cast<const T*>(nullptr)))>> \
      : std::true_type {}
WASMHOST_INTERNAL_DECLARED(IsRecord, WasmhostRecordNames);
WASMHOST_INTERNAL_DECLARED(IsEnum, WasmhostEnumLabels);
WASMHOST_INTERNAL_DECLARED(IsFlags, WasmhostFlagsLabels);
WASMHOST_INTERNAL_DECLARED(IsVariant, WasmhostVariantCases);
#undef WASMHOST_INTERNAL_DECLARED

template <typename T, typename = void>
struct WitTraits {
  static_assert(sizeof(T) == 0,
                "no WIT type for this C++ type (see component_values.h)");
};

// Scalars: the Val factory, its accessor and kind.
#define WASMHOST_INTERNAL_SCALAR(CppType, Factory, accessor, Kind)          \
  template <>                                                               \
  struct WitTraits<CppType> {                                               \
    static WitTypeT WitType() { return WitTypeT::Factory(); }               \
    static Val ToVal(CppType v) { return Val::Factory(v); }                 \
    static absl::StatusOr<CppType> FromVal(const Val& v) {                  \
      if (v.kind() != ValKind::Kind) return KindMismatch(ValKind::Kind, v); \
      return static_cast<CppType>(v.accessor());                            \
    }                                                                       \
  };
WASMHOST_INTERNAL_SCALAR(bool, Bool, bool_value, kBool)
WASMHOST_INTERNAL_SCALAR(int8_t, S8, s8, kS8)
WASMHOST_INTERNAL_SCALAR(uint8_t, U8, u8, kU8)
WASMHOST_INTERNAL_SCALAR(int16_t, S16, s16, kS16)
WASMHOST_INTERNAL_SCALAR(uint16_t, U16, u16, kU16)
WASMHOST_INTERNAL_SCALAR(int32_t, S32, s32, kS32)
WASMHOST_INTERNAL_SCALAR(uint32_t, U32, u32, kU32)
WASMHOST_INTERNAL_SCALAR(int64_t, S64, s64, kS64)
WASMHOST_INTERNAL_SCALAR(uint64_t, U64, u64, kU64)
WASMHOST_INTERNAL_SCALAR(float, F32, f32, kF32)
WASMHOST_INTERNAL_SCALAR(double, F64, f64, kF64)
WASMHOST_INTERNAL_SCALAR(char32_t, Char, char_value, kChar)
#undef WASMHOST_INTERNAL_SCALAR

template <>
struct WitTraits<std::string> {
  static WitTypeT WitType() { return WitTypeT::String(); }
  static Val ToVal(const std::string& v) { return Val::String(v); }
  static absl::StatusOr<std::string> FromVal(const Val& v) {
    if (v.kind() != ValKind::kString) return KindMismatch(ValKind::kString, v);
    return v.string();
  }
};

template <>
struct WitTraits<std::string_view> {
  static WitTypeT WitType() { return WitTypeT::String(); }
  static Val ToVal(std::string_view v) { return Val::String(std::string(v)); }
  // Views the Val's string: valid while the Val lives.
  static absl::StatusOr<std::string_view> FromVal(const Val& v) {
    if (v.kind() != ValKind::kString) return KindMismatch(ValKind::kString, v);
    return std::string_view(v.string());
  }
};

// Elements of a list Val, converted one by one (a Val::Bytes list of
// uint8_t copied at once).
template <typename T>
absl::StatusOr<std::vector<T>> ListFromVal(const Val& v) {
  if (v.kind() != ValKind::kList) return KindMismatch(ValKind::kList, v);
  if (v.is_bytes()) {
    if constexpr (std::is_same_v<T, uint8_t>) {
      return std::vector<T>(v.bytes().begin(), v.bytes().end());
    } else {
      return ShapeMismatch("a byte list where the list's elements are not u8");
    }
  }
  std::vector<T> out;
  out.reserve(v.elements().size());
  for (const Val& e : v.elements()) {
    absl::StatusOr<T> x = WitTraits<T>::FromVal(e);
    if (!x.ok()) return x.status();
    out.push_back(*std::move(x));
  }
  return out;
}

template <typename T>
Val ListToVal(absl::Span<const T> values) {
  std::vector<Val> elements;
  elements.reserve(values.size());
  for (const T& x : values) elements.push_back(WitTraits<T>::ToVal(x));
  return Val::List(std::move(elements));
}

template <typename T>
struct WitTraits<std::vector<T>> {
  static WitTypeT WitType() { return WitTypeT::List(WitTraits<T>::WitType()); }
  static Val ToVal(const std::vector<T>& v) {
    return ListToVal<T>(absl::MakeConstSpan(v));
  }
  static absl::StatusOr<std::vector<T>> FromVal(const Val& v) {
    return ListFromVal<T>(v);
  }
};

// A span parameter of a host function views a vector the adapter keeps
// for the call (HostArg below), so FromVal is not offered here.
template <typename T>
struct WitTraits<absl::Span<const T>> {
  static WitTypeT WitType() { return WitTypeT::List(WitTraits<T>::WitType()); }
  static Val ToVal(absl::Span<const T> v) { return ListToVal<T>(v); }
};

template <typename T>
struct WitTraits<std::optional<T>> {
  static WitTypeT WitType() {
    return WitTypeT::Option(WitTraits<T>::WitType());
  }
  static Val ToVal(const std::optional<T>& v) {
    return v.has_value() ? Val::Some(WitTraits<T>::ToVal(*v)) : Val::None();
  }
  static absl::StatusOr<std::optional<T>> FromVal(const Val& v) {
    if (v.kind() != ValKind::kOption) return KindMismatch(ValKind::kOption, v);
    if (v.case_index() == 0) return std::optional<T>();
    if (v.payload() == nullptr) return ShapeMismatch("some without a value");
    absl::StatusOr<T> x = WitTraits<T>::FromVal(*v.payload());
    if (!x.ok()) return x.status();
    return std::optional<T>(*std::move(x));
  }
};

// The WIT type of a result case: none for void.
template <typename T>
std::optional<WitTypeT> CaseType() {
  if constexpr (std::is_void_v<T>) {
    return std::nullopt;
  } else {
    return WitTraits<T>::WitType();
  }
}

template <typename T, typename V>
std::optional<Val> CaseToVal(const V& v) {
  if constexpr (std::is_void_v<T>) {
    return std::nullopt;
  } else {
    return WitTraits<T>::ToVal(v);
  }
}

template <typename T, typename V>
absl::StatusOr<V> CaseFromVal(const Val& v) {
  if constexpr (std::is_void_v<T>) {
    return V();
  } else {
    if (v.payload() == nullptr) return ShapeMismatch("case without a value");
    return WitTraits<T>::FromVal(*v.payload());
  }
}

template <typename T, typename E>
struct WitTraits<Result<T, E>> {
  using R = Result<T, E>;
  static WitTypeT WitType() {
    return WitTypeT::Result(CaseType<T>(), CaseType<E>());
  }
  static Val ToVal(const R& v) {
    return v.ok() ? Val::Ok(CaseToVal<T>(v.value()))
                  : Val::Err(CaseToVal<E>(v.error()));
  }
  static absl::StatusOr<R> FromVal(const Val& v) {
    if (v.kind() != ValKind::kResult) return KindMismatch(ValKind::kResult, v);
    if (v.case_index() == 0) {
      absl::StatusOr<typename R::OkValue> x =
          CaseFromVal<T, typename R::OkValue>(v);
      if (!x.ok()) return x.status();
      return R::Ok(*std::move(x));
    }
    absl::StatusOr<typename R::ErrValue> x =
        CaseFromVal<E, typename R::ErrValue>(v);
    if (!x.ok()) return x.status();
    return R::Err(*std::move(x));
  }
};

template <typename... Ts>
struct WitTraits<std::tuple<Ts...>> {
  using Tuple = std::tuple<Ts...>;
  static WitTypeT WitType() {
    return WitTypeT::Tuple({WitTraits<Ts>::WitType()...});
  }
  static Val ToVal(const Tuple& v) {
    return std::apply(
        [](const Ts&... x) { return Val::Tuple({WitTraits<Ts>::ToVal(x)...}); },
        v);
  }
  static absl::StatusOr<Tuple> FromVal(const Val& v) {
    if (v.kind() != ValKind::kTuple) return KindMismatch(ValKind::kTuple, v);
    if (v.elements().size() != sizeof...(Ts)) {
      return ShapeMismatch(absl::StrCat("tuple of ", v.elements().size(),
                                        " elements, ", sizeof...(Ts),
                                        " expected"));
    }
    Tuple out;
    absl::Status status = FromEach(v, out, std::index_sequence_for<Ts...>());
    if (!status.ok()) return status;
    return out;
  }

 private:
  template <size_t... I>
  static absl::Status FromEach(const Val& v, Tuple& out,
                               std::index_sequence<I...>) {
    absl::Status status;
    (void)((status = Assign(v.elements()[I], std::get<I>(out))).ok() && ...);
    return status;
  }
  template <typename T>
  static absl::Status Assign(const Val& v, T& out) {
    absl::StatusOr<T> x = WitTraits<T>::FromVal(v);
    if (!x.ok()) return x.status();
    out = *std::move(x);
    return absl::OkStatus();
  }
};

template <typename Tag>
struct WitTraits<Own<Tag>> {
  static WitTypeT WitType() { return WitTypeT::Own(Tag::kWitName); }
  static Val ToVal(const Own<Tag>& v) {
    return v.handle().valid() ? Val::Own(v.handle()) : Val::Own(v.rep());
  }
  static absl::StatusOr<Own<Tag>> FromVal(const Val& v) {
    if (v.kind() != ValKind::kOwn) return KindMismatch(ValKind::kOwn, v);
    if (v.guest_handle().valid()) return Own<Tag>(v.guest_handle());
    return Own<Tag>(v.rep());
  }
};

template <typename Tag>
struct WitTraits<Borrow<Tag>> {
  static WitTypeT WitType() { return WitTypeT::Borrow(Tag::kWitName); }
  static Val ToVal(const Borrow<Tag>& v) {
    return v.handle().valid() ? Val::Borrow(v.handle()) : Val::Borrow(v.rep());
  }
  static absl::StatusOr<Borrow<Tag>> FromVal(const Val& v) {
    if (v.kind() != ValKind::kBorrow) return KindMismatch(ValKind::kBorrow, v);
    if (v.guest_handle().valid()) return Borrow<Tag>(v.guest_handle());
    return Borrow<Tag>(v.rep());
  }
};

// Records: WASMHOST_COMPONENT_RECORD's WasmhostRecordFields/Names.
template <typename T>
struct WitTraits<T, std::enable_if_t<IsRecord<T>::value>> {
  using Fields = decltype(WasmhostRecordFields(std::declval<const T&>()));
  static constexpr size_t kCount = std::tuple_size_v<Fields>;

  static const std::vector<std::string>& Names() {
    static const auto* const names = new std::vector<std::string>(
        WitLabels(WasmhostRecordNames(static_cast<const T*>(nullptr))));
    return *names;
  }
  static WitTypeT WitType() { return Make(std::make_index_sequence<kCount>()); }
  static Val ToVal(const T& v) {
    return ToValEach(WasmhostRecordFields(v),
                     std::make_index_sequence<kCount>());
  }
  static absl::StatusOr<T> FromVal(const Val& v) {
    if (v.kind() != ValKind::kRecord) return KindMismatch(ValKind::kRecord, v);
    if (v.elements().size() != kCount) {
      return ShapeMismatch(absl::StrCat("record with ", v.elements().size(),
                                        " fields, ", kCount, " expected"));
    }
    T out{};
    auto fields = WasmhostRecordFields(out);
    absl::Status status =
        FromEach(v, fields, std::make_index_sequence<kCount>());
    if (!status.ok()) return status;
    return out;
  }

 private:
  template <size_t I>
  using FieldType = std::remove_cv_t<
      std::remove_reference_t<std::tuple_element_t<I, Fields>>>;

  template <size_t... I>
  static WitTypeT Make(std::index_sequence<I...>) {
    return WitTypeT::Record(
        {WitTypeT::Field{Names()[I], WitTraits<FieldType<I>>::WitType()}...});
  }
  template <size_t... I>
  static Val ToValEach(const Fields& f, std::index_sequence<I...>) {
    return Val::Record(
        {{Names()[I], WitTraits<FieldType<I>>::ToVal(std::get<I>(f))}...});
  }
  template <typename Refs, size_t... I>
  static absl::Status FromEach(const Val& v, Refs& refs,
                               std::index_sequence<I...>) {
    absl::Status status;
    (void)((status = Assign<FieldType<I>>(v.elements()[I], std::get<I>(refs)))
               .ok() &&
           ...);
    return status;
  }
  template <typename F>
  static absl::Status Assign(const Val& v, F& out) {
    absl::StatusOr<F> x = WitTraits<F>::FromVal(v);
    if (!x.ok()) return x.status();
    out = *std::move(x);
    return absl::OkStatus();
  }
};

// Enums: WASMHOST_COMPONENT_ENUM's WasmhostEnumLabels.
template <typename T>
struct WitTraits<T, std::enable_if_t<IsEnum<T>::value>> {
  static const std::vector<std::string>& Labels() {
    static const auto* const labels = new std::vector<std::string>(
        WitLabels(WasmhostEnumLabels(static_cast<const T*>(nullptr))));
    return *labels;
  }
  static WitTypeT WitType() { return WitTypeT::Enum(Labels()); }
  static Val ToVal(T v) { return Val::Enum(static_cast<uint32_t>(v)); }
  static absl::StatusOr<T> FromVal(const Val& v) {
    if (v.kind() != ValKind::kEnum) return KindMismatch(ValKind::kEnum, v);
    if (v.case_index() >= Labels().size()) {
      return ShapeMismatch(
          absl::StrCat("enum case ", v.case_index(), " of ", Labels().size()));
    }
    return static_cast<T>(v.case_index());
  }
};

// Flags: WASMHOST_COMPONENT_FLAGS's WasmhostFlagsLabels.
template <typename T>
struct WitTraits<T, std::enable_if_t<IsFlags<T>::value>> {
  static const std::vector<std::string>& Labels() {
    static const auto* const labels = new std::vector<std::string>(
        WitLabels(WasmhostFlagsLabels(static_cast<const T*>(nullptr))));
    return *labels;
  }
  static WitTypeT WitType() { return WitTypeT::Flags(Labels()); }
  static Val ToVal(const T& v) { return Val::Flags(v.bits()); }
  static absl::StatusOr<T> FromVal(const Val& v) {
    if (v.kind() != ValKind::kFlags) return KindMismatch(ValKind::kFlags, v);
    return T::FromBits(v.flags());
  }
};

// Variants: WASMHOST_COMPONENT_VARIANT's WasmhostVariantCases on a class
// derived from std::variant.
template <typename... Ts>
std::variant<Ts...> VariantBaseOf(const std::variant<Ts...>&);

template <typename T>
struct WitTraits<T, std::enable_if_t<IsVariant<T>::value>> {
  using Base = decltype(VariantBaseOf(std::declval<const T&>()));
  static constexpr size_t kCount = std::variant_size_v<Base>;
  template <size_t I>
  using Alt = std::variant_alternative_t<I, Base>;
  template <size_t I>
  static constexpr bool kEmpty = std::is_same_v<Alt<I>, std::monostate>;

  static const std::vector<std::string>& Names() {
    static const auto* const names = new std::vector<std::string>(
        WitLabels(WasmhostVariantCases(static_cast<const T*>(nullptr))));
    return *names;
  }
  static WitTypeT WitType() { return Make(std::make_index_sequence<kCount>()); }
  static Val ToVal(const T& v) {
    return std::visit(
        [&v](const auto& x) -> Val {
          using X = std::decay_t<decltype(x)>;
          const uint32_t index = static_cast<uint32_t>(v.index());
          if constexpr (std::is_same_v<X, std::monostate>) {
            return Val::Variant(index, std::nullopt);
          } else {
            return Val::Variant(index, WitTraits<X>::ToVal(x));
          }
        },
        static_cast<const Base&>(v));
  }
  static absl::StatusOr<T> FromVal(const Val& v) {
    if (v.kind() != ValKind::kVariant) {
      return KindMismatch(ValKind::kVariant, v);
    }
    static constexpr auto kMakers = Makers(std::make_index_sequence<kCount>());
    if (v.case_index() >= kCount) {
      return ShapeMismatch(
          absl::StrCat("variant case ", v.case_index(), " of ", kCount));
    }
    return kMakers[v.case_index()](v);
  }

 private:
  template <size_t I>
  static std::optional<WitTypeT> CaseTypeOf() {
    if constexpr (kEmpty<I>) {
      return std::nullopt;
    } else {
      return WitTraits<Alt<I>>::WitType();
    }
  }
  template <size_t... I>
  static WitTypeT Make(std::index_sequence<I...>) {
    return WitTypeT::Variant({WitTypeT::Case{Names()[I], CaseTypeOf<I>()}...});
  }
  template <size_t I>
  static absl::StatusOr<T> MakeCase(const Val& v) {
    if constexpr (kEmpty<I>) {
      return T(std::in_place_index<I>);
    } else {
      if (v.payload() == nullptr) return ShapeMismatch("case without a value");
      absl::StatusOr<Alt<I>> x = WitTraits<Alt<I>>::FromVal(*v.payload());
      if (!x.ok()) return x.status();
      return T(std::in_place_index<I>, *std::move(x));
    }
  }
  template <size_t... I>
  static constexpr auto Makers(std::index_sequence<I...>) {
    return std::array<absl::StatusOr<T> (*)(const Val&), kCount>{
        &MakeCase<I>...};
  }
};

// A typed function's result type R as WIT sees it: absl::StatusOr<T>
// stands for T and absl::Status for no result (the call's status carries
// the failure either way).
template <typename R>
struct ResultOf {
  using Type = R;
  static constexpr bool kIsStatusOr = false;
};
template <typename T>
struct ResultOf<absl::StatusOr<T>> {
  using Type = T;
  static constexpr bool kIsStatusOr = true;
};
template <>
struct ResultOf<absl::Status> {
  using Type = void;
  static constexpr bool kIsStatusOr = false;
};

// The FuncType of R(Args...), its parameters unnamed.
template <typename R, typename... Args>
FuncType WitFuncType() {
  FuncType type;
  (type.params.emplace_back(
       std::string(),
       WitTraits<std::remove_cv_t<std::remove_reference_t<Args>>>::WitType()),
   ...);
  using Value = typename ResultOf<R>::Type;
  if constexpr (!std::is_void_v<Value>) {
    type.result = WitTraits<Value>::WitType();
  }
  return type;
}

// Whether `actual` has the parameter and result types of `expected`, and
// its parameter names where `expected` names them (a C++ signature's
// parameters, from WitFuncType, have none).
WASMHOST_EXPORT bool SignatureMatches(const FuncType& expected,
                                      const FuncType& actual);

// InvalidArgument when `actual` (the WIT type of `what`, e.g. export
// "score") is not `expected` (from `cpp`, the C++ signature); the message
// gives both.
WASMHOST_EXPORT absl::Status CheckSignature(absl::string_view what,
                                            const FuncType& actual,
                                            const FuncType& expected);

}  // namespace wasmhost::component::internal

#endif  // WASMHOST_INTERNAL_COMPONENT_TRAITS_H_
