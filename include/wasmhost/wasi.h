// wasmhost/wasi.h: WASI preview 1 (wasi_snapshot_preview1), capability by
// capability.
//
//   OutputSink    where a guest's stdout or stderr goes
//   InputSource   where a guest's stdin comes from
//   Preopen       a host directory the guest may use, read-only or not
//   WasiOptions   everything a guest is granted: args, env, stdio, preopens,
//                 clocks, randomness
//   WasiContext   one instance's WASI state (its file descriptors),
//                 resettable, with per-lease stdio
//   AddToLinker   defines the wasi_snapshot_preview1 imports on a Linker
//   ConfigurePool  a WasiContext per pooled instance, reset on every
//                 fresh-state release
//   RunCommand    runs a command's _start and returns its exit code
//   InitializeReactor  runs a reactor's _initialize
//   GetExitCode   the exit code carried by a proc_exit status
//
// Nothing is granted unless WasiOptions says so: no preopen means no
// filesystem, a discarded stdout means writes vanish, and a call the guest
// was not granted returns WASI's own errno (EBADF, ENOTCAPABLE, ENOSYS),
// never a crash and never a host path.

#ifndef WASMHOST_WASI_H_
#define WASMHOST_WASI_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/export.h"
#include "wasmhost/instance.h"
#include "wasmhost/limits.h"
#include "wasmhost/linker.h"
#include "wasmhost/pool.h"

namespace wasmhost::wasi {

// What a guest sees when a sink or source fails. A sink or source returns
// a status; the guest's fd_write or fd_read returns the WASI errno for its
// code (a status made by absl::ErrnoToStatus maps back to its errno):
//   FailedPrecondition  EPIPE   (absl's code for EPIPE: the reader is gone)
//   ResourceExhausted   ENOSPC  (no room left)
//   OutOfRange          EFBIG   (too much in total)
//   PermissionDenied    EACCES
//   any other code      EIO
// The guest goes on running (a C guest sees -1 and errno); the status
// itself reaches no caller of the host. A failure after some of a write's
// buffers were taken ends the write short: the guest gets the bytes taken
// so far, as writev(2) does, and the error on its next write if the sink
// fails again.

// Where bytes the guest writes go. Copyable; thread-compatible.
class WASMHOST_EXPORT OutputSink {
 public:
  // Takes all of `bytes` (OK) or none of them (a status, see above).
  using WriteFn = std::function<absl::Status(absl::string_view bytes)>;

  // Writes succeed and the bytes are dropped. The default.
  static OutputSink Discard() { return OutputSink(nullptr); }
  // Appends to `*out`, which must outlive every instance using the sink.
  static OutputSink ToString(std::string* out) {
    return OutputSink([out](absl::string_view bytes) {
      out->append(bytes.data(), bytes.size());
      return absl::OkStatus();
    });
  }
  // Calls `write` with each chunk, on the instance's thread.
  static OutputSink ToCallback(WriteFn write) {
    return OutputSink(std::move(write));
  }
  // Writes to the host file descriptor `fd` (not owned, not closed); a
  // failing write(2) gives the guest its errno (EPIPE, ENOSPC, ...), after
  // the bytes written before it. A pipe whose reader is gone raises
  // SIGPIPE first, which ends the process unless it ignores SIGPIPE.
  static OutputSink ToFd(int fd);

  // Empty for Discard.
  const WriteFn& write() const { return write_; }

 private:
  explicit OutputSink(WriteFn write) : write_(std::move(write)) {}
  WriteFn write_;
};

// Where bytes the guest reads come from. Copyable; thread-compatible.
class WASMHOST_EXPORT InputSource {
 public:
  // Fills `buffer` and returns the bytes read; 0 is end of input. A status
  // gives the guest's fd_read an errno (see above).
  using ReadFn = std::function<absl::StatusOr<size_t>(absl::Span<uint8_t>)>;

