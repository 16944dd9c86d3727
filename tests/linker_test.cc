// Tests of wasmhost/linker.h: defining host functions from callables,
// deny-by-default linking, and what host functions see and return.

#include "wasmhost/linker.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

using ::testing::HasSubstr;

int32_t Triple(int32_t x) { return 3 * x; }

// Instantiates host_i32.wat (env.f: (i32) -> i32) and returns call(x).
absl::StatusOr<int32_t> CallHostI32(const Linker& linker, int32_t x) {
  absl::StatusOr<Instance> instance =
      testing::Instantiate(fixtures::host_i32_wasm(), linker);
  if (!instance.ok()) return instance.status();
  auto call = instance->GetFunc<int32_t(int32_t)>("call");
  if (!call.ok()) return call.status();
  return call->Call(x);
}

TEST(LinkerTest, DefineFunctionPointer) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", &Triple));
  EXPECT_THAT(CallHostI32(linker, 14), testing::IsOkAndHolds(42));
  // A plain function name decays to a pointer too.
  Linker by_name;
  ASSERT_OK(by_name.Define("env", "f", Triple));
  EXPECT_THAT(CallHostI32(by_name, -5), testing::IsOkAndHolds(-15));
}

TEST(LinkerTest, DefineLambdaWithCaptures) {
  Linker linker;
  int calls = 0;
  const int32_t offset = 100;
  ASSERT_OK(linker.Define("env", "f", [&calls, offset](int32_t x) {
    ++calls;
    return x + offset;
  }));
  EXPECT_THAT(CallHostI32(linker, 1), testing::IsOkAndHolds(101));
  EXPECT_EQ(calls, 1);
}

TEST(LinkerTest, DefineMoveOnlyCallable) {
  Linker linker;
  auto owned = std::make_unique<int32_t>(7);
  ASSERT_OK(linker.Define(
      "env", "f", [p = std::move(owned)](int32_t x) { return x * *p; }));
  EXPECT_THAT(CallHostI32(linker, 6), testing::IsOkAndHolds(42));
  // A copied linker shares the function.
  Linker copy = linker;
  EXPECT_THAT(CallHostI32(copy, 2), testing::IsOkAndHolds(14));
  EXPECT_EQ(copy.HostFuncType("env", "f"), linker.HostFuncType("env", "f"));
}

TEST(LinkerTest, DefineWithCallerReadsGuestMemory) {
  // basics.wat: say_hello calls host.log(16, 15) on "hello from wasm".
  Linker linker;
  std::string logged;
  ASSERT_OK(linker.Define(
      "host", "log", [&](Caller& caller, int32_t ptr, int32_t len) {
        absl::StatusOr<std::string> text = caller.memory().ReadString(ptr, len);
        if (!text.ok()) return text.status();
        logged = *text;
        return absl::OkStatus();
      }));
  ASSERT_OK(linker.Define("host", "add64",
                          [](int64_t a, int64_t b) { return a + b; }));
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::basics_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto hello, instance.GetFunc<void()>("say_hello"));
  ASSERT_OK(hello.Call());
  EXPECT_EQ(logged, "hello from wasm");
  ASSERT_OK_AND_ASSIGN(
      auto add, instance.GetFunc<int64_t(int64_t, int64_t)>("add_via_host"));
  EXPECT_THAT(add.Call(int64_t{1} << 40, -7),
              testing::IsOkAndHolds((int64_t{1} << 40) - 7));
}

