// Tests of wasmhost/global.h: exported and host-made globals.

#include "wasmhost/global.h"

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"

namespace wasmhost {
namespace {

TEST(GlobalTest, ExportedGlobalsReadAndWrite) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Global counter, instance.GetGlobal("counter"));
  EXPECT_EQ(counter.type().type, ValType::kI32);
  EXPECT_TRUE(counter.type().is_mutable);
  EXPECT_THAT(counter.Get(), testing::IsOkAndHolds(Val::I32(7)));

  // The guest sees the host's write, and the host the guest's.
  ASSERT_OK(counter.Set(Val::I32(100)));
  ASSERT_OK_AND_ASSIGN(auto get_counter,
                       instance.GetFunc<int32_t()>("get_counter"));
  EXPECT_THAT(get_counter.Call(), testing::IsOkAndHolds(100));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<void()>("bump"));
  ASSERT_OK(bump.Call());
  EXPECT_THAT(counter.Get(), testing::IsOkAndHolds(Val::I32(101)));

  ASSERT_OK_AND_ASSIGN(Global const64, instance.GetGlobal("const64"));
  EXPECT_EQ(const64.type().type, ValType::kI64);
  EXPECT_FALSE(const64.type().is_mutable);
  EXPECT_THAT(const64.Get(), testing::IsOkAndHolds(Val::I64(-42)));

  ASSERT_OK_AND_ASSIGN(Global pi, instance.GetGlobal("pi"));
  EXPECT_THAT(pi.Get(), testing::IsOkAndHolds(Val::F64(3.5)));
  ASSERT_OK(pi.Set(Val::F64(-0.25)));
  EXPECT_THAT(pi.Get(), testing::IsOkAndHolds(Val::F64(-0.25)));
}

TEST(GlobalTest, ExternRefGlobalKeepsIdentity) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Global ref, instance.GetGlobal("ref"));
  EXPECT_EQ(ref.type().type, ValType::kExternRef);
  ASSERT_OK_AND_ASSIGN(Val initial, ref.Get());
  EXPECT_EQ(initial.type(), ValType::kExternRef);
  EXPECT_TRUE(initial.is_null());

  auto host_value = std::make_shared<int>(17);
  ASSERT_OK(ref.Set(Val::ExternRef(host_value)));
  ASSERT_OK_AND_ASSIGN(Val read, ref.Get());
  EXPECT_EQ(read.externref().get(), host_value.get());
  EXPECT_EQ(read, Val::ExternRef(host_value));
  EXPECT_EQ(*static_cast<int*>(read.externref().get()), 17);
}

TEST(GlobalTest, ErrorsOfExportedGlobals) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  EXPECT_STATUS(instance.GetGlobal("missing"), absl::StatusCode::kNotFound,
                "no export named 'missing'");
  EXPECT_STATUS(instance.GetGlobal("mem"), absl::StatusCode::kInvalidArgument,
                "'mem' is a memory, not a global");

  ASSERT_OK_AND_ASSIGN(Global const64, instance.GetGlobal("const64"));
  EXPECT_STATUS(const64.Set(Val::I64(1)), absl::StatusCode::kFailedPrecondition,
                "immutable");
  EXPECT_THAT(const64.Get(), testing::IsOkAndHolds(Val::I64(-42)));

  ASSERT_OK_AND_ASSIGN(Global counter, instance.GetGlobal("counter"));
  EXPECT_STATUS(counter.Set(Val::I64(1)), absl::StatusCode::kInvalidArgument,
                "value i64:1 does not match the global of type i32");
  EXPECT_THAT(counter.Get(), testing::IsOkAndHolds(Val::I32(7)));
}

