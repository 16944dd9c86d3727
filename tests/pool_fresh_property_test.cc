// A property of kFreshState pools (issue 20): whatever earlier leases did,
// a lease behaves exactly like a new instance. For each module, N leases
// make random calls (random exports, random arguments, traps and deadlines
// included), then a probe (a seeded sequence of calls, with the memory's
// hash before and after each) runs on a lease and on a new instance, and
// the two transcripts must be equal.

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "guests/guests.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"

namespace wasmhost {
namespace {

struct Subject {
  const char* name;
  absl::Span<const uint8_t> (*wasm)();
  bool reactor;       // runs _initialize (InitializeReactor) once
  bool wasi = false;  // imports WASI: ConfigurePool, a WasiContext each
};

// Fixtures and guests, resettable or not, importing nothing or WASI.
const Subject kSubjects[] = {
    {"pool_counter", fixtures::pool_counter_wasm, false},
    {"pool_float_globals", fixtures::pool_float_globals_wasm, false},
    {"pool_table", fixtures::pool_table_wasm, false},
    {"pool_refglobal", fixtures::pool_refglobal_wasm, false},
    {"pool_data_drop", fixtures::pool_data_drop_wasm, false},
    {"one_page", fixtures::one_page_wasm, false},
    {"bulk_semantics", fixtures::bulk_semantics_wasm, false},
    {"memory", fixtures::memory_wasm, false},
    {"traps", fixtures::traps_wasm, false},
    {"table_grow", fixtures::table_grow_wasm, false},
    {"big_init", guests::big_init_wasm, true},
    {"reactor", guests::reactor_wasm, true, /*wasi=*/true},
    {"pool_state", guests::pool_state_wasm, true, /*wasi=*/true},
};

// The same WASI state for pooled and new instances: no preopens, a
// virtual clock and seeded randomness, so the probe is deterministic.
wasi::WasiOptions ProbeWasiOptions() {
  wasi::WasiOptions options;
  options.virtual_clock = wasi::WasiOptions::VirtualClock{1'000'000'000, 1000};
  options.random_seed = 7;
  return options;
}

bool IsNumber(ValType type) {
  return type == ValType::kI32 || type == ValType::kI64 ||
         type == ValType::kF32 || type == ValType::kF64;
}

// The module's function exports taking and returning only numbers.
std::vector<ExportType> CallableExports(const Module& module) {
  std::vector<ExportType> callable;
  for (const ExportType& e : module.exports()) {
    if (e.kind != ExternKind::kFunc) continue;
    bool numbers = true;
    for (ValType t : e.func_type.params) numbers = numbers && IsNumber(t);
    for (ValType t : e.func_type.results) numbers = numbers && IsNumber(t);
    if (numbers) callable.push_back(e);
  }
  return callable;
}

// Small values mostly (valid addresses, counts), sometimes any bits.
Val RandomVal(ValType type, std::mt19937_64& random) {
  static constexpr uint64_t kSmall[] = {0, 1, 2, 3, 7, 16, 100, 4096};
  const uint64_t bits =
      random() % 4 == 0 ? random() : kSmall[random() % std::size(kSmall)];
  switch (type) {
    case ValType::kF32:
      return Val::F32(static_cast<float>(bits));
    case ValType::kF64:
      return Val::F64(static_cast<double>(bits));
    case ValType::kI64:
      return Val::I64(static_cast<int64_t>(bits));
    default:
      return Val::I32(static_cast<int32_t>(bits));
  }
}

std::string MemoryHash(Instance& instance) {
  absl::Span<uint8_t> bytes = instance.memory().data();
  return absl::StrCat(
      "mem ", bytes.size(), ":",
      std::hash<std::string_view>()(std::string_view(
          reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

// Calls export `e` with `args` under `timeout`; what came back.
std::string CallOnce(Instance& instance, const ExportType& e,
                     const std::vector<Val>& args, absl::Duration timeout) {
  absl::StatusOr<Func> func = instance.GetFunc(e.name);
  if (!func.ok()) return func.status().ToString();
  CallOptions options;
  options.timeout = timeout;
  absl::StatusOr<std::vector<Val>> results = func->Call(options, args);
  // Codes only: messages of deadlines carry the time taken.
  if (!results.ok())
    return absl::StrCat(e.name, " -> code ", results.status().code());
  std::string out = absl::StrCat(e.name, " ->");
  for (const Val& v : *results) absl::StrAppend(&out, " ", v.bits());
  return out;
}

// A seeded sequence of calls, with the memory's hash first and after each.
std::vector<std::string> Probe(Instance& instance,
                               const std::vector<ExportType>& exports,
                               uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::string> transcript = {MemoryHash(instance)};
  for (int i = 0; i < 4 && !exports.empty(); ++i) {
    const ExportType& e = exports[random() % exports.size()];
    std::vector<Val> args;
    for (ValType t : e.func_type.params) args.push_back(RandomVal(t, random));
    // Long enough that only a guest that never returns reaches it, even
    // on a loaded machine.
    transcript.push_back(CallOnce(instance, e, args, absl::Seconds(1)));
    transcript.push_back(MemoryHash(instance));
  }
  return transcript;
}

class FreshStatePropertyTest : public ::testing::TestWithParam<Subject> {};

TEST_P(FreshStatePropertyTest, RandomLeasesThenAProbeMatchAFreshInstance) {
  const Subject& subject = GetParam();
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(subject.wasm()));
  const std::vector<ExportType> exports = CallableExports(module);
  ASSERT_FALSE(exports.empty());
  PoolOptions options;
  options.max_idle_per_thread = 1;  // the same instance again and again
  Linker linker;
  if (subject.wasi) {
    ASSERT_OK(wasi::AddToLinker(linker));
    ASSERT_OK(wasi::ConfigurePool(options, ProbeWasiOptions()));
  } else if (subject.reactor) {
    options.initialize_instance = [](Instance& instance) {
      return wasi::InitializeReactor(instance);
    };
  }
  ASSERT_OK_AND_ASSIGN(auto pool,
                       InstancePool::Create(module, linker, options));
  std::mt19937_64 random(20);
  for (int round = 0; round < 3; ++round) {
    for (int lease_index = 0; lease_index < 8; ++lease_index) {
      ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
      for (int call = 0; call < 3; ++call) {
        const ExportType& e = exports[random() % exports.size()];
        std::vector<Val> args;
        for (ValType t : e.func_type.params)
          args.push_back(RandomVal(t, random));
        CallOnce(lease.instance(), e, args, absl::Milliseconds(20));
      }
    }
    const uint64_t seed = random();
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<wasi::WasiContext> context,
                         wasi::WasiContext::Create(ProbeWasiOptions()));
    InstanceOptions instance_options;
    if (subject.wasi) instance_options.SetContext(context.get());
    ASSERT_OK_AND_ASSIGN(Instance fresh,
                         Instance::Create(module, linker, instance_options));
    if (subject.reactor) {
      ASSERT_OK(wasi::InitializeReactor(fresh));
    }
    const std::vector<std::string> expected = Probe(fresh, exports, seed);
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_EQ(Probe(lease.instance(), exports, seed), expected)
        << subject.name << ", round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Subjects, FreshStatePropertyTest,
                         ::testing::ValuesIn(kSubjects),
                         [](const ::testing::TestParamInfo<Subject>& test) {
                           return std::string(test.param.name);
                         });

}  // namespace
}  // namespace wasmhost
