// lib/wasi/context.h: the concrete WasiContext: the file descriptor table
// and one method per wasi_snapshot_preview1 function, defined by area:
//
//   fd_table.cc       Create, Reset, descriptor lookup; fd_close,
//                     fd_renumber, fd_fdstat_*, fd_prestat_*, sock_*
//   stdio.cc          args_*, environ_*, stdio sinks and sources; fd_read,
//                     fd_write
//   filesystem.cc     fd_* on files and directories, path_*
//   clocks_random.cc  clock_*, random_get
//   poll.cc           poll_oneoff, sched_yield, proc_raise
//
// Paths are resolved only by path.h, host system calls shared between the
// files are in host_io.h. WASI 0.2 (component_wasi*.cc) runs on the same
// context: the capabilities below ("Shared with WASI 0.2") and a table of
// its resources, which Reset empties.

#ifndef WASMHOST_LIB_WASI_CONTEXT_H_
#define WASMHOST_LIB_WASI_CONTEXT_H_

#include <sys/stat.h>
#include <sys/uio.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/wasi/abi.h"
#include "lib/wasi/carry.h"
#include "lib/wasi/guest_memory.h"
#include "lib/wasi/host_io.h"
#include "lib/wasi/p2_resources.h"
#include "lib/wasi/path.h"
#include "lib/wasi/random.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi {

// At most this many descriptors open at once per context (stdio and
// preopens included): each file a guest opens holds a host descriptor of
// the embedding process. More gives the guest EMFILE.
inline constexpr size_t kMaxOpenFds = 1024;

// One instance's WASI state. Every method is a wasi_snapshot_preview1
// function of the same name: guest pointers and lengths as uint32_t, the
// result the guest's errno. Thread-affine, like the instance it serves.
class WasiContextImpl final : public WasiContext {
 public:
  static absl::StatusOr<std::unique_ptr<WasiContextImpl>> Create(
      WasiOptions options);

  absl::Status Reset() override;
  void SetStdin(InputSource source) override;
  void SetStdout(OutputSink sink) override;
  void SetStderr(OutputSink sink) override;

  // Shared with WASI 0.2: one set of capabilities for both versions.
  // A preopen as Create opened it, for the life of the context.
  struct PreopenDir {
    ScopedFd host;     // O_PATH | O_DIRECTORY; the table's Fd borrows it.
    std::string name;  // The guest's name for it.
    bool read_only = false;
  };
  const std::vector<std::string>& args() const { return args_; }
  // "KEY=VALUE" strings.
  const std::vector<std::string>& env() const { return env_; }
  const std::vector<PreopenDir>& preopens() const { return preopens_; }
  // One read of stdin into [data, data + size): `*got` bytes, 0 at its
  // end; the errno of a failing source.
  int32_t ReadStdin(uint8_t* data, size_t size, size_t* got);
  // All of `bytes` to stdout (or stderr), or the sink's status.
  absl::Status WriteStdio(bool to_stderr, absl::string_view bytes);
  // The clock `id`'s time now; advances the virtual clock when `tick`.
  int32_t Now(uint32_t id, bool tick, uint64_t* out);
  // The clock `id`'s resolution (the virtual clock's tick), at least 1.
  int32_t Resolution(uint32_t id, uint64_t* out);
  // Lets `nanos` pass: the virtual clock jumps, the host's is slept on.
  void Wait(uint64_t nanos);
  // The seeded stream's next bytes, or the host's getrandom.
  int32_t FillRandom(uint8_t* data, size_t size);
  p2::Resources& resources() { return resources_; }
  const p2::Resources& resources() const { return resources_; }
  // What a resident's snapshot carries of the context (lib/wasi/carry.h).
  absl::StatusOr<CarriedWasiState> Carry() const;
  absl::Status Resume(const CarriedWasiState& carried);

