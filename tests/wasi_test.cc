// Tests of wasmhost/wasi.h: WASI preview 1 through the public API, with WAT
// guests. wasi_calls.wat re-exports every import so each call can be made
// from here with exact arguments; the other fixtures are small commands.

#include "wasmhost/wasi.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"

namespace wasmhost {
namespace {

using testing::MakeTempDir;
using testing::PathExists;
using testing::WriteFile;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using I = uint32_t;
using L = uint64_t;

// WASI errno values.
constexpr int32_t kBadf = 8;
constexpr int32_t kExist = 20;
constexpr int32_t kFault = 21;
constexpr int32_t kInval = 28;
constexpr int32_t kIo = 29;
constexpr int32_t kIsDir = 31;
constexpr int32_t kLoop = 32;
constexpr int32_t kNoEnt = 44;
constexpr int32_t kNoSpc = 51;
constexpr int32_t kNoSys = 52;
constexpr int32_t kNotDir = 54;
constexpr int32_t kNotEmpty = 55;
constexpr int32_t kNotSock = 57;
constexpr int32_t kNotSup = 58;
constexpr int32_t kPipe = 64;
constexpr int32_t kNotCapable = 76;

// Rights, oflags, lookupflags.
constexpr L kRightFdDatasync = 1 << 0;
constexpr L kRightFdRead = 1 << 1;
constexpr L kRightFdSeek = 1 << 2;
constexpr L kRightFdTell = 1 << 5;
constexpr L kRightFdWrite = 1 << 6;
constexpr L kRightFdAllocate = 1 << 8;
constexpr L kRightFdReaddir = 1 << 14;
constexpr L kRightFdFilestatGet = 1 << 21;
constexpr L kRightFdFilestatSetSize = 1 << 22;
constexpr L kFileRights = kRightFdRead | kRightFdSeek | kRightFdTell |
                          kRightFdWrite | kRightFdFilestatGet |
                          kRightFdFilestatSetSize;
constexpr I kOflagCreat = 1;
constexpr I kOflagDirectory = 2;
constexpr I kOflagTrunc = 8;
constexpr I kFollow = 1;

// Scratch layout in the guest's memory.
constexpr I kIov = 0;       // iovecs
constexpr I kOut = 256;     // results
constexpr I kPath = 1024;   // first path
constexpr I kPath2 = 2048;  // second path
constexpr I kBuf = 4096;    // data buffers

Linker WasiLinker() {
  Linker linker;
  EXPECT_OK(wasi::AddToLinker(linker));
  return linker;
}

// An instance with its WASI context (declared first: destroyed last).
struct Guest {
  std::unique_ptr<wasi::WasiContext> context;
  Instance instance;

  // Calls the export `name` (a re-exported WASI function) and returns its
  // errno; -1 if the call itself failed.
  template <typename... Args>
  int32_t Call(absl::string_view name, Args... args) {
    auto func = instance.GetFunc<int32_t(Args...)>(name);
    EXPECT_OK(func.status()) << name;
    if (!func.ok()) return -1;
    absl::StatusOr<int32_t> result = func->Call(args...);
    EXPECT_OK(result.status()) << name;
    return result.ok() ? *result : -1;
  }

  void Put(I offset, absl::string_view bytes) {
    ASSERT_OK(instance.memory().Write(
        offset,
        absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()),
                            bytes.size())));
  }
  void Put32(I offset, uint32_t value) {
    Put(offset, absl::string_view(reinterpret_cast<const char*>(&value), 4));
  }
  void Put64(I offset, uint64_t value) {
    Put(offset, absl::string_view(reinterpret_cast<const char*>(&value), 8));
  }
  std::string Get(I offset, I size) {
    absl::StatusOr<std::string> s = instance.memory().ReadString(offset, size);
    EXPECT_OK(s.status());
    return s.ok() ? *s : "";
  }
  uint32_t Get32(I offset) {
    uint32_t v = 0;
    std::memcpy(&v, Get(offset, 4).data(), 4);
    return v;
  }
  uint64_t Get64(I offset) {
    uint64_t v = 0;
    std::memcpy(&v, Get(offset, 8).data(), 8);
    return v;
  }
  uint8_t Get8(I offset) { return static_cast<uint8_t>(Get(offset, 1)[0]); }

  // path_open(dirfd, path) with `oflags` and `rights`; the new fd or -errno.
  int32_t Open(I dirfd, absl::string_view path, I oflags, L rights,
               I lookup = kFollow) {
    Put(kPath, path);
    int32_t e = Call<I, I, I, I, I, L, L, I, I>(
        "path_open", dirfd, lookup, kPath, static_cast<I>(path.size()), oflags,
        rights, rights, 0, kOut);
    return e == 0 ? static_cast<int32_t>(Get32(kOut)) : -e;
  }
  // Writes `data` to `fd` with one iovec; the errno.
  int32_t Write(I fd, absl::string_view data) {
    Put(kBuf, data);
    Put32(kIov, kBuf);
    Put32(kIov + 4, static_cast<I>(data.size()));
    return Call<I, I, I, I>("fd_write", fd, kIov, 1, kOut);
  }
  // Reads up to `max` bytes from `fd`; the bytes, or "errno N".
  std::string Read(I fd, I max) {
    Put32(kIov, kBuf);
    Put32(kIov + 4, max);
    int32_t e = Call<I, I, I, I>("fd_read", fd, kIov, 1, kOut);
    if (e != 0) return "errno " + std::to_string(e);
    return Get(kBuf, Get32(kOut));
  }
  // A call taking (fd, path, path_len), like path_unlink_file.
  int32_t PathCall(absl::string_view name, I fd, absl::string_view path) {
    Put(kPath, path);
    return Call<I, I, I>(name, fd, kPath, static_cast<I>(path.size()));
  }
  // path_filestat_get's filetype, or -errno.
  int32_t StatType(I fd, absl::string_view path, I flags) {
    Put(kPath, path);
    int32_t e = Call<I, I, I, I, I>("path_filestat_get", fd, flags, kPath,
                                    static_cast<I>(path.size()), kBuf);
    return e == 0 ? Get8(kBuf + 16) : -e;
  }
  int32_t Rename(I fd, absl::string_view from, absl::string_view to) {
    Put(kPath, from);
    Put(kPath2, to);
    return Call<I, I, I, I, I, I>("path_rename", fd, kPath,
                                  static_cast<I>(from.size()), fd, kPath2,
                                  static_cast<I>(to.size()));
  }
  int32_t Symlink(absl::string_view target, I fd, absl::string_view path) {
    Put(kPath, target);
    Put(kPath2, path);
    return Call<I, I, I, I, I>("path_symlink", kPath,
                               static_cast<I>(target.size()), fd, kPath2,
                               static_cast<I>(path.size()));
  }
};

