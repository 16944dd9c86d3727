// A real language runtime in a fresh-state pool: CRuby 3.3 built for WASI
// (npm @ruby/3.3-wasm-wasi, ruby.wasm: a 16 MB reactor with 11 MB of code
// and 19,000 data segments), which `./x test` fetches (`./x guests`) and
// names in WASMHOST_BIG_GUESTS_DIR; the target is tagged manual, so a plain
// `bazel test //...` leaves it out. Its initialisation grows memory to
// ~80 MiB; every
// lease must see the initialised interpreter and nothing of earlier leases,
// also after a lease that grew memory, missed a deadline or trapped, and
// on a second thread. The tiny fixtures of pool_test cannot show what a
// 30 MB guest's heap and allocator do to a pool.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

// The bytes of big guest `name`; empty (failing the test) when the
// directory is not set or the file is missing.
std::vector<uint8_t> ReadBigGuest(const std::string& name) {
  const char* dir = std::getenv("WASMHOST_BIG_GUESTS_DIR");
  if (dir == nullptr) {
    ADD_FAILURE()
        << "WASMHOST_BIG_GUESTS_DIR is not set: run this test through "
           "./x test, which fetches the big guests";
    return {};
  }
  std::ifstream in(absl::StrCat(dir, "/", name), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_FALSE(bytes.empty()) << dir << "/" << name << " is missing";
  return bytes;
}

// The interpreter's exports (old wit-bindgen canonical ABI: strings as
// (pointer, length), results through a return area).
struct Ruby {
  TypedFunc<int32_t(int32_t, int32_t, int32_t, int32_t)> realloc;
  TypedFunc<void(int32_t, int32_t)> init;
  TypedFunc<void()> init_loadpath;
  TypedFunc<int32_t(int32_t, int32_t)> eval;
  TypedFunc<int32_t(int32_t)> string_of;
};

absl::StatusOr<Ruby> GetRuby(Instance& instance) {
  auto realloc = instance.GetFunc<int32_t(int32_t, int32_t, int32_t, int32_t)>(
      "cabi_realloc");
  if (!realloc.ok()) return realloc.status();
  auto init = instance.GetFunc<void(int32_t, int32_t)>(
      "ruby-init: func(args: list<string>) -> ()");
  if (!init.ok()) return init.status();
  auto init_loadpath =
      instance.GetFunc<void()>("ruby-init-loadpath: func() -> ()");
  if (!init_loadpath.ok()) return init_loadpath.status();
  auto eval = instance.GetFunc<int32_t(int32_t, int32_t)>(
      "rb-eval-string-protect: func(str: string) -> "
      "tuple<handle<rb-abi-value>, s32>");
  if (!eval.ok()) return eval.status();
  auto string_of = instance.GetFunc<int32_t(int32_t)>(
      "rstring-ptr: func(value: handle<rb-abi-value>) -> string");
  if (!string_of.ok()) return string_of.status();
  return Ruby{*realloc, *init, *init_loadpath, *eval, *string_of};
}

// Copies `bytes` into guest memory allocated by the guest's allocator.
absl::StatusOr<int32_t> PutBytes(Instance& instance, const Ruby& ruby,
                                 absl::string_view bytes) {
  absl::StatusOr<int32_t> ptr =
      ruby.realloc.Call(0, 0, 1, static_cast<int32_t>(bytes.size()));
  if (!ptr.ok()) return ptr.status();
  std::memcpy(instance.memory().data().data() + *ptr, bytes.data(),
              bytes.size());
  return ptr;
}

int32_t LoadI32(Instance& instance, int32_t address) {
  int32_t value;
  std::memcpy(&value, instance.memory().data().data() + address, 4);
  return value;
}

// Evaluates `code` and returns the resulting String object's contents.
absl::StatusOr<std::string> Eval(Instance& instance, const Ruby& ruby,
                                 absl::string_view code,
                                 const CallOptions& options = {}) {
  absl::StatusOr<int32_t> source = PutBytes(instance, ruby, code);
  if (!source.ok()) return source.status();
  absl::StatusOr<int32_t> result =
      ruby.eval.Call(options, *source, static_cast<int32_t>(code.size()));
  if (!result.ok()) return result.status();
  const int32_t value = LoadI32(instance, *result);
  const int32_t exception_state = LoadI32(instance, *result + 4);
  if (exception_state != 0) {
    return absl::InternalError(
        absl::StrCat("ruby raised (state ", exception_state, ")"));
  }
  absl::StatusOr<int32_t> text = ruby.string_of.Call(value);
  if (!text.ok()) return text.status();
  const int32_t data = LoadI32(instance, *text);
  const int32_t size = LoadI32(instance, *text + 4);
  return std::string(
      reinterpret_cast<const char*>(instance.memory().data().data()) + data,
      size);
}

// ruby.wasm's JS host's start-up: ruby_init with argv, then the load path,
// then some state later leases must all see.
absl::Status StartRuby(Instance& instance) {
  absl::Status status = wasi::InitializeReactor(instance);
  if (!status.ok()) return status;
  absl::StatusOr<Ruby> ruby = GetRuby(instance);
  if (!ruby.ok()) return ruby.status();
  const std::vector<absl::string_view> args = {
      absl::string_view("ruby.wasm\0", 10), absl::string_view("-EUTF-8\0", 8),
      absl::string_view("-e_=0\0", 6)};
  absl::StatusOr<int32_t> list =
      ruby->realloc.Call(0, 0, 4, static_cast<int32_t>(8 * args.size()));
  if (!list.ok()) return list.status();
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<int32_t> arg = PutBytes(instance, *ruby, args[i]);
    if (!arg.ok()) return arg.status();
    const int32_t entry[2] = {*arg, static_cast<int32_t>(args[i].size())};
    std::memcpy(instance.memory().data().data() + *list + 8 * i, entry, 8);
  }
  status = ruby->init.Call(*list, static_cast<int32_t>(args.size()));
  if (!status.ok()) return status;
  status = ruby->init_loadpath.Call();
  if (!status.ok()) return status;
  return Eval(instance, *ruby,
              "$initialised = 'yes'; $junk = 'x' * 20_000_000; "
              "$junk = nil; GC.start; ''")
      .status();
}

