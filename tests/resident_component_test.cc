// ResidentInstance of a component (wasmhost/resident.h): typed and dynamic
// ticks under budgets, the determinism proof across processes (this binary
// re-executing itself restores the snapshot and ticks on), tampered and
// mismatched snapshots refused, a live host resource refused, and a
// scheduler ticking module and component residents together. A process of
// its own: fuel metering is an engine option.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "proto/wasmhost/v1/snapshot.pb.h"
#include "tests/child_process.h"
#include "tests/component_fixtures.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_val.h"
#include "wasmhost/engine.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/resident.h"
#include "wasmhost/scheduler.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::MeteredEngine;
using ::wasmhost::testing::StatusIs;

// The child-process mode: restore the snapshot in the file, tick, print.
constexpr char kChildFlag[] = "--component-child=";

constexpr int kTicks = 24;
constexpr int kSnapshotAt = 10;
constexpr uint64_t kTickFuel = 1'000'000;

const component::Component& Game() {
  static const component::Component* game = [] {
    absl::StatusOr<component::Component> made = component::Component::Compile(
        MeteredEngine(), testing::resident_wasm());
    if (!made.ok()) {
      std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
      std::abort();
    }
    return new component::Component(*std::move(made));
  }();
  return *game;
}

// The host's lamps: made by make-lamp, counted when dropped.
struct Lamps {
  uint32_t next = 1;
  int dropped = 0;
  component::Linker linker;
  Lamps() {
    component::LinkerInstance host = linker.Instance("demo:resident/host");
    if (!host.DefineResource("lamp",
                             [this](uint32_t) {
                               ++dropped;
                               return absl::OkStatus();
                             })
             .ok() ||
        !host.Define(
                 "make-lamp",
                 [this](component::Caller&, absl::Span<const component::Val>,
                        std::vector<component::Val>& results) {
                   results.push_back(component::Val::Own(next++));
                   return absl::OkStatus();
                 })
             .ok()) {
      std::abort();
    }
  }
};

Lamps& SharedLamps() {
  static Lamps* lamps = new Lamps();
  return *lamps;
}

// FNV-1a over the main core instance's memory: the same in every process.
uint64_t MemoryHash(ResidentInstance& resident) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t byte : resident.instance().memory().data()) {
    h = (h ^ byte) * 1099511628211ull;
  }
  return h;
}

absl::StatusOr<uint32_t> Spawn(ResidentInstance& resident) {
  absl::StatusOr<component::Func> spawn =
      resident.component_instance()->GetFunc("spawn");
  if (!spawn.ok()) return spawn.status();
  absl::StatusOr<std::vector<component::Val>> made = spawn->Call({});
  if (!made.ok()) return made.status();
  return made->at(0).u32();
}

// Tick i: step(1 + i % 3), its result printed; a token spawned at ticks 3
// and 7. What it printed goes to `out`.
absl::Status TickGame(ResidentInstance& resident, int from, int to,
                      std::string& out) {
  TickBudget budget;
  budget.fuel = kTickFuel;
  for (int i = from; i < to; ++i) {
    const component::Val args[] = {component::Val::U32(1 + i % 3)};
    absl::StatusOr<std::vector<component::Val>> results =
        resident.TickWith(budget, args);
    if (!results.ok()) return results.status();
    absl::StrAppend(&out, results->at(0).u64(), ";");
    if (i == 3 || i == 7) {
      absl::StatusOr<uint32_t> token = Spawn(resident);
      if (!token.ok()) return token.status();
      absl::StrAppend(&out, "token ", *token, ";");
    }
  }
  return absl::OkStatus();
}

// What a run leaves, on one line: what it printed, the handle the next
// spawn gets (the handle table carried), the memory's hash and size, the
// fuel used and the ticks.
absl::StatusOr<std::string> Outcome(ResidentInstance& resident,
                                    const std::string& out) {
  absl::StatusOr<uint32_t> next = Spawn(resident);
  if (!next.ok()) return next.status();
  return absl::StrCat(out, " next ", *next, " ", MemoryHash(resident), " ",
                      resident.instance().memory().size(), " ",
                      resident.fuel_used(), " ", resident.ticks());
}

