// wasmhost/internal/func_traits.h: maps C++ signatures to Wasm signatures
// and to one type-erased calling convention, so that the engine backend has
// no per-signature code. Not part of the public API: use linker.h and
// instance.h.

#ifndef WASMHOST_INTERNAL_FUNC_TRAITS_H_
#define WASMHOST_INTERNAL_FUNC_TRAITS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/value.h"

namespace wasmhost {

class Caller;

namespace internal {

// Every Wasm number crosses the boundary as 64 raw bits: integers
// zero-extended, floats as their bit pattern (as in Val::bits()); a v128
// takes two consecutive RawVals, its low 64 bits first.
using RawVal = uint64_t;

// The C++ types that stand for Wasm number types.
template <typename T>
struct WasmTypeOf;
template <>
struct WasmTypeOf<int32_t> {
  static constexpr ValType kType = ValType::kI32;
};
template <>
struct WasmTypeOf<uint32_t> {
  static constexpr ValType kType = ValType::kI32;
};
template <>
struct WasmTypeOf<int64_t> {
  static constexpr ValType kType = ValType::kI64;
};
template <>
struct WasmTypeOf<uint64_t> {
  static constexpr ValType kType = ValType::kI64;
};
template <>
struct WasmTypeOf<float> {
  static constexpr ValType kType = ValType::kF32;
};
template <>
struct WasmTypeOf<double> {
  static constexpr ValType kType = ValType::kF64;
};

template <typename T>
RawVal ToRaw(T value) {
  static_assert(std::is_arithmetic_v<T>, "not a Wasm number type");
  if constexpr (std::is_same_v<T, float>) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  } else if constexpr (std::is_same_v<T, double>) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  } else {
    return static_cast<RawVal>(static_cast<std::make_unsigned_t<T>>(value));
  }
}

template <typename T>
T FromRaw(RawVal raw) {
  if constexpr (std::is_same_v<T, float>) {
    uint32_t bits = static_cast<uint32_t>(raw);
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  } else if constexpr (std::is_same_v<T, double>) {
    double value;
    std::memcpy(&value, &raw, sizeof value);
    return value;
  } else {
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(raw));
  }
}

// Result shapes: void, T, std::tuple<T...> (multi-value), each optionally
// wrapped in absl::Status / absl::StatusOr for host functions.
template <typename R>
struct ResultTraits {  // one value
  using Types = std::tuple<R>;
  static void Store(const R& value, RawVal* out) { out[0] = ToRaw(value); }
  static R Load(const RawVal* in) { return FromRaw<R>(in[0]); }
};
template <>
struct ResultTraits<void> {
  using Types = std::tuple<>;
};
template <typename... Ts>
struct ResultTraits<std::tuple<Ts...>> {
  using Types = std::tuple<Ts...>;
  static void Store(const std::tuple<Ts...>& values, RawVal* out) {
    StoreEach(values, out, std::index_sequence_for<Ts...>());
  }
  static std::tuple<Ts...> Load(const RawVal* in) {
    return LoadEach(in, std::index_sequence_for<Ts...>());
  }

 private:
  template <size_t... I>
  static void StoreEach(const std::tuple<Ts...>& values, RawVal* out,
                        std::index_sequence<I...>) {
    ((out[I] = ToRaw(std::get<I>(values))), ...);
  }
  template <size_t... I>
  static std::tuple<Ts...> LoadEach(const RawVal* in,
                                    std::index_sequence<I...>) {
    return std::tuple<Ts...>(FromRaw<Ts>(in[I])...);
  }
};

template <typename Tuple>
struct TypesOf;
template <typename... Ts>
struct TypesOf<std::tuple<Ts...>> {
  static std::vector<ValType> Get() { return {WasmTypeOf<Ts>::kType...}; }
};

// FuncType of a plain C++ signature R(Args...).
template <typename Sig>
struct SignatureOf;
template <typename R, typename... Args>
struct SignatureOf<R(Args...)> {
  // Built once per signature, so checking a typed handle allocates nothing.
  static const FuncType& Get() {
    static const FuncType* const type =
        new FuncType{{WasmTypeOf<Args>::kType...},
                     TypesOf<typename ResultTraits<R>::Types>::Get()};
    return *type;
  }
};

// Host function results: strips absl::Status / absl::StatusOr<T>. Store
// returns false and moves the error to `*error` when there is one.
template <typename R>
struct HostResult {
  using Value = R;
  static bool Store(R&& r, RawVal* out, absl::Status*) {
    ResultTraits<R>::Store(r, out);
    return true;
  }
};
template <>
struct HostResult<void> {
  using Value = void;
};
template <>
struct HostResult<absl::Status> {
  using Value = void;
  static bool Store(absl::Status&& r, RawVal*, absl::Status* error) {
    if (r.ok()) return true;
    *error = std::move(r);
    return false;
  }
};
template <typename T>
struct HostResult<absl::StatusOr<T>> {
  using Value = T;
  static bool Store(absl::StatusOr<T>&& r, RawVal* out, absl::Status* error) {
    if (!r.ok()) {
      *error = std::move(r).status();
      return false;
    }
    ResultTraits<T>::Store(*r, out);
    return true;
  }
};

