// Real C guests (guests/*.c, compiled by clang-19 against wasi-libc in the
// build) run through the public WASI API (wasmhost/wasi.h): stdout, exit
// codes, files in preopens, denied escapes, reactors, deterministic clocks
// and randomness. Fuel-metered determinism needs an engine of its own and
// lives in wasi_determinism_test.cc.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/guests.h"
#include "tests/test_util.h"
#include "tests/wasi_commands.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"

namespace wasmhost {
namespace {

using testing::CallGuest;
using testing::CommandResult;
using testing::Guest;
using testing::InstantiateWithWasi;
using testing::MakeSandboxLayout;
using testing::MakeTempDir;
using testing::PathExists;
using testing::ReadFile;
using testing::RunGuest;
using testing::SandboxLayout;
using testing::WriteFile;

using ::testing::HasSubstr;
using ::testing::Not;
using wasi::OutputSink;
using wasi::Preopen;
using wasi::WasiContext;
using wasi::WasiOptions;

// --- hello: args and environment -------------------------------------------

TEST(WasiGuestsTest, HelloPrintsItsArgsAndEnvironment) {
  WasiOptions options;
  options.env = {{"OTHER", "x"}, {"GREETING", "good morning"}};
  CommandResult result =
      RunGuest(guests::hello_wasm(), {"hello", "alice", "bob"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0));
  EXPECT_EQ(result.out, "hello, alice bob\nGREETING=good morning\n");
  EXPECT_EQ(result.err, "");
}

TEST(WasiGuestsTest, HelloWithNothingGranted) {
  CommandResult result = RunGuest(guests::hello_wasm(), {});
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0));
  EXPECT_EQ(result.out, "hello, world\nGREETING is not set\n");
}

TEST(WasiGuestsTest, DiscardedStdoutStillExitsZero) {
  WasiOptions options;
  options.args = {"hello", "nobody"};
  absl::StatusOr<std::unique_ptr<WasiContext>> context =
      WasiContext::Create(options);  // stdout: Discard
  ASSERT_OK(context.status());
  Linker linker;
  ASSERT_OK(wasi::AddToLinker(linker));
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(guests::hello_wasm()));
  InstanceOptions instance_options;
  instance_options.SetContext(context->get());
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(module, linker, instance_options));
  EXPECT_THAT(wasi::RunCommand(instance), testing::IsOkAndHolds(0));
}

// --- exit codes -------------------------------------------------------------