// Instantiates `wasm` through a linker with AddToLinker, with a context
// made from `options` unless `with_context` is false.
absl::StatusOr<Guest> Start(absl::Span<const uint8_t> wasm,
                            wasi::WasiOptions options = {},
                            bool with_context = true) {
  std::unique_ptr<wasi::WasiContext> context;
  InstanceOptions instance_options;
  if (with_context) {
    absl::StatusOr<std::unique_ptr<wasi::WasiContext>> created =
        wasi::WasiContext::Create(std::move(options));
    if (!created.ok()) return created.status();
    context = *std::move(created);
    instance_options.SetContext(context.get());
  }
  static const Linker* const linker = new Linker(WasiLinker());
  absl::StatusOr<Instance> instance =
      testing::Instantiate(wasm, *linker, instance_options);
  if (!instance.ok()) return instance.status();
  return Guest{std::move(context), *std::move(instance)};
}

// ---------------------------------------------------------------------------
// Commands, stdio, args and env.

TEST(WasiTest, HelloWritesStdoutAndStderr) {
  std::string out;
  std::string err;
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  options.stderr_sink = wasi::OutputSink::ToString(&err);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_hello_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  EXPECT_EQ(out, "hello, wasi\n");
  EXPECT_EQ(err, "to stderr\n");
  EXPECT_FALSE(guest.instance.poisoned());
}

TEST(WasiTest, DefaultSinksDiscardAndCallbackSinkGetsChunks) {
  ASSERT_OK_AND_ASSIGN(Guest quiet, Start(fixtures::wasi_hello_wasm()));
  EXPECT_THAT(wasi::RunCommand(quiet.instance), testing::IsOkAndHolds(0));

  std::vector<std::string> chunks;
  wasi::WasiOptions options;
  options.stdout_sink =
      wasi::OutputSink::ToCallback([&](absl::string_view bytes) {
        chunks.emplace_back(bytes);
        return absl::OkStatus();
      });
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_hello_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  EXPECT_THAT(chunks, ElementsAre("hello, wasi\n"));
}

TEST(WasiTest, ToFdSinkWritesTheDescriptor) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToFd(pipe_fds[1]);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_hello_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  ::close(pipe_fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf));
  ::close(pipe_fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "hello, wasi\n");
}

TEST(WasiTest, ArgsAndEnv) {
  std::string out;
  wasi::WasiOptions options;
  options.args = {"prog", "one", "two words"};
  options.env = {{"HOME", "/nowhere"}, {"EMPTY", ""}};
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_args_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  EXPECT_EQ(out,
            std::string("prog\0one\0two words\0HOME=/nowhere\0EMPTY=\0", 40));
}

TEST(WasiTest, NoArgsNoEnv) {
  std::string out;
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_args_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  EXPECT_EQ(out, "");
}

TEST(WasiTest, StdinFromStringIsCopiedToStdout) {
  std::string input;
  for (int i = 0; i < 40; ++i) input += "line " + std::to_string(i) + "\n";
  std::string out;
  wasi::WasiOptions options;
  options.stdin_source = wasi::InputSource::FromString(input);
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_cat_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  EXPECT_EQ(out, input);
}

TEST(WasiTest, StdinFromFdAndEmpty) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_EQ(::write(pipe_fds[1], "piped\n", 6), 6);
  ::close(pipe_fds[1]);
  std::string out;
  wasi::WasiOptions options;
  options.stdin_source = wasi::InputSource::FromFd(pipe_fds[0]);
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_cat_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(0));
  ::close(pipe_fds[0]);
  EXPECT_EQ(out, "piped\n");

  std::string none;
  wasi::WasiOptions empty;
  empty.stdout_sink = wasi::OutputSink::ToString(&none);
  ASSERT_OK_AND_ASSIGN(Guest eof,
                       Start(fixtures::wasi_cat_wasm(), std::move(empty)));
  EXPECT_THAT(wasi::RunCommand(eof.instance), testing::IsOkAndHolds(0));
  EXPECT_EQ(none, "");
}

TEST(WasiTest, StdinSourceErrorIsEio) {
  wasi::WasiOptions options;
  options.stdin_source = wasi::InputSource::FromCallback(
      [](absl::Span<uint8_t>) -> absl::StatusOr<size_t> {
        return absl::UnavailableError("gone");
      });
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_cat_wasm(), std::move(options)));
  // The guest exits with 100 + errno; EIO is 29.
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(129));
}

TEST(WasiTest, FailingSinksAndSourcesGiveTheGuestAnErrno) {
  absl::Status stdout_result = absl::FailedPreconditionError("reader gone");
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToCallback(
      [&](absl::string_view) { return stdout_result; });
  options.stderr_sink = wasi::OutputSink::ToCallback([&](absl::string_view) {
    return absl::ResourceExhaustedError("buffer full");
  });
  options.stdin_source = wasi::InputSource::FromCallback(
      [](absl::Span<uint8_t>) -> absl::StatusOr<size_t> {
        return absl::ErrnoToStatus(EPIPE, "upstream closed");
      });
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_calls_wasm(), std::move(options)));
  EXPECT_EQ(guest.Write(1, "x"), kPipe);
  EXPECT_EQ(guest.Write(2, "x"), kNoSpc);
  EXPECT_EQ(guest.Read(0, 10), "errno 64");  // EPIPE
  stdout_result = absl::InternalError("no reason given");
  EXPECT_EQ(guest.Write(1, "x"), kIo);
  // The guest goes on: the sink works again, so does the write.
  stdout_result = absl::OkStatus();
  EXPECT_EQ(guest.Write(1, "abc"), 0);
  EXPECT_EQ(guest.Get32(kOut), 3u);
  EXPECT_FALSE(guest.instance.poisoned());
}