// The host function allocates in the guest through the guest's own malloc
// (Caller::GetFunc), writes there, and returns the pointer.
TEST(LinkerTest, CallerCallsTheGuestsAllocator) {
  Linker linker;
  ASSERT_OK(linker.Define(
      "env", "greeting",
      [](Caller& caller, int32_t length) -> absl::StatusOr<int32_t> {
        absl::StatusOr<TypedFunc<int32_t(int32_t)>> malloc =
            caller.GetFunc<int32_t(int32_t)>("malloc");
        if (!malloc.ok()) return malloc.status();
        absl::StatusOr<int32_t> ptr = malloc->Call(length);
        if (!ptr.ok()) return ptr.status();
        const std::string text =
            std::string("hello, guest").substr(0, static_cast<size_t>(length));
        absl::Status written = caller.memory().Write(
            static_cast<uint64_t>(*ptr),
            absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()),
                                text.size()));
        if (!written.ok()) return written;
        return *ptr;
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::caller_alloc_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto run, instance.GetFunc<int32_t(int32_t)>("run"));
  EXPECT_THAT(run.Call(5), testing::IsOkAndHolds(1024));
  EXPECT_THAT(instance.memory().ReadString(1024, 5),
              testing::IsOkAndHolds(std::string("hello")));
  // The guest's allocator state moved on: the next block follows.
  EXPECT_THAT(run.Call(12), testing::IsOkAndHolds(1029));
  EXPECT_THAT(instance.memory().ReadString(1029, 12),
              testing::IsOkAndHolds(std::string("hello, guest")));
  EXPECT_FALSE(instance.poisoned());
}

TEST(LinkerTest, CallerGetFuncErrors) {
  absl::Status missing, mismatched, not_function;
  std::optional<FuncType> dynamic_type;
  Linker linker;
  ASSERT_OK(
      linker.Define("env", "greeting", [&](Caller& caller, int32_t) -> int32_t {
        missing = caller.GetFunc<int32_t(int32_t)>("free").status();
        mismatched = caller.GetFunc<int32_t(int32_t)>("not_a_malloc").status();
        not_function = caller.GetFunc("memory").status();
        absl::StatusOr<Func> dynamic = caller.GetFunc("malloc");
        if (dynamic.ok()) dynamic_type = dynamic->type();
        return 0;
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::caller_alloc_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto run, instance.GetFunc<int32_t(int32_t)>("run"));
  ASSERT_OK(run.Call(1).status());
  EXPECT_STATUS(missing, absl::StatusCode::kNotFound, "no export named 'free'");
  EXPECT_EQ(GetErrorInfo(missing).kind, ErrorKind::kUsage);
  EXPECT_STATUS(mismatched, absl::StatusCode::kInvalidArgument,
                "has type (i64) -> i64, not the requested (i32) -> i32");
  EXPECT_STATUS(not_function, absl::StatusCode::kInvalidArgument,
                "is a memory, not a function");
  EXPECT_EQ(dynamic_type, (FuncType{{ValType::kI32}, {ValType::kI32}}));
}

TEST(LinkerTest, DefineMultiValueTupleResult) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [](int32_t x) {
    return std::make_tuple(x + 1, int64_t{x} * 10000000000);
  }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_multi_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(
      auto call,
      (instance.GetFunc<std::tuple<int32_t, int64_t>(int32_t)>("call")));
  ASSERT_OK_AND_ASSIGN(auto result, call.Call(-3));
  EXPECT_EQ(std::get<0>(result), -2);
  EXPECT_EQ(std::get<1>(result), -30000000000);
}

// Past the eight values the call paths keep on the stack, both ways.
TEST(LinkerTest, DefineManyParamsAndResults) {
  Linker linker;
  ASSERT_OK(
      linker.Define("env", "f",
                    [](int32_t /*a*/, int64_t b, float c, double d, int32_t e,
                       int64_t f, float g, double h, int32_t i, int64_t j) {
                      // Reversed, dropping `a`.
                      return std::make_tuple(j, i, h, g, f, e, d, c, b);
                    }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_many_wasm(), linker));
  using Results = std::tuple<int64_t, int32_t, double, float, int64_t, int32_t,
                             double, float, int64_t>;
  ASSERT_OK_AND_ASSIGN(
      auto call,
      (instance.GetFunc<Results(int32_t, int64_t, float, double, int32_t,
                                int64_t, float, double, int32_t, int64_t)>(
          "call")));
  EXPECT_THAT(
      call.Call(1, -2, 3.5f, -4.25, 5, int64_t{1} << 40, -7.5f, 8.125, -9, -10),
      testing::IsOkAndHolds(Results(-10, -9, 8.125, -7.5f, int64_t{1} << 40, 5,
                                    -4.25, 3.5f, -2)));
  // And under a deadline, which takes the general call path too.
  EXPECT_THAT(call.Call(CallOptions::WithTimeout(absl::Seconds(10)), 1, 2, 3, 4,
                        5, 6, 7, 8, 9, 10),
              testing::IsOkAndHolds(Results(10, 9, 8, 7, 6, 5, 4, 3, 2)));
}

TEST(LinkerTest, DefineStatusResult) {
  Linker linker;
  int calls = 0;
  ASSERT_OK(linker.Define("env", "f", [&]() -> absl::Status {
    ++calls;
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_void_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto call, instance.GetFunc<void()>("call"));
  ASSERT_OK(call.Call());
  ASSERT_OK(call.Call());
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(instance.poisoned());
}

TEST(LinkerTest, DefineStatusOrResult) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [](int32_t x) -> absl::StatusOr<int32_t> {
    if (x < 0) return absl::OutOfRangeError("negative input");
    return x * 2;
  }));
  EXPECT_THAT(CallHostI32(linker, 21), testing::IsOkAndHolds(42));
  EXPECT_STATUS(CallHostI32(linker, -1), absl::StatusCode::kOutOfRange,
                "negative input");
}