TEST(WasiGuestsTest, ExitCodeIsPassedThroughAndOutputFlushed) {
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::exit_code_wasm(), {});
  ASSERT_NE(guest, nullptr);
  EXPECT_THAT(wasi::RunCommand(*guest->instance), testing::IsOkAndHolds(7));
  // exit() flushed stdio before proc_exit.
  EXPECT_EQ(guest->out, "exiting with 7\n");
  // proc_exit poisons the instance, like any call that does not return.
  EXPECT_TRUE(guest->instance->poisoned());
  EXPECT_THAT(wasi::RunCommand(*guest->instance),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(WasiGuestsTest, ProcExitStatusCarriesTheCode) {
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::exit_code_wasm(), {});
  ASSERT_NE(guest, nullptr);
  // Calling _start directly shows the status RunCommand turns into 7.
  ASSERT_OK_AND_ASSIGN(auto start, guest->instance->GetFunc<void()>("_start"));
  absl::Status status = start.Call();
  EXPECT_THAT(status, testing::StatusIs(absl::StatusCode::kCancelled,
                                        HasSubstr("exited with code 7")));
  EXPECT_EQ(wasi::GetExitCode(status), 7);
  EXPECT_EQ(wasi::GetExitCode(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(wasi::GetExitCode(absl::CancelledError("something else")),
            std::nullopt);
}

TEST(WasiGuestsTest, RunCommandNeedsStart) {
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::reactor_wasm(), {});
  ASSERT_NE(guest, nullptr);
  EXPECT_THAT(wasi::RunCommand(*guest->instance),
              testing::StatusIs(absl::StatusCode::kNotFound));
}

// --- files in a preopen -----------------------------------------------------

// A file of several 4 KiB chunks (copy.c's buffer), not a multiple of it.
std::string CopyInput() {
  std::string content;
  for (int i = 0; content.size() < 10000; ++i) {
    absl::StrAppend(&content, "line ", i, "\n");
  }
  return content;
}

TEST(WasiGuestsTest, CopyInsideAbsolutePreopen) {
  const std::string dir = MakeTempDir();
  const std::string content = CopyInput();
  WriteFile(dir + "/in.txt", content);
  WasiOptions options;
  options.preopens = {Preopen{dir, "/sandbox"}};
  CommandResult result =
      RunGuest(guests::copy_wasm(),
               {"copy", "/sandbox/in.txt", "/sandbox/out.txt"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.err;
  EXPECT_EQ(result.out, absl::StrCat("copied ", content.size(), " bytes\n"));
  EXPECT_EQ(ReadFile(dir + "/out.txt"), content);
}

TEST(WasiGuestsTest, CopyWithRelativePathsInDotPreopen) {
  // As `wasmtime run --dir DIR::. copy.wasm in.txt out.txt`.
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/in.txt", "relative\n");
  WasiOptions options;
  options.preopens = {Preopen{dir, "."}};
  CommandResult result =
      RunGuest(guests::copy_wasm(), {"copy", "in.txt", "out.txt"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.err;
  EXPECT_EQ(result.out, "copied 9 bytes\n");
  EXPECT_EQ(ReadFile(dir + "/out.txt"), "relative\n");
}

TEST(WasiGuestsTest, CopyIntoReadOnlyPreopenFails) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/in.txt", "data\n");
  WasiOptions options;
  options.preopens = {Preopen{dir, "/ro", /*read_only=*/true}};
  CommandResult result = RunGuest(
      guests::copy_wasm(), {"copy", "/ro/in.txt", "/ro/out.txt"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(1));
  EXPECT_THAT(result.err, HasSubstr("copy: /ro/out.txt: "));
  EXPECT_FALSE(PathExists(dir + "/out.txt"));
  // The host path never reaches the guest.
  EXPECT_THAT(result.err, Not(HasSubstr(dir)));
}

TEST(WasiGuestsTest, CopyWithoutPreopenFails) {
  CommandResult result =
      RunGuest(guests::copy_wasm(), {"copy", "/sandbox/in.txt", "out.txt"});
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(1));
  EXPECT_THAT(result.err, HasSubstr("copy: /sandbox/in.txt: "));
}

TEST(WasiGuestsTest, WalkListsTheTreeSorted) {
  WasiOptions options;
  options.preopens = {
      Preopen{testing::MakeWalkTree(), "/tree", /*read_only=*/true}};
  CommandResult result =
      RunGuest(guests::walk_wasm(), {"walk", "/tree"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.err;
  EXPECT_EQ(result.out, testing::kWalkTreeListing);
}

// --- escapes ---------------------------------------------------------------

void ExpectNoEscape(const SandboxLayout& layout, const CommandResult& result) {
  EXPECT_THAT(result.out, Not(HasSubstr("OPENED")));
  EXPECT_THAT(result.out, Not(HasSubstr("top secret")));
  EXPECT_FALSE(PathExists(layout.root + "/created"));
  // No host path in anything the guest saw.
  EXPECT_THAT(result.out, Not(HasSubstr(layout.root)));
  EXPECT_THAT(result.err, Not(HasSubstr(layout.root)));
}

// Runs the escape guest with the sandbox preopened as `guest_path`; expects
// it to exit 0 having escaped nowhere.
CommandResult RunEscapeGuest(const SandboxLayout& layout,
                             const std::string& guest_path) {
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, guest_path}};
  CommandResult result =
      RunGuest(guests::escape_wasm(), {"escape", guest_path}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.out;
  ExpectNoEscape(layout, result);
  return result;
}

TEST(WasiGuestsTest, EscapesFromAbsolutePreopenAreDenied) {
  SandboxLayout layout = MakeSandboxLayout();
  CommandResult result = RunEscapeGuest(layout, "/sandbox");
  // ENOTCAPABLE: the path resolves outside the preopen (WASI's own errno for
  // a capability the guest lacks), whether by "..", hidden behind a real
  // directory, or through a symlink. "/etc/passwd" is under no preopen, so
  // wasi-libc itself answers ENOTCAPABLE without asking the host.
  EXPECT_EQ(result.out,
            "open ../secret: ENOTCAPABLE\n"
            "open /etc/passwd: ENOTCAPABLE\n"
            "open subdir/../../secret: ENOTCAPABLE\n"
            "create ../created: ENOTCAPABLE\n"
            "symlink root -> /: made\n"
            "open root/etc/passwd: ENOTCAPABLE\n"
            "symlink up -> ..: made\n"
            "open up/secret: ENOTCAPABLE\n"
            "all 6 denied\n");
}

TEST(WasiGuestsTest, EscapesFromDotPreopenAreDenied) {
  SandboxLayout layout = MakeSandboxLayout();
  CommandResult result = RunEscapeGuest(layout, ".");
  EXPECT_THAT(result.out, HasSubstr("all 6 denied\n"));
  // Under a "." preopen wasi-libc resolves "/etc/passwd" inside it (as
  // <sandbox>/etc/passwd), which does not exist: ENOENT, still no escape.
  EXPECT_THAT(result.out, HasSubstr("open /etc/passwd: ENOENT\n"));
}

TEST(WasiGuestsTest, EscapesFromReadOnlyPreopenAreDenied) {
  SandboxLayout layout = MakeSandboxLayout();
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, "/sandbox", /*read_only=*/true}};
  CommandResult result =
      RunGuest(guests::escape_wasm(), {"escape", "/sandbox"}, options);
  ExpectNoEscape(layout, result);
  // Nothing could be made inside either.
  EXPECT_FALSE(PathExists(layout.sandbox + "/subdir"));
  EXPECT_FALSE(PathExists(layout.sandbox + "/root"));
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.out;
}

// --- edge cases of the public WASI test programs ---------------------------

TEST(WasiGuestsTest, DirectoryOpensAndAbsoluteSymlinksAsOnLinux) {
  SandboxLayout layout = MakeSandboxLayout();
  ASSERT_EQ(mkdir((layout.sandbox + "/sub").c_str(), 0755), 0);
  WriteFile(layout.sandbox + "/file", "x");
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, "/sandbox"}};
  CommandResult result =
      RunGuest(guests::edges_wasm(), {"edges", "dirs", "/sandbox"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.err;
  // wasi-libc asks for every right but the write-oriented ones for
  // O_RDONLY, and for FD_WRITE too for O_WRONLY and O_RDWR: only those fail.
  EXPECT_EQ(result.out,
            "open sub O_RDONLY|O_DIRECTORY: ok\n"
            "open sub O_WRONLY|O_DIRECTORY: EISDIR\n"
            "open sub O_RDWR|O_DIRECTORY: EISDIR\n"
            "open sub O_RDWR: EISDIR\n"
            "open file O_RDONLY|O_DIRECTORY: ENOTDIR\n"
            "opendir sub: ok\n"
            "symlink abs -> /etc/passwd: made\n"
            "readlink abs: /etc/passwd\n"
            "lstat abs: symlink\n"
            "open abs O_RDONLY: ENOTCAPABLE\n"
            "unlink abs: ok\n");
  EXPECT_FALSE(PathExists(layout.sandbox + "/abs"));
}

TEST(WasiGuestsTest, FailingStdoutSinkIsEpipeInTheGuest) {
  WasiOptions options;
  options.args = {"edges", "write"};
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::edges_wasm(), options);
  ASSERT_NE(guest, nullptr);
  guest->context->SetStdout(OutputSink::ToCallback([](absl::string_view) {
    return absl::ErrnoToStatus(EPIPE, "the client went away");
  }));
  EXPECT_THAT(wasi::RunCommand(*guest->instance), testing::IsOkAndHolds(3));
  EXPECT_EQ(guest->err, "write: EPIPE\n");

  CommandResult working = RunGuest(guests::edges_wasm(), {"edges", "write"});
  EXPECT_THAT(working.exit_code, testing::IsOkAndHolds(0));
  EXPECT_EQ(working.out, "hello\n");
  EXPECT_EQ(working.err, "write: ok 6\n");
}

// --- memory -----------------------------------------------------------------

TEST(WasiGuestsTest, AllocChurnGivesTheKnownChecksum) {
  std::unique_ptr<Guest> guest = InstantiateWithWasi(guests::alloc_wasm(), {});
  ASSERT_NE(guest, nullptr);
  const uint64_t initial = guest->instance->memory().size();
  EXPECT_THAT(wasi::RunCommand(*guest->instance), testing::IsOkAndHolds(0));
  // The same program compiled natively (gcc -O2 guests/alloc.c) prints this.
  EXPECT_EQ(guest->out,
            "checksum 2ccc171f, 20254 allocations, 75253674 bytes\n");
  // The 16 MiB block grew linear memory.
  EXPECT_GE(guest->instance->memory().size(), initial + (16u << 20));
}

TEST(WasiGuestsTest, AllocUnderAMemoryLimitFailsCleanly) {
  WasiOptions options;
  options.stdout_sink = OutputSink::Discard();
  std::string out;
  options.stdout_sink = OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WasiContext> context,
                       WasiContext::Create(options));
  Linker linker;
  ASSERT_OK(wasi::AddToLinker(linker));
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(guests::alloc_wasm()));
  InstanceOptions instance_options;
  instance_options.SetContext(context.get());
  instance_options.limits.max_memory_bytes = 8 << 20;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(module, linker, instance_options));
  // malloc returns NULL when memory.grow fails; the guest reports it.
  EXPECT_THAT(wasi::RunCommand(instance), testing::IsOkAndHolds(1));
  EXPECT_THAT(out, HasSubstr("failed"));
  EXPECT_LE(instance.memory().size(), 8u << 20);
}

