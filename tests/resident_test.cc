// ResidentInstance (wasmhost/resident.h): ticks under fuel and time
// budgets, a fuel account, snapshots restored in this process and, for the
// determinism proof, in a child process (this binary re-executing itself),
// and the refusals of tampered snapshots and widened grants. A process of
// its own: fuel metering is an engine option.

#include "wasmhost/resident.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/guests.h"
#include "proto/wasmhost/v1/snapshot.pb.h"
#include "tests/child_process.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/wasi.h"

namespace wasmhost {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::wasmhost::testing::MeteredEngine;
using ::wasmhost::testing::StatusIs;

// The child-process mode: restore the snapshot in the file, tick, print.
constexpr char kChildFlag[] = "--resident-child=";

constexpr int kTicks = 24;
constexpr int kSnapshotAt = 10;
constexpr uint64_t kTickFuel = 10'000'000;

Module Compile(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Module> module = MeteredEngine().Compile(bytes);
  if (!module.ok()) {
    std::fprintf(stderr, "compile: %s\n", module.status().ToString().c_str());
    std::abort();
  }
  return *std::move(module);
}

const Module& Counter() {
  static const Module* module =
      new Module(Compile(fixtures::resident_counter_wasm()));
  return *module;
}

// A counter resident ticking `tick_export`.
absl::StatusOr<std::unique_ptr<ResidentInstance>> NewCounter(
    std::string tick_export) {
  ResidentOptions options;
  options.tick_export = std::move(tick_export);
  return ResidentInstance::Create(Counter(), Linker(), options);
}

const Module& World() {
  static const Module* module =
      new Module(Compile(guests::resident_world_wasm()));
  return *module;
}

const Linker& WasiLinker() {
  static const Linker* linker = [] {
    auto* made = new Linker();
    if (!wasi::AddToLinker(*made).ok()) std::abort();
    return made;
  }();
  return *linker;
}

// FNV-1a over memory: the same in every process.
uint64_t MemoryHash(Instance& instance) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t byte : instance.memory().data()) {
    h = (h ^ byte) * 1099511628211ull;
  }
  return h;
}

