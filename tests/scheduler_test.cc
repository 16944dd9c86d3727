// ResidentScheduler (wasmhost/scheduler.h): rounds at a fixed rate, each
// resident pinned to one worker, a runaway resident stopped by its budget
// and recorded while the others keep ticking. A process of its own: fuel
// metering is an engine option.

#include "wasmhost/scheduler.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/linker.h"
#include "wasmhost/resident.h"

namespace wasmhost {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::StatusIs;

const Module& Counter() {
  static const Module* module = [] {
    EngineOptions options;
    options.consume_fuel = true;
    absl::StatusOr<Engine> engine = Engine::Create(options);
    if (!engine.ok()) std::abort();
    absl::StatusOr<Module> compiled =
        engine->Compile(fixtures::resident_counter_wasm());
    if (!compiled.ok()) std::abort();
    return new Module(*std::move(compiled));
  }();
  return *module;
}

// A factory of counter residents ticking `tick_export`.
ResidentScheduler::Factory CounterFactory(std::string tick_export = "tick") {
  return [tick_export]() {
    ResidentOptions options;
    options.tick_export = tick_export;
    static const Linker* linker = new Linker();
    return ResidentInstance::Create(Counter(), *linker, options);
  };
}

TickBudget FuelBudget(uint64_t fuel) {
  TickBudget budget;
  budget.fuel = fuel;
  return budget;
}

// A scheduler of `threads` workers starting rounds `period` apart.
absl::StatusOr<std::unique_ptr<ResidentScheduler>> NewScheduler(
    int threads, absl::Duration period = SchedulerOptions().period) {
  SchedulerOptions options;
  options.threads = threads;
  options.period = period;
  return ResidentScheduler::Create(options);
}

// `stats` has one overrun: `resident`'s in round 0, with `code` and a
// message containing `message`.
void ExpectOneOverrun(const SchedulerStats& stats, uint64_t resident,
                      absl::StatusCode code, const char* message) {
  ASSERT_EQ(stats.overruns.size(), 1u);
  EXPECT_EQ(stats.overruns[0].resident, resident);
  EXPECT_EQ(stats.overruns[0].round, 0u);
  EXPECT_THAT(stats.overruns[0].status, StatusIs(code, HasSubstr(message)));
}

absl::StatusOr<uint64_t> TicksOf(ResidentScheduler& scheduler, uint64_t id) {
  uint64_t ticks = 0;
  absl::Status status =
      scheduler.WithResident(id, [&](ResidentInstance& resident) {
        ticks = resident.ticks();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return ticks;
}

TEST(SchedulerTest, OptionsAreChecked) {
  SchedulerOptions no_threads;
  no_threads.threads = 0;
  EXPECT_THAT(ResidentScheduler::Create(no_threads),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least one thread")));
  SchedulerOptions no_period;
  no_period.period = absl::ZeroDuration();
  EXPECT_THAT(ResidentScheduler::Create(no_period),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("period must be positive")));
}

TEST(SchedulerTest, RoundsRunAtTheRateAndTickEveryResident) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentScheduler> scheduler,
                       NewScheduler(2, absl::Milliseconds(10)));
  std::vector<uint64_t> ids;
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK_AND_ASSIGN(
        uint64_t id, scheduler->Add(CounterFactory(), FuelBudget(1'000'000)));
    EXPECT_EQ(id, static_cast<uint64_t>(i));
    ids.push_back(id);
  }
  const absl::Time start = absl::Now();
  ASSERT_OK(scheduler->Run(20));
  // 20 rounds start 10 ms apart: the last starts 190 ms after the first.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  const SchedulerStats stats = scheduler->stats();
  EXPECT_EQ(stats.rounds, 20u);
  EXPECT_EQ(stats.ticks, 120u);
  EXPECT_EQ(stats.running, 6u);
  EXPECT_EQ(stats.stopped, 0u);
  EXPECT_TRUE(stats.overruns.empty());
  EXPECT_EQ(stats.round_times.size(), 20u);
  EXPECT_GT(stats.RoundTimePercentile(0.5), absl::ZeroDuration());
  EXPECT_LE(stats.RoundTimePercentile(0.5), stats.RoundTimePercentile(1.0));
  for (uint64_t id : ids) {
    EXPECT_THAT(TicksOf(*scheduler, id),
                ::wasmhost::testing::IsOkAndHolds(20u));
  }
}