// --- reactors ---------------------------------------------------------------

TEST(WasiGuestsTest, ReactorExportsAfterInitialize) {
  WasiOptions options;
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::reactor_wasm(), options);
  ASSERT_NE(guest, nullptr);
  ASSERT_OK(wasi::InitializeReactor(*guest->instance));
  Instance& instance = *guest->instance;
  ASSERT_OK_AND_ASSIGN(auto add,
                       instance.GetFunc<int32_t(int32_t, int32_t)>("add"));
  ASSERT_OK_AND_ASSIGN(auto counter, instance.GetFunc<int32_t()>("counter"));
  ASSERT_OK_AND_ASSIGN(auto greet, instance.GetFunc<int32_t(int32_t)>("greet"));
  ASSERT_OK_AND_ASSIGN(auto initialized,
                       instance.GetFunc<int32_t()>("initialized"));
  EXPECT_THAT(initialized.Call(), testing::IsOkAndHolds(1));
  EXPECT_THAT(add.Call(2, 3), testing::IsOkAndHolds(5));
  EXPECT_THAT(counter.Call(), testing::IsOkAndHolds(101));
  EXPECT_THAT(counter.Call(), testing::IsOkAndHolds(102));
  EXPECT_THAT(greet.Call(21), testing::IsOkAndHolds(42));
  EXPECT_EQ(guest->out, "greeting 21\n");
}

