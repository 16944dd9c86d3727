// A game server's tick loop on wasmhost's resident instances: hundreds of
// entity scripts (entity.c, a C guest built from source) ticked at a fixed
// rate by a ResidentScheduler, each under a fuel budget per tick, plus one
// runaway script (runaway.c) that loops forever on its fifth tick and is
// stopped by its budget without slowing the rest. Halfway, the world is
// saved as snapshots, the scheduler is torn down as in a restart, and every
// entity is restored from its snapshot to finish the run. Prints tick-time
// percentiles for both halves.
//
//   bazel run -c opt //examples/game_server -- --entities=300 --ticks=100
//
// Flags: --entities=N (default 300), --ticks=N (default 100, split between
// the two halves), --hz=N (default 20), --threads=N (default 2),
// --fuel=N (fuel per entity tick, default 200000).
// Exits 0 when the runaway was stopped for running out of fuel, every
// entity ticked every round, and the restored world continued where it was
// saved; 1 otherwise.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/game_server/guests.h"
#include "wasmhost/wasmhost.h"

namespace {

using wasmhost::Engine;
using wasmhost::Linker;
using wasmhost::Module;
using wasmhost::ResidentInstance;
using wasmhost::ResidentOptions;
using wasmhost::ResidentScheduler;
using wasmhost::SchedulerStats;
using wasmhost::TickBudget;

struct Flags {
  int entities = 300;
  int ticks = 100;
  int hz = 20;
  int threads = 2;
  int64_t fuel = 200'000;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name, auto* out) {
      const std::string prefix = absl::StrCat("--", name, "=");
      return absl::StartsWith(arg, prefix) &&
             absl::SimpleAtoi(arg.substr(prefix.size()), out) && *out > 0;
    };
    if (!value("entities", &flags->entities) &&
        !value("ticks", &flags->ticks) && !value("hz", &flags->hz) &&
        !value("threads", &flags->threads) && !value("fuel", &flags->fuel)) {
      std::cerr << "game_server: bad flag " << arg << "\n";
      return false;
    }
  }
  return true;
}

// What the world's scripts are compiled and linked with, shared by both
// halves of the run.
struct World {
  Module entity;
  Module runaway;
  Linker linker;
};

// An entity's grants: its id in the environment, a virtual clock and a
// seeded random source (so a restored entity continues exactly), nothing
// else.
ResidentOptions EntityOptions(int id) {
  ResidentOptions options;
  options.limits.max_memory_bytes = 4 << 20;
  wasmhost::wasi::WasiOptions& wasi = options.wasi.emplace();
  wasi.args = {"entity"};
  wasi.env = {{"ENTITY_ID", std::to_string(id)}};
  wasi.virtual_clock = wasmhost::wasi::WasiOptions::VirtualClock{};
  wasi.random_seed = static_cast<uint64_t>(id);
  options.host_id = "server-1";
  return options;
}

void PrintRounds(const char* label, const SchedulerStats& stats,
                 absl::Duration period) {
  std::cout << absl::StrFormat(
      "%s: %d rounds, %d ticks, round time p50 %s p90 %s p99 %s max %s "
      "(period %s), %d late\n",
      label, stats.rounds, stats.ticks,
      absl::FormatDuration(stats.RoundTimePercentile(0.5)),
      absl::FormatDuration(stats.RoundTimePercentile(0.9)),
      absl::FormatDuration(stats.RoundTimePercentile(0.99)),
      absl::FormatDuration(stats.RoundTimePercentile(1.0)),
      absl::FormatDuration(period), stats.late_rounds);
}