TEST(LinkerTest, DuplicateDefineIsAlreadyExists) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", &Triple));
  EXPECT_STATUS(linker.Define("env", "f", [](int32_t x) { return x; }),
                absl::StatusCode::kAlreadyExists, "env.f");
  EXPECT_STATUS(
      linker.DefineDynamic("env", "f", FuncType{},
                           [](Caller&, absl::Span<const Val>, absl::Span<Val>) {
                             return absl::OkStatus();
                           }),
      absl::StatusCode::kAlreadyExists, "already defined");
  // The first definition stays.
  EXPECT_THAT(CallHostI32(linker, 2), testing::IsOkAndHolds(6));
  // Same name in another module is a different import.
  EXPECT_OK(linker.Define("other", "f", &Triple));
}

TEST(LinkerTest, HostFuncTypeOfDefinedFunctionsOnly) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", &Triple));
  std::optional<FuncType> found = linker.HostFuncType("env", "f");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->ToString(), "(i32) -> i32");
  EXPECT_TRUE(linker.Defines("env", "f"));
  EXPECT_EQ(linker.HostFuncType("env", "g"), std::nullopt);
  EXPECT_FALSE(linker.Defines("env", "g"));
  EXPECT_EQ(linker.HostFuncType("other", "f"), std::nullopt);
  // A global is defined, but not as a host function.
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI32, false}, Val::I32(1)));
  ASSERT_OK(linker.Define("env", "g", global));
  EXPECT_TRUE(linker.Defines("env", "g"));
  EXPECT_EQ(linker.HostFuncType("env", "g"), std::nullopt);
}

TEST(LinkerTest, DefineDynamic) {
  Linker linker;
  ASSERT_OK(linker.DefineDynamic(
      "env", "f", FuncType{{ValType::kI32}, {ValType::kI32}},
      [](Caller&, absl::Span<const Val> args, absl::Span<Val> results) {
        if (args.size() != 1 || args[0].type() != ValType::kI32 ||
            results.size() != 1 || results[0].type() != ValType::kI32) {
          return absl::InternalError("unexpected shape");
        }
        results[0] = Val::I32(args[0].i32() - 1);
        return absl::OkStatus();
      }));
  EXPECT_THAT(CallHostI32(linker, 43), testing::IsOkAndHolds(42));
  EXPECT_THAT(CallHostI32(linker, std::numeric_limits<int32_t>::min() + 1),
              testing::IsOkAndHolds(std::numeric_limits<int32_t>::min()));
}

TEST(LinkerTest, DefineDynamicResultOfWrongTypeFails) {
  Linker linker;
  ASSERT_OK(linker.DefineDynamic(
      "env", "f", FuncType{{ValType::kI32}, {ValType::kI32}},
      [](Caller&, absl::Span<const Val>, absl::Span<Val> results) {
        results[0] = Val::F64(1.0);
        return absl::OkStatus();
      }));
  EXPECT_STATUS(CallHostI32(linker, 1), absl::StatusCode::kInvalidArgument,
                "(i32) -> i32");
}