TEST(WasiGuestsTest, ReactorInitializeReadsTheEnvironment) {
  WasiOptions options;
  options.env = {{"COUNTER_START", "41"}};
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::reactor_wasm(), options);
  ASSERT_NE(guest, nullptr);
  ASSERT_OK(wasi::InitializeReactor(*guest->instance));
  ASSERT_OK_AND_ASSIGN(auto counter,
                       guest->instance->GetFunc<int32_t()>("counter"));
  EXPECT_THAT(counter.Call(), testing::IsOkAndHolds(42));
}

TEST(WasiGuestsTest, ReactorWithoutInitializeMissesItsConstructor) {
  std::unique_ptr<Guest> guest =
      InstantiateWithWasi(guests::reactor_wasm(), {});
  ASSERT_NE(guest, nullptr);
  ASSERT_OK_AND_ASSIGN(auto initialized,
                       guest->instance->GetFunc<int32_t()>("initialized"));
  ASSERT_OK_AND_ASSIGN(auto counter,
                       guest->instance->GetFunc<int32_t()>("counter"));
  // Why _initialize matters: the constructor has not run.
  EXPECT_THAT(initialized.Call(), testing::IsOkAndHolds(0));
  EXPECT_THAT(counter.Call(), testing::IsOkAndHolds(1));
}

TEST(WasiGuestsTest, InitializeReactorIsOkForACommand) {
  // hello has no _initialize: nothing to run.
  std::unique_ptr<Guest> guest = InstantiateWithWasi(guests::hello_wasm(), {});
  ASSERT_NE(guest, nullptr);
  EXPECT_OK(wasi::InitializeReactor(*guest->instance));
}