TEST(GlobalTest, CreateEveryType) {
  ASSERT_OK_AND_ASSIGN(Global i32,
                       Global::Create({ValType::kI32, true}, Val::I32(-5)));
  EXPECT_THAT(i32.Get(), testing::IsOkAndHolds(Val::I32(-5)));
  ASSERT_OK_AND_ASSIGN(
      Global i64, Global::Create({ValType::kI64, false}, Val::I64(1LL << 40)));
  EXPECT_THAT(i64.Get(), testing::IsOkAndHolds(Val::I64(1LL << 40)));
  ASSERT_OK_AND_ASSIGN(Global f32,
                       Global::Create({ValType::kF32, true}, Val::F32(1.5f)));
  EXPECT_THAT(f32.Get(), testing::IsOkAndHolds(Val::F32(1.5f)));
  ASSERT_OK(f32.Set(Val::F32(-2.0f)));
  EXPECT_THAT(f32.Get(), testing::IsOkAndHolds(Val::F32(-2.0f)));
  ASSERT_OK_AND_ASSIGN(Global f64,
                       Global::Create({ValType::kF64, false}, Val::F64(0.125)));
  EXPECT_THAT(f64.Get(), testing::IsOkAndHolds(Val::F64(0.125)));
  ASSERT_OK_AND_ASSIGN(Global funcref,
                       Global::Create({ValType::kFuncRef, true},
                                      Val::NullRef(ValType::kFuncRef)));
  EXPECT_THAT(funcref.Get(),
              testing::IsOkAndHolds(Val::NullRef(ValType::kFuncRef)));
}

TEST(GlobalTest, CreateRejectsAWrongValue) {
  EXPECT_STATUS(Global::Create({ValType::kI32, true}, Val::F32(1.0f)),
                absl::StatusCode::kInvalidArgument,
                "value f32:1 does not match a global of type i32");
}

TEST(GlobalTest, HostGlobalIsSharedWithTheGuest) {
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI64, true}, Val::I64(3)));
  Linker linker;
  ASSERT_OK(linker.Define("env", "g", global));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::imports_global_mut_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto get, instance.GetFunc<int64_t()>("get"));
  ASSERT_OK_AND_ASSIGN(auto set, instance.GetFunc<void(int64_t)>("set"));
  EXPECT_THAT(get.Call(), testing::IsOkAndHolds(3));
  ASSERT_OK(global.Set(Val::I64(-9)));
  EXPECT_THAT(get.Call(), testing::IsOkAndHolds(-9));
  ASSERT_OK(set.Call(1234));
  EXPECT_THAT(global.Get(), testing::IsOkAndHolds(Val::I64(1234)));
}

TEST(GlobalTest, AnotherThreadIsRefused) {
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI32, true}, Val::I32(1)));
  absl::Status get_status, set_status;
  std::thread other([&] {
    get_status = global.Get().status();
    set_status = global.Set(Val::I32(2));
  });
  other.join();
  EXPECT_STATUS(get_status, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_STATUS(set_status, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_THAT(global.Get(), testing::IsOkAndHolds(Val::I32(1)));
}

TEST(GlobalTest, FuncRefGlobal) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Global fref, instance.GetGlobal("fref"));
  EXPECT_EQ(fref.type().type, ValType::kFuncRef);
  ASSERT_OK_AND_ASSIGN(Val value, fref.Get());
  ASSERT_OK_AND_ASSIGN(Func five, Func::FromRef(value));
  EXPECT_THAT(five.Call({}),
              testing::IsOkAndHolds(std::vector<Val>{Val::I32(5)}));
  ASSERT_OK_AND_ASSIGN(Func get_counter, instance.GetFunc("get_counter"));
  ASSERT_OK(fref.Set(Val::FuncRef(get_counter)));
  ASSERT_OK_AND_ASSIGN(value, fref.Get());
  ASSERT_OK_AND_ASSIGN(Func read, Func::FromRef(value));
  EXPECT_THAT(read.Call({}),
              testing::IsOkAndHolds(std::vector<Val>{Val::I32(7)}));
  ASSERT_OK(fref.Set(Val::NullRef(ValType::kFuncRef)));
  EXPECT_THAT(fref.Get(),
              testing::IsOkAndHolds(Val::NullRef(ValType::kFuncRef)));
}

}  // namespace
}  // namespace wasmhost
