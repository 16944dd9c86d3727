// tests/value_bits_test.cc: f32, f64 and v128 values cross the host
// boundary bit-exactly in both directions: typed calls, Func::Call with
// Val (with references and v128 too), funcrefs, typed and dynamic host
// functions, exported and host-made globals, and pool state resets. Every
// value is one a JS Number would change: signalling NaNs (quieted by
// widening), NaN payloads and signs (canonicalised), alongside -0.0 and
// denormals.

#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/base/casts.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

using ::testing::ElementsAre;
using testing::ExpectTrap;

const std::vector<uint32_t> kF32Bits = {
    0x7fa00000u,  // signalling NaN
    0xff800001u,  // negative signalling NaN
    0x7fc12345u,  // quiet NaN with a payload
    0xffc00000u,  // negative quiet NaN
    0x80000000u,  // -0.0
    0x00000001u,  // smallest denormal
    0x807fffffu,  // largest negative denormal
};
const std::vector<uint64_t> kF64Bits = {
    0x7ff4000000000000ull,  // signalling NaN
    0xfff0000000000001ull,  // negative signalling NaN
    0x7ff8dead00000001ull,  // quiet NaN with a payload
    0xfff8000000000000ull,  // negative quiet NaN
    0x8000000000000000ull,  // -0.0
    0x0000000000000001ull,  // smallest denormal
    0x800fffffffffffffull,  // largest negative denormal
};

float F32(uint32_t bits) { return absl::bit_cast<float>(bits); }
double F64(uint64_t bits) { return absl::bit_cast<double>(bits); }
uint32_t Bits(float f) { return absl::bit_cast<uint32_t>(f); }
uint64_t Bits(double d) { return absl::bit_cast<uint64_t>(d); }
std::string Hex(uint64_t bits) { return absl::StrFormat("0x%x", bits); }

// What the host functions saw and return.
struct HostLog {
  std::vector<uint32_t> f32_args;
  std::vector<uint64_t> f64_args;
  std::vector<Val> dyn_args;
  int count_calls = 0;
};

// Each host function records its arguments and returns them with the
// low bit of the payload flipped, so a value coming back is known to be
// the host's, not an echo that never left the guest.
Linker MakeLinker(HostLog& log) {
  Linker linker;
  EXPECT_OK(linker.Define("env", "f32", [&log](float x) {
    log.f32_args.push_back(Bits(x));
    return F32(Bits(x) ^ 1);
  }));
  EXPECT_OK(linker.Define("env", "f64", [&log](double x) {
    log.f64_args.push_back(Bits(x));
    return F64(Bits(x) ^ 1);
  }));
  EXPECT_OK(linker.Define("env", "pair", [&log](float a, double b) {
    log.f32_args.push_back(Bits(a));
    log.f64_args.push_back(Bits(b));
    return std::make_tuple(F64(Bits(b) ^ 1), F32(Bits(a) ^ 1));
  }));
  EXPECT_OK(linker.DefineDynamic(
      "env", "dyn",
      FuncType{{ValType::kF32, ValType::kF64, ValType::kI32},
               {ValType::kF32, ValType::kF64}},
      [&log](Caller&, absl::Span<const Val> args, absl::Span<Val> results) {
        log.dyn_args.assign(args.begin(), args.end());
        results[0] = Val::FromBits(ValType::kF32, args[0].bits() ^ 1);
        results[1] = Val::FromBits(ValType::kF64, args[1].bits() ^ 1);
        return absl::OkStatus();
      }));
  EXPECT_OK(linker.Define("env", "count", [&log](int32_t x) {
    ++log.count_calls;
    return x + 1;
  }));
  return linker;
}

class ValueBitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        instance_,
        testing::Instantiate(fixtures::value_bits_wasm(), MakeLinker(log_)));
  }

  template <typename Sig>
  TypedFunc<Sig> Get(absl::string_view name) {
    absl::StatusOr<TypedFunc<Sig>> func = instance_->GetFunc<Sig>(name);
    EXPECT_OK(func);
    return *std::move(func);
  }

  // The guest's id_<type>, bits_<type> and make_<type> (Float to Float,
  // to its bits, and from its bits) keep each of `all_bits` bit-exact.
  template <typename Float, typename FloatBits>
  void ExpectTypedRoundTrips(absl::string_view type,
                             const std::vector<FloatBits>& all_bits) {
    auto id = Get<Float(Float)>(absl::StrCat("id_", type));
    auto to_bits = Get<FloatBits(Float)>(absl::StrCat("bits_", type));
    auto from_bits = Get<Float(FloatBits)>(absl::StrCat("make_", type));
    for (FloatBits bits : all_bits) {
      SCOPED_TRACE(Hex(bits));
      const Float value = absl::bit_cast<Float>(bits);
      absl::StatusOr<Float> out = id.Call(value);
      ASSERT_OK(out);
      EXPECT_EQ(Bits(*out), bits);
      EXPECT_THAT(to_bits.Call(value), testing::IsOkAndHolds(bits));
      out = from_bits.Call(bits);
      ASSERT_OK(out);
      EXPECT_EQ(Bits(*out), bits);
    }
  }

  HostLog log_;
  std::optional<Instance> instance_;
};

TEST_F(ValueBitsTest, TypedCallArgumentsAndResults) {
  ExpectTypedRoundTrips<float>("f32", kF32Bits);
  ExpectTypedRoundTrips<double>("f64", kF64Bits);
}

// The two spec-suite cases that failed before values crossed as bits.
TEST_F(ValueBitsTest, SpecCasesThatJsNumbersBreak) {
  // copysign takes the sign of a negative NaN argument.
  auto copysign = Get<float(float, float)>("copysign_f32");
  absl::StatusOr<float> signed_zero =
      copysign.Call(F32(0x80000000u), F32(0xffc00000u));
  ASSERT_OK(signed_zero);
  EXPECT_EQ(Bits(*signed_zero), 0x80000000u);
  signed_zero = copysign.Call(F32(0x80000000u), F32(0x7fc00000u));
  ASSERT_OK(signed_zero);
  EXPECT_EQ(Bits(*signed_zero), 0x00000000u);
  // A signalling NaN argument is not quieted.
  EXPECT_THAT(Get<int32_t(float)>("bits_f32").Call(F32(0x7fa00000u)),
              testing::IsOkAndHolds(0x7fa00000));
}

TEST_F(ValueBitsTest, TypedCallWithSeveralResults) {
  auto swap =
      Get<std::tuple<double, int32_t, float>(float, double, int32_t)>("swap");
  for (size_t i = 0; i < kF32Bits.size(); ++i) {
    SCOPED_TRACE(Hex(kF32Bits[i]));
    absl::StatusOr<std::tuple<double, int32_t, float>> out =
        swap.Call(F32(kF32Bits[i]), F64(kF64Bits[i]), -3);
    ASSERT_OK(out);
    EXPECT_EQ(Bits(std::get<0>(*out)), kF64Bits[i]);
    EXPECT_EQ(std::get<1>(*out), -3);
    EXPECT_EQ(Bits(std::get<2>(*out)), kF32Bits[i]);
  }
}

TEST_F(ValueBitsTest, DynamicCallWithVals) {
  ASSERT_OK_AND_ASSIGN(Func swap, instance_->GetFunc("swap"));
  for (size_t i = 0; i < kF32Bits.size(); ++i) {
    SCOPED_TRACE(Hex(kF32Bits[i]));
    const Val args[] = {Val::FromBits(ValType::kF32, kF32Bits[i]),
                        Val::FromBits(ValType::kF64, kF64Bits[i]), Val::I32(9)};
    absl::StatusOr<std::vector<Val>> out = swap.Call(args);
    ASSERT_OK(out);
    EXPECT_THAT(*out, ElementsAre(Val::FromBits(ValType::kF64, kF64Bits[i]),
                                  Val::I32(9),
                                  Val::FromBits(ValType::kF32, kF32Bits[i])));
  }
}

