// lib/wasm/boundary_test.cc: BoundaryType, PlanBoundaryWrappers (applied
// as the SDK applies it, testing::ApplyPlans),
// BuildImportAdapter and the host's accessor modules; what they build is also
// compiled and called through the public API, with values whose bits a JS
// Number would change.

#include "lib/wasm/boundary.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/boundary_fixtures.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/fuel.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/test_module_builder.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::wasm {
namespace {

using testing::Bytes;
using testing::ExpectInvalidArgument;

constexpr ValType kI32 = ValType::kI32;
constexpr ValType kI64 = ValType::kI64;
constexpr ValType kF32 = ValType::kF32;
constexpr ValType kF64 = ValType::kF64;
constexpr ValType kV128 = ValType::kV128;
constexpr ValType kExternRef = ValType::kExternRef;

// A signalling NaN of each width, negative, with a payload: the bits a JS
// Number round trip would quiet or canonicalise.
constexpr uint32_t kF32Bits = 0xffa00001u;
constexpr uint64_t kF64Bits = 0xfff4000000000001ull;

const Engine& TestEngine() {
  static const Engine* const engine = [] {
    absl::StatusOr<Engine> e = Engine::Create();
    if (!e.ok()) std::abort();
    return new Engine(*std::move(e));
  }();
  return *engine;
}

// Reads, scans and compiles `bytes`, failing the test on any error.
absl::StatusOr<Module> CheckAndCompile(const Bytes& bytes) {
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  if (!info.ok()) return info.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(bytes, *info);
  if (!summary.ok()) return summary.status();
  return TestEngine().Compile(bytes);
}

// boundary.wat, built.
Bytes BoundaryFixture() {
  return Bytes(fixtures::boundary_wasm().begin(),
               fixtures::boundary_wasm().end());
}

// PlanBoundaryWrappers' export names, and `bytes` with its plan applied.
struct Wrapped {
  std::vector<std::string> wrapper_exports;
  Bytes bytes;
};

absl::StatusOr<Wrapped> AddWrappers(const Bytes& bytes, const ModuleInfo& info,
                                    absl::string_view prefix) {
  std::vector<AddedFunction> wrappers;
  absl::StatusOr<std::vector<std::string>> wrapper_exports =
      PlanBoundaryWrappers(info, prefix, &wrappers);
  if (!wrapper_exports.ok()) return wrapper_exports.status();
  absl::StatusOr<Bytes> applied =
      testing::ApplyPlans(bytes, info, {}, wrappers);
  if (!applied.ok()) return applied.status();
  return Wrapped{*std::move(wrapper_exports), *std::move(applied)};
}

// Reads `module` and adds its boundary wrappers, prefixed "w:".
absl::StatusOr<Wrapped> Wrap(const Bytes& module) {
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  if (!info.ok()) return info.status();
  return AddWrappers(module, *info, "w:");
}

TEST(BoundaryTypeTest, ReplacesFloatsAndSplitsV128) {
  const FuncType type{{kF32, kI32, kV128, kExternRef}, {kF64, kI64}};
  EXPECT_EQ(BoundaryType(type),
            (FuncType{{kI32, kI32, kI64, kI64, kExternRef}, {kI64, kI64}}));
  EXPECT_TRUE(NeedsBoundaryAbi(type));
  EXPECT_TRUE(NeedsBoundaryAbi(FuncType{{}, {kF32}}));
  EXPECT_TRUE(NeedsBoundaryAbi(FuncType{{kV128}, {}}));
  EXPECT_FALSE(NeedsBoundaryAbi(FuncType{{kI32, kI64, kExternRef}, {kI64}}));
  EXPECT_EQ(BoundaryType(FuncType{{kI32}, {kI64}}), (FuncType{{kI32}, {kI64}}));

  // A v128 counts twice against V8's limit of 1000.
  EXPECT_TRUE(
      FitsBoundaryLimits(FuncType{std::vector<ValType>(500, kV128), {kF64}}));
  EXPECT_FALSE(
      FitsBoundaryLimits(FuncType{std::vector<ValType>(501, kV128), {}}));
  EXPECT_FALSE(
      FitsBoundaryLimits(FuncType{{}, std::vector<ValType>(1001, kF32)}));
}

TEST(BoundaryWrappersTest, AppendsOneWrapperPerFloatExport) {
  const Bytes original = BoundaryFixture();
  absl::StatusOr<ModuleInfo> before = ReadModule(original);
  ASSERT_TRUE(before.ok()) << before.status();
  absl::StatusOr<Wrapped> wrapped = AddWrappers(original, *before, "w:");
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(wrapped->wrapper_exports,
            (std::vector<std::string>{"", "w:1", "", "w:3"}));

  absl::StatusOr<ModuleInfo> after = ReadModule(wrapped->bytes);
  ASSERT_TRUE(after.ok()) << after.status();
  // No index moves: the old types, functions and exports come first.
  ASSERT_EQ(after->types.size(), before->types.size() + 2);
  for (size_t i = 0; i < before->types.size(); ++i) {
    EXPECT_EQ(after->types[i], before->types[i]);
  }
  ASSERT_EQ(after->function_type_indices.size(), 5u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(after->function_type_indices[i],
              before->function_type_indices[i]);
  }
  ASSERT_EQ(after->exports.size(), 6u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(after->exports[i].name, before->exports[i].name);
    EXPECT_EQ(after->exports[i].index, before->exports[i].index);
  }
  EXPECT_EQ(after->exports[4].name, "w:1");
  EXPECT_EQ(after->exports[4].index, 3u);
  EXPECT_EQ(*after->FunctionType(3), (FuncType{{kI32}, {kI32}}));
  EXPECT_EQ(after->exports[5].name, "w:3");
  EXPECT_EQ(*after->FunctionType(4),
            (FuncType{{kI64, kI32, kI64, kI64, kI32},
                      {kI64, kI64, kI64, kI64, kI32}}));
  EXPECT_EQ(after->function_names, before->function_names);
  // The (f32) -> f32 wrapper's body, byte for byte: one f32 local for the
  // result; local.get 0 f32.reinterpret_i32 call 0 local.set 1 local.get 1
  // i32.reinterpret_f32 end.
  const size_t body = after->function_body_offsets[3];
  EXPECT_EQ(Bytes(wrapped->bytes.begin() + body,
                  wrapped->bytes.begin() + after->function_body_offsets[4] - 1),
            (Bytes{0x01, 0x01, 0x7d, 0x20, 0x00, 0xbe, 0x10, 0x00, 0x21, 0x01,
                   0x20, 0x01, 0xbc, 0x0b}));

  // The wrappers validate and keep every bit through V8's JS API.
  absl::StatusOr<Module> module = CheckAndCompile(wrapped->bytes);
  ASSERT_TRUE(module.ok()) << module.status();
  absl::StatusOr<Instance> instance = Instance::Create(*module, Linker());
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::StatusOr<TypedFunc<uint32_t(uint32_t)>> f32 =
      instance->GetFunc<uint32_t(uint32_t)>("w:1");
  ASSERT_TRUE(f32.ok()) << f32.status();
  EXPECT_EQ(f32->Call(kF32Bits).value_or(0), kF32Bits);
  absl::StatusOr<
      TypedFunc<std::tuple<uint64_t, uint64_t, uint64_t, uint64_t, uint32_t>(
          uint64_t, uint32_t, uint64_t, uint64_t, uint32_t)>>
      mixed = instance->GetFunc<
          std::tuple<uint64_t, uint64_t, uint64_t, uint64_t, uint32_t>(
              uint64_t, uint32_t, uint64_t, uint64_t, uint32_t)>("w:3");
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  const uint64_t lo = 0x7ff8000000000001ull;
  const uint64_t hi = 0x8000000000000000ull;
  auto results = mixed->Call(kF64Bits, 7, lo, hi, kF32Bits);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(*results, std::make_tuple(lo, hi, kF64Bits, uint64_t{7}, kF32Bits));
}

TEST(BoundaryWrappersTest, UnchangedWithoutFloatExports) {
  const Bytes module = testing::FunctionModule(
      {testing::Body({})}, 0, {0x01, 0x60, 0x01, 0x7f, 0x01, 0x7e});
  absl::StatusOr<Wrapped> wrapped = Wrap(module);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(wrapped->bytes, module);
  EXPECT_TRUE(wrapped->wrapper_exports.empty());
}

TEST(BoundaryWrappersTest, SkipsSignaturesPastTheLimit) {
  // (501 x v128) -> (): 1002 values in the boundary ABI.
  BinaryWriter type;
  type.U32(1).Byte(0x60).U32(501);
  for (int i = 0; i < 501; ++i) type.Byte(0x7b);
  type.U32(0);
  const Bytes module =
      BinaryWriter()
          .Header()
          .Section(1, type.bytes())
          .Section(3, {0x01, 0x00})
          .Section(
              7, BinaryWriter().U32(1).Name("big").Byte(0x00).U32(0).Release())
          .Section(10, {0x01, 0x02, 0x00, 0x0b})
          .Release();
  absl::StatusOr<Wrapped> wrapped = Wrap(module);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  EXPECT_EQ(wrapped->bytes, module);
  EXPECT_EQ(wrapped->wrapper_exports, (std::vector<std::string>{""}));
}

TEST(BoundaryWrappersTest, RejectsTakenOrBadNamesAndMismatchedInfo) {
  const Bytes module = BoundaryFixture();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  // Wrapping twice with one prefix clashes with the first wrappers.
  absl::StatusOr<Wrapped> once = AddWrappers(module, *info, "w:");
  ASSERT_TRUE(once.ok()) << once.status();
  absl::StatusOr<ModuleInfo> wrapped_info = ReadModule(once->bytes);
  ASSERT_TRUE(wrapped_info.ok()) << wrapped_info.status();
  ExpectInvalidArgument(AddWrappers(once->bytes, *wrapped_info, "w:").status(),
                        "already exports \"w:1\"");
  ExpectInvalidArgument(AddWrappers(module, *info, "\xc0").status(),
                        "not valid UTF-8");
  const Bytes shorter(module.begin(), module.end() - 2);
  ExpectInvalidArgument(AddWrappers(shorter, *info, "w:").status(),
                        "does not describe these bytes");
}

// Fuel meters the wrappers too; the rewrites keep every index.
TEST(BoundaryWrappersTest, ComposesWithFuel) {
  absl::StatusOr<Wrapped> wrapped = Wrap(BoundaryFixture());
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  absl::StatusOr<ModuleInfo> info = ReadModule(wrapped->bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<FuelRewrite> fuel = InjectFuel(wrapped->bytes, *info);
  ASSERT_TRUE(fuel.ok()) << fuel.status();
  EXPECT_EQ(fuel->set_fuel_function, 5u);
  absl::StatusOr<ModuleInfo> metered = ReadModule(fuel->bytes);
  ASSERT_TRUE(metered.ok()) << metered.status();
  EXPECT_EQ(metered->exports[5].name, "w:3");
  EXPECT_EQ(metered->exports[5].index, 4u);
  absl::StatusOr<Module> module = CheckAndCompile(fuel->bytes);
  ASSERT_TRUE(module.ok()) << module.status();
}

TEST(BuildImportAdapterTest, AdaptsHostFunctionsBitExactly) {
  const std::vector<FuncType> types = {
      {{kF32}, {kF32}},
      {{kF64, kV128, kI32}, {kV128, kF64}},
  };
  const Bytes adapter = BuildImportAdapter(types);
  absl::StatusOr<ModuleInfo> info = ReadModule(adapter);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->imports.size(), 2u);
  EXPECT_EQ(info->imports[1].module, kAdapterImportModule);
  EXPECT_EQ(info->imports[1].name, "1");
  EXPECT_EQ(*info->FunctionType(1),
            (FuncType{{kI64, kI64, kI64, kI32}, {kI64, kI64, kI64}}));
  ASSERT_EQ(info->exports.size(), 2u);
  EXPECT_EQ(info->exports[1].name, "1");
  EXPECT_EQ(*info->FunctionType(info->exports[1].index), types[1]);

  absl::StatusOr<Module> module = CheckAndCompile(adapter);
  ASSERT_TRUE(module.ok()) << module.status();
  // Export "0" is called through the runtime's own boundary wrapper, so
  // the value crosses to Wasm and back to the host function exactly.
  uint32_t seen = 0;
  Linker linker;
  ASSERT_TRUE(linker
                  .Define(std::string(kAdapterImportModule), "0",
                          [&seen](uint32_t bits) {
                            seen = bits;
                            return bits ^ 1;
                          })
                  .ok());
  ASSERT_TRUE(linker
                  .Define(std::string(kAdapterImportModule), "1",
                          [](uint64_t, uint64_t, uint64_t, uint32_t) {
                            return std::make_tuple(uint64_t{0}, uint64_t{0},
                                                   uint64_t{0});
                          })
                  .ok());
  absl::StatusOr<Instance> instance = Instance::Create(*module, linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::StatusOr<TypedFunc<float(float)>> f =
      instance->GetFunc<float(float)>("0");
  ASSERT_TRUE(f.ok()) << f.status();
  float in;
  const uint32_t in_bits = kF32Bits;
  std::memcpy(&in, &in_bits, sizeof in);
  absl::StatusOr<float> out = f->Call(in);
  ASSERT_TRUE(out.ok()) << out.status();
  uint32_t out_bits;
  std::memcpy(&out_bits, &*out, sizeof out_bits);
  EXPECT_EQ(seen, kF32Bits);
  EXPECT_EQ(out_bits, kF32Bits ^ 1);
}

// The accessor modules' shapes (the runtime calls them with values a JS
// Number would change in tests/value_bits_test.cc).
TEST(AccessorModulesTest, FunctionAccessorCallsItsImportInTheBoundaryAbi) {
  const FuncType type{{kF32, kV128}, {kF64}};
  const Bytes bytes = BuildFunctionAccessor(type);
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].module, kAdapterImportModule);
  EXPECT_EQ(info->imports[0].name, kAccessedObject);
  EXPECT_EQ(*info->FunctionType(0), type);
  ASSERT_EQ(info->exports.size(), 1u);
  EXPECT_EQ(info->exports[0].name, "call");
  EXPECT_EQ(*info->FunctionType(info->exports[0].index), BoundaryType(type));
  EXPECT_TRUE(CheckAndCompile(bytes).ok());
}