// Counts the leases that have run this probe since the instance's state
// was made: 1 on every fresh lease.
constexpr absl::string_view kProbe =
    "$leases = ($leases || 0) + 1; \"#{$initialised} #{$leases}\"";

class RubyPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Module> module = testing::Compile(ReadBigGuest("ruby.wasm"));
    ASSERT_OK(module.status());
    module_ = new Module(*std::move(module));
  }
  static void TearDownTestSuite() { delete module_; }

  void SetUp() override {
    ASSERT_OK(wasi::AddToLinker(linker_));
    for (const ImportType& import : module_->imports()) {
      if (import.module == "wasi_snapshot_preview1") continue;
      if (absl::StartsWith(import.name, "resource_new_") ||
          absl::StartsWith(import.name, "resource_get_")) {
        // Handles are the guest's own pointers.
        ASSERT_OK(linker_.Define(import.module, import.name,
                                 [](int32_t rep) { return rep; }));
        continue;
      }
      // The JS interop imports: never reached without JS.
      const std::string name = absl::StrCat(import.module, ".", import.name);
      ASSERT_OK(linker_.DefineDynamic(
          import.module, import.name, import.func_type,
          [name](Caller&, absl::Span<const Val>, absl::Span<Val>) {
            return absl::UnimplementedError(name);
          }));
    }
    PoolOptions options;
    ASSERT_OK(wasi::ConfigurePool(options, {}));
    options.initialize_instance = StartRuby;
    options.SetHandles<Ruby>(GetRuby);
    ASSERT_OK_AND_ASSIGN(pool_,
                         InstancePool::Create(*module_, linker_, options));
  }

  // One lease: the probe must see a fresh interpreter; then `code` runs
  // with `options` and its result is returned.
  absl::StatusOr<std::string> Request(absl::string_view code,
                                      const CallOptions& options = {}) {
    absl::StatusOr<Lease> lease = pool_->Acquire();
    if (!lease.ok()) return lease.status();
    const Ruby& ruby = *lease->handles<Ruby>();
    EXPECT_THAT(Eval(lease->instance(), ruby, kProbe),
                testing::IsOkAndHolds("yes 1"));
    if (code.empty()) return std::string();
    return Eval(lease->instance(), ruby, code, options);
  }

  static Module* module_;
  Linker linker_;
  std::unique_ptr<InstancePool> pool_;
};

Module* RubyPoolTest::module_ = nullptr;

TEST_F(RubyPoolTest, EveryLeaseSeesTheInitialisedInterpreterOnly) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(Request("$leftover = 'from an earlier lease'; 'set'"),
                testing::IsOkAndHolds("set"));
    EXPECT_THAT(Request("$leftover.inspect"), testing::IsOkAndHolds("nil"));
  }
  EXPECT_THAT(Request("[1, 2, 3].map { |x| x * x }.sum.to_s"),
              testing::IsOkAndHolds("14"));
  EXPECT_EQ(pool_->stats().failed_instantiations, 0u);
}

TEST_F(RubyPoolTest, ALeaseThatGrewMemoryIsReplacedFromTheImage) {
  EXPECT_THAT(Request("$big = 'z' * 60_000_000; $big.size.to_s"),
              testing::IsOkAndHolds("60000000"));
  EXPECT_THAT(Request("$big.inspect"), testing::IsOkAndHolds("nil"));
  const PoolStats stats = pool_->stats();
  EXPECT_GE(stats.discards, 1u);
  EXPECT_GE(stats.replacements, 1u);
  EXPECT_EQ(stats.failed_instantiations, 0u);
}

TEST_F(RubyPoolTest, ALeaseStoppedByItsDeadlineLeavesThePoolWorking) {
  CallOptions options;
  options.timeout = absl::Milliseconds(100);
  EXPECT_THAT(Request("loop { }", options),
              testing::StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(Request("'after'"), testing::IsOkAndHolds("after"));
  EXPECT_GE(pool_->stats().traps, 1u);
}

TEST_F(RubyPoolTest, ALeaseThatTrappedLeavesThePoolWorking) {
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool_->Acquire());
    // A handle far outside memory: the guest reads through it and traps.
    EXPECT_THAT(lease.handles<Ruby>()->string_of.Call(0x7ffffff0),
                testing::StatusIs(absl::StatusCode::kAborted));
  }
  EXPECT_THAT(Request("'after'"), testing::IsOkAndHolds("after"));
}

TEST_F(RubyPoolTest, ASecondThreadStartsFromTheImage) {
  EXPECT_THAT(Request("'main'"), testing::IsOkAndHolds("main"));
  std::thread other([&] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_THAT(Request("$leftover = 1; 'other'"),
                  testing::IsOkAndHolds("other"));
    }
  });
  other.join();
  const PoolStats stats = pool_->stats();
  EXPECT_GE(stats.replacements, 1u);
  EXPECT_EQ(stats.failed_instantiations, 0u);
}

}  // namespace
}  // namespace wasmhost
