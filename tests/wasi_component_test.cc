// WASI 0.2 (wasmhost/wasi_component.h) through real components: the
// preview-1 C guests (guests/*.c) made command components by jco's
// preview-1 command adapter, run with the same WasiOptions as their module
// builds and compared with them; the C reactor component on the real
// interfaces; and the errors: no WASI granted, no context, no run export,
// escapes and read-only preopens.

#include "wasmhost/wasi_component.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/command_components.h"
#include "guests/components/components.h"
#include "guests/guests.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "tests/wasi_commands.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/wasi.h"

namespace wasmhost {
namespace {

namespace commands = guests::components;
using component::Component;
using component::ComponentFunc;
using component::Linker;
using component::Val;
using testing::CommandResult;
using ::testing::HasSubstr;
using testing::InstantiateComponentWithWasi;
using testing::IsOkAndHolds;
using testing::MakeSandboxLayout;
using testing::MakeTempDir;
using testing::MakeWalkTree;
using ::testing::Not;
using testing::PathExists;
using testing::ReadFile;
using testing::RunComponentGuest;
using testing::RunGuest;
using testing::SandboxLayout;
using testing::SharedEngine;
using testing::WriteFile;
using wasi::InputSource;
using wasi::OutputSink;
using wasi::Preopen;
using wasi::WasiContext;
using wasi::WasiOptions;

// The component run gave exactly what the module run of the same program
// gave.
void ExpectSameAsModule(const CommandResult& module,
                        const CommandResult& component) {
  ASSERT_TRUE(module.exit_code.ok()) << module.exit_code.status();
  EXPECT_THAT(component.exit_code, IsOkAndHolds(*module.exit_code))
      << component.err;
  EXPECT_EQ(component.out, module.out);
  EXPECT_EQ(component.err, module.err);
}

TEST(WasiComponentTest, HelloGetsArgsAndEnvironmentAsTheModuleDoes) {
  WasiOptions options;
  options.env = {{"GREETING", "good day"}, {"OTHER", "x=y"}};
  CommandResult component = RunComponentGuest(commands::hello_wasm(),
                                              {"hello", "ada", "bob"}, options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(component.out, "hello, ada bob\nGREETING=good day\n");
  ExpectSameAsModule(
      RunGuest(guests::hello_wasm(), {"hello", "ada", "bob"}, options),
      component);
}

TEST(WasiComponentTest, HelloWithNothingGranted) {
  CommandResult component = RunComponentGuest(commands::hello_wasm(), {});
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(component.out, "hello, world\nGREETING is not set\n");
}

// wasi:cli/exit takes a result: the adapter makes exit(7) an err, which is
// exit code 1 (as in Wasmtime).
TEST(WasiComponentTest, ExitStatusIsPassedThroughAndOutputFlushed) {
  CommandResult component =
      RunComponentGuest(commands::exit_code_wasm(), {"exit_code"});
  EXPECT_THAT(component.exit_code, IsOkAndHolds(1));
  EXPECT_EQ(component.out, "exiting with 7\n");
}

TEST(WasiComponentTest, StdinIsReadThroughAnInputStream) {
  WasiOptions options;
  options.stdin_source = InputSource::FromString("wasi 0.2\nstreams\n");
  CommandResult component =
      RunComponentGuest(commands::upper_wasm(), {"upper"}, options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(component.out, "WASI 0.2\nSTREAMS\n");
  EXPECT_EQ(component.err, "17 bytes\n");
  ExpectSameAsModule(RunGuest(guests::upper_wasm(), {"upper"}, options),
                     component);
}

TEST(WasiComponentTest, EmptyStdinEndsAtOnce) {
  CommandResult component =
      RunComponentGuest(commands::upper_wasm(), {"upper"});
  EXPECT_THAT(component.exit_code, IsOkAndHolds(1));  // exit(3): an err.
  EXPECT_EQ(component.err, "0 bytes\n");
}

TEST(WasiComponentTest, FailingStdoutSinkEndsTheStream) {
  WasiOptions options;
  options.stdin_source = InputSource::FromString("abc");
  CommandResult result{absl::InternalError("not run"), "", ""};
  options.stdout_sink = OutputSink::ToCallback([](absl::string_view) {
    return absl::FailedPreconditionError("reader gone");
  });
  options.args = {"upper"};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WasiContext> context,
                       WasiContext::Create(options));
  ASSERT_OK_AND_ASSIGN(
      component::Instance instance,
      InstantiateComponentWithWasi(commands::upper_wasm(), context.get()));
  // The guest goes on running: stdout's failure is the guest's to handle
  // (wasi-libc's exit flushes and ignores it), never the host's.
  EXPECT_THAT(wasi::RunComponentCommand(instance), IsOkAndHolds(0));
}

TEST(WasiComponentTest, CopyInsidePreopenAsTheModuleDoes) {
  const std::string dir = MakeTempDir();
  std::string content;
  for (int i = 0; i < 3000; ++i) absl::StrAppend(&content, "line ", i, "\n");
  WriteFile(dir + "/in.txt", content);
  WasiOptions options;
  options.preopens = {Preopen{dir, "/sandbox"}};
  CommandResult component = RunComponentGuest(
      commands::copy_wasm(), {"copy", "/sandbox/in.txt", "/sandbox/out.txt"},
      options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(component.out, absl::StrCat("copied ", content.size(), " bytes\n"));
  EXPECT_EQ(ReadFile(dir + "/out.txt"), content);
  ExpectSameAsModule(
      RunGuest(guests::copy_wasm(),
               {"copy", "/sandbox/in.txt", "/sandbox/out2.txt"}, options),
      RunComponentGuest(commands::copy_wasm(),
                        {"copy", "/sandbox/in.txt", "/sandbox/out2.txt"},
                        options));
}

TEST(WasiComponentTest, CopyWithRelativePathsInDotPreopen) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/in.txt", "relative\n");
  WasiOptions options;
  options.preopens = {Preopen{dir, "."}};
  CommandResult component = RunComponentGuest(
      commands::copy_wasm(), {"copy", "in.txt", "out.txt"}, options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(ReadFile(dir + "/out.txt"), "relative\n");
}

TEST(WasiComponentTest, CopyIntoReadOnlyPreopenFails) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/in.txt", "data\n");
  WasiOptions options;
  options.preopens = {Preopen{dir, "/ro", /*read_only=*/true}};
  CommandResult component = RunComponentGuest(
      commands::copy_wasm(), {"copy", "/ro/in.txt", "/ro/out.txt"}, options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(1));
  // read-only, which the adapter gives the guest as EROFS.
  EXPECT_THAT(component.err,
              HasSubstr("copy: /ro/out.txt: Read-only file system"));
  EXPECT_FALSE(PathExists(dir + "/out.txt"));
  EXPECT_THAT(component.err, Not(HasSubstr(dir)));
}

TEST(WasiComponentTest, CopyWithoutPreopenFails) {
  CommandResult component = RunComponentGuest(
      commands::copy_wasm(), {"copy", "/sandbox/in.txt", "out.txt"});
  EXPECT_THAT(component.exit_code, IsOkAndHolds(1));
  EXPECT_THAT(component.err, HasSubstr("copy: /sandbox/in.txt: "));
}

TEST(WasiComponentTest, WalkListsTheTreeAsTheModuleDoes) {
  WasiOptions options;
  options.preopens = {Preopen{MakeWalkTree(), "/tree", /*read_only=*/true}};
  CommandResult component =
      RunComponentGuest(commands::walk_wasm(), {"walk", "/tree"}, options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(component.out, testing::kWalkTreeListing);
  ExpectSameAsModule(RunGuest(guests::walk_wasm(), {"walk", "/tree"}, options),
                     component);
}

// `attempts` escapes tried (fewer when the symlinks could not be made)
// and all denied.
void ExpectNoEscape(const SandboxLayout& layout, const CommandResult& result,
                    int attempts = 6) {
  EXPECT_THAT(result.exit_code, IsOkAndHolds(0)) << result.out;
  EXPECT_THAT(result.out,
              HasSubstr(absl::StrCat("all ", attempts, " denied\n")));
  EXPECT_THAT(result.out, Not(HasSubstr("OPENED")));
  EXPECT_THAT(result.out, Not(HasSubstr("top secret")));
  EXPECT_FALSE(PathExists(layout.root + "/created"));
  EXPECT_THAT(result.out, Not(HasSubstr(layout.root)));
  EXPECT_THAT(result.err, Not(HasSubstr(layout.root)));
}

TEST(WasiComponentTest, EscapesFromAbsolutePreopenAreDenied) {
  SandboxLayout layout = MakeSandboxLayout();
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, "/sandbox"}};
  CommandResult result = RunComponentGuest(commands::escape_wasm(),
                                           {"escape", "/sandbox"}, options);
  ExpectNoEscape(layout, result);
  // An escape is not-permitted, which the adapter gives the guest as
  // EPERM (preview 1's own ENOTCAPABLE has no WASI 0.2 error-code).
  EXPECT_THAT(result.out, HasSubstr("open ../secret: EPERM\n"));
  EXPECT_THAT(result.out, HasSubstr("open up/secret: EPERM\n"));
}

TEST(WasiComponentTest, EscapesFromDotAndReadOnlyPreopensAreDenied) {
  SandboxLayout layout = MakeSandboxLayout();
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, "."}};
  ExpectNoEscape(layout, RunComponentGuest(commands::escape_wasm(),
                                           {"escape", "."}, options));
  SandboxLayout read_only = MakeSandboxLayout();
  options.preopens = {Preopen{read_only.sandbox, "/sandbox", true}};
  CommandResult result = RunComponentGuest(commands::escape_wasm(),
                                           {"escape", "/sandbox"}, options);
  ExpectNoEscape(read_only, result, /*attempts=*/4);
  EXPECT_THAT(result.out, HasSubstr("symlink root -> /: EROFS\n"));
  EXPECT_FALSE(PathExists(read_only.sandbox + "/root"));
}

