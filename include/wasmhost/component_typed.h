// wasmhost/component_typed.h: component functions called with C++ types.
//
//   component::TypedFunc<R(Args...)>  an exported function whose WIT type
//                                     was checked once against the C++
//                                     signature
//
// The C++ types of parameters and results are those of
// component_values.h. A result type R is the WIT result's C++ type, or
// void for none; absl::StatusOr<T> as R stands for T (a call returns
// StatusOr<T> either way), so
//   instance.GetFunc<double(std::string_view, absl::Span<const double>)>(
//       "score")
// matches `score: func(name: string, xs: list<f64>) -> f64`, and
//   instance.GetFunc<component::Result<double, std::string>(
//       std::string_view, absl::Span<const double>)>("score")
// matches `-> result<f64, string>`. Parameter names do not take part.
//
// Host functions: LinkerInstance::Define(name, callable) takes any callable
// whose parameters are those C++ types, optionally after a leading
// `component::Caller&`, and whose result is one of them, void,
// absl::Status or absl::StatusOr<T> (a non-OK status traps the guest and
// is what the outer call returns):
//   linker.Instance("demo:kv/store").Define(
//       "get", [](Caller&, std::string_view key)
//                  -> absl::StatusOr<std::optional<std::string>> {...});
// Its WIT type is checked against the import's at Instance::Create
// (InvalidArgument giving both).

#ifndef WASMHOST_COMPONENT_TYPED_H_
#define WASMHOST_COMPONENT_TYPED_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_type.h"
#include "wasmhost/component_val.h"
#include "wasmhost/component_values.h"
#include "wasmhost/instance.h"
#include "wasmhost/internal/component_call.h"
#include "wasmhost/internal/component_direct.h"
#include "wasmhost/internal/component_traits.h"

