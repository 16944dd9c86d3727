// The README's hot-reload example (reload_example.cc, extracted from
// README.md): requests before, across and after reloads, and refused ones.

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "examples/readme/reload_guests.h"
#include "gtest/gtest.h"
#include "wasmhost/wasmhost.h"

// Defined by the README's example.
absl::Status ReloadGuest(const wasmhost::Engine& engine,
                         wasmhost::InstancePool& pool,
                         absl::Span<const uint8_t> new_bytes);
absl::StatusOr<int32_t> Handle(wasmhost::InstancePool& pool, int32_t request);

namespace {

TEST(ReloadExampleTest, RequestsFollowTheReloads) {
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  absl::StatusOr<wasmhost::Module> v1 =
      engine->Compile(readme::reload_v1_wasm());
  ASSERT_TRUE(v1.ok()) << v1.status();
  absl::StatusOr<std::unique_ptr<wasmhost::InstancePool>> pool =
      wasmhost::InstancePool::Create(*v1, wasmhost::Linker());
  ASSERT_TRUE(pool.ok()) << pool.status();
  wasmhost::InstancePool& served = **pool;

  EXPECT_EQ(Handle(served, 10).value_or(-1), 11);
  ASSERT_TRUE(ReloadGuest(*engine, served, readme::reload_v2_wasm()).ok());
  EXPECT_EQ(Handle(served, 10).value_or(-1), 12);
  EXPECT_EQ(served.stats().version, 2u);

  // Bytes that are not Wasm never reach the pool.
  const uint8_t not_wasm[] = {'n', 'o', 't'};
  absl::Status refused = ReloadGuest(*engine, served, not_wasm);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_EQ(Handle(served, 10).value_or(-1), 12);
  EXPECT_EQ(served.stats().version, 2u);

  // Nor does a version the pool cannot instantiate: one whose start
  // function traps.
  refused = ReloadGuest(*engine, served, readme::reload_trap_wasm());
  EXPECT_EQ(refused.code(), absl::StatusCode::kAborted) << refused;
  EXPECT_EQ(Handle(served, 10).value_or(-1), 12);

  // Back to version 1 as version 3.
  ASSERT_TRUE(ReloadGuest(*engine, served, readme::reload_v1_wasm()).ok());
  EXPECT_EQ(Handle(served, 10).value_or(-1), 11);
  EXPECT_EQ(served.stats().version, 3u);
  EXPECT_EQ(served.stats().old_instances, 0u);
}

}  // namespace