TEST(WasiComponentTest, VirtualClockAndSeedGiveIdenticalRuns) {
  WasiOptions options;
  options.virtual_clock = WasiOptions::VirtualClock{1700000000000000000ull, 7};
  options.random_seed = 42;
  CommandResult first =
      RunComponentGuest(commands::random_clock_wasm(), {"rc"}, options);
  CommandResult second =
      RunComponentGuest(commands::random_clock_wasm(), {"rc"}, options);
  EXPECT_THAT(first.exit_code, IsOkAndHolds(0)) << first.out;
  EXPECT_THAT(first.out, HasSubstr("realtime 1700000000."));
  EXPECT_THAT(first.out, HasSubstr("resolution 7\n"));
  EXPECT_EQ(first.out, second.out);
  options.random_seed = 43;
  CommandResult other =
      RunComponentGuest(commands::random_clock_wasm(), {"rc"}, options);
  EXPECT_NE(other.out.substr(0, 40), first.out.substr(0, 40));
}

// The C reactor component (guests/components/wasi_reactor.c) on the real
// interfaces: stdout, environment and the monotonic clock.
TEST(WasiComponentTest, ReactorComponentRunsOnWasi) {
  std::string out;
  WasiOptions options;
  options.env = {{"GREETING", "from the host"}};
  options.stdout_sink = OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WasiContext> context,
                       WasiContext::Create(options));
  ASSERT_OK_AND_ASSIGN(
      component::Instance instance,
      InstantiateComponentWithWasi(guests::wasi_reactor_wasm(), context.get()));
  ASSERT_OK_AND_ASSIGN(component::Func shout, instance.GetFunc("shout"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> result,
                       shout.Call({Val::String("hi")}));
  EXPECT_EQ(out, "hi! from the host\n");
  EXPECT_EQ(result.at(0), Val::U32(18));
  // Not a command.
  EXPECT_STATUS(wasi::RunComponentCommand(instance).status(),
                absl::StatusCode::kNotFound, "exports no wasi:cli/run");
}