  int32_t ArgsGet(GuestMemory& mem, uint32_t argv, uint32_t argv_buf);
  int32_t ArgsSizesGet(GuestMemory& mem, uint32_t argc_out, uint32_t size_out);
  int32_t EnvironGet(GuestMemory& mem, uint32_t environ, uint32_t environ_buf);
  int32_t EnvironSizesGet(GuestMemory& mem, uint32_t count_out,
                          uint32_t size_out);
  int32_t ClockResGet(GuestMemory& mem, uint32_t id, uint32_t out);
  int32_t ClockTimeGet(GuestMemory& mem, uint32_t id, uint64_t precision,
                       uint32_t out);
  int32_t FdAdvise(GuestMemory& mem, uint32_t fd, uint64_t offset, uint64_t len,
                   uint32_t advice);
  int32_t FdAllocate(GuestMemory& mem, uint32_t fd, uint64_t offset,
                     uint64_t len);
  int32_t FdClose(GuestMemory& mem, uint32_t fd);
  int32_t FdDatasync(GuestMemory& mem, uint32_t fd);
  int32_t FdFdstatGet(GuestMemory& mem, uint32_t fd, uint32_t out);
  int32_t FdFdstatSetFlags(GuestMemory& mem, uint32_t fd, uint32_t flags);
  int32_t FdFdstatSetRights(GuestMemory& mem, uint32_t fd, uint64_t base,
                            uint64_t inheriting);
  int32_t FdFilestatGet(GuestMemory& mem, uint32_t fd, uint32_t out);
  int32_t FdFilestatSetSize(GuestMemory& mem, uint32_t fd, uint64_t size);
  int32_t FdFilestatSetTimes(GuestMemory& mem, uint32_t fd, uint64_t atim,
                             uint64_t mtim, uint32_t fst_flags);
  int32_t FdPread(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                  uint32_t iovs_len, uint64_t offset, uint32_t nread_out);
  int32_t FdPrestatGet(GuestMemory& mem, uint32_t fd, uint32_t out);
  int32_t FdPrestatDirName(GuestMemory& mem, uint32_t fd, uint32_t path,
                           uint32_t path_len);
  int32_t FdPwrite(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                   uint32_t iovs_len, uint64_t offset, uint32_t nwritten_out);
  int32_t FdRead(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                 uint32_t iovs_len, uint32_t nread_out);
  int32_t FdReaddir(GuestMemory& mem, uint32_t fd, uint32_t buf,
                    uint32_t buf_len, uint64_t cookie, uint32_t bufused_out);
  int32_t FdRenumber(GuestMemory& mem, uint32_t fd, uint32_t to);
  int32_t FdSeek(GuestMemory& mem, uint32_t fd, int64_t offset, uint32_t whence,
                 uint32_t newoffset_out);
  int32_t FdSync(GuestMemory& mem, uint32_t fd);
  int32_t FdTell(GuestMemory& mem, uint32_t fd, uint32_t out);
  int32_t FdWrite(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                  uint32_t iovs_len, uint32_t nwritten_out);
  int32_t PathCreateDirectory(GuestMemory& mem, uint32_t fd, uint32_t path,
                              uint32_t path_len);
  int32_t PathFilestatGet(GuestMemory& mem, uint32_t fd, uint32_t flags,
                          uint32_t path, uint32_t path_len, uint32_t out);
  int32_t PathFilestatSetTimes(GuestMemory& mem, uint32_t fd, uint32_t flags,
                               uint32_t path, uint32_t path_len, uint64_t atim,
                               uint64_t mtim, uint32_t fst_flags);
  int32_t PathLink(GuestMemory& mem, uint32_t old_fd, uint32_t old_flags,
                   uint32_t old_path, uint32_t old_path_len, uint32_t new_fd,
                   uint32_t new_path, uint32_t new_path_len);
  int32_t PathOpen(GuestMemory& mem, uint32_t fd, uint32_t dirflags,
                   uint32_t path, uint32_t path_len, uint32_t oflags,
                   uint64_t rights_base, uint64_t rights_inheriting,
                   uint32_t fdflags, uint32_t fd_out);
  int32_t PathReadlink(GuestMemory& mem, uint32_t fd, uint32_t path,
                       uint32_t path_len, uint32_t buf, uint32_t buf_len,
                       uint32_t bufused_out);
  int32_t PathRemoveDirectory(GuestMemory& mem, uint32_t fd, uint32_t path,
                              uint32_t path_len);
  int32_t PathRename(GuestMemory& mem, uint32_t fd, uint32_t old_path,
                     uint32_t old_path_len, uint32_t new_fd, uint32_t new_path,
                     uint32_t new_path_len);
  int32_t PathSymlink(GuestMemory& mem, uint32_t old_path,
                      uint32_t old_path_len, uint32_t fd, uint32_t new_path,
                      uint32_t new_path_len);
  int32_t PathUnlinkFile(GuestMemory& mem, uint32_t fd, uint32_t path,
                         uint32_t path_len);
  int32_t PollOneoff(GuestMemory& mem, uint32_t in, uint32_t out,
                     uint32_t nsubscriptions, uint32_t nevents_out);
  int32_t ProcRaise(GuestMemory& mem, uint32_t sig);
  int32_t SchedYield(GuestMemory& mem);
  int32_t RandomGet(GuestMemory& mem, uint32_t buf, uint32_t buf_len);
  int32_t SockAccept(GuestMemory& mem, uint32_t fd, uint32_t flags,
                     uint32_t fd_out);
  int32_t SockRecv(GuestMemory& mem, uint32_t fd, uint32_t ri_data,
                   uint32_t ri_data_len, uint32_t ri_flags,
                   uint32_t ro_datalen_out, uint32_t ro_flags_out);
  int32_t SockSend(GuestMemory& mem, uint32_t fd, uint32_t si_data,
                   uint32_t si_data_len, uint32_t si_flags,
                   uint32_t so_datalen_out);
  int32_t SockShutdown(GuestMemory& mem, uint32_t fd, uint32_t how);