namespace wasmhost::component {
inline namespace api {

// An exported function whose WIT type matched R(Args...) when the handle
// was made (see the file comment for the mapping). Calls take the direct
// path (component_direct.h) when every parameter is a scalar, a string or
// a list of numbers and the result is a scalar, a string, a list of
// numbers, or an option or result of those; other signatures go through
// component::Vals and Func::Call. Both check, trap and poison alike.
// Cheap to copy; must not outlive its Instance. Thread-affine, like its
// Instance.
template <typename R, typename... Args>
class TypedFunc<R(Args...)> {
 public:
  // What a call gives: the WIT result's C++ type (void: none).
  using Value = typename internal::ResultOf<R>::Type;
  using CallResult = std::conditional_t<std::is_void_v<Value>, absl::Status,
                                        absl::StatusOr<Value>>;

  // The export `name` of the world, or function `name` of exported
  // interface `interface`, checked against R(Args...).
  // Returns:
  //   NotFound         there is no such export
  //   InvalidArgument  its WIT type is not R(Args...)'s; the message gives
  //                    both ("export \"score\" is func(name: string, ...)
  //                    -> result<f64, string>, the C++ signature says
  //                    func(string, list<f64>) -> f64")
  [[nodiscard]] static absl::StatusOr<TypedFunc> Get(
      const Instance& instance, absl::string_view interface,
      absl::string_view name) {
    absl::StatusOr<Func> func = interface.empty()
                                    ? instance.GetFunc(name)
                                    : instance.GetFunc(interface, name);
    if (!func.ok()) return func.status();
    const std::string what =
        interface.empty()
            ? absl::StrCat("export \"", name, "\"")
            : absl::StrCat("export \"", interface, "#", name, "\"");
    absl::Status checked = internal::CheckSignature(
        what, func->type(), internal::WitFuncType<R, Args...>());
    if (!checked.ok()) return checked;
    TypedFunc typed(*func);
    if constexpr (kDirect) {
      const internal::ExportState& e = internal::FuncExport(*func);
      // Strings go straight into memory only in UTF-8, what std::string
      // holds; other encodings take the Val path.
      if (internal::StringEncodingOf(e) ==
          internal::CallStringEncoding::kUtf8) {
        absl::StatusOr<wasmhost::TypedFunc<CoreSig>> core =
            internal::CoreInstance(e).template GetFunc<CoreSig>(
                internal::CoreExportName(e));
        if (core.ok()) typed.core_.emplace(*core);
        // Realloc and post-return as typed core handles too, when they
        // are core exports; else through component_call.h's dynamic ones.
        absl::string_view option;
        if (const wasmhost::Instance* owner =
                internal::ReallocExport(e, &option)) {
          auto realloc = owner->template GetFunc<int32_t(
              int32_t, int32_t, int32_t, int32_t)>(option);
          if (realloc.ok()) typed.realloc_.emplace(*realloc);
        }
        if (const wasmhost::Instance* owner =
                internal::PostReturnExport(e, &option)) {
          auto post = owner->template GetFunc<PostSig>(option);
          if (post.ok()) typed.post_return_.emplace(*post);
        }
        // The reallocs, the call, the lift and post-return in one engine
        // entry when the export allows it; the steps above otherwise.
        if (typed.core_.has_value()) {
          typed.driver_ = internal::MakeDriver(
              e, Allocations(std::index_sequence_for<Args...>()));
        }
      }
    }
    return typed;
  }

  // Calls the function. Returns its result, or as component::Func::Call:
  //   InvalidArgument    an argument is not a valid value of its type
  //                      (ill-formed UTF-8, a surrogate char); nothing ran
  //   Aborted            the guest trapped or broke the canonical ABI
  //   DeadlineExceeded, ResourceExhausted  options' deadline or fuel
  //   FailedPrecondition the instance is poisoned, or this is not its
  //                      thread
  //   a host function's own error status, unchanged
  CallResult Call(const CallOptions& options, const Args&... args) const {
    if constexpr (kDirect) {
      if (core_.has_value()) return CallDirect(options, args...);
    }
    return CallWithVals(options, args...);
  }
  CallResult Call(const Args&... args) const {
    return Call(CallOptions(), args...);
  }

  // Whether calls take the direct path (for tests and benchmarks).
  [[nodiscard]] bool direct() const {
    if constexpr (kDirect) {
      return core_.has_value();
    } else {
      return false;
    }
  }

  // Whether direct calls make the guest's reallocs, the call and
  // post-return in one engine entry through a component driver (for tests
  // and benchmarks): when the export's realloc and post-return belong to
  // the lifted function's core instance and its core result is none or an
  // i32 (a return area's pointer).
  [[nodiscard]] bool driven() const { return driver_ != nullptr; }

  [[nodiscard]] const Func& func() const { return func_; }

 private:
  static constexpr bool kDirect = internal::DirectEligible<
      Value, std::remove_cv_t<std::remove_reference_t<Args>>...>();
  using CoreSig = typename internal::CoreSignatureOf<
      kDirect, typename internal::CoreResultOf<Value>::Type,
      std::remove_cv_t<std::remove_reference_t<Args>>...>::Type;
  using CoreResult = typename internal::CoreResultOf<Value>::Type;
  // post-return takes the core result.
  using PostSig =
      std::conditional_t<std::is_void_v<CoreResult>, void(),
                         void(std::conditional_t<std::is_void_v<CoreResult>,
                                                 int32_t, CoreResult>)>;
  // Only signatures on the direct path have core handles.
  using CoreHandle =
      std::conditional_t<kDirect, wasmhost::TypedFunc<CoreSig>, int>;
  using PostHandle =
      std::conditional_t<kDirect, wasmhost::TypedFunc<PostSig>, int>;

  explicit TypedFunc(Func func) : func_(func) {}

  CallResult CallWithVals(const CallOptions& options,
                          const Args&... args) const {
    const Val vals[sizeof...(Args) + 1] = {internal::WitTraits<
        std::remove_cv_t<std::remove_reference_t<Args>>>::ToVal(args)...};
    absl::StatusOr<std::vector<Val>> results =
        func_.Call(options, absl::MakeConstSpan(vals, sizeof...(Args)));
    if (!results.ok()) return results.status();
    if constexpr (std::is_void_v<Value>) {
      return absl::OkStatus();
    } else {
      if (results->size() != 1) {
        return internal::ShapeMismatch("a call without its one result");
      }
      return internal::WitTraits<Value>::FromVal((*results)[0]);
    }
  }

  CallResult CallDirect(const CallOptions& options, const Args&... args) const {
    const internal::ExportState& e = internal::FuncExport(func_);
    internal::InstanceState& instance = internal::FuncInstance(func_);
    absl::Status status = internal::BeginCall(instance);
    if (!status.ok()) return status;
    // Every argument is checked before anything runs in the guest.
    status = CheckArgs(args...);
    if (!status.ok()) {
      return internal::EndCall(instance, std::move(status), false);
    }
    if (driver_ != nullptr) return CallDriven(instance, e, options, args...);
    internal::DirectCall cx(e, realloc_.has_value() ? &*realloc_ : nullptr);
    internal::FlatParams<std::remove_cv_t<std::remove_reference_t<Args>>...>
        flat;
    status = LowerArgs(cx, flat, std::index_sequence_for<Args...>(), args...);
    if (!status.ok()) {
      return internal::EndCall(instance, std::move(status), cx.guest_ran());
    }
    status = internal::BeginFuel(e, options);
    if (!status.ok()) {
      return internal::EndCall(instance, std::move(status), cx.guest_ran());
    }
    if constexpr (std::is_void_v<CoreResult>) {
      status = internal::EndFuel(
          e, options,
          std::apply([&](auto... f) { return core_->Call(options, f...); },
                     flat));
      if (status.ok() && internal::HasPostReturn(e)) {
        status = post_return_.has_value() ? post_return_->Call()
                                          : internal::PostReturn(e, {});
      }
      return internal::EndCall(instance, std::move(status), true);
    } else {
      absl::StatusOr<CoreResult> core = std::apply(
          [&](auto... f) { return core_->Call(options, f...); }, flat);
      cx.GuestCalled();
      status = internal::EndFuel(e, options, core.status());
      if (!status.ok()) {
        return internal::EndCall(instance, std::move(status), true);
      }
      absl::StatusOr<Value> value = Lift(cx, *core);
      if (value.ok() && internal::HasPostReturn(e)) {
        if (post_return_.has_value()) {
          status = post_return_->Call(*core);
        } else {
          const wasmhost::Val flat_result[] = {CoreVal(*core)};
          status = internal::PostReturn(e, flat_result);
        }
        if (!status.ok()) value = status;
      }
      status = internal::EndCall(instance, value.status(), true);
      if (!status.ok()) return status;
      return value;
    }
  }

  // The driver path of CallDirect, after BeginCall and CheckArgs.
  CallResult CallDriven(internal::InstanceState& instance,
                        const internal::ExportState& e,
                        const CallOptions& options, const Args&... args) const {
    internal::DirectCall cx(e, nullptr);
    cx.DeferAllocations();
    internal::FlatParams<std::remove_cv_t<std::remove_reference_t<Args>>...>
        flat;
    absl::Status status =
        LowerArgs(cx, flat, std::index_sequence_for<Args...>(), args...);
    if (!status.ok()) {
      return internal::EndCall(instance, std::move(status), false);
    }
    wasmhost::internal::RawVal raw[std::tuple_size_v<decltype(flat)> + 1];
    std::apply(
        [&](auto... f) {
          size_t i = 0;
          ((raw[i++] = wasmhost::internal::ToRaw(f)), ...);
        },
        flat);
    // (int for void: a driver lifts nothing then.)
    std::optional<std::conditional_t<std::is_void_v<Value>, int, Value>> value;
    auto lift = [&](uint32_t result) -> absl::Status {
      // MakeDriver takes only callees returning nothing or one i32.
      if constexpr (!std::is_void_v<Value> &&
                    std::is_same_v<CoreResult, int32_t>) {
        absl::StatusOr<Value> lifted =
            Lift(cx, static_cast<CoreResult>(result));
        if (!lifted.ok()) return lifted.status();
        value.emplace(*std::move(lifted));
      }
      return absl::OkStatus();
    };
    status = internal::EndCall(
        instance,
        internal::CallDriven(e, *driver_, options, raw, cx.deferred(), lift),
        true);
    if constexpr (std::is_void_v<Value>) {
      return status;
    } else {
      if (!status.ok()) return status;
      if (!value.has_value()) {
        return absl::InternalError("the component driver lifted no result");
      }
      return *std::move(value);
    }
  }

  // The string and list parameters' flat pointer slots and alignments.
  template <size_t... I>
  static std::vector<internal::DriverAllocation> Allocations(
      std::index_sequence<I...>) {
    std::vector<internal::DriverAllocation> out;
    (AddAllocation<I>(out), ...);
    return out;
  }
  template <size_t I>
  static void AddAllocation(std::vector<internal::DriverAllocation>& out) {
    using D = internal::Direct<std::remove_cv_t<
        std::remove_reference_t<std::tuple_element_t<I, std::tuple<Args...>>>>>;
    if constexpr (D::kBytes) {
      out.push_back({static_cast<uint32_t>(FlatOffset<I>()), D::kElemAlign});
    }
  }

  static absl::Status CheckArgs(const Args&... args) {
    absl::Status status;
    (void)((status = internal::Direct<
                std::remove_cv_t<std::remove_reference_t<Args>>>::Check(args))
               .ok() &&
           ...);
    return status;
  }

  // Lowers each argument into its slice of `flat` (a template, so the
  // declaration names FlatParams only on the direct path).
  template <typename Flat, size_t... I>
  static absl::Status LowerArgs(internal::DirectCall& cx, Flat& flat,
                                std::index_sequence<I...>,
                                const Args&... args) {
    absl::Status status;
    (void)((status = LowerOne<I>(cx, flat, args)).ok() && ...);
    return status;
  }

  // The offset of argument I's flat values in the concatenation.
  template <size_t I>
  static constexpr size_t FlatOffset() {
    size_t offset = 0;
    size_t i = 0;
    ((i++ < I ? offset += std::tuple_size_v<typename internal::Direct<
                    std::remove_cv_t<std::remove_reference_t<Args>>>::Flat>
              : 0),
     ...);
    return offset;
  }

  template <size_t I, typename Flat, typename A>
  static absl::Status LowerOne(internal::DirectCall& cx, Flat& flat,
                               const A& arg) {
    using T = std::remove_cv_t<std::remove_reference_t<A>>;
    using D = internal::Direct<T>;
    typename D::Flat mine;
    absl::Status status = D::Lower(cx, arg, mine);
    if (!status.ok()) return status;
    CopyInto<FlatOffset<I>()>(
        flat, mine,
        std::make_index_sequence<std::tuple_size_v<typename D::Flat>>());
    return absl::OkStatus();
  }

  template <size_t kOffset, typename Flat, typename Mine, size_t... J>
  static void CopyInto(Flat& flat, const Mine& mine,
                       std::index_sequence<J...>) {
    ((std::get<kOffset + J>(flat) = std::get<J>(mine)), ...);
  }

  template <typename Core>
  static absl::StatusOr<Value> Lift(internal::DirectCall& cx, Core core) {
    if constexpr (internal::Direct<Value>::kFlatResult) {
      return internal::Direct<Value>::Lift(core);
    } else {
      const auto ptr = static_cast<uint32_t>(core);
      return internal::Direct<Value>::Load(cx, ptr);
    }
  }

  template <typename Core>
  static wasmhost::Val CoreVal(Core core) {
    if constexpr (std::is_same_v<Core, int32_t>) {
      return wasmhost::Val::I32(core);
    } else if constexpr (std::is_same_v<Core, int64_t>) {
      return wasmhost::Val::I64(core);
    } else if constexpr (std::is_same_v<Core, float>) {
      return wasmhost::Val::F32(core);
    } else {
      return wasmhost::Val::F64(core);
    }
  }

  Func func_;
  std::optional<CoreHandle> core_;
  std::optional<internal::DirectCall::ReallocFunc> realloc_;
  std::optional<PostHandle> post_return_;
  // Null when calls take the separate steps.
  std::shared_ptr<const internal::DriverState> driver_;
};

}  // namespace api

namespace internal {

// A host function's parameter as the callable receives it: owned values
// are converted from the argument Val; std::string_view views it; a span
// views a vector converted for the call.
template <typename P>
struct HostArg {
  using Holder = P;
  static absl::StatusOr<Holder> Convert(const Val& v) {
    return WitTraits<P>::FromVal(v);
  }
  static const P& Pass(const Holder& h) { return h; }
};
template <typename T>
struct HostArg<absl::Span<const T>> {
  using Holder = std::vector<T>;
  static absl::StatusOr<Holder> Convert(const Val& v) {
    return ListFromVal<T>(v);
  }
  static absl::Span<const T> Pass(const Holder& h) { return h; }
};

template <typename P>
using Bare = std::remove_cv_t<std::remove_reference_t<P>>;

// The callable's parameters after an optional leading Caller&.
template <typename Params>
struct WitParams;
template <typename... Ps>
struct WitParams<std::tuple<Ps...>> {
  static constexpr bool kCaller = false;
  using Types = std::tuple<Bare<Ps>...>;
};
template <typename... Ps>
struct WitParams<std::tuple<Caller&, Ps...>> {
  static constexpr bool kCaller = true;
  using Types = std::tuple<Bare<Ps>...>;
};

template <typename R, typename Tuple>
struct WitFuncTypeOfTuple;
template <typename R, typename... Ps>
struct WitFuncTypeOfTuple<R, std::tuple<Ps...>> {
  static FuncType Get() { return WitFuncType<R, Ps...>(); }
};

// Appends a host result to `results`; a non-OK status is the host's error.
template <typename R>
absl::Status StoreHostResult(R&& r, std::vector<Val>& results) {
  using T = Bare<R>;
  if constexpr (std::is_same_v<T, absl::Status>) {
    return r;
  } else if constexpr (ResultOf<T>::kIsStatusOr) {
    if (!r.ok()) return std::move(r).status();
    results.push_back(WitTraits<typename ResultOf<T>::Type>::ToVal(*r));
    return absl::OkStatus();
  } else {
    results.push_back(WitTraits<T>::ToVal(r));
    return absl::OkStatus();
  }
}

template <typename F>
class TypedHostAdapter {
 public:
  using Traits = wasmhost::internal::CallableTraits<F>;
  using Params = WitParams<typename Traits::Params>;
  using Types = typename Params::Types;
  static constexpr size_t kCount = std::tuple_size_v<Types>;

