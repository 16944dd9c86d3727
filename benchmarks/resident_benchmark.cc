// resident_benchmark: ResidentInstance snapshots and restores
// (include/wasmhost/resident.h) and the ResidentScheduler's cost per tick
// per resident (include/wasmhost/scheduler.h), each beside a baseline in the
// same binary. The engine meters fuel, as a game server's would.
//
// Guest: fixtures/resident_memory.wat, grown to <MiB> of memory with
// <permille>/1000 of its 4 KiB pages dirtied (spread evenly; a quarter of
// each dirty page's words non-zero).
//
//   BM_Snapshot/<MiB>/<permille>   ResidentInstance::Snapshot (scan, encode,
//                                  hash, serialise); counters: bytes (the
//                                  first snapshot's size, one lineage
//                                  record), pages (dirty pages)
//   BM_Restore/<MiB>/<permille>    ResidentInstance::Restore of that
//                                  snapshot (parse, verify hashes and chain,
//                                  instantiate, grow, decode) and its
//                                  destruction
//   BM_ComponentSnapshot/<MiB>/<permille>
//   BM_ComponentRestore/<MiB>/<permille>
//                                  the same for a component's resident
//                                  (components/resident_component.wat: that
//                                  module and a shim importing its memory),
//                                  whose snapshot adds a second core
//                                  instance, handle tables and the glue
//                                  hash, and whose restore instantiates
//                                  through the component runtime
//   BM_MemoryCopy/<MiB>            baseline: memcpy of the whole memory,
//                                  what copying state costs at the least
//   BM_Instantiate                 baseline: Instance::Create of the module
//                                  and its destruction, what a restore
//                                  starts with
//   BM_SchedulerRound/<residents>/<threads>/real_time
//                                  ResidentScheduler::Run(1) with
//                                  <residents> residents on <threads>
//                                  workers, each
//                                  tick an empty export under a fuel budget;
//                                  per_tick = time per resident tick
//   BM_ComponentSchedulerRound/<residents>/<threads>/real_time
//                                  the same with component residents
//                                  ticking the lifted empty export
//   BM_DirectTicks/<residents>/real_time
//                                  baseline: ResidentInstance::Tick of as
//                                  many residents on this thread, same
//                                  budget (per_tick likewise)

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/component_fixtures.h"
#include "benchmarks/fixtures.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

constexpr uint64_t kWasmPage = 64 * 1024;
constexpr uint64_t kOsPage = 4096;
constexpr uint64_t kTickFuel = 100'000;

Module* module = nullptr;
Linker* linker = nullptr;
component::Component* game = nullptr;
component::Linker* component_linker = nullptr;

void SetUp() {
  EngineOptions options;
  options.consume_fuel = true;
  Engine engine = Must(Engine::Create(options), "Engine::Create");
  module = new Module(Must(engine.Compile(resident_memory_wasm()), "Compile"));
  linker = new Linker();
  game = new component::Component(
      Must(component::Component::Compile(engine, resident_component_wasm()),
           "Component::Compile"));
  component_linker = new component::Linker();
}

// A resident (of the module, or `of_component`) grown to `mib` MiB with
// `permille` of its OS pages dirty. The module's exports are called on the
// core instance directly in both cases.
std::unique_ptr<ResidentInstance> MakeResident(int64_t mib, int64_t permille,
                                               uint64_t* dirty_pages,
                                               bool of_component = false) {
  auto resident = of_component
                      ? Must(ResidentInstance::Create(*game, *component_linker),
                             "ResidentInstance")
                      : Must(ResidentInstance::Create(*module, *linker),
                             "ResidentInstance");
  const uint64_t bytes = static_cast<uint64_t>(mib) << 20;
  auto grow =
      Must(resident->instance().GetFunc<int32_t(int32_t)>("grow"), "grow");
  Must(grow.Call(static_cast<int32_t>(bytes / kWasmPage - 1)), "grow call");
  const uint64_t pages = bytes / kOsPage;
  *dirty_pages = std::max<uint64_t>(1, pages * permille / 1000);
  auto dirty = Must(
      resident->instance().GetFunc<void(int32_t, int32_t, int32_t)>("dirty"),
      "dirty");
  MustOk(dirty.Call(static_cast<int32_t>(*dirty_pages),
                    static_cast<int32_t>(pages / *dirty_pages), 7),
         "dirty call");
  return resident;
}

void Snapshot(benchmark::State& state, bool of_component) {
  uint64_t dirty_pages = 0;
  auto resident =
      MakeResident(state.range(0), state.range(1), &dirty_pages, of_component);
  // The first snapshot's size: later ones also carry up to 63 earlier
  // lineage records (~150 bytes each).
  const size_t size = Must(resident->Snapshot(), "Snapshot").size();
  for (auto _ : state) {
    std::string snapshot = Must(resident->Snapshot(), "Snapshot");
    benchmark::DoNotOptimize(snapshot.data());
  }
  state.counters["bytes"] = static_cast<double>(size);
  state.counters["pages"] = static_cast<double>(dirty_pages);
}

void Restore(benchmark::State& state, bool of_component) {
  uint64_t dirty_pages = 0;
  auto resident =
      MakeResident(state.range(0), state.range(1), &dirty_pages, of_component);
  const std::string snapshot = Must(resident->Snapshot(), "Snapshot");
  resident.reset();
  for (auto _ : state) {
    auto restored =
        of_component
            ? Must(ResidentInstance::Restore(snapshot, *game, *component_linker,
                                             ResidentOptions()),
                   "Restore")
            : Must(ResidentInstance::Restore(snapshot, *module, *linker,
                                             ResidentOptions()),
                   "Restore");
    benchmark::DoNotOptimize(restored.get());
  }
  state.counters["bytes"] = static_cast<double>(snapshot.size());
  state.counters["pages"] = static_cast<double>(dirty_pages);
}