TEST(WasiGuestsTest, ReactorInFreshStatePoolStartsInitializedEveryLease) {
  // ConfigurePool gives each instance its own WasiContext and runs
  // _initialize once, before the fresh-state image is taken, so every lease
  // starts initialised. The caller's own initialize_instance runs after it.
  int initializations = 0;
  PoolOptions options;
  options.policy = ReusePolicy::kFreshState;
  options.initialize_instance = [&initializations](Instance& instance) {
    ++initializations;
    absl::StatusOr<TypedFunc<int32_t()>> initialized =
        instance.GetFunc<int32_t()>("initialized");
    if (!initialized.ok()) return initialized.status();
    absl::StatusOr<int32_t> done = initialized->Call();
    if (!done.ok()) return done.status();
    return *done == 1 ? absl::OkStatus()
                      : absl::InternalError("ran before _initialize");
  };
  WasiOptions wasi_options;
  wasi_options.env = {{"COUNTER_START", "500"}};
  ASSERT_OK(wasi::ConfigurePool(options, std::move(wasi_options)));
  Linker linker;
  ASSERT_OK(wasi::AddToLinker(linker));
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(guests::reactor_wasm()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(module, linker, options));
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(auto counter, lease->GetFunc<int32_t()>("counter"));
    EXPECT_THAT(counter.Call(), testing::IsOkAndHolds(501)) << "lease " << i;
    EXPECT_THAT(counter.Call(), testing::IsOkAndHolds(502)) << "lease " << i;
  }
  EXPECT_EQ(initializations, 1);
}

// --- WASI state in a fresh-state pool ----------------------------------------

// WASI's errno for a descriptor that is not open.
constexpr int32_t kEbadf = 8;

// A kFreshState pool of guests/pool_state.c with WASI from ConfigurePool.
// One idle instance per thread: on one thread every lease gets the same
// instance back, so what one lease left behind is there for the next
// unless the reset removed it.
absl::StatusOr<std::unique_ptr<InstancePool>> StatePool(
    WasiOptions wasi_options, PoolOptions options = {}) {
  options.max_idle_per_thread = 1;
  absl::Status configured =
      wasi::ConfigurePool(options, std::move(wasi_options));
  if (!configured.ok()) return configured;
  Linker linker;
  absl::Status added = wasi::AddToLinker(linker);
  if (!added.ok()) return added;
  absl::StatusOr<Module> module = testing::Compile(guests::pool_state_wasm());
  if (!module.ok()) return module.status();
  return InstancePool::Create(*module, linker, options);
}

// The lease's WasiContext; fails the test if it has none.
WasiContext& ContextOf(Lease& lease) {
  WasiContext* context = lease->context<WasiContext>();
  EXPECT_NE(context, nullptr);
  return *context;
}

// WasiOptions preopening a new directory holding file.txt as /data.
WasiOptions WithDataDir() {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/file.txt", "written for request one");
  WasiOptions options;
  options.preopens = {Preopen{dir, "/data"}};
  return options;
}

TEST(WasiPoolTest, FilesOpenedInALeaseAreClosedForTheNext) {
  ASSERT_OK_AND_ASSIGN(auto pool, StatePool(WithDataDir()));
  int32_t fd = -1;
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ASSERT_OK_AND_ASSIGN(fd, CallGuest(lease, "open_file"));
    // 0-2 are stdio, 3 the preopen: 4 is the lowest free number.
    EXPECT_EQ(fd, 4);
    EXPECT_THAT(CallGuest(lease, "fd_status", fd), testing::IsOkAndHolds(0));
  }
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  std::string out;
  ContextOf(lease).SetStdout(OutputSink::ToString(&out));
  // The next request cannot read the file through the number it guesses.
  EXPECT_THAT(CallGuest(lease, "fd_status", fd), testing::IsOkAndHolds(kEbadf));
  EXPECT_THAT(CallGuest(lease, "read_fd", fd), testing::IsOkAndHolds(-kEbadf));
  EXPECT_EQ(out, "");
  // It opens the file at the same number again.
  EXPECT_THAT(CallGuest(lease, "open_file"), testing::IsOkAndHolds(fd));
  EXPECT_THAT(CallGuest(lease, "read_fd", fd), testing::IsOkAndHolds(23));
  EXPECT_EQ(out, "written for request one");
  // Both leases had the same instance.
  EXPECT_EQ(pool->stats().misses, 0u);
}