TEST_F(ValueBitsTest, TypedHostFunctionArgumentsAndResults) {
  auto host_f32 = Get<uint32_t(uint32_t)>("host_f32");
  auto host_f64 = Get<uint64_t(uint64_t)>("host_f64");
  auto host_pair =
      Get<std::tuple<uint64_t, uint32_t>(uint32_t, uint64_t)>("host_pair");
  for (size_t i = 0; i < kF32Bits.size(); ++i) {
    SCOPED_TRACE(Hex(kF32Bits[i]));
    EXPECT_THAT(host_f32.Call(kF32Bits[i]),
                testing::IsOkAndHolds(kF32Bits[i] ^ 1));
    EXPECT_THAT(host_f64.Call(kF64Bits[i]),
                testing::IsOkAndHolds(kF64Bits[i] ^ 1));
    EXPECT_THAT(host_pair.Call(kF32Bits[i], kF64Bits[i]),
                testing::IsOkAndHolds(
                    std::make_tuple(kF64Bits[i] ^ 1, kF32Bits[i] ^ 1)));
  }
  std::vector<uint32_t> f32_args;
  std::vector<uint64_t> f64_args;
  for (size_t i = 0; i < kF32Bits.size(); ++i) {
    f32_args.insert(f32_args.end(), {kF32Bits[i], kF32Bits[i]});
    f64_args.insert(f64_args.end(), {kF64Bits[i], kF64Bits[i]});
  }
  EXPECT_EQ(log_.f32_args, f32_args);
  EXPECT_EQ(log_.f64_args, f64_args);
}

TEST_F(ValueBitsTest, DynamicHostFunctionArgumentsAndResults) {
  auto host_dyn =
      Get<std::tuple<uint32_t, uint64_t>(uint32_t, uint64_t)>("host_dyn");
  for (size_t i = 0; i < kF32Bits.size(); ++i) {
    SCOPED_TRACE(Hex(kF32Bits[i]));
    EXPECT_THAT(host_dyn.Call(kF32Bits[i], kF64Bits[i]),
                testing::IsOkAndHolds(
                    std::make_tuple(kF32Bits[i] ^ 1, kF64Bits[i] ^ 1)));
    EXPECT_THAT(
        log_.dyn_args,
        ElementsAre(Val::FromBits(ValType::kF32, kF32Bits[i]),
                    Val::FromBits(ValType::kF64, kF64Bits[i]), Val::I32(7)));
  }
}

// Into the guest through a boundary wrapper, out to the host through the
// adapter, and back.
TEST_F(ValueBitsTest, ThroughBothBoundariesInOneCall) {
  auto via_host = Get<double(double)>("via_host_f64");
  for (uint64_t bits : kF64Bits) {
    SCOPED_TRACE(Hex(bits));
    absl::StatusOr<double> out = via_host.Call(F64(bits));
    ASSERT_OK(out);
    EXPECT_EQ(Bits(*out), bits ^ 1);
    EXPECT_EQ(log_.f64_args.back(), bits);
  }
  // An integer-only import, bound directly, still works beside them.
  EXPECT_THAT(Get<int32_t(int32_t)>("count").Call(41),
              testing::IsOkAndHolds(42));
  EXPECT_EQ(log_.count_calls, 1);
}

// The wrapper a float export is called through is no frame of the guest's.
TEST_F(ValueBitsTest, TrapBacktraceHasOnlyGuestFrames) {
  absl::StatusOr<double> out =
      Get<double(double)>("trap_f64").Call(F64(kF64Bits[0]));
  ExpectTrap(out.status(), TrapKind::kUnreachable, "unreachable", "fail", 19);
  std::optional<TrapInfo> info = GetTrapInfo(out.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->backtrace.size(), 1u);
}