TEST(SchedulerTest, ResidentsArePinnedToWorkersSpreadEvenly) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentScheduler> scheduler,
                       NewScheduler(2));
  std::vector<std::thread::id> made_on;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(scheduler
                  ->Add(
                      [&made_on] {
                        made_on.push_back(std::this_thread::get_id());
                        return CounterFactory()();
                      },
                      TickBudget())
                  .status());
  }
  ASSERT_EQ(made_on.size(), 4u);
  EXPECT_EQ(std::set<std::thread::id>(made_on.begin(), made_on.end()).size(),
            2u);
  EXPECT_NE(made_on[0], std::this_thread::get_id());
  // Every later use of a resident is on the thread that made it.
  for (uint64_t id = 0; id < 4; ++id) {
    EXPECT_OK(scheduler->WithResident(id, [&](ResidentInstance&) {
      return std::this_thread::get_id() == made_on[id]
                 ? absl::OkStatus()
                 : absl::InternalError("another thread");
    }));
  }
}

TEST(SchedulerTest, RunawayIsStoppedByFuelAndOthersKeepTicking) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentScheduler> scheduler,
                       NewScheduler(2, absl::Milliseconds(5)));
  ASSERT_OK_AND_ASSIGN(uint64_t runaway, scheduler->Add(CounterFactory("spin"),
                                                        FuelBudget(200'000)));
  std::vector<uint64_t> others;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(
        uint64_t id, scheduler->Add(CounterFactory(), FuelBudget(1'000'000)));
    others.push_back(id);
  }
  ASSERT_OK(scheduler->Run(10));
  const SchedulerStats stats = scheduler->stats();
  ASSERT_NO_FATAL_FAILURE(ExpectOneOverrun(
      stats, runaway, absl::StatusCode::kResourceExhausted, "out of fuel"));
  EXPECT_EQ(stats.stopped, 1u);
  EXPECT_EQ(stats.running, 5u);
  // The runaway ticked once; the others every round.
  EXPECT_EQ(stats.ticks, 1u + 5u * 10u);
  for (uint64_t id : others) {
    EXPECT_THAT(TicksOf(*scheduler, id),
                ::wasmhost::testing::IsOkAndHolds(10u));
  }
  EXPECT_OK(scheduler->WithResident(runaway, [](ResidentInstance& resident) {
    return resident.stopped() ? absl::OkStatus()
                              : absl::InternalError("still running");
  }));
}

TEST(SchedulerTest, RunawayIsStoppedByItsTimeBudget) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentScheduler> scheduler,
                       NewScheduler(1, absl::Milliseconds(50)));
  TickBudget budget;
  budget.timeout = absl::Milliseconds(5);
  ASSERT_OK_AND_ASSIGN(uint64_t runaway,
                       scheduler->Add(CounterFactory("spin"), budget));
  ASSERT_OK_AND_ASSIGN(uint64_t other,
                       scheduler->Add(CounterFactory(), budget));
  ASSERT_OK(scheduler->Run(3));
  const SchedulerStats stats = scheduler->stats();
  ASSERT_NO_FATAL_FAILURE(ExpectOneOverrun(
      stats, runaway, absl::StatusCode::kDeadlineExceeded, ""));
  EXPECT_THAT(TicksOf(*scheduler, other),
              ::wasmhost::testing::IsOkAndHolds(3u));
  // Only the first round paid for the runaway (generously: the machine
  // may be busy).
  EXPECT_GE(stats.round_times[0], absl::Milliseconds(5));
  EXPECT_LT(stats.round_times[1], absl::Milliseconds(25));
}

TEST(SchedulerTest, FailingFactoryAndUnknownResident) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentScheduler> scheduler,
                       ResidentScheduler::Create());
  EXPECT_THAT(scheduler->Add(CounterFactory("missing"), TickBudget()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(
      scheduler->WithResident(
          7, [](ResidentInstance&) { return absl::OkStatus(); }),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("no resident 7")));
  ASSERT_OK(scheduler->Run(1));
  EXPECT_EQ(scheduler->stats().running, 0u);
  EXPECT_EQ(scheduler->stats().ticks, 0u);
}

TEST(SchedulerStatsTest, Percentiles) {
  SchedulerStats stats;
  EXPECT_EQ(stats.RoundTimePercentile(0.5), absl::ZeroDuration());
  for (int i = 1; i <= 100; ++i) {
    stats.round_times.push_back(absl::Milliseconds(101 - i));
  }
  EXPECT_EQ(stats.RoundTimePercentile(0.0), absl::Milliseconds(1));
  EXPECT_EQ(stats.RoundTimePercentile(0.5), absl::Milliseconds(51));
  EXPECT_EQ(stats.RoundTimePercentile(0.99), absl::Milliseconds(100));
  EXPECT_EQ(stats.RoundTimePercentile(1.0), absl::Milliseconds(100));
}

}  // namespace
}  // namespace wasmhost