TEST(WasiTest, SinkFailingAfterTheFirstBufferIsAShortWrite) {
  std::vector<std::string> taken;
  wasi::WasiOptions options;
  options.stdout_sink =
      wasi::OutputSink::ToCallback([&](absl::string_view bytes) {
        if (!taken.empty()) return absl::FailedPreconditionError("closed");
        taken.emplace_back(bytes);
        return absl::OkStatus();
      });
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_calls_wasm(), std::move(options)));
  guest.Put(kBuf, "abcd");
  guest.Put32(kIov, kBuf);
  guest.Put32(kIov + 4, 2);
  guest.Put32(kIov + 8, kBuf + 2);
  guest.Put32(kIov + 12, 2);
  ASSERT_EQ((guest.Call<I, I, I, I>("fd_write", 1, kIov, 2, kOut)), 0);
  EXPECT_EQ(guest.Get32(kOut), 2u);
  EXPECT_THAT(taken, ElementsAre("ab"));
  EXPECT_EQ(guest.Write(1, "cd"), kPipe);
}

TEST(WasiTest, ToFdSinkOnABrokenPipeIsEpipe) {
  // Without this the write raises SIGPIPE, ending the test process.
  ASSERT_NE(::signal(SIGPIPE, SIG_IGN), SIG_ERR);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ::close(pipe_fds[0]);
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToFd(pipe_fds[1]);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_calls_wasm(), std::move(options)));
  EXPECT_EQ(guest.Write(1, "lost"), kPipe);
  ::close(pipe_fds[1]);
}

TEST(WasiTest, ProcExitReturnsCodeAndPoisons) {
  std::string out;
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_exit_wasm(), std::move(options)));
  EXPECT_THAT(wasi::RunCommand(guest.instance), testing::IsOkAndHolds(3));
  EXPECT_EQ(out, "bye\n");
  EXPECT_TRUE(guest.instance.poisoned());
  ASSERT_OK_AND_ASSIGN(auto after, guest.instance.GetFunc<int32_t()>("after"));
  EXPECT_THAT(after.Call(),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(WasiTest, ProcExitStatusCarriesTheCode) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_exit_wasm()));
  ASSERT_OK_AND_ASSIGN(auto start, guest.instance.GetFunc<void()>("_start"));
  absl::Status status = start.Call();
  EXPECT_STATUS(status, absl::StatusCode::kCancelled,
                "guest exited with code 3");
  EXPECT_EQ(wasi::GetExitCode(status), 3);
  EXPECT_EQ(wasi::GetExitCode(absl::OkStatus()), std::nullopt);
  EXPECT_EQ(wasi::GetExitCode(absl::CancelledError("guest exited with code 3")),
            std::nullopt);
}

TEST(WasiTest, ProcExitThroughCallsModule) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_calls_wasm()));
  ASSERT_OK_AND_ASSIGN(auto exit, guest.instance.GetFunc<void(I)>("proc_exit"));
  absl::Status status = exit.Call(0);
  EXPECT_EQ(wasi::GetExitCode(status), 0);
  EXPECT_TRUE(guest.instance.poisoned());
}

TEST(WasiTest, RunCommandWithoutStartIsNotFound) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_calls_wasm()));
  EXPECT_STATUS(wasi::RunCommand(guest.instance), absl::StatusCode::kNotFound,
                "_start");
}

TEST(WasiTest, InitializeReactor) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_reactor_wasm()));
  ASSERT_OK_AND_ASSIGN(auto get, guest.instance.GetFunc<int32_t()>("get"));
  EXPECT_THAT(get.Call(), testing::IsOkAndHolds(0));
  EXPECT_OK(wasi::InitializeReactor(guest.instance));
  EXPECT_THAT(get.Call(), testing::IsOkAndHolds(42));
  // A module without _initialize needs nothing.
  ASSERT_OK_AND_ASSIGN(Guest plain, Start(fixtures::wasi_calls_wasm()));
  EXPECT_OK(wasi::InitializeReactor(plain.instance));
}

TEST(WasiTest, AddToLinkerTwiceIsAlreadyExists) {
  Linker linker;
  ASSERT_OK(wasi::AddToLinker(linker));
  EXPECT_STATUS(wasi::AddToLinker(linker), absl::StatusCode::kAlreadyExists,
                "wasi_snapshot_preview1.args_get is already defined");
}

TEST(WasiTest, NoContextIsEnosys) {
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_calls_wasm(), {}, false));
  EXPECT_EQ((guest.Call<I, I>("args_sizes_get", kOut, kOut + 4)), kNoSys);
  EXPECT_EQ(guest.Write(1, "x"), kNoSys);
  EXPECT_EQ((guest.Call<I, I>("random_get", kBuf, 16)), kNoSys);
  EXPECT_EQ((guest.Call<I, I>("fd_prestat_get", 3, kOut)), kNoSys);
  EXPECT_EQ(guest.Call("sched_yield"), kNoSys);
  // Without a context, _start of a command still runs; its writes fail.
  ASSERT_OK_AND_ASSIGN(Guest hello,
                       Start(fixtures::wasi_hello_wasm(), {}, false));
  EXPECT_THAT(wasi::RunCommand(hello.instance),
              testing::StatusIs(absl::StatusCode::kAborted));
}

TEST(WasiTest, UnopenedFdsAndUnsupportedCalls) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_calls_wasm()));
  EXPECT_EQ(guest.Write(7, "x"), kBadf);
  EXPECT_EQ(guest.Read(9, 4), "errno 8");
  EXPECT_EQ((guest.Call<I>("fd_close", 99)), kBadf);
  EXPECT_EQ((guest.Call<I, I>("fd_fdstat_get", 42, kOut)), kBadf);
  EXPECT_EQ((guest.Call<I, I>("fd_prestat_get", 3, kOut)), kBadf);  // None.
  EXPECT_EQ((guest.Call<I, I>("fd_renumber", 1, 50)), kBadf);
  EXPECT_EQ((guest.Call<I, I, I>("sock_accept", 99, 0, kOut)), kBadf);
  EXPECT_EQ((guest.Call<I, I, I>("sock_accept", 1, 0, kOut)), kNotSock);
  EXPECT_EQ((guest.Call<I, I, I, I, I, I>("sock_recv", 0, kIov, 0, 0, kOut,
                                          kOut + 4)),
            kNotSock);
  EXPECT_EQ((guest.Call<I, I, I, I, I>("sock_send", 1, kIov, 0, 0, kOut)),
            kNotSock);
  EXPECT_EQ((guest.Call<I, I>("sock_shutdown", 2, 0)), kNotSock);
  EXPECT_EQ((guest.Call<I>("proc_raise", 6)), kNotSup);
  EXPECT_EQ(guest.Call("sched_yield"), 0);
  // stdin cannot be written, stdout not read or seeked.
  EXPECT_EQ(guest.Write(0, "x"), kNotCapable);
  EXPECT_EQ(guest.Read(1, 4), "errno 76");
  EXPECT_EQ((guest.Call<I, L, I, I>("fd_seek", 1, 0, 0, kOut)), 70);  // ESPIPE
  // Closing stdout makes it EBADF.
  EXPECT_EQ((guest.Call<I>("fd_close", 1)), 0);
  EXPECT_EQ(guest.Write(1, "x"), kBadf);
}