// Every open gives the guest a descriptor and a stream, and every close
// drops them: more opens than the context's table holds at once
// (p2::Resources::kMaxObjects, 4096) all succeed.
TEST(WasiComponentTest, DroppedHandlesFreeTheirHostObjects) {
  const std::string dir = MakeTempDir();
  WriteFile(dir + "/f.txt", "twelve bytes");
  WasiOptions options;
  options.preopens = {Preopen{dir, "/d", /*read_only=*/true}};
  CommandResult component = RunComponentGuest(
      commands::reopen_wasm(), {"reopen", "/d/f.txt", "5000"}, options);
  EXPECT_THAT(component.exit_code, IsOkAndHolds(0)) << component.err;
  EXPECT_EQ(component.out, "read 5000 times, 12 bytes each\n");
}

// What a fresh-state lease does with a component (a new instance on the
// lease's context, Reset between leases): the virtual clock and seeded
// random start over, so each lease prints what the first did.
TEST(WasiComponentTest, ResetContextStartsEachInstanceAfresh) {
  std::string out;
  WasiOptions options;
  options.virtual_clock = WasiOptions::VirtualClock{1000000000, 5};
  options.random_seed = 9;
  options.stdout_sink = OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WasiContext> context,
                       WasiContext::Create(options));
  std::vector<std::string> outputs;
  for (int lease = 0; lease < 3; ++lease) {
    out.clear();
    ASSERT_OK_AND_ASSIGN(component::Instance instance,
                         InstantiateComponentWithWasi(
                             commands::random_clock_wasm(), context.get()));
    EXPECT_THAT(wasi::RunComponentCommand(instance), IsOkAndHolds(0));
    outputs.push_back(out);
    if (lease == 1) continue;  // Not reset: the clock and stream go on.
    ASSERT_OK(context->Reset());
  }
  EXPECT_THAT(outputs[0], HasSubstr("random "));
  EXPECT_EQ(outputs[1], outputs[0]);
  EXPECT_NE(outputs[2], outputs[0]);
}