// A trap in a guest call made from inside a float host function: the
// backtrace has the guest's frames of both calls, and neither the boundary
// wrappers nor the import adapter's frame (another module's code).
TEST(ValueBitsNestedTest, TrapBacktraceSkipsTheImportAdapter) {
  HostLog log;
  Linker linker = MakeLinker(log);
  Instance* self = nullptr;
  Linker nested;
  for (const char* name : {"f32", "pair", "dyn", "count"}) {
    ASSERT_OK(
        nested.DefineDynamic("env", name, *linker.HostFuncType("env", name),
                             [](Caller&, absl::Span<const Val>,
                                absl::Span<Val>) { return absl::OkStatus(); }));
  }
  ASSERT_OK(
      nested.Define("env", "f64", [&self](double x) -> absl::StatusOr<double> {
        return self->GetFunc<double(double)>("trap_f64")->Call(x);
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::value_bits_wasm(), nested));
  self = &instance;
  absl::StatusOr<double> out =
      instance.GetFunc<double(double)>("via_host_f64")->Call(1.0);
  ExpectTrap(out.status(), TrapKind::kUnreachable, "unreachable", "fail", 19);
  std::optional<TrapInfo> info = GetTrapInfo(out.status());
  ASSERT_TRUE(info.has_value());
  std::vector<uint32_t> functions;
  for (const Frame& frame : info->backtrace) {
    functions.push_back(frame.function_index);
  }
  EXPECT_THAT(functions, ElementsAre(19, 17)) << out.status();
}

TEST(ValueBitsPoolTest, FreshStateRestoresFloatGlobalsBitExactly) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::pool_float_globals_wasm()));
  PoolOptions options;
  options.max_instances = 1;
  options.max_instances_per_thread = 1;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(module, Linker(), options));
  using Get = std::tuple<uint64_t, uint32_t, int32_t>();
  const auto initial = std::make_tuple(uint64_t{0xfff4000000000001ull},
                                       uint32_t{0x7fa00001u}, int32_t{5});
  for (int lease_number = 0; lease_number < 3; ++lease_number) {
    SCOPED_TRACE(lease_number);
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(TypedFunc<Get> get, lease->GetFunc<Get>("get"));
    EXPECT_THAT(get.Call(), testing::IsOkAndHolds(initial));
    ASSERT_OK(lease->GetFunc<void()>("clobber")->Call());
    EXPECT_THAT(get.Call(), testing::IsOkAndHolds(std::make_tuple(
                                uint64_t{0x3ff0000000000000ull},
                                uint32_t{0x40000000u}, int32_t{6})));
  }
  // The same instance each time: it was reset, not replaced.
  EXPECT_EQ(pool->stats().resets, 3u);
}

// v128 and float Vals through the paths that take Vals: Func::Call with
// references or v128, funcrefs, dynamic host functions, and globals.
class ValBitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Linker linker;
    ASSERT_OK(linker.DefineDynamic(
        "host", "v128",
        FuncType{{ValType::kV128, ValType::kI32},
                 {ValType::kI32, ValType::kV128}},
        [](Caller&, absl::Span<const Val> args, absl::Span<Val> results) {
          // The halves swapped, and the i32 plus one.
          results[0] = Val::I32(args[1].i32() + 1);
          results[1] = Val::V128(args[0].v128_high(), args[0].v128_low());
          return absl::OkStatus();
        }));
    ASSERT_OK(linker.DefineDynamic(
        "host", "f64",
        FuncType{{ValType::kF64, ValType::kExternRef},
                 {ValType::kExternRef, ValType::kF64}},
        [](Caller&, absl::Span<const Val> args, absl::Span<Val> results) {
          results[0] = args[1];
          results[1] = Val::FromBits(ValType::kF64, args[0].bits() ^ 1);
          return absl::OkStatus();
        }));
    ASSERT_OK_AND_ASSIGN(host_v128_,
                         Global::Create({ValType::kV128, true},
                                        Val::V128(0x7ff4000000000001ull,
                                                  0xfff8000000000002ull)));
    ASSERT_OK_AND_ASSIGN(
        host_f32_, Global::Create({ValType::kF32, true},
                                  Val::FromBits(ValType::kF32, 0x7fa00000u)));
    ASSERT_OK_AND_ASSIGN(
        host_c_f64_,
        Global::Create({ValType::kF64, false},
                       Val::FromBits(ValType::kF64, 0xfff0000000000001ull)));
    ASSERT_OK(linker.Define("host", "g_v128", *host_v128_));
    ASSERT_OK(linker.Define("host", "g_f32", *host_f32_));
    ASSERT_OK(linker.Define("host", "c_f64", *host_c_f64_));
    ASSERT_OK_AND_ASSIGN(
        instance_, testing::Instantiate(fixtures::val_bits_wasm(), linker));
  }

  std::vector<Val> Call(absl::string_view name, std::vector<Val> args) {
    absl::StatusOr<Func> func = instance_->GetFunc(name);
    EXPECT_OK(func);
    if (!func.ok()) return {};
    absl::StatusOr<std::vector<Val>> results = func->Call(args);
    EXPECT_OK(results);
    return results.ok() ? *results : std::vector<Val>{};
  }

  std::optional<Global> host_v128_, host_f32_, host_c_f64_;
  std::optional<Instance> instance_;
};

