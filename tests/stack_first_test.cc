// A C plugin built by wasm_c_component (tools/wasm_c_component.bzl) whose
// recursion outgrows its C stack traps, and leaves its static data as it
// was; the same source in wasm-ld's default layout (stack above the data)
// returns normally with its statics overwritten, which is what
// -Wl,--stack-first is for.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/deep_embedded.h"
#include "tests/deep_unguarded_embedded.h"
#include "tests/test_util.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

using ::testing::Gt;
using ::testing::HasSubstr;

// 80 levels of 1 KiB frames: past the 64 KiB C stack.
constexpr uint32_t kTooDeep = 80;
constexpr uint32_t kCanaryBytes = 32768;

struct Plugin {
  component::Instance instance;
  component::TypedFunc<uint32_t(uint32_t)> recurse;
  component::TypedFunc<uint32_t()> canary_damage;
};

absl::StatusOr<Plugin> Load(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<component::Component> compiled =
      component::Component::Compile(testing::SharedEngine(), bytes);
  if (!compiled.ok()) return compiled.status();
  absl::StatusOr<component::Instance> instance =
      component::Instance::Create(*compiled, component::Linker());
  if (!instance.ok()) return instance.status();
  auto recurse = instance->GetFunc<uint32_t(uint32_t)>("recurse");
  if (!recurse.ok()) return recurse.status();
  auto damage = instance->GetFunc<uint32_t()>("canary-damage");
  if (!damage.ok()) return damage.status();
  return Plugin{*std::move(instance), *recurse, *damage};
}

TEST(StackFirstTest, ShallowRecursionWorks) {
  ASSERT_OK_AND_ASSIGN(Plugin plugin, Load(kit::deep_wasm()));
  EXPECT_THAT(plugin.recurse.Call(20), testing::IsOkAndHolds(20u));
  EXPECT_THAT(plugin.canary_damage.Call(), testing::IsOkAndHolds(0u));
}

TEST(StackFirstTest, StackOverflowTrapsOutOfBounds) {
  ASSERT_OK_AND_ASSIGN(Plugin plugin, Load(kit::deep_wasm()));
  absl::Status status = plugin.recurse.Call(kTooDeep).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  std::optional<TrapInfo> trap = GetTrapInfo(status);
  ASSERT_TRUE(trap.has_value()) << status;
  EXPECT_EQ(trap->kind, TrapKind::kMemoryOutOfBounds) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("out of bounds"));
}

// The core module (the component's before jco wrapped it) lets the host
// read the canary after the trap: not one byte changed.
TEST(StackFirstTest, StaticDataSurvivesTheOverflow) {
  ASSERT_OK_AND_ASSIGN(Instance core,
                       testing::Instantiate(kit::deep_core_wasm()));
  ASSERT_OK_AND_ASSIGN(auto initialize, core.GetFunc<void()>("_initialize"));
  ASSERT_OK(initialize.Call());
  ASSERT_OK_AND_ASSIGN(auto address, core.GetFunc<int32_t()>("canary-address"));
  ASSERT_OK_AND_ASSIGN(int32_t canary, address.Call());
  ASSERT_OK_AND_ASSIGN(auto recurse, core.GetFunc<int32_t(int32_t)>("recurse"));
  const absl::Status status = recurse.Call(kTooDeep).status();
  ASSERT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  std::vector<uint8_t> bytes(kCanaryBytes);
  ASSERT_OK(
      core.memory().Read(static_cast<uint32_t>(canary), absl::MakeSpan(bytes)));
  EXPECT_EQ(bytes, std::vector<uint8_t>(kCanaryBytes, 0xa5));
}

// Without --stack-first the same call returns, and the canary is damaged:
// what the layout prevents.
TEST(StackFirstTest, DefaultLayoutOverwritesStaticData) {
  ASSERT_OK_AND_ASSIGN(Plugin plugin, Load(kit::deep_unguarded_wasm()));
  EXPECT_THAT(plugin.recurse.Call(kTooDeep), testing::IsOkAndHolds(kTooDeep));
  EXPECT_THAT(plugin.canary_damage.Call(), testing::IsOkAndHolds(Gt(0u)));
}

}  // namespace
}  // namespace wasmhost