TEST(LinkerTest, DefineDynamicTakesV128AndReferences) {
  Linker linker;
  auto noop = [](Caller&, absl::Span<const Val>, absl::Span<Val>) {
    return absl::OkStatus();
  };
  EXPECT_OK(
      linker.DefineDynamic("env", "g", FuncType{{}, {ValType::kV128}}, noop));
  EXPECT_EQ(linker.HostFuncType("env", "g"), (FuncType{{}, {ValType::kV128}}));
  EXPECT_OK(linker.DefineDynamic(
      "env", "f", FuncType{{ValType::kFuncRef}, {ValType::kExternRef}}, noop));
  EXPECT_STATUS(
      linker.DefineDynamic("env", "g", FuncType{{ValType::kV128}, {}}, noop),
      absl::StatusCode::kAlreadyExists, "env.g");
}

TEST(LinkerTest, ImportNotGrantedIsNotFound) {
  Linker empty;
  EXPECT_STATUS(CallHostI32(empty, 1), absl::StatusCode::kNotFound,
                "env.f (i32) -> i32");
  // A function of the right name in another module does not count.
  Linker other_module;
  ASSERT_OK(other_module.Define("other", "f", &Triple));
  EXPECT_STATUS(CallHostI32(other_module, 1), absl::StatusCode::kNotFound,
                "is not granted");
}

TEST(LinkerTest, SignatureMismatchIsInvalidArgument) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [](int64_t x) { return x; }));
  absl::StatusOr<int32_t> result = CallHostI32(linker, 1);
  EXPECT_STATUS(result, absl::StatusCode::kInvalidArgument, "(i64) -> i64");
  EXPECT_STATUS(result, absl::StatusCode::kInvalidArgument, "(i32) -> i32");
  EXPECT_STATUS(result, absl::StatusCode::kInvalidArgument, "env.f");

  // A result missing is a mismatch too.
  Linker no_result;
  ASSERT_OK(no_result.Define("env", "f", [](int32_t) {}));
  EXPECT_STATUS(CallHostI32(no_result, 1), absl::StatusCode::kInvalidArgument,
                "(i32) -> ()");
}

TEST(LinkerTest, HostFunctionForANonFunctionImportIsInvalidArgument) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "mem", []() {}));
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_memory_wasm(), linker),
                absl::StatusCode::kInvalidArgument,
                "env.mem is memory 1.. pages but the linker defines a func");
}

TEST(LinkerTest, HostErrorPassesThroughAndPoisons) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", []() -> absl::Status {
    return absl::PermissionDeniedError("no");
  }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_void_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto call, instance.GetFunc<void()>("call"));
  ASSERT_OK_AND_ASSIGN(auto one, instance.GetFunc<int32_t()>("one"));
  absl::Status status = call.Call();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(), "no");
  EXPECT_EQ(GetTrapInfo(status), std::nullopt);
  EXPECT_TRUE(instance.poisoned());
  EXPECT_STATUS(one.Call(), absl::StatusCode::kFailedPrecondition, "poisoned");
}

TEST(LinkerTest, HostErrorFromStatusOrPassesThroughUnchanged) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [](int32_t) -> absl::StatusOr<int32_t> {
    absl::Status error = absl::UnavailableError("backend down");
    error.SetPayload("example.com/detail", absl::Cord("42"));
    return error;
  }));
  absl::StatusOr<int32_t> result = CallHostI32(linker, 1);
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result.status().message(), "backend down");
  auto payload = result.status().GetPayload("example.com/detail");
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(std::string(*payload), "42");
}

struct Context {
  int value = 0;
};
struct OtherContext {};

TEST(LinkerTest, CallerContext) {
  Context context{17};
  Context* seen = nullptr;
  OtherContext* seen_other = reinterpret_cast<OtherContext*>(1);
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [&](Caller& caller) {
    seen = caller.context<Context>();
    seen_other = caller.context<OtherContext>();
    if (seen != nullptr) ++seen->value;
  }));
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::host_void_wasm()));
  InstanceOptions options;
  options.SetContext(&context);
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(module, linker, options));
  ASSERT_OK_AND_ASSIGN(auto call, instance.GetFunc<void()>("call"));
  ASSERT_OK(call.Call());
  EXPECT_EQ(seen, &context);
  EXPECT_EQ(seen_other, nullptr);
  EXPECT_EQ(context.value, 18);

  // Without a context, context<T>() is null.
  ASSERT_OK_AND_ASSIGN(Instance plain, Instance::Create(module, linker));
  ASSERT_OK_AND_ASSIGN(auto plain_call, plain.GetFunc<void()>("call"));
  seen = &context;
  ASSERT_OK(plain_call.Call());
  EXPECT_EQ(seen, nullptr);
}