TEST(WasiPoolTest, ClosedOrRenumberedPreopenIsBackForTheNextLease) {
  ASSERT_OK_AND_ASSIGN(auto pool, StatePool(WithDataDir()));
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "close_fd", 3), testing::IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "prestat", 3), testing::IsOkAndHolds(kEbadf));
    ASSERT_OK_AND_ASSIGN(int32_t failed, CallGuest(lease, "open_file"));
    EXPECT_LT(failed, 0);
  }
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "prestat", 3), testing::IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "open_file"), testing::IsOkAndHolds(4));
    // The preopen over stdout, the file over stdin.
    EXPECT_THAT(CallGuest(lease, "renumber", 3, 1), testing::IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "renumber", 4, 0), testing::IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "prestat", 1), testing::IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "prestat", 3), testing::IsOkAndHolds(kEbadf));
  }
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  std::string out;
  ContextOf(lease).SetStdin(wasi::InputSource::FromString("input"));
  ContextOf(lease).SetStdout(OutputSink::ToString(&out));
  EXPECT_THAT(CallGuest(lease, "prestat", 3), testing::IsOkAndHolds(0));
  EXPECT_THAT(CallGuest(lease, "prestat", 1), testing::IsOkAndHolds(kEbadf));
  EXPECT_THAT(CallGuest(lease, "fd_status", 4), testing::IsOkAndHolds(kEbadf));
  // stdin and stdout are stdio again.
  EXPECT_THAT(CallGuest(lease, "echo"), testing::IsOkAndHolds(5));
  EXPECT_EQ(out, "echo: input");
  EXPECT_THAT(CallGuest(lease, "open_file"), testing::IsOkAndHolds(4));
  EXPECT_EQ(pool->stats().misses, 0u);
}

TEST(WasiPoolTest, EachLeaseHasItsOwnStdio) {
  std::string default_out;
  WasiOptions wasi_options;
  wasi_options.stdin_source = wasi::InputSource::FromString("default input");
  wasi_options.stdout_sink = OutputSink::ToString(&default_out);
  ASSERT_OK_AND_ASSIGN(auto pool, StatePool(std::move(wasi_options)));
  struct Request {
    std::string in, out, err;
  };
  Request requests[2] = {{"request one", "", ""}, {"request two", "", ""}};
  for (Request& request : requests) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    WasiContext& context = ContextOf(lease);
    context.SetStdin(wasi::InputSource::FromString(request.in));
    context.SetStdout(OutputSink::ToString(&request.out));
    context.SetStderr(OutputSink::ToString(&request.err));
    EXPECT_THAT(CallGuest(lease, "echo"),
                testing::IsOkAndHolds(static_cast<int32_t>(request.in.size())));
  }
  EXPECT_EQ(requests[0].out, "echo: request one");
  EXPECT_EQ(requests[0].err, "stderr\n");
  EXPECT_EQ(requests[1].out, "echo: request two");
  EXPECT_EQ(requests[1].err, "stderr\n");
  EXPECT_EQ(default_out, "");
  // Leases that set nothing get WasiOptions' stdio, stdin from its start
  // every time; the last request's sinks are not used after its lease.
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "echo"), testing::IsOkAndHolds(13)) << i;
  }
  EXPECT_EQ(default_out, "echo: default inputecho: default input");
  EXPECT_EQ(requests[1].out, "echo: request two");
  EXPECT_EQ(requests[1].err, "stderr\n");
  EXPECT_EQ(pool->stats().misses, 0u);
}

TEST(WasiPoolTest, StdioSetByALeaseThatNeverCalledTheGuestIsReset) {
  std::string default_out;
  WasiOptions wasi_options;
  wasi_options.stdout_sink = OutputSink::ToString(&default_out);
  ASSERT_OK_AND_ASSIGN(auto pool, StatePool(std::move(wasi_options)));
  std::string abandoned;
  {
    // The request was refused before the guest ran: memory is untouched,
    // but the context was changed.
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    ContextOf(lease).SetStdout(OutputSink::ToString(&abandoned));
  }
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_THAT(CallGuest(lease, "echo"), testing::IsOkAndHolds(0));
  EXPECT_EQ(default_out, "echo: ");
  EXPECT_EQ(abandoned, "");
}