ResidentOptions WorldOptions() {
  ResidentOptions options;
  options.limits.max_memory_bytes = 64 << 20;
  wasi::WasiOptions& wasi = options.wasi.emplace();
  wasi.args = {"world"};
  wasi.env = {{"MODE", "test"}};
  wasi.virtual_clock = wasi::WasiOptions::VirtualClock{1'000'000'000, 500};
  wasi.random_seed = 42;
  options.host_id = "parent";
  return options;
}

// What a run of the world leaves: everything it printed, its memory's hash
// and the fuel it used. One line, as the child prints it.
struct Outcome {
  std::string out;
  uint64_t memory_hash = 0;
  uint64_t fuel_used = 0;
  uint64_t ticks = 0;

  std::string Serialize() const {
    return absl::StrCat(absl::BytesToHexString(out), " ", memory_hash, " ",
                        fuel_used, " ", ticks);
  }
};

absl::Status TickWorld(ResidentInstance& resident, int count) {
  TickBudget budget;
  budget.fuel = kTickFuel;
  for (int i = 0; i < count; ++i) {
    if (absl::Status status = resident.Tick(budget); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

Outcome OutcomeOf(ResidentInstance& resident) {
  Outcome outcome;
  outcome.out = resident.TakeStdout();
  outcome.memory_hash = MemoryHash(resident.instance());
  outcome.fuel_used = resident.fuel_used();
  outcome.ticks = resident.ticks();
  return outcome;
}

absl::StatusOr<std::unique_ptr<ResidentInstance>> NewWorld() {
  absl::StatusOr<std::unique_ptr<ResidentInstance>> resident =
      ResidentInstance::Create(World(), WasiLinker(), WorldOptions());
  if (resident.ok()) {
    // 16 ticks of input: some of it is still pending at the snapshot.
    (*resident)->FeedStdin(
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!?");
  }
  return resident;
}

// The child: restores the snapshot in `path` with the options it carries,
// runs `ticks` more and prints its Outcome.
int RunChild(const std::string& path, int ticks) {
  const std::string snapshot = testing::ReadFile(path);
  absl::StatusOr<ResidentOptions> options =
      ResidentInstance::OptionsOf(snapshot);
  if (!options.ok()) {
    std::fprintf(stderr, "%s\n", options.status().ToString().c_str());
    return 1;
  }
  options->host_id = "child";
  absl::StatusOr<std::unique_ptr<ResidentInstance>> resident =
      ResidentInstance::Restore(snapshot, World(), WasiLinker(), *options);
  if (!resident.ok()) {
    std::fprintf(stderr, "%s\n", resident.status().ToString().c_str());
    return 1;
  }
  if (absl::Status status = TickWorld(**resident, ticks); !status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("%s\n", OutcomeOf(**resident).Serialize().c_str());
  return 0;
}

TEST(ResidentTest, TicksRunTheExportAndCount) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker()));
  for (int i = 0; i < 3; ++i) ASSERT_OK(resident->Tick());
  EXPECT_EQ(resident->ticks(), 3u);
  EXPECT_FALSE(resident->stopped());
  ASSERT_OK_AND_ASSIGN(auto count,
                       resident->instance().GetFunc<int32_t()>("count"));
  EXPECT_THAT(count.Call(), ::wasmhost::testing::IsOkAndHolds(3));
  EXPECT_EQ(resident->instance().memory().data()[12], 3);
}

TEST(ResidentTest, TickExportMustExistAndTakeNothing) {
  EXPECT_THAT(NewCounter("nope"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(NewCounter("not_a_tick"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("i32")));
}

TEST(ResidentTest, FuelBudgetStopsALoopingTickForGood) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       NewCounter("spin"));
  TickBudget budget;
  budget.fuel = 100'000;
  EXPECT_THAT(
      resident->Tick(budget),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("out of fuel")));
  EXPECT_TRUE(resident->stopped());
  EXPECT_EQ(resident->stop_reason().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(resident->fuel_used(), 100'000u);
  EXPECT_EQ(resident->ticks(), 0u);
  EXPECT_THAT(resident->Tick(budget),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the resident was stopped")));
  EXPECT_THAT(resident->Snapshot(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the resident was stopped")));
}

TEST(ResidentTest, TimeBudgetStopsALoopingTick) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       NewCounter("spin"));
  TickBudget budget;
  budget.timeout = absl::Milliseconds(20);
  const absl::Time start = absl::Now();
  EXPECT_THAT(resident->Tick(budget),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(resident->stopped());
}

TEST(ResidentTest, FuelAccountBoundsAllTicks) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> probe,
                       ResidentInstance::Create(Counter(), Linker()));
  TickBudget budget;
  budget.fuel = 1'000'000;
  ASSERT_OK(probe->Tick(budget));
  const uint64_t per_tick = probe->fuel_used();
  ASSERT_GT(per_tick, 0u);

  ResidentOptions options;
  options.fuel_account = per_tick * 2 + per_tick / 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker(), options));
  ASSERT_OK(resident->Tick(budget));
  EXPECT_EQ(resident->fuel_left(), per_tick + per_tick / 2);
  ASSERT_OK(resident->Tick(budget));
  EXPECT_THAT(resident->Tick(budget),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(resident->fuel_left(), 0u);
  EXPECT_EQ(resident->ticks(), 2u);
}

TEST(ResidentTest, EmptyFuelAccountStopsBeforeRunning) {
  ResidentOptions options;
  options.fuel_account = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker(), options));
  EXPECT_THAT(resident->Tick(), StatusIs(absl::StatusCode::kResourceExhausted,
                                         HasSubstr("fuel account is empty")));
  EXPECT_TRUE(resident->stopped());
}

TEST(ResidentTest, RestoreContinuesGlobalsMemoryAndLineage) {
  ResidentOptions options;
  options.host_id = "a";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker(), options));
  for (int i = 0; i < 5; ++i) ASSERT_OK(resident->Tick());
  ASSERT_OK_AND_ASSIGN(auto grow,
                       resident->instance().GetFunc<int32_t()>("grow"));
  ASSERT_THAT(grow.Call(), ::wasmhost::testing::IsOkAndHolds(1));
  resident->instance().memory().data()[70000] = 0x5a;
  ASSERT_OK_AND_ASSIGN(std::string snapshot, resident->Snapshot());
  ASSERT_EQ(resident->lineage_ids().size(), 1u);

  options.host_id = "b";
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> restored,
      ResidentInstance::Restore(snapshot, Counter(), Linker(), options));
  EXPECT_EQ(restored->ticks(), 5u);
  EXPECT_EQ(restored->lineage_ids(), resident->lineage_ids());
  ASSERT_EQ(restored->instance().memory().size(), 2u * 65536);
  EXPECT_EQ(restored->instance().memory().data()[70000], 0x5a);
  EXPECT_EQ(MemoryHash(restored->instance()), MemoryHash(resident->instance()));
  ASSERT_OK_AND_ASSIGN(auto half,
                       restored->instance().GetFunc<double()>("half"));
  EXPECT_THAT(half.Call(), ::wasmhost::testing::IsOkAndHolds(2.5));
  ASSERT_OK(restored->Tick());
  ASSERT_OK_AND_ASSIGN(auto count,
                       restored->instance().GetFunc<int32_t()>("count"));
  EXPECT_THAT(count.Call(), ::wasmhost::testing::IsOkAndHolds(6));

  ASSERT_OK_AND_ASSIGN(std::string second, restored->Snapshot());
  v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(second));
  ASSERT_EQ(parsed.lineage_size(), 2);
  EXPECT_EQ(parsed.lineage(1).parent_id(), parsed.lineage(0).snapshot_id());
  EXPECT_EQ(parsed.lineage(0).host_id(), "a");
  EXPECT_EQ(parsed.lineage(1).host_id(), "b");
  EXPECT_EQ(parsed.lineage(1).chain_sha256().size(), 32u);
  EXPECT_EQ(parsed.state().ticks(), 6u);
}

