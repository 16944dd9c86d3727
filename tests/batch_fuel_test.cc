// TypedFunc::CallBatch with fuel metering (EngineOptions::consume_fuel,
// which V8 allows once per process, so a binary of its own): the budget is
// the whole batch's.

#include <cstdint>
#include <numeric>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

template <typename Sig>
TypedFunc<Sig> Export(const Instance& instance, absl::string_view name) {
  absl::StatusOr<TypedFunc<Sig>> func = instance.GetFunc<Sig>(name);
  EXPECT_TRUE(func.ok()) << func.status();
  return *func;
}

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> values(n);
  std::iota(values.begin(), values.end(), 0);
  return values;
}

Engine MeteredEngine() {
  EngineOptions options;
  options.consume_fuel = true;
  absl::StatusOr<Engine> engine = Engine::Create(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *engine;
}

Instance NewMeteredInstance() {
  absl::StatusOr<Module> module =
      MeteredEngine().Compile(fixtures::batch_wasm());
  EXPECT_TRUE(module.ok()) << module.status();
  absl::StatusOr<Instance> instance = Instance::Create(*module, Linker());
  EXPECT_TRUE(instance.ok()) << instance.status();
  return std::move(*instance);
}

CallOptions WithFuel(uint64_t fuel) {
  CallOptions options;
  options.fuel = fuel;
  return options;
}

TEST(BatchTest, FuelIsTheWholeBatchsBudget) {
  Instance instance = NewMeteredInstance();
  auto score = Export<int64_t(int64_t)>(instance, "score");
  constexpr uint64_t kFuel = 1'000'000;
  ASSERT_OK(score.Call(WithFuel(kFuel), 1).status());
  absl::StatusOr<uint64_t> left = instance.remaining_fuel();
  ASSERT_OK(left.status());
  const uint64_t per_row = kFuel - *left;
  ASSERT_GT(per_row, 0u);
  // A batch uses what as many calls would: the driver is not metered.
  std::vector<int64_t> out(100);
  ASSERT_OK(score.CallBatch(WithFuel(kFuel), Iota(100), absl::MakeSpan(out)));
  EXPECT_THAT(instance.remaining_fuel(),
              testing::IsOkAndHolds(kFuel - 100 * per_row));
  // Fuel for 10 rows and a half: row 10 runs out.
  std::vector<int64_t> many(200'000);
  const absl::Status status =
      score.CallBatch(WithFuel(10 * per_row + per_row / 2), Iota(200'000),
                      absl::MakeSpan(many));
  EXPECT_STATUS(status, absl::StatusCode::kResourceExhausted,
                "batch row 10: out of fuel");
  EXPECT_EQ(GetErrorInfo(status).limit, LimitKind::kFuel);
  EXPECT_EQ(GetErrorInfo(status).batch_row, 10u);
  EXPECT_EQ(many[9], 28);
  EXPECT_TRUE(instance.poisoned());
}

}  // namespace
}  // namespace wasmhost
