// Typed component calls through the component driver (one engine entry
// for the reallocs, the call, the lift and post-return), on
// tests/components/driver.wat: results, the order and count of reallocs
// and post-returns, and each way a step can fail, checked against the
// status the same call returns through component::Vals and the separate
// steps of Func::Call.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_typed.h"

namespace wasmhost::component {
namespace {

using ::wasmhost::testing::SharedEngine;
using Score = Result<double, std::string>;
using Take = TypedFunc<Score(std::string_view, absl::Span<const double>)>;

class ComponentDriverTest : public ::testing::Test {
 protected:
  void SetUp() override { NewInstance(); }

  void NewInstance() {
    ASSERT_OK_AND_ASSIGN(
        Component component,
        Component::Compile(SharedEngine(), wasmhost::testing::driver_wasm()));
    instance_.reset();
    ASSERT_OK_AND_ASSIGN(instance_, Instance::Create(component, Linker()));
    ASSERT_OK_AND_ASSIGN(take_, Take::Get(*instance_, "", "take"));
  }

  void SetMode(uint32_t mode) {
    ASSERT_OK_AND_ASSIGN(auto set,
                         instance_->GetFunc<void(uint32_t)>("set-mode"));
    ASSERT_OK(set.Call(mode));
  }

  uint32_t Count(absl::string_view name) {
    auto count = instance_->GetFunc<uint32_t()>(name);
    EXPECT_OK(count.status());
    absl::StatusOr<uint32_t> n = count->Call();
    EXPECT_OK(n.status());
    return n.ok() ? *n : 0;
  }

  absl::StatusOr<Score> CallTyped(const CallOptions& options = {}) {
    const double xs[] = {0.5, 1.5, 2.0};
    return take_->Call(options, "four", xs);
  }

  // The same call through Vals and Func::Call's separate steps.
  absl::Status CallWithVals() {
    absl::StatusOr<Func> func = instance_->GetFunc("take");
    if (!func.ok()) return func.status();
    const Val args[] = {
        Val::String("four"),
        Val::List({Val::F64(0.5), Val::F64(1.5), Val::F64(2.0)})};
    return func->Call(args).status();
  }

  // Mode `mode` fails the typed (driven) call with `code` and `reason`
  // and poisons the instance, and a fresh instance's Val call fails alike,
  // with the same message when `same_message` (the typed path names a
  // type by its C++ shape, "result", the Val path by its WIT type).
  void ExpectSameFailure(uint32_t mode, absl::StatusCode code,
                         absl::string_view reason, bool same_message = true) {
    SetMode(mode);
    const absl::Status typed = CallTyped().status();
    EXPECT_STATUS(typed, code, reason);
    EXPECT_TRUE(instance_->poisoned());
    EXPECT_STATUS(CallTyped().status(), absl::StatusCode::kFailedPrecondition,
                  "poisoned");
    NewInstance();
    SetMode(mode);
    const absl::Status vals = CallWithVals();
    EXPECT_STATUS(vals, code, reason);
    if (same_message) {
      EXPECT_EQ(vals.message(), typed.message());
    }
    EXPECT_TRUE(instance_->poisoned());
  }

  std::optional<Instance> instance_;
  std::optional<Take> take_;
};

TEST_F(ComponentDriverTest, CallsThroughTheDriver) {
  EXPECT_TRUE(take_->direct());
  EXPECT_TRUE(take_->driven());
  ASSERT_OK_AND_ASSIGN(Score r, CallTyped());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 4 + 0.5 + 1.5 + 2.0);
  // One realloc per argument, post-return once per call.
  EXPECT_EQ(Count("realloc-count"), 2u);
  EXPECT_EQ(Count("post-count"), 1u);
  ASSERT_OK_AND_ASSIGN(r, CallTyped());
  EXPECT_EQ(Count("realloc-count"), 4u);
  EXPECT_EQ(Count("post-count"), 2u);
  // Empty arguments still get their (zero-byte) allocations.
  ASSERT_OK_AND_ASSIGN(r, take_->Call("", {}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 0.0);
  EXPECT_EQ(Count("realloc-count"), 6u);
  SetMode(9);
  ASSERT_OK_AND_ASSIGN(r, CallTyped());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "no");
  EXPECT_EQ(Count("post-count"), 4u);
}

TEST_F(ComponentDriverTest, IllFormedArgumentIsRefusedBeforeTheGuestRuns) {
  const double xs[] = {1.0};
  EXPECT_STATUS(take_->Call("\xff", xs).status(),
                absl::StatusCode::kInvalidArgument, "UTF-8");
  EXPECT_FALSE(instance_->poisoned());
  EXPECT_EQ(Count("realloc-count"), 0u);
  ASSERT_OK(CallTyped().status());
}

TEST_F(ComponentDriverTest, TrapInRealloc) {
  ExpectSameFailure(1, absl::StatusCode::kAborted, "unreachable");
}

TEST_F(ComponentDriverTest, UnalignedPointerFromRealloc) {
  ExpectSameFailure(2, absl::StatusCode::kAborted,
                    "unaligned pointer 0x409 for alignment 8");
}

TEST_F(ComponentDriverTest, PointerOutOfBoundsFromRealloc) {
  ExpectSameFailure(3, absl::StatusCode::kAborted,
                    "pointer out of bounds: 0x10000");
}

TEST_F(ComponentDriverTest, BadDiscriminantWhileLifting) {
  ExpectSameFailure(5, absl::StatusCode::kAborted,
                    "discriminant 7 out of range for result",
                    /*same_message=*/false);
}

TEST_F(ComponentDriverTest, InvalidUtf8WhileLifting) {
  ExpectSameFailure(7, absl::StatusCode::kAborted, "invalid UTF-8");
}

TEST_F(ComponentDriverTest, TrapInPostReturn) {
  ExpectSameFailure(8, absl::StatusCode::kAborted, "unreachable");
}

// The call's one deadline covers every step in the driver, realloc too.
TEST_F(ComponentDriverTest, DeadlineInsideRealloc) {
  SetMode(4);
  EXPECT_STATUS(
      CallTyped(CallOptions::WithTimeout(absl::Milliseconds(50))).status(),
      absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_TRUE(instance_->poisoned());
}

TEST_F(ComponentDriverTest, DeadlineInsideTheCall) {
  SetMode(6);
  EXPECT_STATUS(
      CallTyped(CallOptions::WithTimeout(absl::Milliseconds(50))).status(),
      absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_TRUE(instance_->poisoned());
}

}  // namespace
}  // namespace wasmhost::component