// The game ticks step, dynamically (TickWith).
ResidentOptions GameOptions() {
  ResidentOptions options;
  options.tick_export = "step";
  options.limits.max_memory_bytes = 16 << 20;
  options.fuel_account = 1'000'000'000;
  options.host_id = "parent";
  return options;
}

absl::StatusOr<std::unique_ptr<ResidentInstance>> NewGame() {
  return ResidentInstance::Create(Game(), SharedLamps().linker, GameOptions());
}

int RunChild(const std::string& path, int ticks) {
  const std::string snapshot = testing::ReadFile(path);
  absl::StatusOr<ResidentOptions> options =
      ResidentInstance::OptionsOf(snapshot);
  if (!options.ok()) return 1;
  options->host_id = "child";
  absl::StatusOr<std::unique_ptr<ResidentInstance>> resident =
      ResidentInstance::Restore(snapshot, Game(), SharedLamps().linker,
                                *options);
  if (!resident.ok()) {
    std::fprintf(stderr, "%s\n", resident.status().ToString().c_str());
    return 1;
  }
  std::string out;
  absl::Status status = TickGame(**resident, kTicks - ticks, kTicks, out);
  absl::StatusOr<std::string> outcome = Outcome(**resident, out);
  if (!status.ok() || !outcome.ok()) return 1;
  std::printf("%s\n", outcome->c_str());
  return 0;
}

// The game ticking tick(), typed.
absl::StatusOr<std::unique_ptr<ResidentInstance>> NewTypedGame() {
  ResidentOptions options = GameOptions();
  options.tick_export = "tick";
  return ResidentInstance::Create(Game(), SharedLamps().linker, options);
}