  // End of input at once. The default.
  static InputSource Empty() { return InputSource(nullptr); }
  // The bytes of `data`, then end of input.
  static InputSource FromString(std::string data);
  static InputSource FromCallback(ReadFn read) {
    return InputSource(std::move(read));
  }
  // Reads the host file descriptor `fd` (not owned, not closed); a failing
  // read(2) gives the guest its errno.
  static InputSource FromFd(int fd);

  // Empty for Empty.
  const ReadFn& read() const { return read_; }

 private:
  explicit InputSource(ReadFn read) : read_(std::move(read)) {}
  ReadFn read_;
};

// A host directory the guest sees under `guest_path`. Paths the guest opens
// below it cannot escape it: not with "..", not with an absolute path, not
// through a symlink pointing outside.
struct WASMHOST_EXPORT Preopen {
  std::string host_path;
  // The name the guest sees, e.g. "/data" or ".".
  std::string guest_path;
  // No creating, writing, renaming, unlinking or changing times below it.
  bool read_only = false;
};

struct WASMHOST_EXPORT WasiOptions {
  // argv; args[0] is the program's name. Default: none.
  std::vector<std::string> args;
  // Environment variables. Default: none.
  std::vector<std::pair<std::string, std::string>> env;
  // Default: no filesystem at all.
  std::vector<Preopen> preopens;

  InputSource stdin_source = InputSource::Empty();
  OutputSink stdout_sink = OutputSink::Discard();
  OutputSink stderr_sink = OutputSink::Discard();

  // A clock that starts at `start` and advances by `tick` each time the
  // guest reads any clock, instead of the host's clocks: with a seeded
  // random source and fuel, runs become byte-for-byte reproducible.
  struct VirtualClock {
    uint64_t start_nanos = 0;
    uint64_t tick_nanos = 1000;
  };
  // nullopt (the default): the host's real clocks.
  std::optional<VirtualClock> virtual_clock;

  // random_get returns a deterministic stream from this seed. nullopt (the
  // default): the host's system randomness (getrandom).
  std::optional<uint64_t> random_seed;
};

// One instance's WASI state: its file descriptor table (stdio and
// preopens), args, env, clocks and random source. Give it to the instance
// with InstanceOptions::SetContext: as a std::shared_ptr the instance owns
// it; as a pointer it must outlive the instance. The host reaches it again
// with
// Instance::context<WasiContext>() (in a pool:
// lease->context<WasiContext>()). Thread-affine, like the instance it
// serves: call it only on that instance's thread, and not while a call into
// the guest is running (e.g. not from a sink or source).
//
// What the guest sees: fds 0-2 are stdio (filetype unknown, never a tty),
// the preopens follow from fd 3 in WasiOptions order; new descriptors take
// the lowest free number, at most 1024 open at once (then EMFILE), each
// holding one host descriptor. fd_readdir lists "." and ".." and the
// entries sorted by name. poll_oneoff never blocks on an fd (stdio and
// files are always ready); on the virtual clock it jumps instead of
// sleeping. There are no sockets and no signals (sock_* give EBADF or
// ENOTSOCK, proc_raise ENOTSUP).
class WASMHOST_EXPORT WasiContext {
 public:
  // Opens the preopened directories.
  // Returns:
  //   NotFound         a preopen's host_path does not exist
  //   InvalidArgument  a preopen's host_path is not a directory, or its
  //                    guest_path is empty
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<WasiContext>> Create(
      WasiOptions options);

  virtual ~WasiContext() = default;

  // Returns the context to its state right after Create:
  //  - every descriptor the guest opened is closed;
  //  - the preopens are back at their numbers with their rights, also if
  //    the guest closed or renumbered them (the context keeps Create's
  //    host descriptor of each for its life; the host path is not looked
  //    up again);
  //  - fds 0-2 are stdio again, bound to the source and sinks WasiOptions
  //    gave Create: any set since with SetStdin/SetStdout/SetStderr is
  //    dropped, and a stdin from InputSource::FromString reads from its
  //    start again;
  //  - the virtual clock is back at start_nanos and the seeded random
  //    stream at its seed;
  //  - every WASI 0.2 stream, descriptor and pollable is dropped (a
  //    fresh-state component pool then puts back those its image's
  //    handles name: wasi_component.h).
  // Args and environment never change. Cheap: its only system calls close
  // what the guest opened. In a kFreshState pool,
  // PoolOptions::reset_instance calls it on every release (ConfigurePool
  // sets that up), so nothing of one lease's WASI state reaches the next.
  // Returns OK: nothing it does today can fail (a status, so that state
  // whose restoring can fail needs no new signature).
  virtual absl::Status Reset() = 0;

