// Deadlines through nested calls: a host function that calls a guest again
// (another instance or the same one) while an outer call with a deadline
// waits. Each call owns its deadline: an inner call never cancels the
// termination an outer call's deadline caused, and the outer call reports
// DeadlineExceeded whatever the host function did with the inner error.

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

using ::wasmhost::testing::IsOkAndHolds;

// Two instances of reentry.wat whose host function runs `reenter`.
class NestedDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Module module,
                         testing::Compile(fixtures::reentry_wasm()));
    Linker linker;
    ASSERT_OK(linker.Define("host", "reenter",
                            [this]() -> absl::Status { return reenter_(); }));
    ASSERT_OK_AND_ASSIGN(Instance a, Instance::Create(module, linker));
    ASSERT_OK_AND_ASSIGN(Instance b, Instance::Create(module, linker));
    a_.emplace(std::move(a));
    b_.emplace(std::move(b));
  }

  TypedFunc<void()> Spin(Instance& instance) {
    return *instance.GetFunc<void()>("spin");
  }

  std::function<absl::Status()> reenter_;
  std::optional<Instance> a_, b_;  // Instance has no empty state
};

TEST_F(NestedDeadlineTest, HostSwallowsInnerErrorOuterStillStops) {
  absl::Status inner;
  reenter_ = [&] {
    inner = Spin(*b_).Call();  // no deadline of its own
    return absl::OkStatus();   // ignores it; "outer" then spins
  };
  ASSERT_OK_AND_ASSIGN(auto outer, a_->GetFunc<void()>("outer"));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(outer.Call(CallOptions::WithTimeout(absl::Milliseconds(100))),
                absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_STATUS(inner, absl::StatusCode::kDeadlineExceeded,
                "deadline of an enclosing call");
  EXPECT_EQ(GetTrapInfo(inner), std::nullopt);
}

TEST_F(NestedDeadlineTest, HostPassesInnerErrorOnOuterReportsItsDeadline) {
  reenter_ = [&] { return Spin(*b_).Call(); };
  ASSERT_OK_AND_ASSIGN(auto outer, a_->GetFunc<void()>("outer"));
  absl::Status status =
      outer.Call(CallOptions::WithTimeout(absl::Milliseconds(100)));
  EXPECT_STATUS(status, absl::StatusCode::kDeadlineExceeded,
                "stopped at its deadline");
  EXPECT_EQ(GetTrapInfo(status), std::nullopt);
  // The inner instance was stopped mid-call, by a deadline, not a trap.
  EXPECT_TRUE(b_->poisoned());
  ASSERT_OK_AND_ASSIGN(auto seven, b_->GetFunc<int32_t()>("seven"));
  EXPECT_STATUS(seven.Call(), absl::StatusCode::kFailedPrecondition,
                "deadline");
}

TEST_F(NestedDeadlineTest, ReentryIntoTheSameInstance) {
  absl::Status inner;
  reenter_ = [&] {
    inner = Spin(*a_).Call();
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto outer, a_->GetFunc<void()>("outer"));
  EXPECT_STATUS(outer.Call(CallOptions::WithTimeout(absl::Milliseconds(100))),
                absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_STATUS(inner, absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_TRUE(a_->poisoned());
}

TEST_F(NestedDeadlineTest, InnerDeadlineStopsOnlyTheInnerCall) {
  absl::Status inner;
  reenter_ = [&] {
    inner = Spin(*b_).Call(CallOptions::WithTimeout(absl::Milliseconds(20)));
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto outer, a_->GetFunc<int32_t()>("outer_returns"));
  EXPECT_THAT(outer.Call(CallOptions::WithTimeout(absl::Seconds(20))),
              IsOkAndHolds(7));
  EXPECT_STATUS(inner, absl::StatusCode::kDeadlineExceeded,
                "stopped at its deadline");
  EXPECT_FALSE(a_->poisoned());
  EXPECT_TRUE(b_->poisoned());
}

TEST_F(NestedDeadlineTest, LongerInnerDeadlineDoesNotExtendTheOuterOne) {
  absl::Status inner;
  reenter_ = [&] {
    inner = Spin(*b_).Call(CallOptions::WithTimeout(absl::Seconds(20)));
    return absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto outer, a_->GetFunc<void()>("outer"));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(outer.Call(CallOptions::WithTimeout(absl::Milliseconds(100))),
                absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_STATUS(inner, absl::StatusCode::kDeadlineExceeded,
                "deadline of an enclosing call");
}

TEST_F(NestedDeadlineTest, ThreadKeepsWorkingAfterNestedDeadlines) {
  reenter_ = [&] { return Spin(*b_).Call(); };
  ASSERT_OK_AND_ASSIGN(auto outer, a_->GetFunc<void()>("outer"));
  EXPECT_FALSE(
      outer.Call(CallOptions::WithTimeout(absl::Milliseconds(50))).ok());
  // No termination is left pending for the thread's next call.
  ASSERT_OK_AND_ASSIGN(Instance fresh,
                       testing::Instantiate(fixtures::reentry_wasm(), [] {
                         Linker linker;
                         (void)linker.Define("host", "reenter", [] {});
                         return linker;
                       }()));
  ASSERT_OK_AND_ASSIGN(auto seven, fresh.GetFunc<int32_t()>("seven"));
  EXPECT_THAT(seven.Call(), IsOkAndHolds(7));
  EXPECT_THAT(seven.Call(CallOptions::WithTimeout(absl::Seconds(10))),
              IsOkAndHolds(7));
}

// The watchdog sleeps toward the earliest deadline it knows and is not
// woken for a later one. Woken by a deadline that was disarmed meanwhile,
// it must sleep again toward the later one.
TEST_F(NestedDeadlineTest, DeadlineLaterThanADisarmedOneStillStops) {
  ASSERT_OK_AND_ASSIGN(auto seven, a_->GetFunc<int32_t()>("seven"));
  EXPECT_THAT(seven.Call(CallOptions::WithTimeout(absl::Milliseconds(200))),
              IsOkAndHolds(7));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(
      Spin(*a_).Call(CallOptions::WithTimeout(absl::Milliseconds(400))),
      absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace wasmhost
