// Tests of wasmhost/errors.h: GetTrapInfo and TrapKindName. Trap statuses
// from real guests are tested in instance_test.cc.

#include "wasmhost/errors.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"

namespace wasmhost {
namespace {

TEST(ErrorsTest, TrapKindNames) {
  EXPECT_EQ(TrapKindName(TrapKind::kUnreachable), "unreachable");
  EXPECT_EQ(TrapKindName(TrapKind::kMemoryOutOfBounds), "memory out of bounds");
  EXPECT_EQ(TrapKindName(TrapKind::kIntegerDivideByZero),
            "integer divide by zero");
  EXPECT_EQ(TrapKindName(TrapKind::kIntegerOverflow), "integer overflow");
  EXPECT_EQ(TrapKindName(TrapKind::kIndirectCallMismatch),
            "indirect call type mismatch");
  EXPECT_EQ(TrapKindName(TrapKind::kTableOutOfBounds), "table out of bounds");
  EXPECT_EQ(TrapKindName(TrapKind::kStackOverflow), "stack overflow");
  EXPECT_EQ(TrapKindName(TrapKind::kOther), "other");
}

TEST(ErrorsTest, GetTrapInfoOfNonTrapStatusIsNullopt) {
  EXPECT_EQ(GetTrapInfo(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(GetTrapInfo(absl::InvalidArgumentError("bad")), std::nullopt);
  // Aborted alone is not a trap: the payload makes it one.
  EXPECT_EQ(GetTrapInfo(absl::AbortedError("trap: unreachable")),
            std::nullopt);
}

TEST(ErrorsTest, GetTrapInfoOfRealTrap) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::types_wasm()));
  ASSERT_OK_AND_ASSIGN(auto trap, instance.GetFunc<void()>("trap"));
  absl::Status status = trap.Call();
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value()) << status;
  EXPECT_EQ(info->kind, TrapKind::kUnreachable);
  EXPECT_THAT(info->message, ::testing::HasSubstr("unreachable"));
  // The payload survives copying the status.
  absl::Status copy = status;
  EXPECT_TRUE(GetTrapInfo(copy).has_value());
}

}  // namespace
}  // namespace wasmhost