const Val kV128 = Val::V128(0x7ff4000000000001ull, 0x80000000ffc00000ull);

TEST_F(ValBitsTest, V128ArgumentsAndResults) {
  EXPECT_THAT(Call("v128_id", {kV128}), ElementsAre(kV128));
  EXPECT_THAT(Call("v128_swap", {Val::I32(-4), kV128}),
              ElementsAre(Val::V128(kV128.v128_high(), kV128.v128_low()),
                          Val::I32(-4)));
  // The guest sees the lanes the host gave, and makes the one it is given.
  EXPECT_THAT(Call("v128_lanes", {kV128}),
              ElementsAre(Val::I64(static_cast<int64_t>(kV128.v128_low())),
                          Val::I64(static_cast<int64_t>(kV128.v128_high()))));
  EXPECT_THAT(
      Call("v128_make", {Val::I64(static_cast<int64_t>(kV128.v128_low())),
                         Val::I64(static_cast<int64_t>(kV128.v128_high()))}),
      ElementsAre(kV128));
  EXPECT_EQ(kV128.ToString(), "v128:0x80000000ffc000007ff4000000000001");
}

TEST_F(ValBitsTest, FloatsBesideReferences) {
  auto host = std::make_shared<int>(3);
  for (uint32_t bits : kF32Bits) {
    SCOPED_TRACE(Hex(bits));
    EXPECT_THAT(
        Call("ref_f32",
             {Val::ExternRef(host), Val::FromBits(ValType::kF32, bits)}),
        ElementsAre(Val::FromBits(ValType::kF32, bits), Val::ExternRef(host)));
  }
}

TEST_F(ValBitsTest, FuncRefWithFloats) {
  std::vector<Val> ref = Call("f64_ref", {});
  ASSERT_EQ(ref.size(), 1u);
  ASSERT_OK_AND_ASSIGN(Func f64_id, Func::FromRef(ref[0]));
  for (uint64_t bits : kF64Bits) {
    SCOPED_TRACE(Hex(bits));
    absl::StatusOr<std::vector<Val>> out =
        f64_id.Call({Val::FromBits(ValType::kF64, bits)});
    ASSERT_OK(out);
    EXPECT_THAT(*out, ElementsAre(Val::FromBits(ValType::kF64, bits)));
  }
}

TEST_F(ValBitsTest, DynamicHostFunctions) {
  EXPECT_THAT(
      Call("call_host_v128",
           {Val::I64(0x0102030405060708), Val::I64(-2), Val::I32(41)}),
      ElementsAre(Val::I32(42), Val::I64(-2), Val::I64(0x0102030405060708)));
  auto host = std::make_shared<int>(5);
  for (uint64_t bits : kF64Bits) {
    SCOPED_TRACE(Hex(bits));
    EXPECT_THAT(Call("call_host_f64", {Val::I64(static_cast<int64_t>(bits)),
                                       Val::ExternRef(host)}),
                ElementsAre(Val::I64(static_cast<int64_t>(bits ^ 1))));
  }
}