// Decomposes a callable's call operator or a function pointer.
template <typename F>
struct CallableTraits : CallableTraits<decltype(&std::decay_t<F>::operator())> {
};
template <typename R, typename... Args>
struct CallableTraits<R (*)(Args...)> {
  using Result = R;
  using Params = std::tuple<Args...>;
};
template <typename R, typename... Args>
struct CallableTraits<R(Args...)> : CallableTraits<R (*)(Args...)> {};
template <typename C, typename R, typename... Args>
struct CallableTraits<R (C::*)(Args...)> : CallableTraits<R (*)(Args...)> {};
template <typename C, typename R, typename... Args>
struct CallableTraits<R (C::*)(Args...) const>
    : CallableTraits<R (*)(Args...)> {};

// The one type-erased host-call convention: `callable` is the user's
// callable, args and results are raw values in signature order. Returns
// true on success; on failure moves the host function's error to `*error`
// and returns false. (A bool, so a successful host call builds, returns and
// tests no status.)
using HostThunk = bool (*)(void* callable, Caller& caller, const RawVal* args,
                           RawVal* results, absl::Status* error);

template <typename Tuple>
struct Tail {
  using Type = std::tuple<>;
};
template <typename T, typename... Ts>
struct Tail<std::tuple<T, Ts...>> {
  using Type = std::tuple<Ts...>;
};

template <typename F, typename Params>
struct HostThunkFor;
template <typename F, typename... Args>
struct HostThunkFor<F, std::tuple<Args...>> {
  using Result = typename CallableTraits<F>::Result;
  static constexpr bool kWantsCaller =
      sizeof...(Args) > 0 &&
      std::is_same_v<std::tuple_element_t<0, std::tuple<Args..., void>>,
                     Caller&>;

  static FuncType Signature() {
    return SignatureFrom(std::make_index_sequence<kWasmParamCount>());
  }
  static bool Call(void* callable, Caller& caller, const RawVal* args,
                   RawVal* results, absl::Status* error) {
    return CallWith(*static_cast<F*>(callable), caller, args, results, error,
                    std::make_index_sequence<kWasmParamCount>());
  }

 private:
  // The Wasm parameters: Args without a leading Caller&.
  using WasmParams =
      std::conditional_t<kWantsCaller, typename Tail<std::tuple<Args...>>::Type,
                         std::tuple<Args...>>;
  static constexpr size_t kWasmParamCount = std::tuple_size_v<WasmParams>;

  template <size_t... I>
  static FuncType SignatureFrom(std::index_sequence<I...>) {
    FuncType type = SignatureOf<typename HostResult<Result>::Value()>::Get();
    type.params = TypesOf<std::tuple<
        std::decay_t<std::tuple_element_t<I, WasmParams>>...>>::Get();
    return type;
  }
  template <size_t... I>
  static bool CallWith(F& f, Caller& caller, const RawVal* args,
                       RawVal* results, absl::Status* error,
                       std::index_sequence<I...>) {
    auto invoke = [&]() -> decltype(auto) {
      if constexpr (kWantsCaller) {
        return f(caller,
                 FromRaw<std::decay_t<std::tuple_element_t<I, WasmParams>>>(
                     args[I])...);
      } else {
        return f(FromRaw<std::decay_t<std::tuple_element_t<I, WasmParams>>>(
            args[I])...);
      }
    };
    if constexpr (std::is_void_v<Result>) {
      invoke();
      return true;
    } else {
      return HostResult<Result>::Store(invoke(), results, error);
    }
  }
};

// The columns of a batch call (TypedFunc::CallBatch): for each parameter
// and each result of the function, `rows` values packed in Wasm's
// little-endian layout, which is the C++ number types' own on every host
// V8 runs on.
struct BatchColumns {
  const void* const* params = nullptr;  // one per parameter
  void* const* results = nullptr;       // one per result
  size_t rows = 0;
};

// A batch call's results for R = void: nothing (pass {}).
struct NoResults {};
template <typename R>
struct BatchOut {
  using Type = absl::Span<R>;
};
template <>
struct BatchOut<void> {
  using Type = NoResults;
};

// A unique address per type, for checking the type of a void* embedder
// context without RTTI.
template <typename T>
const void* TypeKey() {
  static const char key = 0;
  return &key;
}

}  // namespace internal
}  // namespace wasmhost

#endif  // WASMHOST_INTERNAL_FUNC_TRAITS_H_
