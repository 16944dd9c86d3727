// Tests of wasmhost/table.h: exported and host-made tables.

#include "wasmhost/table.h"

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/global.h"
#include "wasmhost/instance.h"
#include "wasmhost/memory.h"

namespace wasmhost {
namespace {

const Val kNullExtern = Val::NullRef(ValType::kExternRef);
const Val kNullFunc = Val::NullRef(ValType::kFuncRef);

TEST(TableTest, ExportedTables) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Table funcs, instance.GetTable("funcs"));
  EXPECT_EQ(funcs.type().element, ValType::kFuncRef);
  EXPECT_EQ(funcs.type().min_size, 2u);
  EXPECT_EQ(funcs.type().max_size, std::optional<uint64_t>(4));
  EXPECT_EQ(funcs.size(), 2u);
  EXPECT_THAT(funcs.Get(1), testing::IsOkAndHolds(kNullFunc));

  ASSERT_OK_AND_ASSIGN(Table refs, instance.GetTable("refs"));
  EXPECT_EQ(refs.type().element, ValType::kExternRef);
  EXPECT_EQ(refs.size(), 2u);
  EXPECT_THAT(refs.Get(0), testing::IsOkAndHolds(kNullExtern));
}

TEST(TableTest, ExternRefsKeepIdentityThroughTheGuest) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Table refs, instance.GetTable("refs"));
  auto host_value = std::make_shared<std::vector<int>>(3, 9);
  ASSERT_OK(refs.Set(0, Val::ExternRef(host_value)));

  ASSERT_OK_AND_ASSIGN(auto is_null,
                       instance.GetFunc<int32_t(int32_t)>("ref_is_null"));
  EXPECT_THAT(is_null.Call(0), testing::IsOkAndHolds(0));
  EXPECT_THAT(is_null.Call(1), testing::IsOkAndHolds(1));
  // The guest copies the reference to element 1.
  ASSERT_OK_AND_ASSIGN(auto copy,
                       instance.GetFunc<void(int32_t, int32_t)>("copy_ref"));
  ASSERT_OK(copy.Call(0, 1));
  ASSERT_OK_AND_ASSIGN(Val copied, refs.Get(1));
  EXPECT_EQ(copied.externref().get(), host_value.get());
  EXPECT_EQ(copied, Val::ExternRef(host_value));
}

TEST(TableTest, StoredExternRefSurvivesCollection) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Table refs, instance.GetTable("refs"));
  auto stored = std::make_shared<int>(5);
  std::weak_ptr<int> watch_stored = stored;
  ASSERT_OK(refs.Set(0, Val::ExternRef(std::move(stored))));
  auto dropped = std::make_shared<int>(6);
  std::weak_ptr<int> watch_dropped = dropped;
  {
    ASSERT_OK_AND_ASSIGN(Global scratch,
                         Global::Create({ValType::kExternRef, true},
                                        Val::ExternRef(std::move(dropped))));
  }
  // V8 frees the wrappers of externrefs only in full collections; memories
  // count as external memory, so making ~10 MiB ones soon causes one.
  for (int i = 0; i < 1000 && !watch_dropped.expired(); ++i) {
    ASSERT_OK_AND_ASSIGN(Memory scratch, Memory::Create({160, 160}));
  }
  EXPECT_TRUE(watch_dropped.expired());
  ASSERT_FALSE(watch_stored.expired());
  ASSERT_OK_AND_ASSIGN(Val read, refs.Get(0));
  EXPECT_EQ(*static_cast<int*>(read.externref().get()), 5);
}

TEST(TableTest, GrowUpToTheMaximum) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Table refs, instance.GetTable("refs"));
  auto host_value = std::make_shared<int>(1);
  EXPECT_THAT(refs.Grow(3, Val::ExternRef(host_value)),
              testing::IsOkAndHolds(2u));
  EXPECT_EQ(refs.size(), 5u);
  ASSERT_OK_AND_ASSIGN(auto size, instance.GetFunc<int32_t()>("refs_size"));
  EXPECT_THAT(size.Call(), testing::IsOkAndHolds(5));
  EXPECT_THAT(refs.Get(4), testing::IsOkAndHolds(Val::ExternRef(host_value)));
  EXPECT_THAT(refs.Get(1), testing::IsOkAndHolds(kNullExtern));

  EXPECT_STATUS(refs.Grow(6, kNullExtern), absl::StatusCode::kResourceExhausted,
                "maximum of 10");
  EXPECT_EQ(refs.size(), 5u);
  EXPECT_THAT(refs.Grow(5, kNullExtern), testing::IsOkAndHolds(5u));
  EXPECT_EQ(refs.size(), 10u);
}

TEST(TableTest, ErrorPaths) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  EXPECT_STATUS(instance.GetTable("missing"), absl::StatusCode::kNotFound,
                "no export named 'missing'");
  EXPECT_STATUS(instance.GetTable("counter"),
                absl::StatusCode::kInvalidArgument,
                "'counter' is a global, not a table");
  ASSERT_OK_AND_ASSIGN(Table refs, instance.GetTable("refs"));
  EXPECT_STATUS(refs.Get(2), absl::StatusCode::kOutOfRange,
                "table index 2 is outside the table of 2 elements");
  EXPECT_STATUS(refs.Set(2, kNullExtern), absl::StatusCode::kOutOfRange,
                "table index 2");
  EXPECT_STATUS(refs.Set(0, Val::I32(1)), absl::StatusCode::kInvalidArgument,
                "value i32:1 does not match the table of type externref");
  EXPECT_STATUS(refs.Set(0, kNullFunc), absl::StatusCode::kInvalidArgument,
                "funcref:null");
  EXPECT_STATUS(refs.Grow(1, kNullFunc), absl::StatusCode::kInvalidArgument,
                "funcref:null");
  EXPECT_EQ(refs.size(), 2u);
}

