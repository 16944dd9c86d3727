// A real Rust guest (guests/rust_hello.rs, compiled from source by Debian's
// rustc 1.63 for wasm32-wasi in the build) run through the public WASI API
// (wasmhost/wasi.h): Rust's std reading args and the environment, reading
// files in a preopen with std::fs, seeing the host refuse paths outside it,
// writing stdout and stderr, and exiting with std::process::exit.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/rust_guests.h"
#include "tests/test_util.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/wasi.h"

namespace wasmhost {
namespace {

using testing::MakeSandboxLayout;
using testing::SandboxLayout;
using testing::WriteFile;

using ::testing::HasSubstr;
using ::testing::Not;
using wasi::OutputSink;
using wasi::Preopen;
using wasi::WasiContext;
using wasi::WasiOptions;

struct CommandResult {
  absl::StatusOr<int> exit_code;
  std::string out;
  std::string err;
};

// Runs guests/rust_hello.rs with `args` (args[0] is the program name) and
// the rest of `options`, capturing stdout and stderr.
CommandResult RunRustHello(std::vector<std::string> args,
                           WasiOptions options = {}) {
  CommandResult result{absl::InternalError("not run"), "", ""};
  options.args = std::move(args);
  options.stdout_sink = OutputSink::ToString(&result.out);
  options.stderr_sink = OutputSink::ToString(&result.err);
  absl::StatusOr<std::unique_ptr<WasiContext>> context =
      WasiContext::Create(std::move(options));
  EXPECT_TRUE(context.ok()) << context.status();
  if (!context.ok()) return result;

  Linker linker;
  EXPECT_OK(wasi::AddToLinker(linker));
  InstanceOptions instance_options;
  instance_options.SetContext(context->get());
  absl::StatusOr<Instance> instance =
      testing::Instantiate(guests::rust_hello_wasm(), linker, instance_options);
  EXPECT_TRUE(instance.ok()) << instance.status();
  if (!instance.ok()) return result;
  result.exit_code = wasi::RunCommand(*instance);
  return result;
}

// MakeSandboxLayout's, plus sandbox/notes.txt and a symlink sandbox/link
// to ../secret.
SandboxLayout MakeLayout() {
  SandboxLayout layout = MakeSandboxLayout();
  WriteFile(layout.sandbox + "/notes.txt", "first note\nsecond note\n");
  EXPECT_EQ(symlink("../secret", (layout.sandbox + "/link").c_str()), 0);
  return layout;
}

TEST(WasiRustTest, ModuleIsAWasiCommandBuiltByRustc) {
  absl::StatusOr<Module> module = testing::Compile(guests::rust_hello_wasm());
  ASSERT_TRUE(module.ok()) << module.status();
  // Rust's std reaches the host only through wasi_snapshot_preview1.
  bool has_fd_write = false;
  for (const ImportType& import : module->imports()) {
    EXPECT_EQ(import.module, "wasi_snapshot_preview1") << import.name;
    if (import.name == "fd_write") has_fd_write = true;
  }
  EXPECT_TRUE(has_fd_write);
  bool has_start = false;
  for (const ExportType& e : module->exports()) {
    if (e.name == "_start") has_start = true;
  }
  EXPECT_TRUE(has_start);
}

TEST(WasiRustTest, PrintsItsArgsAndEnvironment) {
  WasiOptions options;
  options.env = {{"OTHER", "x"}, {"GREETING", "good morning"}};
  CommandResult result = RunRustHello({"rust_hello", "alice"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0));
  EXPECT_EQ(result.out, "hello from Rust, alice\nGREETING=good morning\n");
  EXPECT_EQ(result.err, "");
}

TEST(WasiRustTest, SeesNoEnvironmentUnlessGranted) {
  CommandResult result = RunRustHello({"rust_hello", "bob"});
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0));
  EXPECT_EQ(result.out, "hello from Rust, bob\nGREETING is not set\n");
}

TEST(WasiRustTest, UsageGoesToStderrWithExitCode2) {
  CommandResult result = RunRustHello({"rust_hello"});
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(2));
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "usage: rust_hello NAME [FILE...]\n");
}

TEST(WasiRustTest, ReadsFilesInItsPreopenWithStdFs) {
  SandboxLayout layout = MakeLayout();
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, "/sandbox", /*read_only=*/true}};
  CommandResult result =
      RunRustHello({"rust_hello", "reader", "/sandbox/notes.txt"}, options);
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(0)) << result.out;
  EXPECT_EQ(result.out,
            "hello from Rust, reader\n"
            "GREETING is not set\n"
            "/sandbox/notes.txt: 23 bytes, first line: first note\n");
}

TEST(WasiRustTest, PathsOutsideThePreopenAreDenied) {
  SandboxLayout layout = MakeLayout();
  WasiOptions options;
  options.preopens = {Preopen{layout.sandbox, "/sandbox"}};
  CommandResult result = RunRustHello(
      {"rust_hello", "prisoner", "/sandbox/notes.txt", "/etc/passwd",
       "/sandbox/../secret", "/sandbox/link", "/sandbox/missing"},
      options);
  // One unreadable file per failure: process::exit(4).
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(4)) << result.out;
  // "/etc/passwd" is under no preopen: Rust's std (through its wasi-libc)
  // refuses it without asking the host. ".." and the symlink resolve
  // outside the preopen: the host answers ENOTCAPABLE (76), which std
  // reports as "Capabilities insufficient".
  EXPECT_EQ(result.out,
            "hello from Rust, prisoner\n"
            "GREETING is not set\n"
            "/sandbox/notes.txt: 23 bytes, first line: first note\n"
            "/etc/passwd: error: failed to find a pre-opened file descriptor "
            "through which \"/etc/passwd\" could be opened\n"
            "/sandbox/../secret: error: Capabilities insufficient "
            "(os error 76)\n"
            "/sandbox/link: error: Capabilities insufficient (os error 76)\n"
            "/sandbox/missing: error: No such file or directory "
            "(os error 44)\n");
  EXPECT_THAT(result.out, Not(HasSubstr("top secret")));
  EXPECT_THAT(result.out, Not(HasSubstr(layout.root)));
  EXPECT_EQ(result.err, "");
}

TEST(WasiRustTest, NoPreopenMeansNoFiles) {
  CommandResult result =
      RunRustHello({"rust_hello", "nobody", "/sandbox/notes.txt", "notes.txt"});
  EXPECT_THAT(result.exit_code, testing::IsOkAndHolds(2)) << result.out;
  EXPECT_THAT(result.out, HasSubstr("/sandbox/notes.txt: error: failed to "
                                    "find a pre-opened file descriptor"));
  EXPECT_THAT(result.out, HasSubstr("notes.txt: error: "));
}

}  // namespace
}  // namespace wasmhost