TEST(WasiPoolTest, VirtualClockAndSeededRandomRestartEveryLease) {
  WasiOptions wasi_options;
  wasi_options.virtual_clock = WasiOptions::VirtualClock{
      /*start_nanos=*/1'000'000'000, /*tick_nanos=*/1000};
  wasi_options.random_seed = 7;
  ASSERT_OK_AND_ASSIGN(auto pool, StatePool(std::move(wasi_options)));
  std::vector<std::string> outputs;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    std::string out;
    ContextOf(lease).SetStdout(OutputSink::ToString(&out));
    EXPECT_THAT(CallGuest(lease, "clock_random"), testing::IsOkAndHolds(0));
    EXPECT_THAT(CallGuest(lease, "clock_random"), testing::IsOkAndHolds(0));
    outputs.push_back(out);
  }
  // The same request gives the same output on every lease...
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[1], outputs[2]);
  // ...from the clock's start and the seed's first bytes, while within a
  // lease the clock advances and the stream goes on.
  std::vector<std::string> lines = absl::StrSplit(outputs[0], '\n');
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(absl::StartsWith(lines[0], "time 1000000000 random "))
      << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], "time 1000001000 random "))
      << lines[1];
  EXPECT_NE(lines[0].substr(23), lines[1].substr(23));
}

// ConfigurePool keeps hooks the caller set: they run after WASI's part, and
// a failing reset discards the instance.
TEST(WasiPoolTest, ConfigurePoolChainsTheCallersHooks) {
  int setups = 0;
  int resets = 0;
  bool fail_reset = false;
  std::weak_ptr<void> first_attachment;
  PoolOptions options;
  options.setup_instance = [&](InstanceOptions& instance_options) {
    auto attachment = std::make_shared<int>(++setups);
    if (setups == 1) first_attachment = attachment;
    instance_options.SetContext(std::move(attachment));
    return absl::OkStatus();
  };
  options.reset_instance = [&](Instance& instance) {
    ++resets;
    if (instance.context<WasiContext>() == nullptr) {
      return absl::InternalError("no WasiContext");
    }
    return fail_reset ? absl::InternalError("host state is stuck")
                      : absl::OkStatus();
  };
  ASSERT_OK_AND_ASSIGN(auto pool, StatePool(WithDataDir(), options));
  EXPECT_EQ(setups, 1);
  EXPECT_EQ(resets, 1);  // after the image was taken
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "open_file"), testing::IsOkAndHolds(4));
  }
  EXPECT_EQ(resets, 2);
  EXPECT_EQ(pool->stats().discards, 0u);
  fail_reset = true;
  {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(CallGuest(lease, "open_file"), testing::IsOkAndHolds(4));
  }
  EXPECT_EQ(pool->stats().discards, 1u);
  // The discarded instance took its attachment (and its context) with it.
  EXPECT_TRUE(first_attachment.expired());
  fail_reset = false;
  ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
  EXPECT_EQ(setups, 2);
  EXPECT_EQ(pool->stats().misses, 1u);
  EXPECT_THAT(CallGuest(lease, "open_file"), testing::IsOkAndHolds(4));
}

TEST(WasiPoolTest, ConfigurePoolWithAMissingPreopenFailsAndChangesNothing) {
  WasiOptions wasi_options;
  wasi_options.preopens = {Preopen{"/nonexistent/wasmhost/dir", "/data"}};
  PoolOptions options;
  EXPECT_STATUS(wasi::ConfigurePool(options, wasi_options),
                absl::StatusCode::kNotFound, "/nonexistent/wasmhost/dir");
  EXPECT_FALSE(options.setup_instance);
  EXPECT_FALSE(options.initialize_instance);
  EXPECT_FALSE(options.reset_instance);
  EXPECT_FALSE(options.is_normal_exit);
}

// A kFreshState command pool (ConfigurePool) of `wasm`, one idle instance.
absl::StatusOr<std::unique_ptr<InstancePool>> CommandPool(
    absl::Span<const uint8_t> wasm) {
  PoolOptions options;
  options.max_idle_per_thread = 1;
  absl::Status configured = wasi::ConfigurePool(options, {});
  if (!configured.ok()) return configured;
  Linker linker;
  absl::Status added = wasi::AddToLinker(linker);
  if (!added.ok()) return added;
  absl::StatusOr<Module> module = testing::Compile(wasm);
  if (!module.ok()) return module.status();
  return InstancePool::Create(*module, linker, options);
}