  explicit TypedHostAdapter(F f) : f_(std::move(f)) {}

  absl::Status operator()(Caller& caller, absl::Span<const Val> args,
                          std::vector<Val>& results) {
    if (args.size() != kCount) {
      return ShapeMismatch(
          absl::StrCat(args.size(), " arguments, ", kCount, " expected"));
    }
    return Invoke(caller, args, results, std::make_index_sequence<kCount>());
  }

 private:
  template <size_t I>
  using P = std::tuple_element_t<I, Types>;

  template <size_t... I>
  absl::Status Invoke(Caller& caller, absl::Span<const Val> args,
                      std::vector<Val>& results, std::index_sequence<I...>) {
    (void)args;  // Unused by a function without parameters.
    std::tuple<absl::StatusOr<typename HostArg<P<I>>::Holder>...> held{
        HostArg<P<I>>::Convert(args[I])...};
    absl::Status status;
    (void)((status = std::get<I>(held).status()).ok() && ...);
    if (!status.ok()) return status;
    auto call = [&]() -> decltype(auto) {
      if constexpr (Params::kCaller) {
        return f_(caller, HostArg<P<I>>::Pass(*std::get<I>(held))...);
      } else {
        return f_(HostArg<P<I>>::Pass(*std::get<I>(held))...);
      }
    };
    using Result = typename Traits::Result;
    if constexpr (std::is_void_v<Result>) {
      call();
      return absl::OkStatus();
    } else {
      return StoreHostResult(call(), results);
    }
  }

  F f_;
};

template <typename F>
TypedHostFunc MakeTypedHostFunc(F&& callable) {
  using Adapter = TypedHostAdapter<std::decay_t<F>>;
  using Result = typename Adapter::Traits::Result;
  // Shared, so that move-only callables fit std::function.
  auto adapter = std::make_shared<Adapter>(std::forward<F>(callable));
  return TypedHostFunc{
      WitFuncTypeOfTuple<Result, typename Adapter::Types>::Get(),
      [adapter](Caller& caller, absl::Span<const Val> args,
                std::vector<Val>& results) {
        return (*adapter)(caller, args, results);
      }};
}

}  // namespace internal
}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_TYPED_H_