TEST(ResidentComponentTest, TicksTypedAndDynamic) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       NewTypedGame());
  ASSERT_NE(resident->component_instance(), nullptr);
  ASSERT_OK(resident->Tick());
  EXPECT_EQ(resident->ticks(), 1u);
  // The data segment is there, the sum at 0 is not zero.
  EXPECT_EQ(resident->instance().memory().data()[16], 'r');

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> stepper, NewGame());
  EXPECT_THAT(stepper->Tick(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("TickWith")));
  EXPECT_THAT(stepper->TickWith({}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(stepper->stopped());
  const component::Val args[] = {component::Val::U32(2)};
  ASSERT_OK_AND_ASSIGN(std::vector<component::Val> results,
                       stepper->TickWith({}, args));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_NE(results[0].u64(), 0u);
  EXPECT_EQ(stepper->ticks(), 1u);
}

TEST(ResidentComponentTest, MissingTickExportAndModuleTickWith) {
  ResidentOptions options = GameOptions();
  options.tick_export = "nope";
  EXPECT_THAT(ResidentInstance::Create(Game(), SharedLamps().linker, options),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  options.tick_export = "tick";
  options.tick_interface = "demo:resident/none";
  EXPECT_THAT(
      ResidentInstance::Create(Game(), SharedLamps().linker, options),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("demo:resident/none")));

  ASSERT_OK_AND_ASSIGN(Module counter, MeteredEngine().Compile(
                                           fixtures::resident_counter_wasm()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> module_resident,
                       ResidentInstance::Create(counter, Linker()));
  EXPECT_EQ(module_resident->component_instance(), nullptr);
  EXPECT_THAT(module_resident->TickWith({}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a module's resident")));
}

TEST(ResidentComponentTest, FuelBudgetStopsASpinningTick) {
  ResidentOptions options = GameOptions();
  options.tick_export = "spin";
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> resident,
      ResidentInstance::Create(Game(), SharedLamps().linker, options));
  TickBudget budget;
  budget.fuel = 50'000;
  EXPECT_THAT(resident->Tick(budget),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(resident->stopped());
  EXPECT_EQ(resident->fuel_used(), 50'000u);
  EXPECT_EQ(resident->fuel_left(), 1'000'000'000u - 50'000u);
}

TEST(ResidentComponentTest, RestoredInAChildProcessContinuesByteIdentically) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> whole, NewGame());
  std::string whole_out;
  ASSERT_OK(TickGame(*whole, 0, kTicks, whole_out));
  ASSERT_OK_AND_ASSIGN(const std::string uninterrupted,
                       Outcome(*whole, whole_out));
  // Memory grew every 8th tick, and the tokens were handles 1 and 2.
  ASSERT_THAT(uninterrupted, HasSubstr("token 1;"));
  ASSERT_THAT(uninterrupted, HasSubstr("token 2;"));
  ASSERT_THAT(uninterrupted, HasSubstr(" next 3 "));
  ASSERT_GT(whole->instance().memory().size(), 65536u);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> first, NewGame());
  std::string first_out;
  ASSERT_OK(TickGame(*first, 0, kSnapshotAt, first_out));
  ASSERT_OK_AND_ASSIGN(std::string snapshot, first->Snapshot());
  const std::string path = testing::MakeTempDir() + "/game.snapshot";
  testing::WriteFile(path, snapshot);

  const testing::ChildResult child = testing::RunThisBinary(
      absl::StrCat(kChildFlag, path, " ", kTicks - kSnapshotAt));
  ASSERT_EQ(child.status, 0) << child.out;
  EXPECT_EQ(first_out + child.out, uninterrupted + "\n");
}

TEST(ResidentComponentTest, SnapshotCarriesEveryCoreInstanceAndTheHandles) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident, NewGame());
  std::string out;
  ASSERT_OK(TickGame(*resident, 0, kSnapshotAt, out));
  ASSERT_OK_AND_ASSIGN(std::string bytes, resident->Snapshot());
  v1::Snapshot snapshot;
  ASSERT_TRUE(snapshot.ParseFromString(bytes));
  const v1::ResidentState& state = snapshot.state();
  ASSERT_EQ(state.instances_size(), 2);
  EXPECT_EQ(state.instances(0).name(), "0");
  EXPECT_EQ(state.instances(0).memories_size(), 1);
  EXPECT_EQ(state.instances(0).globals_size(), 2);
  // The second imports the first's memory: only its global.
  EXPECT_EQ(state.instances(1).memories_size(), 0);
  EXPECT_EQ(state.instances(1).globals_size(), 1);
  EXPECT_EQ(state.component_sha256().size(), 32u);
  ASSERT_EQ(state.handle_tables_size(), 1);
  ASSERT_EQ(state.handle_tables(0).handles_size(), 2);
  EXPECT_EQ(state.handle_tables(0).handles(1).index(), 2u);
  EXPECT_EQ(state.handle_tables(0).handles(1).rep(), 200u);
  ASSERT_EQ(state.grants().interfaces_size(), 1);
  EXPECT_EQ(state.grants().interfaces(0).name(), "demo:resident/host");
  EXPECT_EQ(state.grants().interfaces(0).funcs(0), "make-lamp");
  EXPECT_EQ(state.grants().interfaces(0).resources(0), "lamp");
  EXPECT_EQ(state.grants().imports_size(), 0);
}

TEST(ResidentComponentTest, LiveHostResourceIsRefusedUntilDropped) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident, NewGame());
  ASSERT_OK_AND_ASSIGN(component::Func keep,
                       resident->component_instance()->GetFunc("keep-lamp"));
  ASSERT_OK(keep.Call({}).status());
  EXPECT_THAT(resident->Snapshot(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("host resource lamp of interface "
                                 "demo:resident/host")));
  const int dropped = SharedLamps().dropped;
  ASSERT_OK_AND_ASSIGN(component::Func drop,
                       resident->component_instance()->GetFunc("drop-lamp"));
  ASSERT_OK(drop.Call({}).status());
  EXPECT_EQ(SharedLamps().dropped, dropped + 1);
  EXPECT_OK(resident->Snapshot().status());
}

// A snapshot of the game after a few ticks and a token, and its options.
std::string GameSnapshot() {
  absl::StatusOr<std::unique_ptr<ResidentInstance>> resident = NewGame();
  std::string out;
  if (!resident.ok() || !TickGame(**resident, 0, 5, out).ok()) std::abort();
  absl::StatusOr<std::string> snapshot = (*resident)->Snapshot();
  if (!snapshot.ok()) std::abort();
  return *snapshot;
}