 private:
  enum class Kind { kStdin, kStdout, kStderr, kFile, kDir };

  struct Fd {
    Kind kind = Kind::kFile;
    // Files and directories; O_PATH for preopens. Owned for what the guest
    // opened, borrowed from preopens_ for a preopen, so closing or
    // renumbering a preopen never closes the host's descriptor and Reset
    // can put it back without a system call.
    HostFd host;
    uint8_t filetype = abi::kFiletypeUnknown;
    uint16_t fdflags = 0;
    uint64_t rights_base = 0;
    uint64_t rights_inheriting = 0;
    // Below a read-only preopen: no write right is ever granted.
    bool read_only = false;
    // For a preopened directory, its index in preopens_ (wherever the
    // guest renumbered it); nullopt otherwise.
    std::optional<uint32_t> preopen;
    // fd_readdir's listing, refreshed at cookie 0.
    std::vector<HostDirEntry> listing;
  };

  WasiContextImpl() = default;

  // Stdio descriptor `number` (0-2) as Create makes it.
  static Fd MakeStdio(uint32_t number);
  // preopens_[index] as Create makes it (at fd 3 + index).
  Fd MakePreopen(uint32_t index) const;
  // Whether `entry`, found at `number`, is still what Create put there.
  bool IsInitialAt(uint32_t number, const Fd& entry) const;

  // The open descriptor `fd` holding every right in `rights`: EBADF when it
  // is not open, ENOTCAPABLE when a right is missing.
  int32_t Lookup(uint32_t fd, uint64_t rights, Fd** out);
  // As Lookup, and the descriptor must be a directory (ENOTDIR).
  int32_t LookupDir(uint32_t fd, uint64_t rights, Fd** out);
  // The lowest free descriptor number; EMFILE when the table is full.
  int32_t AllocateFd(uint32_t* out) const;
  // The guest string at [ptr, ptr + len) as a path (EFAULT, or CheckPath's
  // errors).
  int32_t ReadPath(GuestMemory& mem, uint32_t ptr, uint32_t len,
                   std::string* out) const;
  // A directory argument and a path below it, as guest values.
  struct PathArg {
    uint32_t fd;
    uint64_t right;  // What the directory must hold.
    uint32_t ptr;
    uint32_t len;
  };
  // A path argument as a call sees it: the directory it is below, the
  // guest's path and that path split.
  struct GuestPath : SplitPathResult {
    Fd* dir = nullptr;
    std::string path;
  };
  // LookupDir's errors for the directory, then ReadPath's for the path.
  int32_t LookupPath(GuestMemory& mem, PathArg arg, GuestPath* out);
  // path_link's and path_rename's two: both directories first, then both
  // paths.
  int32_t LookupPathPair(GuestMemory& mem, PathArg from_arg, PathArg to_arg,
                         GuestPath* from, GuestPath* to);
  // Host iovecs over the guest's iovec array (EFAULT if any is outside).
  int32_t ReadIovecs(GuestMemory& mem, uint32_t iovs, uint32_t iovs_len,
                     std::vector<struct iovec>* out) const;
  // fd_pread (`write` false) or fd_pwrite: one transfer between the file
  // `fd` at `offset` and the guest's iovecs, its byte count stored at
  // `count_out`.
  int32_t PositionalTransfer(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                             uint32_t iovs_len, uint64_t offset,
                             uint32_t count_out, bool write);
  // fstat of `path` below `dir`, following a final symlink if `follow`.
  int32_t StatPath(const Fd& dir, const std::string& path, bool follow,
                   struct stat* out) const;
  int32_t RefreshListing(Fd& dir);

  std::vector<std::string> args_;
  std::vector<std::string> env_;  // "KEY=VALUE"
  InputSource::ReadFn stdin_;
  OutputSink::WriteFn stdout_;
  OutputSink::WriteFn stderr_;
  // What Create was given, for Reset; never called themselves, so a copy
  // of a stateful source (InputSource::FromString) starts from the start.
  InputSource::ReadFn initial_stdin_;
  OutputSink::WriteFn initial_stdout_;
  OutputSink::WriteFn initial_stderr_;
  // Set when stdin_ was read or replaced, stdout_/stderr_ replaced, since
  // Create or Reset: Reset copies only what changed.
  bool stdin_changed_ = false;
  bool stdout_changed_ = false;
  bool stderr_changed_ = false;
  std::optional<WasiOptions::VirtualClock> virtual_clock_;
  uint64_t virtual_now_ = 0;
  std::optional<uint64_t> random_seed_;
  std::optional<Xoshiro256> prng_;
  // preopens_[i] is at fd 3 + i after Create and Reset.
  std::vector<PreopenDir> preopens_;
  std::map<uint32_t, Fd> fds_;
  // WASI 0.2's streams, descriptors, pollables...
  p2::Resources resources_;
};

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_CONTEXT_H_