// Sum of every entity's position() and tick count: the world's checksum.
absl::StatusOr<int64_t> Checksum(ResidentScheduler& scheduler,
                                 const std::vector<uint64_t>& ids) {
  int64_t sum = 0;
  for (uint64_t id : ids) {
    absl::Status status =
        scheduler.WithResident(id, [&](ResidentInstance& resident) {
          absl::StatusOr<wasmhost::TypedFunc<int32_t()>> position =
              resident.instance().GetFunc<int32_t()>("position");
          if (!position.ok()) return position.status();
          absl::StatusOr<int32_t> at = position->Call();
          if (!at.ok()) return at.status();
          sum += *at + static_cast<int64_t>(resident.ticks()) * 4096;
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
  }
  return sum;
}

int Run(const Flags& flags) {
  wasmhost::EngineOptions engine_options;
  engine_options.consume_fuel = true;
  absl::StatusOr<Engine> engine = Engine::Create(engine_options);
  if (!engine.ok()) {
    std::cerr << "engine: " << engine.status() << "\n";
    return 1;
  }
  absl::StatusOr<Module> entity = engine->Compile(game_server::entity_wasm());
  absl::StatusOr<Module> runaway = engine->Compile(game_server::runaway_wasm());
  if (!entity.ok() || !runaway.ok()) {
    std::cerr << "compile: " << entity.status() << " " << runaway.status()
              << "\n";
    return 1;
  }
  World world{*entity, *runaway, Linker()};
  if (absl::Status status = wasmhost::wasi::AddToLinker(world.linker);
      !status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }

  wasmhost::SchedulerOptions scheduler_options;
  scheduler_options.threads = static_cast<size_t>(flags.threads);
  scheduler_options.period = absl::Seconds(1) / flags.hz;
  TickBudget budget;
  budget.fuel = static_cast<uint64_t>(flags.fuel);
  // The backstop for time spent outside the guest's own code.
  budget.timeout = scheduler_options.period;

  absl::StatusOr<std::unique_ptr<ResidentScheduler>> first =
      ResidentScheduler::Create(scheduler_options);
  if (!first.ok()) {
    std::cerr << first.status() << "\n";
    return 1;
  }
  std::vector<uint64_t> entity_ids;
  for (int i = 0; i < flags.entities; ++i) {
    absl::StatusOr<uint64_t> id = (*first)->Add(
        [&world, i] {
          return ResidentInstance::Create(world.entity, world.linker,
                                          EntityOptions(i));
        },
        budget);
    if (!id.ok()) {
      std::cerr << "entity " << i << ": " << id.status() << "\n";
      return 1;
    }
    entity_ids.push_back(*id);
  }
  absl::StatusOr<uint64_t> runaway_id = (*first)->Add(
      [&world] {
        ResidentOptions options;
        options.host_id = "server-1";
        return ResidentInstance::Create(world.runaway, world.linker, options);
      },
      budget);
  if (!runaway_id.ok()) {
    std::cerr << "runaway: " << runaway_id.status() << "\n";
    return 1;
  }
  std::cout << flags.entities << " entities and 1 runaway on " << flags.threads
            << " threads at " << flags.hz << " Hz, " << flags.fuel
            << " fuel per tick\n";

  const int first_half = flags.ticks / 2;
  const int second_half = flags.ticks - first_half;
  if (absl::Status status = (*first)->Run(first_half); !status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  const SchedulerStats before = (*first)->stats();
  PrintRounds("before save", before, scheduler_options.period);
  bool ok = true;
  if (before.overruns.size() != 1 ||
      before.overruns[0].resident != *runaway_id ||
      before.overruns[0].status.code() !=
          absl::StatusCode::kResourceExhausted) {
    std::cout << "FAIL: expected exactly the runaway stopped for fuel\n";
    ok = false;
  } else {
    const uint64_t round = before.overruns[0].round;
    std::cout << "runaway stopped in round " << round << " (which took "
              << absl::FormatDuration(before.round_times[round])
              << "): " << before.overruns[0].status.message() << "\n";
  }

  // Save: one snapshot per running entity, taken on its worker.
  absl::StatusOr<int64_t> saved_checksum = Checksum(**first, entity_ids);
  std::vector<std::string> snapshots(entity_ids.size());
  size_t saved_bytes = 0;
  const absl::Time save_start = absl::Now();
  for (size_t i = 0; i < entity_ids.size(); ++i) {
    absl::Status status = (*first)->WithResident(
        entity_ids[i], [&](ResidentInstance& resident) -> absl::Status {
          absl::StatusOr<std::string> snapshot = resident.Snapshot();
          if (!snapshot.ok()) return snapshot.status();
          snapshots[i] = *std::move(snapshot);
          return absl::OkStatus();
        });
    if (!status.ok()) {
      std::cerr << "save: " << status << "\n";
      return 1;
    }
    saved_bytes += snapshots[i].size();
  }
  const absl::Duration save_time = absl::Now() - save_start;
  first->reset();  // The "restart": every resident is gone.

  absl::StatusOr<std::unique_ptr<ResidentScheduler>> second =
      ResidentScheduler::Create(scheduler_options);
  if (!second.ok()) {
    std::cerr << second.status() << "\n";
    return 1;
  }
  const absl::Time restore_start = absl::Now();
  std::vector<uint64_t> restored_ids;
  for (size_t i = 0; i < snapshots.size(); ++i) {
    absl::StatusOr<uint64_t> id = (*second)->Add(
        [&world, &snapshots,
         i]() -> absl::StatusOr<std::unique_ptr<ResidentInstance>> {
          absl::StatusOr<ResidentOptions> options =
              ResidentInstance::OptionsOf(snapshots[i]);
          if (!options.ok()) return options.status();
          options->host_id = "server-2";
          return ResidentInstance::Restore(snapshots[i], world.entity,
                                           world.linker, *options);
        },
        budget);
    if (!id.ok()) {
      std::cerr << "restore " << i << ": " << id.status() << "\n";
      return 1;
    }
    restored_ids.push_back(*id);
  }
  const absl::Duration restore_time = absl::Now() - restore_start;
  std::cout << absl::StrFormat(
      "saved %d entities in %s (%d bytes, %d per entity), restored in %s\n",
      snapshots.size(), absl::FormatDuration(save_time), saved_bytes,
      saved_bytes / std::max<size_t>(snapshots.size(), 1),
      absl::FormatDuration(restore_time));
  absl::StatusOr<int64_t> restored_checksum = Checksum(**second, restored_ids);
  if (!saved_checksum.ok() || !restored_checksum.ok() ||
      *saved_checksum != *restored_checksum) {
    std::cout << "FAIL: the restored world differs from the saved one\n";
    ok = false;
  }

  if (absl::Status status = (*second)->Run(second_half); !status.ok()) {
    std::cerr << status << "\n";
    return 1;
  }
  const SchedulerStats after = (*second)->stats();
  PrintRounds("after restore", after, scheduler_options.period);
  if (!after.overruns.empty()) {
    std::cout << "FAIL: " << after.overruns.size()
              << " entities overran after the restore, e.g. "
              << after.overruns[0].status << "\n";
    ok = false;
  }
  int events = 0;
  for (uint64_t id : restored_ids) {
    absl::Status status =
        (*second)->WithResident(id, [&](ResidentInstance& resident) {
          if (resident.ticks() != static_cast<uint64_t>(flags.ticks)) {
            return absl::InternalError(
                absl::StrCat("entity ticked ", resident.ticks(), " times, not ",
                             flags.ticks));
          }
          const std::string out = resident.TakeStdout();
          events += static_cast<int>(std::count(out.begin(), out.end(), '\n'));
          return absl::OkStatus();
        });
    if (!status.ok()) {
      std::cout << "FAIL: " << status << "\n";
      ok = false;
      break;
    }
  }
  std::cout << events << " events printed by the entities over " << flags.ticks
            << " ticks\n";
  std::cout << (ok ? "ok\n" : "FAILED\n");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 1;
  return Run(flags);
}