absl::StatusOr<std::unique_ptr<ResidentInstance>> RestoreGame(
    const v1::Snapshot& snapshot) {
  return ResidentInstance::Restore(snapshot.SerializeAsString(), Game(),
                                   SharedLamps().linker, GameOptions());
}

v1::Snapshot Parsed() {
  v1::Snapshot snapshot;
  if (!snapshot.ParseFromString(GameSnapshot())) std::abort();
  return snapshot;
}

TEST(ResidentComponentTamperTest, UntamperedRestores) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> restored,
                       RestoreGame(Parsed()));
  EXPECT_EQ(restored->ticks(), 5u);
  EXPECT_THAT(Spawn(*restored), ::wasmhost::testing::IsOkAndHolds(2u));
}

TEST(ResidentComponentTamperTest, MemoryByteIsRefused) {
  v1::Snapshot snapshot = Parsed();
  snapshot.mutable_state()
      ->mutable_instances(0)
      ->mutable_memories(0)
      ->mutable_runs(0)
      ->mutable_encoded()
      ->back() ^= 1;
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("SHA-256")));
}

TEST(ResidentComponentTamperTest, HandleIsRefused) {
  v1::Snapshot snapshot = Parsed();
  snapshot.mutable_state()
      ->mutable_handle_tables(0)
      ->mutable_handles(0)
      ->set_rep(12345);
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("SHA-256")));
}

TEST(ResidentComponentTamperTest, GrantIsRefused) {
  v1::Snapshot snapshot = Parsed();
  snapshot.mutable_state()->mutable_grants()->mutable_interfaces(0)->add_funcs(
      "open-door");
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("SHA-256")));
}

TEST(ResidentComponentTamperTest, ChainIsRefused) {
  v1::Snapshot snapshot = Parsed();
  snapshot.mutable_lineage(0)->set_host_id("elsewhere");
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("chain")));
}

TEST(ResidentComponentTamperTest, ComponentAndCoreHashesAreChecked) {
  v1::Snapshot snapshot = Parsed();
  snapshot.mutable_state()->mutable_component_sha256()->back() ^= 1;
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not of this component")));
  snapshot = Parsed();
  snapshot.mutable_state()
      ->mutable_instances(1)
      ->mutable_module_sha256()
      ->back() ^= 1;
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("core instance 1 of the component")));
  snapshot = Parsed();
  snapshot.mutable_state()->mutable_instances()->RemoveLast();
  EXPECT_THAT(RestoreGame(snapshot),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the component has 2")));
}

TEST(ResidentComponentTamperTest, ModuleAndComponentSnapshotsDoNotMix) {
  ASSERT_OK_AND_ASSIGN(Module counter, MeteredEngine().Compile(
                                           fixtures::resident_counter_wasm()));
  const std::string game = GameSnapshot();
  EXPECT_THAT(ResidentInstance::Restore(game, counter, Linker(), {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a component's resident")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> module_resident,
                       ResidentInstance::Create(counter, Linker()));
  ASSERT_OK_AND_ASSIGN(std::string module_snapshot,
                       module_resident->Snapshot());
  EXPECT_THAT(ResidentInstance::Restore(module_snapshot, Game(),
                                        SharedLamps().linker, GameOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a module's resident")));
}

TEST(ResidentComponentGrantsTest, WiderLimitIsRefusedUnlessAllowed) {
  const std::string snapshot = GameSnapshot();
  ResidentOptions options = GameOptions();
  options.limits.max_memory_bytes = 0;
  EXPECT_THAT(ResidentInstance::Restore(snapshot, Game(), SharedLamps().linker,
                                        options),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("max_memory_bytes")));
  RestoreOptions allow;
  allow.allow_widening = true;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> restored,
      ResidentInstance::Restore(snapshot, Game(), SharedLamps().linker, options,
                                allow));
  EXPECT_THAT(restored->pending_widenings(),
              ::testing::ElementsAre("max_memory_bytes"));
}

TEST(ResidentComponentWasiTest, StdioStreamsAreCarried) {
  component::Linker linker;
  ASSERT_OK(wasi::AddToComponentLinker(linker));
  ASSERT_OK_AND_ASSIGN(component::Component reactor,
                       component::Component::Compile(
                           MeteredEngine(), guests::wasi_reactor_wasm()));
  ResidentOptions options;
  options.tick_export = "shout";
  wasi::WasiOptions& wasi = options.wasi.emplace();
  wasi.env = {{"GREETING", "hello"}};
  wasi.virtual_clock = wasi::WasiOptions::VirtualClock{1'000'000'000, 500};
  wasi.random_seed = 7;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(reactor, linker, options));
  const component::Val first[] = {component::Val::String("one")};
  ASSERT_OK(resident->TickWith({}, first).status());
  ASSERT_OK_AND_ASSIGN(std::string snapshot, resident->Snapshot());
  const component::Val second[] = {component::Val::String("two")};
  ASSERT_OK(resident->TickWith({}, second).status());
  const std::string uninterrupted = resident->TakeStdout();
  EXPECT_EQ(uninterrupted, "one! hello\ntwo! hello\n");

  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> restored,
      ResidentInstance::Restore(snapshot, reactor, linker, options));
  ASSERT_OK(restored->TickWith({}, second).status());
  EXPECT_EQ(restored->TakeStdout(), uninterrupted);
  EXPECT_EQ(MemoryHash(*restored), MemoryHash(*resident));

  // Without WASI (narrower, so allowed) the streams have nowhere to go.
  ResidentOptions without = options;
  without.wasi.reset();
  EXPECT_THAT(ResidentInstance::Restore(snapshot, reactor, linker, without),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("has no WASI")));
}