TEST(TableTest, CreateAndUse) {
  auto host_value = std::make_shared<int>(8);
  ASSERT_OK_AND_ASSIGN(Table table, Table::Create({ValType::kExternRef, 3, 5},
                                                  Val::ExternRef(host_value)));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.type().max_size, std::optional<uint64_t>(5));
  EXPECT_THAT(table.Get(2), testing::IsOkAndHolds(Val::ExternRef(host_value)));
  ASSERT_OK(table.Set(2, kNullExtern));
  EXPECT_THAT(table.Get(2), testing::IsOkAndHolds(kNullExtern));

  ASSERT_OK_AND_ASSIGN(
      Table funcs,
      Table::Create({ValType::kFuncRef, 1, std::nullopt}, kNullFunc));
  EXPECT_THAT(funcs.Grow(100, kNullFunc), testing::IsOkAndHolds(1u));
  EXPECT_EQ(funcs.size(), 101u);
}

TEST(TableTest, CreateRejectsBadTypes) {
  EXPECT_STATUS(Table::Create({ValType::kI32, 1, std::nullopt}, Val::I32(0)),
                absl::StatusCode::kInvalidArgument,
                "must be funcref or externref, not i32");
  EXPECT_STATUS(Table::Create({ValType::kFuncRef, 3, 2}, kNullFunc),
                absl::StatusCode::kInvalidArgument,
                "minimum size 3 exceeds its maximum 2");
  EXPECT_STATUS(
      Table::Create({ValType::kFuncRef, 1, std::nullopt}, kNullExtern),
      absl::StatusCode::kInvalidArgument,
      "value externref:null does not match a table of type funcref");
  EXPECT_STATUS(
      Table::Create({ValType::kFuncRef, 20'000'000, std::nullopt}, kNullFunc),
      absl::StatusCode::kResourceExhausted, "engine's limit");
}

TEST(TableTest, AnotherThreadIsRefused) {
  ASSERT_OK_AND_ASSIGN(
      Table table,
      Table::Create({ValType::kExternRef, 1, std::nullopt}, kNullExtern));
  absl::Status get_status, set_status, grow_status;
  uint64_t size = 1;
  std::thread other([&] {
    size = table.size();
    get_status = table.Get(0).status();
    set_status = table.Set(0, kNullExtern);
    grow_status = table.Grow(1, kNullExtern).status();
  });
  other.join();
  EXPECT_EQ(size, 0u);
  EXPECT_STATUS(get_status, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_STATUS(set_status, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_STATUS(grow_status, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_EQ(table.size(), 1u);
}

TEST(TableTest, FuncRefElementsAreCallable) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Table funcs, instance.GetTable("funcs"));
  ASSERT_OK_AND_ASSIGN(Val element, funcs.Get(0));
  ASSERT_EQ(element.type(), ValType::kFuncRef);
  ASSERT_OK_AND_ASSIGN(Func five, Func::FromRef(element));
  EXPECT_EQ(five.type(), (FuncType{{}, {ValType::kI32}}));
  EXPECT_THAT(five.Call({}),
              testing::IsOkAndHolds(std::vector<Val>{Val::I32(5)}));

  // The host stores an export of another instance; the guest calls it.
  ASSERT_OK_AND_ASSIGN(Instance provider,
                       testing::Instantiate(fixtures::link_provider_wasm()));
  ASSERT_OK_AND_ASSIGN(Func seven, provider.GetFunc("seven"));
  ASSERT_OK(funcs.Set(1, Val::FuncRef(seven)));
  ASSERT_OK_AND_ASSIGN(auto call,
                       instance.GetFunc<int32_t(int32_t)>("call_func"));
  EXPECT_THAT(call.Call(1), testing::IsOkAndHolds(7));
  EXPECT_THAT(call.Call(0), testing::IsOkAndHolds(5));
  // Grown with a function.
  EXPECT_THAT(funcs.Grow(1, element), testing::IsOkAndHolds(2u));
  EXPECT_THAT(call.Call(2), testing::IsOkAndHolds(5));
}

TEST(TableTest, FuncRefOfAHostMadeTableHasNoInstanceToCallThrough) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Func bump, instance.GetFunc("get_counter"));
  ASSERT_OK_AND_ASSIGN(
      Table table,
      Table::Create({ValType::kFuncRef, 1, std::nullopt}, Val::FuncRef(bump)));
  ASSERT_OK_AND_ASSIGN(Val element, table.Get(0));
  ASSERT_OK_AND_ASSIGN(Func read, Func::FromRef(element));
  EXPECT_EQ(read.type(), (FuncType{{}, {ValType::kI32}}));
  EXPECT_STATUS(read.Call({}), absl::StatusCode::kFailedPrecondition,
                "no instance to call it through");
}

}  // namespace
}  // namespace wasmhost