// Reset drops every stream, descriptor and pollable the guest holds: a
// handle kept across it (an instance reused without being made afresh)
// reaches nothing, and the call fails rather than touching another
// lease's objects.
TEST(WasiComponentTest, ResetDropsTheStreamsAnInstanceHolds) {
  std::string out;
  WasiOptions options;
  options.stdout_sink = OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WasiContext> context,
                       WasiContext::Create(options));
  ASSERT_OK_AND_ASSIGN(
      component::Instance instance,
      InstantiateComponentWithWasi(guests::wasi_reactor_wasm(), context.get()));
  ASSERT_OK_AND_ASSIGN(component::Func shout, instance.GetFunc("shout"));
  ASSERT_OK(shout.Call({Val::String("one")}).status());
  EXPECT_EQ(out, "one! \n");
  ASSERT_OK(context->Reset());
  // The adapter kept its stdout stream handle from the first call.
  EXPECT_STATUS(shout.Call({Val::String("two")}).status(),
                absl::StatusCode::kInternal, "no host object");
  EXPECT_EQ(out, "one! \n");
}

TEST(WasiComponentTest, WithoutWasiTheMissingInterfaceIsNamed) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), commands::hello_wasm()));
  EXPECT_STATUS(component::Instance::Create(component, Linker()).status(),
                absl::StatusCode::kNotFound, "of interface wasi:cli/");
}

TEST(WasiComponentTest, WithoutAContextWasiCallsTrap) {
  ASSERT_OK_AND_ASSIGN(
      component::Instance instance,
      InstantiateComponentWithWasi(commands::hello_wasm(), nullptr));
  EXPECT_STATUS(wasi::RunComponentCommand(instance).status(),
                absl::StatusCode::kFailedPrecondition, "without a WasiContext");
  EXPECT_TRUE(instance.poisoned());
}

// A guest importing wasi:sockets (at 0.2.0: any 0.2 patch version links)
// gets access-denied for every socket it asks for.
TEST(WasiComponentTest, SocketsLinkAndDenyEverything) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WasiContext> context,
                       WasiContext::Create({}));
  ASSERT_OK_AND_ASSIGN(component::Instance instance,
                       InstantiateComponentWithWasi(
                           testing::wasi_sockets_wasm(), context.get()));
  ASSERT_OK_AND_ASSIGN(component::Func try_socket, instance.GetFunc("try"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> result, try_socket.Call({}));
  EXPECT_EQ(result.at(0), Val::U32(1));  // access-denied
}

TEST(WasiComponentTest, AddingTwiceIsAlreadyExists) {
  Linker linker;
  ASSERT_OK(wasi::AddToComponentLinker(linker));
  EXPECT_STATUS(wasi::AddToComponentLinker(linker),
                absl::StatusCode::kAlreadyExists, "already defined");
}

// The host's error-code case indices follow the WIT the adapter was built
// against: a renumbered case would give guests wrong errnos silently.
TEST(WasiComponentTest, ErrorCodeCasesMatchTheWit) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), commands::copy_wasm()));
  const ComponentFunc* open_at = nullptr;
  for (const ComponentFunc& func : component.imported_funcs()) {
    if (func.name == "[method]descriptor.open-at") open_at = &func;
  }
  ASSERT_NE(open_at, nullptr);
  EXPECT_EQ(open_at->interface, "wasi:filesystem/types@0.2.12");
  ASSERT_TRUE(open_at->type.result.has_value());
  std::optional<component::Type> err = open_at->type.result->err();
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->labels(), (std::vector<std::string>{"access",
                                                     "would-block",
                                                     "already",
                                                     "bad-descriptor",
                                                     "busy",
                                                     "deadlock",
                                                     "quota",
                                                     "exist",
                                                     "file-too-large",
                                                     "illegal-byte-sequence",
                                                     "in-progress",
                                                     "interrupted",
                                                     "invalid",
                                                     "io",
                                                     "is-directory",
                                                     "loop",
                                                     "too-many-links",
                                                     "message-size",
                                                     "name-too-long",
                                                     "no-device",
                                                     "no-entry",
                                                     "no-lock",
                                                     "insufficient-memory",
                                                     "insufficient-space",
                                                     "not-directory",
                                                     "not-empty",
                                                     "not-recoverable",
                                                     "unsupported",
                                                     "no-tty",
                                                     "no-such-device",
                                                     "overflow",
                                                     "not-permitted",
                                                     "pipe",
                                                     "read-only",
                                                     "invalid-seek",
                                                     "text-file-busy",
                                                     "cross-device"}));
}

}  // namespace
}  // namespace wasmhost