TEST(ResidentTest, LineageKeepsTheNewestRecordsChainedToTheDroppedOnes) {
  ResidentOptions options;
  options.max_lineage_records = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker(), options));
  std::vector<std::string> ids;
  std::string snapshot;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(resident->Tick());
    ASSERT_OK_AND_ASSIGN(snapshot, resident->Snapshot());
    ids.push_back(resident->lineage_ids().back());
  }
  EXPECT_THAT(resident->lineage_ids(), ElementsAre(ids[2], ids[3]));
  v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(snapshot));
  ASSERT_EQ(parsed.lineage_size(), 2);
  EXPECT_EQ(parsed.lineage(0).parent_id(), ids[1]);
  EXPECT_EQ(parsed.lineage_base_sha256().size(), 32u);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> restored,
      ResidentInstance::Restore(snapshot, Counter(), Linker(), options));
  EXPECT_EQ(restored->ticks(), 4u);

  parsed.mutable_lineage_base_sha256()->back() ^= 1;
  EXPECT_THAT(ResidentInstance::Restore(parsed.SerializeAsString(), Counter(),
                                        Linker(), options),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("lineage chain is broken at record 0")));
}

TEST(ResidentTest, SnapshotKeepsOnlyNonZeroPages) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker()));
  ASSERT_OK(resident->Tick());
  ASSERT_OK_AND_ASSIGN(std::string snapshot, resident->Snapshot());
  v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(snapshot));
  const v1::LinearMemory& memory = parsed.state().instances(0).memories(0);
  EXPECT_EQ(memory.byte_length(), 65536u);
  ASSERT_EQ(memory.runs_size(), 1);
  EXPECT_EQ(memory.runs(0).page_count(), 1u);
  // One non-zero byte in a 4 KiB page.
  EXPECT_LT(memory.runs(0).encoded().size(), 16u);
  EXPECT_LT(snapshot.size(), 512u);
}

// The determinism proof: ticks 0..k here, a snapshot, the rest in another
// process, against one uninterrupted run: the same output (stdout pending
// at the snapshot travels with it), memory and fuel.
TEST(ResidentTest, RestoredInAChildProcessContinuesByteIdentically) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> whole, NewWorld());
  ASSERT_OK(TickWorld(*whole, kTicks));
  const Outcome uninterrupted = OutcomeOf(*whole);
  ASSERT_THAT(uninterrupted.out, HasSubstr("tick 23 "));
  ASSERT_THAT(uninterrupted.out, HasSubstr("in 'abcd'"));
  ASSERT_THAT(uninterrupted.out, HasSubstr("tick 15 cells"));
  ASSERT_THAT(uninterrupted.out, HasSubstr("in 'YZ!?'"));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> first, NewWorld());
  ASSERT_OK(TickWorld(*first, kSnapshotAt));
  ASSERT_OK_AND_ASSIGN(std::string snapshot, first->Snapshot());
  const std::string path = testing::MakeTempDir() + "/world.snapshot";
  testing::WriteFile(path, snapshot);

  const testing::ChildResult child = testing::RunThisBinary(
      absl::StrCat(kChildFlag, path, " ", kTicks - kSnapshotAt));
  ASSERT_EQ(child.status, 0) << child.out;
  EXPECT_EQ(child.out, uninterrupted.Serialize() + "\n");
}

