// Instance::Create of a module whose start function traps. In a binary of
// its own so that, should instantiation crash the process (as it does at
// the time of writing: V8 "Empty MaybeLocal" fatal error in
// V8Instance::Instantiate), the rest of instance_test still reports.

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

TEST(InstanceStartTrapTest, StartFunctionTrapIsAborted) {
  absl::StatusOr<Instance> instance =
      testing::Instantiate(fixtures::start_trap_wasm());
  ASSERT_FALSE(instance.ok());
  // $init is function 1 ($helper is 0).
  testing::ExpectTrap(instance.status(), TrapKind::kUnreachable, "unreachable",
                      "init", 1);
}

TEST(InstanceStartTrapTest, ThreadStillUsableAfterStartTrap) {
  EXPECT_STATUS(testing::Instantiate(fixtures::start_trap_wasm()),
                absl::StatusCode::kAborted, "unreachable");
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::types_wasm()));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), testing::IsOkAndHolds(1));
}

}  // namespace
}  // namespace wasmhost