TEST(WasiTest, OutOfBoundsPointersAreEfault) {
  std::string out;
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToString(&out);
  options.args = {"prog"};
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_calls_wasm(), std::move(options)));
  // An iovec whose buffer runs past the end of memory.
  guest.Put32(kIov, 65530);
  guest.Put32(kIov + 4, 16);
  EXPECT_EQ((guest.Call<I, I, I, I>("fd_write", 1, kIov, 1, kOut)), kFault);
  // The iovec array itself outside memory, and a huge count.
  EXPECT_EQ((guest.Call<I, I, I, I>("fd_write", 1, 65532, 1, kOut)), kFault);
  EXPECT_EQ((guest.Call<I, I, I, I>("fd_write", 1, kIov, 0x20000000, kOut)),
            kFault);
  // nwritten outside memory.
  guest.Put32(kIov, kBuf);
  guest.Put32(kIov + 4, 1);
  EXPECT_EQ((guest.Call<I, I, I, I>("fd_write", 1, kIov, 1, 0xfffffffe)),
            kFault);
  EXPECT_EQ(out, "");
  EXPECT_EQ((guest.Call<I, I>("args_get", 65535, kBuf)), kFault);
  EXPECT_EQ((guest.Call<I, I>("args_sizes_get", kOut, 65534)), kFault);
  EXPECT_EQ((guest.Call<I, I>("random_get", 65000, 1000)), kFault);
  EXPECT_EQ((guest.Call<I, L, I>("clock_time_get", 0, 0, 65535)), kFault);
  EXPECT_EQ((guest.Call<I, I, I, I>("poll_oneoff", 65500, kBuf, 2, kOut)),
            kFault);
  EXPECT_FALSE(guest.instance.poisoned());
}

// ---------------------------------------------------------------------------
// Clocks, randomness, poll_oneoff.

TEST(WasiTest, RealClocks) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_calls_wasm()));
  ASSERT_EQ((guest.Call<I, L, I>("clock_time_get", 0, 1, kOut)), 0);
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t guest_now = static_cast<int64_t>(guest.Get64(kOut));
  EXPECT_LT(std::llabs(now - guest_now), 5'000'000'000LL);
  ASSERT_EQ((guest.Call<I, L, I>("clock_time_get", 1, 1, kOut)), 0);
  uint64_t first = guest.Get64(kOut);
  ASSERT_EQ((guest.Call<I, L, I>("clock_time_get", 1, 1, kOut)), 0);
  EXPECT_GE(guest.Get64(kOut), first);
  ASSERT_EQ((guest.Call<I, I>("clock_res_get", 1, kOut)), 0);
  EXPECT_GE(guest.Get64(kOut), 1u);
  EXPECT_EQ((guest.Call<I, L, I>("clock_time_get", 9, 1, kOut)), kInval);
  EXPECT_EQ((guest.Call<I, I>("clock_res_get", 9, kOut)), kInval);
}

TEST(WasiTest, SystemRandomFillsTheBuffer) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_calls_wasm()));
  ASSERT_EQ((guest.Call<I, I>("random_get", kBuf, 64)), 0);
  std::string first = guest.Get(kBuf, 64);
  ASSERT_EQ((guest.Call<I, I>("random_get", kBuf, 64)), 0);
  EXPECT_NE(first, guest.Get(kBuf, 64));
  EXPECT_NE(first, std::string(64, '\0'));
}

// Three clock reads and 48 random bytes, as the guest sees them.
std::string DeterministicRun(uint64_t seed) {
  wasi::WasiOptions options;
  options.virtual_clock = wasi::WasiOptions::VirtualClock{1000, 10};
  options.random_seed = seed;
  absl::StatusOr<Guest> guest =
      Start(fixtures::wasi_calls_wasm(), std::move(options));
  EXPECT_OK(guest.status());
  if (!guest.ok()) return "";
  std::string seen;
  for (I clock : {0u, 1u, 0u}) {
    EXPECT_EQ((guest->Call<I, L, I>("clock_time_get", clock, 1, kOut)), 0);
    seen += std::to_string(guest->Get64(kOut)) + ",";
  }
  EXPECT_EQ((guest->Call<I, I>("random_get", kBuf, 48)), 0);
  return seen + guest->Get(kBuf, 48);
}

TEST(WasiTest, VirtualClockAndSeededRandomAreReproducible) {
  std::string first = DeterministicRun(7);
  EXPECT_EQ(first.substr(0, 15), "1000,1010,1020,");
  EXPECT_EQ(DeterministicRun(7), first);
  EXPECT_NE(DeterministicRun(8), first);
}