TEST(ResidentComponentSchedulerTest, ModuleAndComponentResidentsTickTogether) {
  ASSERT_OK_AND_ASSIGN(Module counter, MeteredEngine().Compile(
                                           fixtures::resident_counter_wasm()));
  SchedulerOptions options;
  options.threads = 2;
  options.period = absl::Milliseconds(5);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentScheduler> scheduler,
                       ResidentScheduler::Create(options));
  TickBudget budget;
  budget.fuel = kTickFuel;
  std::vector<uint64_t> modules;
  std::vector<uint64_t> components;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(
        uint64_t id,
        scheduler->Add(
            [&] { return ResidentInstance::Create(counter, Linker()); },
            budget));
    modules.push_back(id);
    ASSERT_OK_AND_ASSIGN(id, scheduler->Add(NewTypedGame, budget));
    components.push_back(id);
  }
  ResidentOptions spin = GameOptions();
  spin.tick_export = "spin";
  ASSERT_OK_AND_ASSIGN(const uint64_t spinner,
                       scheduler->Add(
                           [&] {
                             return ResidentInstance::Create(
                                 Game(), SharedLamps().linker, spin);
                           },
                           budget));
  ASSERT_OK(scheduler->Run(10));

  const SchedulerStats stats = scheduler->stats();
  EXPECT_EQ(stats.rounds, 10u);
  ASSERT_EQ(stats.overruns.size(), 1u);
  EXPECT_EQ(stats.overruns[0].resident, spinner);
  EXPECT_EQ(stats.overruns[0].round, 0u);
  EXPECT_EQ(stats.overruns[0].status.code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(stats.running, 6u);
  for (uint64_t id : modules) {
    EXPECT_OK(scheduler->WithResident(id, [](ResidentInstance& r) {
      return r.ticks() == 10 && r.component_instance() == nullptr
                 ? absl::OkStatus()
                 : absl::InternalError(absl::StrCat("ticks ", r.ticks()));
    }));
  }
  for (uint64_t id : components) {
    EXPECT_OK(scheduler->WithResident(id, [](ResidentInstance& r) {
      if (r.ticks() != 10 || r.component_instance() == nullptr) {
        return absl::InternalError(absl::StrCat("ticks ", r.ticks()));
      }
      // Snapshotted on its worker, between ticks.
      return r.Snapshot().status();
    }));
  }
}

}  // namespace
}  // namespace wasmhost

int main(int argc, char** argv) {
  if (argc == 3 && absl::StartsWith(argv[1], wasmhost::kChildFlag)) {
    int ticks = 0;
    if (!absl::SimpleAtoi(argv[2], &ticks)) return 2;
    return wasmhost::RunChild(argv[1] + sizeof(wasmhost::kChildFlag) - 1,
                              ticks);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