TEST(ResidentTest, RestoreInThisProcessMatchesTooAndSnapshotsAgain) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> whole, NewWorld());
  ASSERT_OK(TickWorld(*whole, kTicks));
  const Outcome uninterrupted = OutcomeOf(*whole);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> first, NewWorld());
  ASSERT_OK(TickWorld(*first, kSnapshotAt));
  ASSERT_OK_AND_ASSIGN(std::string snapshot, first->Snapshot());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> second,
                       ResidentInstance::Restore(snapshot, World(),
                                                 WasiLinker(), WorldOptions()));
  ASSERT_OK(TickWorld(*second, 4));
  // A snapshot of a restored resident restores as well.
  ASSERT_OK_AND_ASSIGN(std::string again, second->Snapshot());
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> third,
      ResidentInstance::Restore(again, World(), WasiLinker(), WorldOptions()));
  ASSERT_OK(TickWorld(*third, kTicks - kSnapshotAt - 4));
  EXPECT_EQ(OutcomeOf(*third).Serialize(), uninterrupted.Serialize());
  EXPECT_EQ(third->lineage_ids().size(), 2u);
}

// A snapshot of the world after a few ticks, and its parsed form.
v1::Snapshot WorldSnapshot(std::string* bytes) {
  absl::StatusOr<std::unique_ptr<ResidentInstance>> resident = NewWorld();
  EXPECT_TRUE(resident.ok());
  EXPECT_TRUE(TickWorld(**resident, 3).ok());
  absl::StatusOr<std::string> snapshot = (*resident)->Snapshot();
  EXPECT_TRUE(snapshot.ok());
  *bytes = *snapshot;
  v1::Snapshot parsed;
  EXPECT_TRUE(parsed.ParseFromString(*bytes));
  return parsed;
}

absl::Status RestoreWorld(const v1::Snapshot& snapshot,
                          ResidentOptions options = WorldOptions(),
                          RestoreOptions restore = {}) {
  return ResidentInstance::Restore(snapshot.SerializeAsString(), World(),
                                   WasiLinker(), std::move(options), restore)
      .status();
}

TEST(ResidentTamperTest, UntamperedRestores) {
  std::string bytes;
  v1::Snapshot snapshot = WorldSnapshot(&bytes);
  EXPECT_OK(RestoreWorld(snapshot));
}

TEST(ResidentTamperTest, MemoryByteIsRefused) {
  std::string bytes;
  v1::Snapshot snapshot = WorldSnapshot(&bytes);
  std::string* encoded = snapshot.mutable_state()
                             ->mutable_instances(0)
                             ->mutable_memories(0)
                             ->mutable_runs(0)
                             ->mutable_encoded();
  (*encoded)[encoded->size() / 2] ^= 1;
  EXPECT_THAT(RestoreWorld(snapshot),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("state does not match the SHA-256")));
}

TEST(ResidentTamperTest, GrantIsRefused) {
  std::string bytes;
  v1::Snapshot snapshot = WorldSnapshot(&bytes);
  v1::PreopenGrant* preopen =
      snapshot.mutable_state()->mutable_grants()->add_preopens();
  preopen->set_host_path("/");
  preopen->set_guest_path("/");
  EXPECT_THAT(
      RestoreWorld(snapshot),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("state does not match")));
}

TEST(ResidentTamperTest, ChainIsRefused) {
  std::string bytes;
  v1::Snapshot snapshot = WorldSnapshot(&bytes);
  snapshot.mutable_lineage(0)->set_host_id("somewhere else");
  EXPECT_THAT(RestoreWorld(snapshot),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("lineage chain is broken at record 0")));
  v1::Snapshot no_lineage;
  ASSERT_TRUE(no_lineage.ParseFromString(bytes));
  no_lineage.clear_lineage();
  EXPECT_THAT(
      RestoreWorld(no_lineage),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no lineage record")));
}

TEST(ResidentTamperTest, ModuleHashIsChecked) {
  std::string bytes;
  WorldSnapshot(&bytes);
  ResidentOptions options = WorldOptions();
  EXPECT_THAT(
      ResidentInstance::Restore(bytes, Counter(), WasiLinker(), options),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("not of this module, sha256:")));
}