TEST(WasiTest, PollOneoffVirtualClockJumps) {
  wasi::WasiOptions options;
  options.virtual_clock = wasi::WasiOptions::VirtualClock{0, 1};
  ASSERT_OK_AND_ASSIGN(Guest guest,
                       Start(fixtures::wasi_calls_wasm(), std::move(options)));
  // One relative monotonic clock subscription of 5 s, userdata 0xabc.
  guest.Put(kBuf, std::string(48, '\0'));
  guest.Put64(kBuf, 0xabc);
  guest.Put32(kBuf + 16, 1);
  guest.Put64(kBuf + 24, 5'000'000'000ull);
  ASSERT_EQ((guest.Call<I, I, I, I>("poll_oneoff", kBuf, kBuf + 512, 1, kOut)),
            0);
  EXPECT_EQ(guest.Get32(kOut), 1u);
  EXPECT_EQ(guest.Get64(kBuf + 512), 0xabcu);
  EXPECT_EQ(guest.Get32(kBuf + 512 + 8) & 0xffff, 0u);  // error
  EXPECT_EQ(guest.Get8(kBuf + 512 + 10), 0);            // clock
  ASSERT_EQ((guest.Call<I, L, I>("clock_time_get", 1, 1, kOut)), 0);
  EXPECT_EQ(guest.Get64(kOut), 5'000'000'000ull);
  EXPECT_EQ((guest.Call<I, I, I, I>("poll_oneoff", kBuf, kBuf + 512, 0, kOut)),
            kInval);
}

TEST(WasiTest, PollOneoffRealClockSleepsAndFdsAreReady) {
  ASSERT_OK_AND_ASSIGN(Guest guest, Start(fixtures::wasi_calls_wasm()));
  guest.Put(kBuf, std::string(96, '\0'));
  guest.Put64(kBuf, 1);
  guest.Put32(kBuf + 16, 1);
  guest.Put64(kBuf + 24, 20'000'000);  // 20 ms
  auto before = std::chrono::steady_clock::now();
  ASSERT_EQ((guest.Call<I, I, I, I>("poll_oneoff", kBuf, kBuf + 512, 1, kOut)),
            0);
  EXPECT_GE(std::chrono::steady_clock::now() - before,
            std::chrono::milliseconds(20));
  EXPECT_EQ(guest.Get32(kOut), 1u);

  // A 1-hour clock beside stdin readiness: stdin is ready at once.
  guest.Put64(kBuf + 24, 3600'000'000'000ull);
  guest.Put64(kBuf + 48, 2);
  guest.Put(kBuf + 56, std::string(1, '\1'));  // fd_read
  guest.Put32(kBuf + 64, 0);                   // stdin
  ASSERT_EQ((guest.Call<I, I, I, I>("poll_oneoff", kBuf, kBuf + 512, 2, kOut)),
            0);
  ASSERT_EQ(guest.Get32(kOut), 1u);
  EXPECT_EQ(guest.Get64(kBuf + 512), 2u);
  EXPECT_EQ(guest.Get8(kBuf + 512 + 10), 1);
  // An fd that is not open reports EBADF in its event.
  guest.Put32(kBuf + 64, 77);
  ASSERT_EQ((guest.Call<I, I, I, I>("poll_oneoff", kBuf, kBuf + 512, 2, kOut)),
            0);
  EXPECT_EQ(guest.Get32(kBuf + 512 + 8) & 0xffff, static_cast<I>(kBadf));
}

// ---------------------------------------------------------------------------
// Preopens.

TEST(WasiTest, CreateRejectsBadPreopens) {
  std::string dir = MakeTempDir();
  WriteFile(dir + "/file", "x");
  wasi::WasiOptions missing;
  missing.preopens = {{dir + "/nope", "/data", false}};
  EXPECT_STATUS(wasi::WasiContext::Create(std::move(missing)),
                absl::StatusCode::kNotFound, "does not exist");
  wasi::WasiOptions file;
  file.preopens = {{dir + "/file", "/data", false}};
  EXPECT_STATUS(wasi::WasiContext::Create(std::move(file)),
                absl::StatusCode::kInvalidArgument, "not a directory");
  wasi::WasiOptions unnamed;
  unnamed.preopens = {{dir, "", false}};
  EXPECT_STATUS(wasi::WasiContext::Create(std::move(unnamed)),
                absl::StatusCode::kInvalidArgument, "guest_path");
}

class WasiFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeTempDir();
    box_ = root_ + "/box";
    ASSERT_EQ(::mkdir(box_.c_str(), 0755), 0);
    WriteFile(root_ + "/outside", "secret");
  }

  Guest StartWith(bool read_only) {
    wasi::WasiOptions options;
    options.preopens = {{box_, "/sandbox", read_only}};
    absl::StatusOr<Guest> guest =
        Start(fixtures::wasi_calls_wasm(), std::move(options));
    EXPECT_OK(guest.status());
    return *std::move(guest);
  }

  std::string root_;
  std::string box_;
};

TEST_F(WasiFsTest, PreopenIsDescribed) {
  Guest guest = StartWith(false);
  ASSERT_EQ((guest.Call<I, I>("fd_prestat_get", 3, kOut)), 0);
  EXPECT_EQ(guest.Get8(kOut), 0);
  EXPECT_EQ(guest.Get32(kOut + 4), 8u);
  ASSERT_EQ((guest.Call<I, I, I>("fd_prestat_dir_name", 3, kBuf, 8)), 0);
  EXPECT_EQ(guest.Get(kBuf, 8), "/sandbox");
  EXPECT_EQ((guest.Call<I, I, I>("fd_prestat_dir_name", 3, kBuf, 4)), 37);
  EXPECT_EQ((guest.Call<I, I>("fd_prestat_get", 4, kOut)), kBadf);
  EXPECT_EQ((guest.Call<I, I>("fd_prestat_get", 1, kOut)), kBadf);
  ASSERT_EQ((guest.Call<I, I>("fd_fdstat_get", 3, kOut)), 0);
  EXPECT_EQ(guest.Get8(kOut), 3);  // directory
  EXPECT_NE(guest.Get64(kOut + 16) & kRightFdWrite, 0u);
}

TEST_F(WasiFsTest, FileLifecycle) {
  Guest guest = StartWith(false);
  constexpr L kSyncRights = (1 << 0) | (1 << 4);
  int32_t fd = guest.Open(3, "hello.txt", kOflagCreat | kOflagTrunc,
                          kFileRights | kSyncRights);
  ASSERT_GE(fd, 4);
  EXPECT_EQ(guest.Write(fd, "file contents"), 0);
  EXPECT_EQ(guest.Get32(kOut), 13u);
  ASSERT_EQ((guest.Call<I, L, I, I>("fd_seek", fd, 5, 0, kOut)), 0);
  EXPECT_EQ(guest.Get64(kOut), 5u);
  EXPECT_EQ(guest.Read(fd, 100), "contents");
  ASSERT_EQ((guest.Call<I, I>("fd_tell", fd, kOut)), 0);
  EXPECT_EQ(guest.Get64(kOut), 13u);
  // pread/pwrite leave the position alone.
  guest.Put32(kIov, kBuf);
  guest.Put32(kIov + 4, 4);
  ASSERT_EQ((guest.Call<I, I, I, L, I>("fd_pread", fd, kIov, 1, 0, kOut)), 0);
  EXPECT_EQ(guest.Get(kBuf, 4), "file");
  guest.Put(kBuf, "FILE");
  ASSERT_EQ((guest.Call<I, I, I, L, I>("fd_pwrite", fd, kIov, 1, 0, kOut)), 0);
  ASSERT_EQ((guest.Call<I, I>("fd_filestat_get", fd, kBuf)), 0);
  EXPECT_EQ(guest.Get8(kBuf + 16), 4);  // regular file
  EXPECT_EQ(guest.Get64(kBuf + 32), 13u);
  ASSERT_EQ((guest.Call<I, L>("fd_filestat_set_size", fd, 4)), 0);
  ASSERT_EQ((guest.Call<I>("fd_sync", fd)), 0);
  ASSERT_EQ((guest.Call<I>("fd_datasync", fd)), 0);
  ASSERT_EQ((guest.Call<I>("fd_close", fd)), 0);
  EXPECT_EQ((guest.Call<I>("fd_close", fd)), kBadf);

  // The host sees it.
  int host = ::open((box_ + "/hello.txt").c_str(), O_RDONLY);
  ASSERT_GE(host, 0);
  char buf[16] = {};
  EXPECT_EQ(::read(host, buf, sizeof(buf)), 4);
  ::close(host);
  EXPECT_EQ(std::string(buf), "FILE");

  // Exclusive creation of an existing file.
  EXPECT_EQ(guest.Open(3, "hello.txt", kOflagCreat | 4, kFileRights), -kExist);
  EXPECT_EQ(guest.Open(3, "missing.txt", 0, kFileRights), -kNoEnt);
}

TEST_F(WasiFsTest, DirectoriesRenameLinksAndTimes) {
  Guest guest = StartWith(false);
  WriteFile(box_ + "/a.txt", "aaa");
  ASSERT_EQ(guest.PathCall("path_create_directory", 3, "dir"), 0);
  EXPECT_EQ(guest.PathCall("path_create_directory", 3, "dir"), kExist);
  EXPECT_EQ(guest.StatType(3, "dir", 0), 3);
  ASSERT_EQ(guest.Rename(3, "a.txt", "dir/renamed.txt"), 0);
  EXPECT_FALSE(PathExists(box_ + "/a.txt"));
  EXPECT_TRUE(PathExists(box_ + "/dir/renamed.txt"));

  // Symlinks: readlink gives the target; stat follows only when asked.
  ASSERT_EQ(guest.Symlink("renamed.txt", 3, "dir/link"), 0);
  guest.Put(kPath, "dir/link");
  ASSERT_EQ((guest.Call<I, I, I, I, I, I>("path_readlink", 3, kPath, 8, kBuf,
                                          64, kOut)),
            0);
  EXPECT_EQ(guest.Get(kBuf, guest.Get32(kOut)), "renamed.txt");
  EXPECT_EQ(guest.StatType(3, "dir/link", 0), 7);
  EXPECT_EQ(guest.StatType(3, "dir/link", kFollow), 4);
  EXPECT_EQ(guest.Open(3, "dir/link", 0, kRightFdRead, 0), -kLoop);
  int32_t via_link = guest.Open(3, "dir/link", 0, kRightFdRead);
  ASSERT_GE(via_link, 0);
  EXPECT_EQ(guest.Read(via_link, 10), "aaa");

  // Hard link.
  guest.Put(kPath, "dir/renamed.txt");
  guest.Put(kPath2, "hard.txt");
  ASSERT_EQ((guest.Call<I, I, I, I, I, I, I>("path_link", 3, 0, kPath, 15, 3,
                                             kPath2, 8)),
            0);
  guest.Put(kPath, "hard.txt");
  ASSERT_EQ(
      (guest.Call<I, I, I, I, I>("path_filestat_get", 3, 0, kPath, 8, kBuf)),
      0);
  EXPECT_EQ(guest.Get64(kBuf + 24), 2u);  // nlink

  // Times.
  guest.Put(kPath, "hard.txt");
  ASSERT_EQ((guest.Call<I, I, I, I, L, L, I>("path_filestat_set_times", 3, 0,
                                             kPath, 8, 1'000'000'000'000ull,
                                             2'000'000'000'500ull, 1 | 4)),
            0);
  struct stat st;
  ASSERT_EQ(::stat((box_ + "/hard.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 500);
  EXPECT_EQ((guest.Call<I, I, I, I, L, L, I>("path_filestat_set_times", 3, 0,
                                             kPath, 8, 0, 0, 1 | 2)),
            kInval);
  int32_t file = guest.Open(3, "hard.txt", 0, kFileRights | (1 << 23));
  ASSERT_GE(file, 0);
  ASSERT_EQ((guest.Call<I, L, L, I>("fd_filestat_set_times", file, 0,
                                    3'000'000'000'000ull, 4)),
            0);
  ASSERT_EQ(::stat((box_ + "/hard.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 3000);

  // Readdir of "dir", sorted by name.
  int32_t dir = guest.Open(3, "dir", kOflagDirectory, kRightFdReaddir);
  ASSERT_GE(dir, 0);
  ASSERT_EQ((guest.Call<I, I, I, L, I>("fd_readdir", dir, kBuf, 1024, 0, kOut)),
            0);
  std::vector<std::string> names;
  I used = guest.Get32(kOut);
  for (I at = 0; at + 24 <= used;) {
    I namlen = guest.Get32(kBuf + at + 16);
    names.push_back(guest.Get(kBuf + at + 24, namlen));
    at += 24 + namlen;
  }
  EXPECT_THAT(names, ElementsAre(".", "..", "link", "renamed.txt"));
  // From the last entry's cookie: only it; past the end: nothing.
  ASSERT_EQ((guest.Call<I, I, I, L, I>("fd_readdir", dir, kBuf, 1024, 3, kOut)),
            0);
  EXPECT_EQ(guest.Get32(kOut), 24u + 11u);
  EXPECT_EQ(guest.Get8(kBuf + 20), 4);
  ASSERT_EQ((guest.Call<I, I, I, L, I>("fd_readdir", dir, kBuf, 1024, 4, kOut)),
            0);
  EXPECT_EQ(guest.Get32(kOut), 0u);
  // A small buffer is filled completely (the guest retries bigger).
  ASSERT_EQ((guest.Call<I, I, I, L, I>("fd_readdir", dir, kBuf, 30, 0, kOut)),
            0);
  EXPECT_EQ(guest.Get32(kOut), 30u);
  EXPECT_EQ((guest.Call<I, I, I, L, I>("fd_readdir", 3, kBuf, 1024, 0, kOut)),
            0);

  // Removal.
  EXPECT_EQ(guest.PathCall("path_remove_directory", 3, "dir"), kNotEmpty);
  EXPECT_EQ(guest.PathCall("path_unlink_file", 3, "dir"), 31);  // EISDIR
  ASSERT_EQ(guest.PathCall("path_unlink_file", 3, "dir/link"), 0);
  ASSERT_EQ(guest.PathCall("path_unlink_file", 3, "dir/renamed.txt"), 0);
  ASSERT_EQ(guest.PathCall("path_unlink_file", 3, "hard.txt"), 0);
  EXPECT_EQ(guest.PathCall("path_unlink_file", 3, "hard.txt"), kNoEnt);
  ASSERT_EQ(guest.PathCall("path_remove_directory", 3, "dir/"), 0);
  EXPECT_FALSE(PathExists(box_ + "/dir"));
}

TEST_F(WasiFsTest, RenumberMovesADescriptor) {
  Guest guest = StartWith(false);
  int32_t fd = guest.Open(3, "out.txt", kOflagCreat, kFileRights);
  ASSERT_GE(fd, 0);
  EXPECT_EQ((guest.Call<I, I>("fd_renumber", fd, 99)), kBadf);
  ASSERT_EQ((guest.Call<I, I>("fd_renumber", fd, 1)), 0);
  EXPECT_EQ(guest.Write(1, "to the file"), 0);
  EXPECT_EQ(guest.Write(fd, "x"), kBadf);
  ASSERT_EQ((guest.Call<I>("fd_close", 1)), 0);
  struct stat st;
  ASSERT_EQ(::stat((box_ + "/out.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 11);
  // The lowest free number is reused.
  EXPECT_EQ(guest.Open(3, "out.txt", 0, kRightFdRead), 1);
}

TEST_F(WasiFsTest, EscapesAreDenied) {
  ASSERT_EQ(::symlink("/", (box_ + "/to_root").c_str()), 0);
  ASSERT_EQ(::symlink("../..", (box_ + "/up").c_str()), 0);
  ASSERT_EQ(::symlink("../outside", (box_ + "/to_outside").c_str()), 0);
  ASSERT_EQ(::symlink("chain2", (box_ + "/chain1").c_str()), 0);
  ASSERT_EQ(::symlink("chain3", (box_ + "/chain2").c_str()), 0);
  ASSERT_EQ(::symlink("to_outside", (box_ + "/chain3").c_str()), 0);
  ASSERT_EQ(::mkdir((box_ + "/sub").c_str(), 0755), 0);
  Guest guest = StartWith(false);

  for (const char* path :
       {"../outside", "sub/../../outside", "/etc/passwd", "/",
        "to_root/etc/passwd", "to_root", "up", "up/outside", "to_outside",
        "chain1", "sub/../chain1"}) {
    EXPECT_EQ(guest.Open(3, path, 0, kRightFdRead), -kNotCapable) << path;
    EXPECT_EQ(guest.StatType(3, path, kFollow), -kNotCapable) << path;
  }
  // Not following, the links themselves are fine to look at.
  EXPECT_EQ(guest.StatType(3, "to_root", 0), 7);
  EXPECT_EQ(guest.StatType(3, "chain1", 0), 7);
  // Creating through an escape.
  EXPECT_EQ(guest.Open(3, "../created", kOflagCreat, kFileRights),
            -kNotCapable);
  EXPECT_EQ(guest.Open(3, "to_outside", kOflagCreat | kOflagTrunc, kFileRights),
            -kNotCapable);
  EXPECT_EQ(guest.PathCall("path_create_directory", 3, "../evil"), kNotCapable);
  EXPECT_EQ(guest.PathCall("path_create_directory", 3, "up/evil"), kNotCapable);
  EXPECT_EQ(guest.PathCall("path_unlink_file", 3, "../outside"), kNotCapable);
  EXPECT_EQ(guest.PathCall("path_unlink_file", 3, "to_root/tmp"), kNotCapable);
  EXPECT_EQ(guest.PathCall("path_remove_directory", 3, "up/box"), kNotCapable);
  EXPECT_EQ(guest.Rename(3, "sub", "../moved"), kNotCapable);
  EXPECT_EQ(guest.Rename(3, "../outside", "stolen"), kNotCapable);
  EXPECT_EQ(guest.Symlink("x", 3, "../link"), kNotCapable);
  guest.Put(kPath, "to_outside");
  guest.Put(kPath2, "hard");
  EXPECT_EQ((guest.Call<I, I, I, I, I, I, I>("path_link", 3, kFollow, kPath, 10,
                                             3, kPath2, 4)),
            kNotCapable);
  guest.Put(kPath, "../outside");
  EXPECT_EQ((guest.Call<I, I, I, I, I, I>("path_readlink", 3, kPath, 10, kBuf,
                                          64, kOut)),
            kNotCapable);
  EXPECT_EQ((guest.Call<I, I, I, I, L, L, I>("path_filestat_set_times", 3,
                                             kFollow, kPath, 10, 0, 0, 2 | 8)),
            kNotCapable);
  // An absolute symlink may be made, never followed.
  ASSERT_EQ(guest.Symlink("/etc/passwd", 3, "abs"), 0);
  EXPECT_EQ(guest.Open(3, "abs", 0, kRightFdRead), -kNotCapable);
  // ".." at the top stays inside: it is refused, not resolved outside.
  EXPECT_EQ(guest.PathCall("path_remove_directory", 3, ".."), kNotEmpty);
  EXPECT_EQ(guest.PathCall("path_unlink_file", 3, "sub/.."), 31);

  // Nothing outside changed.
  EXPECT_FALSE(PathExists(root_ + "/created"));
  EXPECT_FALSE(PathExists(root_ + "/evil"));
  EXPECT_FALSE(PathExists(root_ + "/moved"));
  EXPECT_FALSE(PathExists(root_ + "/link"));
  EXPECT_TRUE(PathExists(root_ + "/outside"));
  EXPECT_TRUE(PathExists(box_ + "/sub"));
}

TEST_F(WasiFsTest, DirectoryOpenedForWritingIsEisdir) {
  ASSERT_EQ(::mkdir((box_ + "/sub").c_str(), 0755), 0);
  WriteFile(box_ + "/file.txt", "x");
  Guest guest = StartWith(false);
  // wasi-libc's rights for open(O_RDONLY): all but the write-oriented ones.
  constexpr L kWriteOriented = kRightFdDatasync | kRightFdWrite |
                               kRightFdAllocate | kRightFdFilestatSetSize;
  int32_t dir = guest.Open(3, "sub", kOflagDirectory, ~kWriteOriented);
  ASSERT_GE(dir, 0);
  EXPECT_EQ((guest.Call<I, I, I, L, I>("fd_readdir", dir, kBuf, 1024, 0, kOut)),
            0);
  // O_WRONLY or O_RDWR (FD_WRITE asked for), with O_DIRECTORY or without.
  EXPECT_EQ(guest.Open(3, "sub", kOflagDirectory, ~L{0}), -kIsDir);
  EXPECT_EQ(guest.Open(3, "sub", kOflagDirectory, kRightFdWrite), -kIsDir);
  EXPECT_EQ(guest.Open(3, "sub", 0, ~L{0}), -kIsDir);
  // O_DIRECTORY on a file, for reading or writing.
  EXPECT_EQ(guest.Open(3, "file.txt", kOflagDirectory, ~kWriteOriented),
            -kNotDir);
  EXPECT_EQ(guest.Open(3, "file.txt", kOflagDirectory, ~L{0}), -kNotDir);
}

TEST_F(WasiFsTest, AbsoluteSymlinkIsMadeButNotFollowedOut) {
  WriteFile(box_ + "/inside.txt", "in");
  Guest guest = StartWith(false);
  ASSERT_EQ(guest.Symlink("/inside.txt", 3, "abs"), 0);
  char target[64] = {};
  ASSERT_GT(::readlink((box_ + "/abs").c_str(), target, sizeof(target) - 1), 0);
  EXPECT_STREQ(target, "/inside.txt");
  guest.Put(kPath, "abs");
  ASSERT_EQ((guest.Call<I, I, I, I, I, I>("path_readlink", 3, kPath, 3, kBuf,
                                          64, kOut)),
            0);
  EXPECT_EQ(guest.Get(kBuf, guest.Get32(kOut)), "/inside.txt");
  EXPECT_EQ(guest.StatType(3, "abs", 0), 7);  // the link itself
  // Following it is resolving an absolute path: never, not even to a file
  // that exists below the preopen under that name.
  EXPECT_EQ(guest.StatType(3, "abs", kFollow), -kNotCapable);
  EXPECT_EQ(guest.Open(3, "abs", 0, kRightFdRead), -kNotCapable);
  EXPECT_EQ(guest.Symlink("/inside.txt", 3, "abs"), kExist);
  ASSERT_EQ(guest.PathCall("path_unlink_file", 3, "abs"), 0);
  EXPECT_FALSE(PathExists(box_ + "/abs"));
}

TEST_F(WasiFsTest, ReadOnlyPreopenRefusesWrites) {
  WriteFile(box_ + "/data.txt", "read me");
  ASSERT_EQ(::mkdir((box_ + "/sub").c_str(), 0755), 0);
  Guest guest = StartWith(true);
  ASSERT_EQ((guest.Call<I, I>("fd_fdstat_get", 3, kOut)), 0);
  EXPECT_EQ(guest.Get64(kOut + 16) & kRightFdWrite, 0u);

  int32_t fd = guest.Open(3, "data.txt", 0, kRightFdRead | kRightFdSeek);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(guest.Read(fd, 100), "read me");
  EXPECT_EQ(guest.Write(fd, "x"), kNotCapable);
  EXPECT_EQ((guest.Call<I, L>("fd_filestat_set_size", fd, 0)), kNotCapable);
  // Rights can be dropped, never added.
  EXPECT_EQ((guest.Call<I, L, L>("fd_fdstat_set_rights", fd, kRightFdWrite, 0)),
            kNotCapable);
  EXPECT_EQ((guest.Call<I, L, L>("fd_fdstat_set_rights", fd, kRightFdRead, 0)),
            0);
  EXPECT_EQ((guest.Call<I, L, I, I>("fd_seek", fd, 0, 0, kOut)), kNotCapable);

  EXPECT_EQ(guest.Open(3, "data.txt", 0, kRightFdWrite), -kNotCapable);
  EXPECT_EQ(guest.Open(3, "data.txt", kOflagTrunc, kRightFdRead), -kNotCapable);
  EXPECT_EQ(guest.Open(3, "new.txt", kOflagCreat, kRightFdRead), -kNotCapable);
  EXPECT_EQ(guest.PathCall("path_create_directory", 3, "d"), kNotCapable);
  EXPECT_EQ(guest.PathCall("path_unlink_file", 3, "data.txt"), kNotCapable);
  EXPECT_EQ(guest.PathCall("path_remove_directory", 3, "sub"), kNotCapable);
  EXPECT_EQ(guest.Rename(3, "data.txt", "moved.txt"), kNotCapable);
  EXPECT_EQ(guest.Symlink("data.txt", 3, "link"), kNotCapable);
  guest.Put(kPath, "data.txt");
  EXPECT_EQ((guest.Call<I, I, I, I, L, L, I>("path_filestat_set_times", 3, 0,
                                             kPath, 8, 0, 0, 2 | 8)),
            kNotCapable);
  // A directory opened below it inherits the restriction.
  int32_t sub = guest.Open(3, "sub", kOflagDirectory, ~L{0});
  ASSERT_GE(sub, 0);
  EXPECT_EQ(guest.Open(sub, "f", kOflagCreat, kRightFdRead), -kNotCapable);
  EXPECT_EQ(guest.StatType(3, "data.txt", 0), 4);

  struct stat st;
  ASSERT_EQ(::stat((box_ + "/data.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 7);
  EXPECT_FALSE(PathExists(box_ + "/new.txt"));
  EXPECT_FALSE(PathExists(box_ + "/moved.txt"));
}

}  // namespace
}  // namespace wasmhost