void BM_Snapshot(benchmark::State& state) { Snapshot(state, false); }
void BM_Restore(benchmark::State& state) { Restore(state, false); }
void BM_ComponentSnapshot(benchmark::State& state) { Snapshot(state, true); }
void BM_ComponentRestore(benchmark::State& state) { Restore(state, true); }

#define SIZES                           \
  ArgsProduct({{1, 16, 64}, {10, 100}}) \
      ->ArgNames({"MiB", "permille"})   \
      ->Unit(benchmark::kMicrosecond)
BENCHMARK(BM_Snapshot)->SIZES;
BENCHMARK(BM_Restore)->SIZES;
BENCHMARK(BM_ComponentSnapshot)->SIZES;
BENCHMARK(BM_ComponentRestore)->SIZES;
#undef SIZES

void BM_MemoryCopy(benchmark::State& state) {
  const size_t bytes = static_cast<size_t>(state.range(0)) << 20;
  std::vector<uint8_t> from(bytes, 1), to(bytes);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), bytes);
    benchmark::DoNotOptimize(to.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_MemoryCopy)
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->ArgName("MiB")
    ->Unit(benchmark::kMicrosecond);

void BM_Instantiate(benchmark::State& state) {
  for (auto _ : state) {
    Instance instance = Must(Instance::Create(*module, *linker), "Create");
    benchmark::DoNotOptimize(&instance);
  }
}
BENCHMARK(BM_Instantiate)->Unit(benchmark::kMicrosecond);

TickBudget Budget() {
  TickBudget budget;
  budget.fuel = kTickFuel;
  return budget;
}

void SchedulerRound(benchmark::State& state, bool of_component) {
  SchedulerOptions options;
  options.threads = static_cast<size_t>(state.range(1));
  options.period = absl::Nanoseconds(1);  // rounds back to back
  auto scheduler = Must(ResidentScheduler::Create(options), "Scheduler");
  for (int64_t i = 0; i < state.range(0); ++i) {
    Must(scheduler->Add(
             [of_component] {
               return of_component
                          ? ResidentInstance::Create(*game, *component_linker)
                          : ResidentInstance::Create(*module, *linker);
             },
             Budget()),
         "Add");
  }
  for (auto _ : state) MustOk(scheduler->Run(1), "Run");
  state.counters["per_tick"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
void BM_SchedulerRound(benchmark::State& state) {
  SchedulerRound(state, false);
}
void BM_ComponentSchedulerRound(benchmark::State& state) {
  SchedulerRound(state, true);
}

BENCHMARK(BM_SchedulerRound)
    ->ArgsProduct({{1, 64, 512}, {1, 2}})
    ->ArgNames({"residents", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ComponentSchedulerRound)
    ->ArgsProduct({{1, 64, 512}, {1, 2}})
    ->ArgNames({"residents", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_DirectTicks(benchmark::State& state) {
  std::vector<std::unique_ptr<ResidentInstance>> residents;
  for (int64_t i = 0; i < state.range(0); ++i) {
    residents.push_back(
        Must(ResidentInstance::Create(*module, *linker), "ResidentInstance"));
  }
  const TickBudget budget = Budget();
  for (auto _ : state) {
    for (auto& resident : residents) MustOk(resident->Tick(budget), "Tick");
  }
  state.counters["per_tick"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DirectTicks)
    ->Arg(1)
    ->Arg(64)
    ->Arg(512)
    ->ArgName("residents")
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  if (!InitBenchmark("resident_benchmark", argc, argv)) return 1;
  SetUp();
  RunBenchmarks(argc, argv, [](const RatioReporter& reporter) {
    PrintRatio(reporter, "64 MiB, 10% dirty: snapshot vs memcpy",
               "BM_Snapshot/MiB:64/permille:100", "BM_MemoryCopy/MiB:64", 0, 1,
               "snapshot", "memcpy");
    PrintRatio(reporter, "64 MiB, 10% dirty: restore vs instantiate",
               "BM_Restore/MiB:64/permille:100", "BM_Instantiate", 0, 1,
               "restore", "instantiate");
    PrintRatio(reporter, "64 MiB, 10% dirty: component vs module snapshot",
               "BM_ComponentSnapshot/MiB:64/permille:100",
               "BM_Snapshot/MiB:64/permille:100", 0, 1, "component", "module");
    PrintRatio(reporter, "64 MiB, 10% dirty: component vs module restore",
               "BM_ComponentRestore/MiB:64/permille:100",
               "BM_Restore/MiB:64/permille:100", 0, 1, "component", "module");
    PrintRatio(reporter, "512 component residents, 1 worker: per tick",
               "BM_ComponentSchedulerRound/residents:512/threads:1/real_time",
               "BM_DirectTicks/residents:512/real_time", 0, 512, "scheduler",
               "direct");
    PrintRatio(reporter, "512 residents, 1 worker: per tick",
               "BM_SchedulerRound/residents:512/threads:1/real_time",
               "BM_DirectTicks/residents:512/real_time", 0, 512, "scheduler",
               "direct");
    PrintRatio(reporter, "512 residents, 2 workers: per tick",
               "BM_SchedulerRound/residents:512/threads:2/real_time",
               "BM_DirectTicks/residents:512/real_time", 0, 512, "scheduler",
               "direct");
  });
  return 0;
}