TEST_F(ValBitsTest, ExportedGlobals) {
  ASSERT_OK_AND_ASSIGN(Global v128, instance_->GetGlobal("v128"));
  EXPECT_THAT(v128.Get(), testing::IsOkAndHolds(Val::V128(
                              0x0123456789abcdefull, 0xfedcba9876543210ull)));
  ASSERT_OK(v128.Set(kV128));
  EXPECT_THAT(v128.Get(), testing::IsOkAndHolds(kV128));
  EXPECT_THAT(Call("v128_global_lanes", {}),
              ElementsAre(Val::I64(static_cast<int64_t>(kV128.v128_low())),
                          Val::I64(static_cast<int64_t>(kV128.v128_high()))));

  ASSERT_OK_AND_ASSIGN(Global f32, instance_->GetGlobal("f32"));
  EXPECT_THAT(f32.Get(),
              testing::IsOkAndHolds(Val::FromBits(ValType::kF32, 0x7fa00001u)));
  for (uint32_t bits : kF32Bits) {
    SCOPED_TRACE(Hex(bits));
    ASSERT_OK(f32.Set(Val::FromBits(ValType::kF32, bits)));
    EXPECT_THAT(f32.Get(),
                testing::IsOkAndHolds(Val::FromBits(ValType::kF32, bits)));
    EXPECT_THAT(Call("f32_global_bits", {}),
                ElementsAre(Val::I32(static_cast<int32_t>(bits))));
  }
  ASSERT_OK_AND_ASSIGN(Global c_f64, instance_->GetGlobal("c_f64"));
  EXPECT_THAT(c_f64.Get(), testing::IsOkAndHolds(Val::FromBits(
                               ValType::kF64, 0xfff4000000000001ull)));
  EXPECT_STATUS(c_f64.Set(Val::F64(1)), absl::StatusCode::kFailedPrecondition,
                "immutable");
}

TEST_F(ValBitsTest, HostMadeGlobals) {
  // The guest sees the values the host made, bit for bit.
  EXPECT_THAT(
      Call("host_v128_lanes", {}),
      ElementsAre(Val::I64(0x7ff4000000000001),
                  Val::I64(static_cast<int64_t>(0xfff8000000000002ull))));
  EXPECT_THAT(Call("host_f32_bits", {}), ElementsAre(Val::I32(0x7fa00000)));
  EXPECT_THAT(
      Call("host_c_f64_bits", {}),
      ElementsAre(Val::I64(static_cast<int64_t>(0xfff0000000000001ull))));
  EXPECT_THAT(host_c_f64_->Get(), testing::IsOkAndHolds(Val::FromBits(
                                      ValType::kF64, 0xfff0000000000001ull)));
  // And a value the host sets afterwards.
  ASSERT_OK(host_v128_->Set(kV128));
  EXPECT_THAT(Call("host_v128_lanes", {}),
              ElementsAre(Val::I64(static_cast<int64_t>(kV128.v128_low())),
                          Val::I64(static_cast<int64_t>(kV128.v128_high()))));
  ASSERT_OK(host_f32_->Set(Val::FromBits(ValType::kF32, 0xff800001u)));
  EXPECT_THAT(Call("host_f32_bits", {}),
              ElementsAre(Val::I32(static_cast<int32_t>(0xff800001u))));
  EXPECT_THAT(host_f32_->Get(),
              testing::IsOkAndHolds(Val::FromBits(ValType::kF32, 0xff800001u)));
}

// An instance importing another's v128 and float functions calls them Wasm
// to Wasm: the import adapter its module has for those types is bypassed.
TEST_F(ValBitsTest, ImportedWasmFunctionsKeepTheBits) {
  Linker linker;
  ASSERT_OK(linker.DefineInstance("provider", *instance_));
  ASSERT_OK_AND_ASSIGN(
      Instance importer,
      testing::Instantiate(fixtures::val_bits_importer_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto f32_through,
                       importer.GetFunc<uint32_t(uint32_t)>("f32_through"));
  for (uint32_t bits : kF32Bits) {
    SCOPED_TRACE(Hex(bits));
    EXPECT_THAT(f32_through.Call(bits), testing::IsOkAndHolds(bits));
  }
  ASSERT_OK_AND_ASSIGN(
      auto v128_through,
      (importer.GetFunc<std::tuple<uint64_t, uint64_t>(uint64_t, uint64_t)>(
          "v128_through")));
  EXPECT_THAT(v128_through.Call(kV128.v128_low(), kV128.v128_high()),
              testing::IsOkAndHolds(
                  std::make_tuple(kV128.v128_low(), kV128.v128_high())));
}

}  // namespace
}  // namespace wasmhost