TEST(AccessorModulesTest, GlobalAccessorHasASetterOnlyWhenMutable) {
  for (const bool is_mutable : {false, true}) {
    SCOPED_TRACE(is_mutable);
    const Bytes bytes = BuildGlobalAccessor({kV128, is_mutable});
    absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_EQ(info->imports.size(), 1u);
    EXPECT_EQ(info->imports[0].kind, ExternKind::kGlobal);
    EXPECT_EQ(info->imports[0].global.type, kV128);
    EXPECT_EQ(info->imports[0].global.is_mutable, is_mutable);
    ASSERT_EQ(info->exports.size(), is_mutable ? 2u : 1u);
    EXPECT_EQ(info->exports[0].name, "get");
    EXPECT_EQ(*info->FunctionType(info->exports[0].index),
              (FuncType{{}, {kI64, kI64}}));
    if (is_mutable) {
      EXPECT_EQ(info->exports[1].name, "set");
      EXPECT_EQ(*info->FunctionType(info->exports[1].index),
                (FuncType{{kI64, kI64}, {}}));
    }
    EXPECT_TRUE(CheckAndCompile(bytes).ok());
  }
}

TEST(AccessorModulesTest, GlobalDefinitionHoldsTheBits) {
  for (const ValType type : {kI32, kI64, kF32, kF64, kV128}) {
    SCOPED_TRACE(ValTypeName(type));
    const Bytes bytes =
        BuildGlobalDefinition({type, true}, kF64Bits, ~kF64Bits);
    absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
    ASSERT_TRUE(info.ok()) << info.status();
    ASSERT_EQ(info->globals.size(), 1u);
    EXPECT_EQ(info->globals[0].type, type);
    ASSERT_EQ(info->exports.size(), 1u);
    EXPECT_EQ(info->exports[0].name, "global");
    EXPECT_EQ(info->exports[0].kind, ExternKind::kGlobal);
    EXPECT_TRUE(CheckAndCompile(bytes).ok());
  }
  // The constant's bytes, little-endian, right before `end`: f32 takes the
  // low 4 bytes, v128 the low then the high 8.
  const Bytes f32 = BuildGlobalDefinition({kF32, false}, kF32Bits, 0);
  const uint8_t f32_tail[] = {0x43, 0x01, 0x00, 0xa0, 0xff, 0x0b};
  EXPECT_NE(std::search(f32.begin(), f32.end(), std::begin(f32_tail),
                        std::end(f32_tail)),
            f32.end());
  const Bytes v128 = BuildGlobalDefinition({kV128, false}, 1, 2);
  const uint8_t v128_tail[] = {0xfd, 0x0c, 1, 0, 0, 0, 0, 0, 0,   0,
                               2,    0,    0, 0, 0, 0, 0, 0, 0x0b};
  EXPECT_NE(std::search(v128.begin(), v128.end(), std::begin(v128_tail),
                        std::end(v128_tail)),
            v128.end());
}

}  // namespace
}  // namespace wasmhost::wasm