TEST(ResidentTamperTest, NotASnapshotOrAnotherVersion) {
  EXPECT_THAT(ResidentInstance::Restore("\xff\xff garbage", World(),
                                        WasiLinker(), WorldOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a wasmhost.v1.Snapshot")));
  std::string bytes;
  v1::Snapshot snapshot = WorldSnapshot(&bytes);
  snapshot.set_format_version(2);
  EXPECT_THAT(RestoreWorld(snapshot),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("format version 2")));
}

TEST(ResidentGrantsTest, WiderGrantsAreRefusedUnlessAllowedAndThenRecorded) {
  std::string bytes;
  WorldSnapshot(&bytes);
  ResidentOptions wider = WorldOptions();
  wider.wasi->env.emplace_back("SECRET", "1");
  wider.limits.max_memory_bytes = 0;
  EXPECT_THAT(ResidentInstance::Restore(bytes, World(), WasiLinker(), wider),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("env SECRET, max_memory_bytes")));

  RestoreOptions allow;
  allow.allow_widening = true;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> resident,
      ResidentInstance::Restore(bytes, World(), WasiLinker(), wider, allow));
  EXPECT_THAT(resident->pending_widenings(),
              ElementsAre("env SECRET", "max_memory_bytes"));
  ASSERT_OK_AND_ASSIGN(std::string next, resident->Snapshot());
  EXPECT_TRUE(resident->pending_widenings().empty());
  v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(next));
  ASSERT_EQ(parsed.lineage_size(), 2);
  EXPECT_THAT(parsed.lineage(1).widened(),
              ElementsAre("env SECRET", "max_memory_bytes"));
  EXPECT_TRUE(parsed.lineage(0).widened().empty());
}

TEST(ResidentGrantsTest, FuelAccountCarriesAndGrowsOnlyWhenAllowed) {
  ResidentOptions options;
  options.fuel_account = 1'000'000;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker(), options));
  ASSERT_OK(resident->Tick());
  ASSERT_OK(resident->Tick());
  const uint64_t left = *resident->fuel_left();
  ASSERT_LT(left, 1'000'000u);
  ASSERT_OK_AND_ASSIGN(std::string bytes, resident->Snapshot());

  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> same,
      ResidentInstance::Restore(bytes, Counter(), Linker(), options));
  EXPECT_EQ(same->fuel_left(), left);
  EXPECT_EQ(same->fuel_used(), resident->fuel_used());

  ResidentOptions bigger = options;
  bigger.fuel_account = 2'000'000;
  EXPECT_THAT(
      ResidentInstance::Restore(bytes, Counter(), Linker(), bigger),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("fuel_account")));
  ResidentOptions unbounded = options;
  unbounded.fuel_account.reset();
  EXPECT_THAT(
      ResidentInstance::Restore(bytes, Counter(), Linker(), unbounded),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("fuel_account")));
  RestoreOptions allow;
  allow.allow_widening = true;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> topped_up,
      ResidentInstance::Restore(bytes, Counter(), Linker(), bigger, allow));
  EXPECT_EQ(topped_up->fuel_left(), left + 1'000'000);
}

TEST(ResidentGrantsTest, WasiArgsAndLimitsAreGrants) {
  ResidentOptions options;
  options.limits.max_stack_bytes = 64 << 10;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ResidentInstance> resident,
                       ResidentInstance::Create(Counter(), Linker(), options));
  ASSERT_OK_AND_ASSIGN(std::string bytes, resident->Snapshot());
  ResidentOptions wasi = options;
  wasi.wasi.emplace();
  EXPECT_THAT(ResidentInstance::Restore(bytes, Counter(), Linker(), wasi),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("more than the snapshot carries: WASI")));
  ResidentOptions deeper = options;
  deeper.limits.max_stack_bytes = 0;
  deeper.limits.max_table_elements = 2 << 20;
  EXPECT_THAT(ResidentInstance::Restore(bytes, Counter(), Linker(), deeper),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("max_stack_bytes, max_table_elements")));

  std::string world;
  WorldSnapshot(&world);
  ResidentOptions other_args = WorldOptions();
  other_args.wasi->args.push_back("--admin");
  EXPECT_THAT(
      ResidentInstance::Restore(world, World(), WasiLinker(), other_args),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("other args")));
}

TEST(ResidentGrantsTest, NarrowerGrantsRestore) {
  std::string bytes;
  WorldSnapshot(&bytes);
  ResidentOptions narrower = WorldOptions();
  narrower.wasi->env.clear();
  narrower.limits.max_memory_bytes = 32 << 20;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> resident,
      ResidentInstance::Restore(bytes, World(), WasiLinker(), narrower));
  EXPECT_TRUE(resident->pending_widenings().empty());
}