  // Where the guest's stdin, stdout and stderr go from the next read or
  // write on, until set again or Reset. For per-request stdio in a pool:
  // set them after Acquire (the request body as stdin, a response buffer
  // as stdout); the reset on release goes back to the Create-time ones,
  // so a sink pointing into a request's buffer is not used after the
  // lease. They act on the guest's stdio descriptors wherever fd_renumber
  // moved them, and on nothing once it closed them.
  virtual void SetStdin(InputSource source) = 0;
  virtual void SetStdout(OutputSink sink) = 0;
  virtual void SetStderr(OutputSink sink) = 0;

 protected:
  WasiContext() = default;
};

// Defines every wasi_snapshot_preview1 function on `linker`. Each finds the
// calling instance's WasiContext through Caller::context<WasiContext>();
// for an instance without one (granted no WASI at all) every call returns
// ENOSYS, except proc_exit, which still ends the call (leaving grants
// nothing). Returns AlreadyExists if the linker already defines one of
// them.
WASMHOST_EXPORT absl::Status AddToLinker(Linker& linker);

// Gives every instance of a pool its own WASI state, so a pool host needs
// no hooks of its own:
//   setup_instance       a WasiContext per instance, created from a copy of
//                        `wasi_options`, owned by the instance (SetContext
//                        with a shared_ptr)
//   initialize_instance  InitializeReactor (nothing for a command)
//   reset_instance       WasiContext::Reset
//   is_normal_exit       true for proc_exit (GetExitCode), so a command
//                        calling exit() leaves a warm instance, reset
// A hook `options` already has is kept and runs after WASI's part (its
// setup_instance sees the InstanceOptions with the WasiContext set), so do
// not also call InitializeReactor in
// it. With kFreshState (the default) every lease starts with the WASI state
// right after Create; with kReuse the context carries over between leases
// like memory does (stdio set for one lease stays until set again); with
// kNewInstance each lease has a new one. The linker still needs
// AddToLinker. Every instance gets a copy of `wasi_options`' sinks and
// sources, on whichever thread leases it: a sink writing to one place
// (ToString, ToCallback) is called from all of them, so make it safe for
// that, or give each lease its own with WasiContext::SetStdout etc.
// Returns what WasiContext::Create returns for `wasi_options` (tried once
// here, so a missing preopen fails now, not at InstancePool::Create);
// `options` is unchanged then.
WASMHOST_EXPORT absl::Status ConfigurePool(PoolOptions& options,
                                           WasiOptions wasi_options);

// Runs the command module's `_start`. Returns its exit code: 0 when _start
// returns, the code given to proc_exit otherwise. Errors are those of
// TypedFunc::Call, plus NotFound when there is no `_start () -> ()`.
// After proc_exit the instance is poisoned, as after any call that did not
// return (a kFreshState pool set up by ConfigurePool resets and keeps it).
WASMHOST_EXPORT absl::StatusOr<int> RunCommand(Instance& instance,
                                               const CallOptions& options = {});

// Runs a reactor's `_initialize` if it exports one; OK if it has none.
WASMHOST_EXPORT absl::Status InitializeReactor(Instance& instance,
                                               const CallOptions& options = {});

// The exit code of a status returned by a call in which the guest called
// proc_exit (GuestExitStatus in errors.h: code Cancelled, message "guest
// exited with code N", kind kGuestExit); GetErrorInfo(status).exit_code.
// nullopt for any other status. WASI's u32 code is returned as int (so
// 4294967295 is -1).
[[nodiscard]] WASMHOST_EXPORT std::optional<int> GetExitCode(
    const absl::Status& status);

}  // namespace wasmhost::wasi

#endif  // WASMHOST_WASI_H_