// exit() ends the lease, not the instance: the pool resets it and keeps it.
TEST(WasiPoolTest, CommandCallingExitStaysWarm) {
  ASSERT_OK_AND_ASSIGN(auto pool, CommandPool(guests::exit_code_wasm()));
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(wasi::RunCommand(lease.instance()), testing::IsOkAndHolds(7))
        << "lease " << i;
  }
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.exits, 4u);
  EXPECT_EQ(stats.resets, 4u);
  EXPECT_EQ(stats.misses, 0u);
  EXPECT_EQ(stats.discards, 0u);
  EXPECT_EQ(stats.traps, 0u);
}

// abort() is a trap, not an exit: the instance is discarded.
TEST(WasiPoolTest, CommandThatTrapsIsDiscarded) {
  ASSERT_OK_AND_ASSIGN(auto pool, CommandPool(guests::trap_wasm()));
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(wasi::RunCommand(lease.instance()),
                testing::StatusIs(absl::StatusCode::kAborted));
  }
  const PoolStats stats = pool->stats();
  EXPECT_EQ(stats.exits, 0u);
  EXPECT_EQ(stats.traps, 2u);
  EXPECT_EQ(stats.discards, 2u);
}

// --- clocks and randomness ------------------------------------------------

WasiOptions Deterministic(uint64_t seed) {
  WasiOptions options;
  options.virtual_clock = WasiOptions::VirtualClock{
      /*start_nanos=*/1'000'000'000, /*tick_nanos=*/1000};
  options.random_seed = seed;
  return options;
}

TEST(WasiGuestsTest, VirtualClockAndSeedGiveIdenticalRuns) {
  CommandResult first = RunGuest(guests::random_clock_wasm(), {"random_clock"},
                                 Deterministic(42));
  CommandResult second = RunGuest(guests::random_clock_wasm(), {"random_clock"},
                                  Deterministic(42));
  EXPECT_THAT(first.exit_code, testing::IsOkAndHolds(0));
  EXPECT_THAT(second.exit_code, testing::IsOkAndHolds(0));
  EXPECT_EQ(first.out, second.out);
  // The virtual clock starts at 1 s.
  EXPECT_THAT(first.out, HasSubstr("realtime 1.00"));
  EXPECT_THAT(first.out, HasSubstr("monotonic 1.00"));

  CommandResult other_seed = RunGuest(guests::random_clock_wasm(),
                                      {"random_clock"}, Deterministic(43));
  EXPECT_THAT(other_seed.exit_code, testing::IsOkAndHolds(0));
  const std::string random_line =
      std::vector<std::string>(absl::StrSplit(first.out, '\n'))[0];
  EXPECT_THAT(other_seed.out, Not(HasSubstr(random_line)));
}

TEST(WasiGuestsTest, VirtualClockAdvancesOnEveryRead) {
  CommandResult result =
      RunGuest(guests::random_clock_wasm(), {"random_clock"}, Deterministic(1));
  ASSERT_THAT(result.exit_code, testing::IsOkAndHolds(0));
  std::vector<std::string> realtimes;
  for (absl::string_view line : absl::StrSplit(result.out, '\n')) {
    if (absl::StartsWith(line, "realtime ")) {
      realtimes.emplace_back(line.substr(9, line.find(' ', 9) - 9));
    }
  }
  ASSERT_EQ(realtimes.size(), 3u);
  EXPECT_LT(realtimes[0], realtimes[1]);
  EXPECT_LT(realtimes[1], realtimes[2]);
}

TEST(WasiGuestsTest, SystemRandomnessDiffersBetweenRuns) {
  CommandResult first = RunGuest(guests::random_clock_wasm(), {"random_clock"});
  CommandResult second =
      RunGuest(guests::random_clock_wasm(), {"random_clock"});
  EXPECT_THAT(first.exit_code, testing::IsOkAndHolds(0));
  EXPECT_THAT(second.exit_code, testing::IsOkAndHolds(0));
  EXPECT_NE(first.out.substr(0, 40), second.out.substr(0, 40));
}

}  // namespace
}  // namespace wasmhost