TEST(ResidentGrantsTest, WritablePreopenAndNewPreopenAreWidenings) {
  const std::string dir = testing::MakeTempDir();
  ResidentOptions options = WorldOptions();
  options.wasi->preopens.push_back({dir, "/data", /*read_only=*/true});
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> resident,
      ResidentInstance::Create(World(), WasiLinker(), options));
  ASSERT_OK(TickWorld(*resident, 1));
  ASSERT_OK_AND_ASSIGN(std::string bytes, resident->Snapshot());

  ResidentOptions writable = options;
  writable.wasi->preopens[0].read_only = false;
  EXPECT_THAT(ResidentInstance::Restore(bytes, World(), WasiLinker(), writable),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("write access to preopen /data")));
  ResidentOptions another = options;
  another.wasi->preopens.push_back({dir, "/more", false});
  EXPECT_THAT(ResidentInstance::Restore(bytes, World(), WasiLinker(), another),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("preopen /more")));
  ResidentOptions moved = options;
  moved.wasi->preopens[0].host_path = testing::MakeTempDir();
  EXPECT_THAT(ResidentInstance::Restore(bytes, World(), WasiLinker(), moved),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("preopen /data at host path")));
  EXPECT_OK(ResidentInstance::Restore(bytes, World(), WasiLinker(), options)
                .status());
}

TEST(ResidentGrantsTest, OptionsOfGivesWhatTheSnapshotCarries) {
  std::string bytes;
  WorldSnapshot(&bytes);
  ASSERT_OK_AND_ASSIGN(ResidentOptions options,
                       ResidentInstance::OptionsOf(bytes));
  EXPECT_EQ(options.limits.max_memory_bytes, 64u << 20);
  EXPECT_EQ(options.tick_export, "tick");
  ASSERT_TRUE(options.wasi.has_value());
  EXPECT_THAT(options.wasi->args, ElementsAre("world"));
  ASSERT_EQ(options.wasi->env.size(), 1u);
  EXPECT_EQ(options.wasi->env[0].first, "MODE");
  ASSERT_TRUE(options.wasi->virtual_clock.has_value());
  EXPECT_EQ(options.wasi->virtual_clock->tick_nanos, 500u);
  EXPECT_TRUE(options.wasi->random_seed.has_value());
  EXPECT_THAT(ResidentInstance::OptionsOf("\xff\xff"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ResidentGrantsTest, ClockKindMustMatch) {
  std::string bytes;
  WorldSnapshot(&bytes);
  ResidentOptions real_clock = WorldOptions();
  real_clock.wasi->virtual_clock.reset();
  EXPECT_THAT(
      ResidentInstance::Restore(bytes, World(), WasiLinker(), real_clock),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("the snapshot has a virtual clock")));
}

TEST(ResidentGrantsTest, ClockTickMustMatch) {
  std::string bytes;
  WorldSnapshot(&bytes);
  ResidentOptions faster = WorldOptions();
  faster.wasi->virtual_clock->tick_nanos = 1;
  EXPECT_THAT(ResidentInstance::Restore(bytes, World(), WasiLinker(), faster),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("virtual clock ticks 500 ns")));
}

TEST(ResidentSnapshotTest, HeldFileIsRefused) {
  const std::string dir = testing::MakeTempDir();
  ResidentOptions options = WorldOptions();
  options.wasi->preopens.push_back({dir, "/data", false});
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> resident,
      ResidentInstance::Create(World(), WasiLinker(), options));
  ASSERT_OK_AND_ASSIGN(auto hold,
                       resident->instance().GetFunc<int32_t()>("hold_file"));
  ASSERT_OK_AND_ASSIGN(int32_t fd, hold.Call());
  ASSERT_GE(fd, 4);
  EXPECT_THAT(resident->Snapshot(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("holds fd ", fd))));
}

TEST(ResidentSnapshotTest, TableChangingModuleIsRefused) {
  ResidentOptions options;
  options.tick_export = "swap";
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ResidentInstance> resident,
      ResidentInstance::Create(Compile(fixtures::pool_table_wasm()), Linker(),
                               options));
  ASSERT_OK(resident->Tick());
  EXPECT_THAT(resident->Snapshot(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("changes tables")));
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