// Contexts of different types live side by side (the host's own and, e.g.,
// WASI's); setting a type again replaces it.
TEST(LinkerTest, CallerContextsOfSeveralTypes) {
  Context first{1};
  Context second{2};
  OtherContext other;
  Context* seen = nullptr;
  OtherContext* seen_other = nullptr;
  Linker linker;
  ASSERT_OK(linker.Define("env", "f", [&](Caller& caller) {
    seen = caller.context<Context>();
    seen_other = caller.context<OtherContext>();
  }));
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::host_void_wasm()));
  InstanceOptions options;
  options.SetContext(&first);
  options.SetContext(&other);
  options.SetContext(&second);
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(module, linker, options));
  ASSERT_OK_AND_ASSIGN(auto call, instance.GetFunc<void()>("call"));
  ASSERT_OK(call.Call());
  EXPECT_EQ(seen, &second);
  EXPECT_EQ(seen_other, &other);
}

// Records what env.take received.
struct Taken {
  int32_t i32 = 0;
  int64_t i64 = 0;
  float f32 = 0;
  double f64 = 0;
};

Linker ValuesLinker(Taken* taken) {
  Linker linker;
  EXPECT_OK(linker.Define("env", "echo_i32", [](int32_t x) { return x; }));
  EXPECT_OK(linker.Define("env", "echo_i64", [](int64_t x) { return x; }));
  EXPECT_OK(linker.Define("env", "echo_f32", [](float x) { return x; }));
  EXPECT_OK(linker.Define("env", "echo_f64", [](double x) { return x; }));
  EXPECT_OK(linker.Define("env", "take",
                          [taken](int32_t a, int64_t b, float c, double d) {
                            *taken = {a, b, c, d};
                          }));
  return linker;
}

TEST(LinkerTest, HostFunctionsGetExactValues) {
  Taken taken;
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_values_wasm(), ValuesLinker(&taken)));
  ASSERT_OK_AND_ASSIGN(auto take_constants,
                       instance.GetFunc<void()>("take_constants"));
  ASSERT_OK(take_constants.Call());
  EXPECT_EQ(taken.i32, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(taken.i64, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(taken.f32, -1.5f);
  EXPECT_EQ(taken.f64, -0.25);

  ASSERT_OK_AND_ASSIGN(
      auto take,
      (instance.GetFunc<void(int32_t, int64_t, float, double)>("take")));
  ASSERT_OK(take.Call(-1, -(int64_t{1} << 62), 3.25f, -1e300));
  EXPECT_EQ(taken.i32, -1);
  EXPECT_EQ(taken.i64, -(int64_t{1} << 62));
  EXPECT_EQ(taken.f32, 3.25f);
  EXPECT_EQ(taken.f64, -1e300);
}

TEST(LinkerTest, HostFunctionValuesRoundTrip) {
  Taken taken;
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_values_wasm(), ValuesLinker(&taken)));
  ASSERT_OK_AND_ASSIGN(auto echo_i32,
                       instance.GetFunc<int32_t(int32_t)>("echo_i32"));
  ASSERT_OK_AND_ASSIGN(auto echo_i64,
                       instance.GetFunc<int64_t(int64_t)>("echo_i64"));
  ASSERT_OK_AND_ASSIGN(auto echo_f32,
                       instance.GetFunc<float(float)>("echo_f32"));
  ASSERT_OK_AND_ASSIGN(auto echo_f64,
                       instance.GetFunc<double(double)>("echo_f64"));
  for (int32_t x :
       {0, -1, 1 << 30, -(1 << 30) - 1, std::numeric_limits<int32_t>::min(),
        std::numeric_limits<int32_t>::max()}) {
    EXPECT_THAT(echo_i32.Call(x), testing::IsOkAndHolds(x));
  }
  for (int64_t x : {int64_t{0}, int64_t{-1}, int64_t{1} << 53,
                    (int64_t{1} << 53) + 1, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_THAT(echo_i64.Call(x), testing::IsOkAndHolds(x));
  }
  for (float x : {0.0f, -0.0f, 1.5f, -3.75f, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::denorm_min(),
                  -std::numeric_limits<float>::infinity()}) {
    ASSERT_OK_AND_ASSIGN(float y, echo_f32.Call(x));
    EXPECT_EQ(y, x);
    EXPECT_EQ(std::signbit(y), std::signbit(x));
  }
  for (double x : {0.0, -0.0, 0.1, -1e-300, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::infinity()}) {
    ASSERT_OK_AND_ASSIGN(double y, echo_f64.Call(x));
    EXPECT_EQ(y, x);
    EXPECT_EQ(std::signbit(y), std::signbit(x));
  }
}

TEST(LinkerTest, UnsignedParametersMapToSameWasmTypes) {
  Linker linker;
  uint32_t seen = 0;
  ASSERT_OK(linker.Define("env", "f", [&](uint32_t x) {
    seen = x;
    return x + 1;
  }));
  EXPECT_THAT(CallHostI32(linker, -1), testing::IsOkAndHolds(0));
  EXPECT_EQ(seen, 0xffffffffu);
}

TEST(LinkerTest, DynamicHostFunctionsTakeReferences) {
  Linker linker;
  std::shared_ptr<void> seen;
  ASSERT_OK(linker.DefineDynamic(
      "env", "pass", FuncType{{ValType::kExternRef}, {ValType::kExternRef}},
      [&seen](Caller&, absl::Span<const Val> args, absl::Span<Val> results) {
        seen = args[0].externref();
        results[0] = args[0];
        return absl::OkStatus();
      }));
  ASSERT_OK(linker.DefineDynamic(
      "env", "invoke", FuncType{{ValType::kFuncRef}, {ValType::kI32}},
      [](Caller&, absl::Span<const Val> args,
         absl::Span<Val> results) -> absl::Status {
        // A funcref argument is callable, through the calling instance.
        absl::StatusOr<Func> func = Func::FromRef(args[0]);
        if (!func.ok()) return func.status();
        absl::StatusOr<std::vector<Val>> called = func->Call({});
        if (!called.ok()) return called.status();
        results[0] = Val::I32((*called)[0].i32() * 10);
        return absl::OkStatus();
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_refs_wasm(), linker));
  auto host_value = std::make_shared<int>(3);
  ASSERT_OK_AND_ASSIGN(Func pass, instance.GetFunc("pass_through"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> results,
                       pass.Call({Val::ExternRef(host_value)}));
  EXPECT_EQ(seen.get(), host_value.get());
  EXPECT_EQ(results[0].externref().get(), host_value.get());
  ASSERT_OK_AND_ASSIGN(auto invoke, instance.GetFunc<int32_t()>("invoke_nine"));
  EXPECT_THAT(invoke.Call(), testing::IsOkAndHolds(90));
}

TEST(LinkerTest, DynamicHostFunctionReturningAWrongReferenceTraps) {
  Linker linker;
  ASSERT_OK(linker.DefineDynamic(
      "env", "pass", FuncType{{ValType::kExternRef}, {ValType::kExternRef}},
      [](Caller&, absl::Span<const Val>, absl::Span<Val> results) {
        results[0] = Val::NullRef(ValType::kFuncRef);
        return absl::OkStatus();
      }));
  ASSERT_OK(linker.DefineDynamic(
      "env", "invoke", FuncType{{ValType::kFuncRef}, {ValType::kI32}},
      [](Caller&, absl::Span<const Val>, absl::Span<Val>) {
        return absl::OkStatus();
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_refs_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(Func pass, instance.GetFunc("pass_through"));
  EXPECT_STATUS(pass.Call({Val::NullRef(ValType::kExternRef)}),
                absl::StatusCode::kInvalidArgument,
                "set result 0 to funcref:null but its signature is "
                "(externref) -> externref");
}

}  // namespace
}  // namespace wasmhost
