#include "lib/wasi/context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/wasi/errno.h"

namespace wasmhost::wasi {
namespace {

constexpr uint64_t kStdinRights = abi::kRightFdRead |
                                  abi::kRightFdFdstatSetFlags |
                                  abi::kRightFdFilestatGet |
                                  abi::kRightPollFdReadwrite;
constexpr uint64_t kStdoutRights = abi::kRightFdWrite |
                                   abi::kRightFdFdstatSetFlags |
                                   abi::kRightFdFilestatGet |
                                   abi::kRightPollFdReadwrite;

int32_t HostError() { return FromHostErrno(errno); }

uint8_t FiletypeOf(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return abi::kFiletypeRegularFile;
    case S_IFDIR: return abi::kFiletypeDirectory;
    case S_IFLNK: return abi::kFiletypeSymbolicLink;
    case S_IFCHR: return abi::kFiletypeCharacterDevice;
    case S_IFBLK: return abi::kFiletypeBlockDevice;
    case S_IFSOCK: return abi::kFiletypeSocketStream;
    default: return abi::kFiletypeUnknown;
  }
}

uint8_t FiletypeOfDtype(unsigned char type) {
  switch (type) {
    case DT_REG: return abi::kFiletypeRegularFile;
    case DT_DIR: return abi::kFiletypeDirectory;
    case DT_LNK: return abi::kFiletypeSymbolicLink;
    case DT_CHR: return abi::kFiletypeCharacterDevice;
    case DT_BLK: return abi::kFiletypeBlockDevice;
    case DT_SOCK: return abi::kFiletypeSocketStream;
    default: return abi::kFiletypeUnknown;
  }
}

uint64_t Nanos(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

struct timespec Timespec(uint64_t nanos) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(nanos / 1000000000ull);
  ts.tv_nsec = static_cast<long>(nanos % 1000000000ull);
  return ts;
}

bool StoreFilestat(GuestMemory& mem, uint32_t out, const struct stat& st) {
  if (!mem.InBounds(out, abi::kFilestatSize)) return false;
  std::memset(mem.At(out), 0, abi::kFilestatSize);
  (void)mem.Store<uint64_t>(out + 0, st.st_dev);
  (void)mem.Store<uint64_t>(out + 8, st.st_ino);
  (void)mem.Store<uint8_t>(out + 16, FiletypeOf(st.st_mode));
  (void)mem.Store<uint64_t>(out + 24, st.st_nlink);
  (void)mem.Store<uint64_t>(out + 32, static_cast<uint64_t>(st.st_size));
  (void)mem.Store<uint64_t>(out + 40, Nanos(st.st_atim));
  (void)mem.Store<uint64_t>(out + 48, Nanos(st.st_mtim));
  (void)mem.Store<uint64_t>(out + 56, Nanos(st.st_ctim));
  return true;
}

// The two timespecs for utimensat/futimens from WASI's fstflags.
int32_t MakeTimes(uint64_t atim, uint64_t mtim, uint32_t flags,
                  struct timespec times[2]) {
  if ((flags & ~0xfu) != 0) return abi::kInval;
  if ((flags & abi::kFstAtim) && (flags & abi::kFstAtimNow)) return abi::kInval;
  if ((flags & abi::kFstMtim) && (flags & abi::kFstMtimNow)) return abi::kInval;
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  times[1] = times[0];
  if (flags & abi::kFstAtim) times[0] = Timespec(atim);
  if (flags & abi::kFstAtimNow) times[0].tv_nsec = UTIME_NOW;
  if (flags & abi::kFstMtim) times[1] = Timespec(mtim);
  if (flags & abi::kFstMtimNow) times[1].tv_nsec = UTIME_NOW;
  return abi::kSuccess;
}

// Sets the times of the file `fd` refers to, which may be an O_PATH
// descriptor (futimens refuses those; the /proc magic link does not).
int32_t SetTimesOnFd(int fd, const struct timespec times[2]) {
  if (::futimens(fd, times) == 0) return abi::kSuccess;
  if (errno != EBADF) return HostError();
  std::string proc = absl::StrCat("/proc/self/fd/", fd);
  if (::utimensat(AT_FDCWD, proc.c_str(), times, 0) == 0) {
    return abi::kSuccess;
  }
  return HostError();
}

bool IsDotOrDotDot(const std::string& name) {
  return name == "." || name == "..";
}

// Reads from an InputSource into `buffer`; 0 is end of input.
int32_t ReadSource(const InputSource::ReadFn& read, uint8_t* data,
                   size_t size, size_t* got) {
  *got = 0;
  if (!read || size == 0) return abi::kSuccess;
  absl::StatusOr<size_t> n = read(absl::MakeSpan(data, size));
  if (!n.ok()) return FromStatus(n.status());
  *got = std::min(*n, size);
  return abi::kSuccess;
}

enum class Transfer { kRead, kWrite };

// One readv/writev (preadv/pwritev at `offset` when it is set) of as many
// of `iov` as the host takes, retried on EINTR; the host's result.
ssize_t HostTransfer(int fd, const std::vector<struct iovec>& iov,
                     Transfer direction, std::optional<uint64_t> offset) {
  int count = static_cast<int>(std::min<size_t>(iov.size(), IOV_MAX));
  ssize_t n;
  do {
    if (offset) {
      off_t at = static_cast<off_t>(*offset);
      n = direction == Transfer::kRead ? ::preadv(fd, iov.data(), count, at)
                                       : ::pwritev(fd, iov.data(), count, at);
    } else {
      n = direction == Transfer::kRead ? ::readv(fd, iov.data(), count)
                                       : ::writev(fd, iov.data(), count);
    }
  } while (n < 0 && errno == EINTR);
  return n;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WasiContextImpl>> WasiContextImpl::Create(
    WasiOptions options) {
  std::unique_ptr<WasiContextImpl> ctx(new WasiContextImpl());
  ctx->args_ = std::move(options.args);
  for (auto& [key, value] : options.env) {
    ctx->env_.push_back(absl::StrCat(key, "=", value));
  }
  ctx->initial_stdin_ = options.stdin_source.read();
  ctx->initial_stdout_ = options.stdout_sink.write();
  ctx->initial_stderr_ = options.stderr_sink.write();
  ctx->stdin_ = ctx->initial_stdin_;
  ctx->stdout_ = ctx->initial_stdout_;
  ctx->stderr_ = ctx->initial_stderr_;
  ctx->virtual_clock_ = options.virtual_clock;
  if (ctx->virtual_clock_) ctx->virtual_now_ = ctx->virtual_clock_->start_nanos;
  ctx->random_seed_ = options.random_seed;
  if (ctx->random_seed_) ctx->prng_.emplace(*ctx->random_seed_);

  for (uint32_t number = 0; number < 3; ++number) {
    ctx->fds_.emplace(number, MakeStdio(number));
  }

  for (const Preopen& preopen : options.preopens) {
    if (preopen.guest_path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "preopen of \"", preopen.host_path, "\" has an empty guest_path"));
    }
    if (3 + ctx->preopens_.size() >= kMaxOpenFds) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", kMaxOpenFds - 3, " preopens"));
    }
    int fd = ::open(preopen.host_path.c_str(),
                    O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      if (error == ENOENT) {
        return absl::NotFoundError(absl::StrCat(
            "preopen host_path \"", preopen.host_path, "\" does not exist"));
      }
      if (error == ENOTDIR) {
        return absl::InvalidArgumentError(absl::StrCat(
            "preopen host_path \"", preopen.host_path,
            "\" is not a directory"));
      }
      return absl::ErrnoToStatus(
          error, absl::StrCat("cannot open preopen host_path \"",
                              preopen.host_path, "\""));
    }
    PreopenDir dir;
    dir.host = ScopedFd(fd);
    dir.name = preopen.guest_path;
    dir.read_only = preopen.read_only;
    ctx->preopens_.push_back(std::move(dir));
    const uint32_t index = static_cast<uint32_t>(ctx->preopens_.size() - 1);
    ctx->fds_.emplace(3 + index, ctx->MakePreopen(index));
  }
  return ctx;
}

WasiContextImpl::Fd WasiContextImpl::MakeStdio(uint32_t number) {
  static constexpr Kind kKinds[] = {Kind::kStdin, Kind::kStdout, Kind::kStderr};
  Fd entry;
  entry.kind = kKinds[number];
  entry.rights_base = number == 0 ? kStdinRights : kStdoutRights;
  return entry;
}

WasiContextImpl::Fd WasiContextImpl::MakePreopen(uint32_t index) const {
  const PreopenDir& preopen = preopens_[index];
  Fd dir;
  dir.kind = Kind::kDir;
  dir.host = HostFd::Borrow(preopen.host.get());
  dir.filetype = abi::kFiletypeDirectory;
  dir.read_only = preopen.read_only;
  uint64_t mask = preopen.read_only ? ~abi::kWriteRights : ~uint64_t{0};
  dir.rights_base = abi::kDirRights & mask;
  dir.rights_inheriting = (abi::kDirRights | abi::kFileRights) & mask;
  dir.preopen = index;
  return dir;
}

bool WasiContextImpl::IsInitialAt(uint32_t number, const Fd& entry) const {
  if (number < 3) return entry.kind == MakeStdio(number).kind;
  return entry.preopen.has_value() && *entry.preopen == number - 3;
}

absl::Status WasiContextImpl::Reset() {
  if (stdin_changed_) stdin_ = initial_stdin_;
  if (stdout_changed_) stdout_ = initial_stdout_;
  if (stderr_changed_) stderr_ = initial_stderr_;
  stdin_changed_ = stdout_changed_ = stderr_changed_ = false;
  if (virtual_clock_) virtual_now_ = virtual_clock_->start_nanos;
  if (random_seed_) prng_.emplace(*random_seed_);

  // Entries still at the number Create gave them get their rights and
  // flags back in place; everything else goes, closing what the guest
  // opened (a preopen's descriptor is only borrowed). Then whatever is
  // missing is made again: nothing allocated when the guest left the table
  // as it was.
  for (auto it = fds_.begin(); it != fds_.end();) {
    if (!IsInitialAt(it->first, it->second)) {
      it = fds_.erase(it);
      continue;
    }
    Fd& entry = it->second;
    Fd initial =
        it->first < 3 ? MakeStdio(it->first) : MakePreopen(*entry.preopen);
    entry.fdflags = initial.fdflags;
    entry.rights_base = initial.rights_base;
    entry.rights_inheriting = initial.rights_inheriting;
    entry.listing.clear();
    ++it;
  }
  const uint32_t initial_count = static_cast<uint32_t>(3 + preopens_.size());
  if (fds_.size() != initial_count) {
    for (uint32_t number = 0; number < initial_count; ++number) {
      if (fds_.count(number) != 0) continue;
      fds_.emplace(number,
                   number < 3 ? MakeStdio(number) : MakePreopen(number - 3));
    }
  }
  return absl::OkStatus();
}

void WasiContextImpl::SetStdin(InputSource source) {
  stdin_ = source.read();
  stdin_changed_ = true;
}

void WasiContextImpl::SetStdout(OutputSink sink) {
  stdout_ = sink.write();
  stdout_changed_ = true;
}

void WasiContextImpl::SetStderr(OutputSink sink) {
  stderr_ = sink.write();
  stderr_changed_ = true;
}

// ---------------------------------------------------------------------------
// Helpers.

int32_t WasiContextImpl::Lookup(uint32_t fd, uint64_t rights, Fd** out) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  Fd& entry = it->second;
  if ((entry.rights_base & rights) != rights) return abi::kNotCapable;
  if (entry.read_only && (rights & abi::kWriteRights) != 0) {
    return abi::kNotCapable;
  }
  *out = &entry;
  return abi::kSuccess;
}

int32_t WasiContextImpl::LookupDir(uint32_t fd, uint64_t rights, Fd** out) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  if (it->second.kind != Kind::kDir) return abi::kNotDir;
  return Lookup(fd, rights, out);
}

int32_t WasiContextImpl::AllocateFd(uint32_t* out) const {
  if (fds_.size() >= kMaxOpenFds) return abi::kMfile;
  uint32_t candidate = 0;
  for (const auto& [number, entry] : fds_) {
    if (number != candidate) break;
    ++candidate;
  }
  *out = candidate;
  return abi::kSuccess;
}

int32_t WasiContextImpl::ReadPath(GuestMemory& mem, uint32_t ptr,
                                  uint32_t len, std::string* out) const {
  if (!mem.InBounds(ptr, len)) return abi::kFault;
  out->assign(reinterpret_cast<const char*>(mem.At(ptr)), len);
  return CheckPath(*out);
}

int32_t WasiContextImpl::ReadIovecs(GuestMemory& mem, uint32_t iovs,
                                    uint32_t iovs_len,
                                    std::vector<struct iovec>* out) const {
  if (!mem.InBounds(iovs, uint64_t{iovs_len} * abi::kIovecSize)) {
    return abi::kFault;
  }
  out->clear();
  out->reserve(iovs_len);
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint32_t buf = 0;
    uint32_t len = 0;
    (void)mem.Load(iovs + i * abi::kIovecSize, &buf);
    (void)mem.Load(iovs + i * abi::kIovecSize + 4, &len);
    if (!mem.InBounds(buf, len)) return abi::kFault;
    out->push_back({mem.At(buf), len});
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PositionalTransfer(GuestMemory& mem, uint32_t fd,
                                            uint32_t iovs, uint32_t iovs_len,
                                            uint64_t offset,
                                            uint32_t count_out, bool write) {
  Fd* entry;
  uint64_t rights = (write ? abi::kRightFdWrite : abi::kRightFdRead) |
                    abi::kRightFdSeek;
  if (int32_t e = Lookup(fd, rights, &entry)) return e;
  if (entry->kind == Kind::kDir) return abi::kIsDir;
  if (entry->kind != Kind::kFile) return abi::kSpipe;
  if (offset > INT64_MAX) return abi::kInval;
  std::vector<struct iovec> iov;
  if (int32_t e = ReadIovecs(mem, iovs, iovs_len, &iov)) return e;
  if (!mem.InBounds(count_out, 4)) return abi::kFault;
  ssize_t n = HostTransfer(entry->host.get(), iov,
                           write ? Transfer::kWrite : Transfer::kRead, offset);
  if (n < 0) return HostError();
  (void)mem.Store<uint32_t>(count_out, static_cast<uint32_t>(n));
  return abi::kSuccess;
}

int32_t WasiContextImpl::Now(uint32_t id, bool tick, uint64_t* out) {
  clockid_t host;
  switch (id) {
    case abi::kClockRealtime: host = CLOCK_REALTIME; break;
    case abi::kClockMonotonic: host = CLOCK_MONOTONIC; break;
    case abi::kClockProcessCputime: host = CLOCK_PROCESS_CPUTIME_ID; break;
    case abi::kClockThreadCputime: host = CLOCK_THREAD_CPUTIME_ID; break;
    default: return abi::kInval;
  }
  if (virtual_clock_) {
    *out = virtual_now_;
    if (tick) virtual_now_ += virtual_clock_->tick_nanos;
    return abi::kSuccess;
  }
  struct timespec ts;
  if (::clock_gettime(host, &ts) != 0) return HostError();
  *out = Nanos(ts);
  return abi::kSuccess;
}

int32_t WasiContextImpl::StatPath(const Fd& dir, const std::string& path,
                                  bool follow, struct stat* out) const {
  // An O_PATH descriptor of the target itself (of the symlink when not
  // following): resolved by the kernel below `dir`, so it cannot escape.
  abi::Errno error = abi::kSuccess;
  ScopedFd target(OpenBeneath(dir.host.get(), path,
                              O_PATH | (follow ? 0 : O_NOFOLLOW), 0, &error));
  if (!target.valid()) return error;
  if (::fstat(target.get(), out) != 0) return HostError();
  return abi::kSuccess;
}

// ---------------------------------------------------------------------------
// Args, environment, clocks, randomness.

namespace {

int32_t SizesGet(GuestMemory& mem, const std::vector<std::string>& strings,
                 uint32_t count_out, uint32_t size_out) {
  uint64_t size = 0;
  for (const std::string& s : strings) size += s.size() + 1;
  if (size > UINT32_MAX) return abi::kOverflow;
  if (!mem.InBounds(count_out, 4) || !mem.InBounds(size_out, 4)) {
    return abi::kFault;
  }
  (void)mem.Store<uint32_t>(count_out, static_cast<uint32_t>(strings.size()));
  (void)mem.Store<uint32_t>(size_out, static_cast<uint32_t>(size));
  return abi::kSuccess;
}

int32_t StringsGet(GuestMemory& mem, const std::vector<std::string>& strings,
                   uint32_t pointers, uint32_t buf) {
  uint64_t size = 0;
  for (const std::string& s : strings) size += s.size() + 1;
  if (!mem.InBounds(pointers, uint64_t{strings.size()} * 4) ||
      !mem.InBounds(buf, size)) {
    return abi::kFault;
  }
  uint64_t at = buf;
  for (size_t i = 0; i < strings.size(); ++i) {
    (void)mem.Store<uint32_t>(pointers + i * 4, static_cast<uint32_t>(at));
    std::memcpy(mem.At(at), strings[i].data(), strings[i].size());
    mem.At(at)[strings[i].size()] = 0;
    at += strings[i].size() + 1;
  }
  return abi::kSuccess;
}

}  // namespace

int32_t WasiContextImpl::ArgsGet(GuestMemory& mem, uint32_t argv,
                                 uint32_t argv_buf) {
  return StringsGet(mem, args_, argv, argv_buf);
}

int32_t WasiContextImpl::ArgsSizesGet(GuestMemory& mem, uint32_t argc_out,
                                      uint32_t size_out) {
  return SizesGet(mem, args_, argc_out, size_out);
}

int32_t WasiContextImpl::EnvironGet(GuestMemory& mem, uint32_t environ,
                                    uint32_t environ_buf) {
  return StringsGet(mem, env_, environ, environ_buf);
}

int32_t WasiContextImpl::EnvironSizesGet(GuestMemory& mem, uint32_t count_out,
                                         uint32_t size_out) {
  return SizesGet(mem, env_, count_out, size_out);
}

int32_t WasiContextImpl::ClockResGet(GuestMemory& mem, uint32_t id,
                                     uint32_t out) {
  uint64_t ignored;
  if (int32_t e = Now(id, /*tick=*/false, &ignored)) return e;
  uint64_t resolution = 1;
  if (virtual_clock_) {
    resolution = std::max<uint64_t>(virtual_clock_->tick_nanos, 1);
  } else {
    static constexpr clockid_t kHost[] = {
        CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
        CLOCK_THREAD_CPUTIME_ID};
    struct timespec ts;
    if (::clock_getres(kHost[id], &ts) != 0) return HostError();
    resolution = std::max<uint64_t>(Nanos(ts), 1);
  }
  if (!mem.Store<uint64_t>(out, resolution)) return abi::kFault;
  return abi::kSuccess;
}

int32_t WasiContextImpl::ClockTimeGet(GuestMemory& mem, uint32_t id,
                                      uint64_t /*precision*/, uint32_t out) {
  if (!mem.InBounds(out, 8)) return abi::kFault;
  uint64_t now = 0;
  if (int32_t e = Now(id, /*tick=*/true, &now)) return e;
  (void)mem.Store<uint64_t>(out, now);
  return abi::kSuccess;
}

int32_t WasiContextImpl::RandomGet(GuestMemory& mem, uint32_t buf,
                                   uint32_t buf_len) {
  if (!mem.InBounds(buf, buf_len)) return abi::kFault;
  uint8_t* data = mem.At(buf);
  if (prng_) {
    prng_->Fill(data, buf_len);
    return abi::kSuccess;
  }
  size_t done = 0;
  while (done < buf_len) {
    ssize_t n = ::getrandom(data + done, buf_len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return HostError();
    }
    done += static_cast<size_t>(n);
  }
  return abi::kSuccess;
}

// ---------------------------------------------------------------------------
// File descriptors.

int32_t WasiContextImpl::FdAdvise(GuestMemory&, uint32_t fd, uint64_t offset,
                                  uint64_t len, uint32_t advice) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdAdvise, &entry)) return e;
  if (advice > abi::kAdviceMax) return abi::kInval;
  if (offset > INT64_MAX || len > INT64_MAX) return abi::kInval;
  if (entry->kind != Kind::kFile) return abi::kSuccess;  // Only a hint.
  static constexpr int kHost[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL,
                                  POSIX_FADV_RANDOM,   POSIX_FADV_WILLNEED,
                                  POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
  int error = ::posix_fadvise(entry->host.get(), static_cast<off_t>(offset),
                              static_cast<off_t>(len), kHost[advice]);
  // Pipes and the like: advice does not apply, which is not an error.
  if (error == ESPIPE) return abi::kSuccess;
  return FromHostErrno(error);
}

int32_t WasiContextImpl::FdAllocate(GuestMemory&, uint32_t fd,
                                    uint64_t offset, uint64_t len) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdAllocate, &entry)) return e;
  if (entry->kind != Kind::kFile) return abi::kBadf;
  if (offset > INT64_MAX || len > INT64_MAX) return abi::kInval;
  return FromHostErrno(::posix_fallocate(entry->host.get(),
                                         static_cast<off_t>(offset),
                                         static_cast<off_t>(len)));
}

int32_t WasiContextImpl::FdClose(GuestMemory&, uint32_t fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  fds_.erase(it);
  return abi::kSuccess;
}

namespace {

// fsync or fdatasync of a file or directory. Preopens are O_PATH
// descriptors, which fsync refuses: directories are synced through a
// descriptor of their own.
int32_t SyncHostFd(int fd, bool is_dir, bool data_only) {
  ScopedFd dir;
  if (is_dir) {
    dir = ScopedFd(::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) return HostError();
    fd = dir.get();
  }
  if ((data_only ? ::fdatasync(fd) : ::fsync(fd)) != 0) return HostError();
  return abi::kSuccess;
}

}  // namespace

int32_t WasiContextImpl::FdDatasync(GuestMemory&, uint32_t fd) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdDatasync, &entry)) return e;
  if (entry->kind != Kind::kFile && entry->kind != Kind::kDir) {
    return abi::kInval;
  }
  return SyncHostFd(entry->host.get(), entry->kind == Kind::kDir, true);
}

int32_t WasiContextImpl::FdSync(GuestMemory&, uint32_t fd) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdSync, &entry)) return e;
  if (entry->kind != Kind::kFile && entry->kind != Kind::kDir) {
    return abi::kInval;
  }
  return SyncHostFd(entry->host.get(), entry->kind == Kind::kDir, false);
}

int32_t WasiContextImpl::FdFdstatGet(GuestMemory& mem, uint32_t fd,
                                     uint32_t out) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  const Fd& entry = it->second;
  if (!mem.InBounds(out, abi::kFdstatSize)) return abi::kFault;
  std::memset(mem.At(out), 0, abi::kFdstatSize);
  (void)mem.Store<uint8_t>(out, entry.filetype);
  (void)mem.Store<uint16_t>(out + 2, entry.fdflags);
  (void)mem.Store<uint64_t>(out + 8, entry.rights_base);
  (void)mem.Store<uint64_t>(out + 16, entry.rights_inheriting);
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdFdstatSetFlags(GuestMemory&, uint32_t fd,
                                          uint32_t flags) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdFdstatSetFlags, &entry)) return e;
  if ((flags & ~abi::kFdflagsAll) != 0) return abi::kInval;
  // Linux's F_SETFL changes only O_APPEND and O_NONBLOCK.
  constexpr uint32_t kSyncFlags =
      abi::kFdflagDsync | abi::kFdflagRsync | abi::kFdflagSync;
  if ((flags & kSyncFlags) != (entry->fdflags & kSyncFlags)) {
    return abi::kNotSup;
  }
  if (entry->kind == Kind::kFile) {
    int current = ::fcntl(entry->host.get(), F_GETFL);
    if (current < 0) return HostError();
    int wanted = current & ~(O_APPEND | O_NONBLOCK);
    if (flags & abi::kFdflagAppend) wanted |= O_APPEND;
    if (flags & abi::kFdflagNonblock) wanted |= O_NONBLOCK;
    if (::fcntl(entry->host.get(), F_SETFL, wanted) != 0) return HostError();
  }
  entry->fdflags = static_cast<uint16_t>(flags);
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdFdstatSetRights(GuestMemory&, uint32_t fd,
                                           uint64_t base,
                                           uint64_t inheriting) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  Fd& entry = it->second;
  // Rights can only be dropped.
  if ((base & ~entry.rights_base) != 0 ||
      (inheriting & ~entry.rights_inheriting) != 0) {
    return abi::kNotCapable;
  }
  entry.rights_base = base;
  entry.rights_inheriting = inheriting;
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdFilestatGet(GuestMemory& mem, uint32_t fd,
                                       uint32_t out) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdFilestatGet, &entry)) return e;
  if (!mem.InBounds(out, abi::kFilestatSize)) return abi::kFault;
  struct stat st;
  if (entry->kind == Kind::kFile || entry->kind == Kind::kDir) {
    if (::fstat(entry->host.get(), &st) != 0) return HostError();
  } else {
    // stdio is not a host file: report nothing of the host's.
    std::memset(&st, 0, sizeof(st));
  }
  (void)StoreFilestat(mem, out, st);
  if (entry->kind != Kind::kFile && entry->kind != Kind::kDir) {
    (void)mem.Store<uint8_t>(out + 16, entry->filetype);
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdFilestatSetSize(GuestMemory&, uint32_t fd,
                                           uint64_t size) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdFilestatSetSize, &entry)) return e;
  if (entry->kind != Kind::kFile) return abi::kBadf;
  if (size > INT64_MAX) return abi::kInval;
  if (::ftruncate(entry->host.get(), static_cast<off_t>(size)) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdFilestatSetTimes(GuestMemory&, uint32_t fd,
                                            uint64_t atim, uint64_t mtim,
                                            uint32_t fst_flags) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdFilestatSetTimes, &entry)) return e;
  if (entry->kind != Kind::kFile && entry->kind != Kind::kDir) {
    return abi::kBadf;
  }
  struct timespec times[2];
  if (int32_t e = MakeTimes(atim, mtim, fst_flags, times)) return e;
  return SetTimesOnFd(entry->host.get(), times);
}

int32_t WasiContextImpl::FdPread(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                                 uint32_t iovs_len, uint64_t offset,
                                 uint32_t nread_out) {
  return PositionalTransfer(mem, fd, iovs, iovs_len, offset, nread_out,
                            /*write=*/false);
}

int32_t WasiContextImpl::FdPrestatGet(GuestMemory& mem, uint32_t fd,
                                      uint32_t out) {
  auto it = fds_.find(fd);
  // wasi-libc walks descriptors from 3 until EBADF to find the preopens.
  if (it == fds_.end() || !it->second.preopen) return abi::kBadf;
  if (!mem.InBounds(out, abi::kPrestatSize)) return abi::kFault;
  std::memset(mem.At(out), 0, abi::kPrestatSize);
  (void)mem.Store<uint8_t>(out, abi::kPreopentypeDir);
  (void)mem.Store<uint32_t>(
      out + 4,
      static_cast<uint32_t>(preopens_[*it->second.preopen].name.size()));
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdPrestatDirName(GuestMemory& mem, uint32_t fd,
                                          uint32_t path, uint32_t path_len) {
  auto it = fds_.find(fd);
  if (it == fds_.end() || !it->second.preopen) return abi::kBadf;
  const std::string& name = preopens_[*it->second.preopen].name;
  if (path_len < name.size()) return abi::kNameTooLong;
  if (!mem.InBounds(path, name.size())) return abi::kFault;
  std::memcpy(mem.At(path), name.data(), name.size());
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdPwrite(GuestMemory& mem, uint32_t fd,
                                  uint32_t iovs, uint32_t iovs_len,
                                  uint64_t offset, uint32_t nwritten_out) {
  return PositionalTransfer(mem, fd, iovs, iovs_len, offset, nwritten_out,
                            /*write=*/true);
}

int32_t WasiContextImpl::FdRead(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                                uint32_t iovs_len, uint32_t nread_out) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdRead, &entry)) return e;
  if (entry->kind == Kind::kDir) return abi::kIsDir;
  std::vector<struct iovec> iov;
  if (int32_t e = ReadIovecs(mem, iovs, iovs_len, &iov)) return e;
  if (!mem.InBounds(nread_out, 4)) return abi::kFault;
  size_t total = 0;
  if (entry->kind == Kind::kFile) {
    ssize_t n = HostTransfer(entry->host.get(), iov, Transfer::kRead,
                             std::nullopt);
    if (n < 0) return HostError();
    total = static_cast<size_t>(n);
  } else if (entry->kind == Kind::kStdin) {
    // One read into the first non-empty buffer, like read(2) on a pipe: a
    // second read could block on a source that has nothing more yet.
    for (const struct iovec& v : iov) {
      if (v.iov_len == 0) continue;
      stdin_changed_ = true;  // Reset must rewind it.
      if (int32_t e = ReadSource(stdin_, static_cast<uint8_t*>(v.iov_base),
                                 v.iov_len, &total)) {
        return e;
      }
      break;
    }
  } else {
    return abi::kBadf;
  }
  (void)mem.Store<uint32_t>(nread_out, static_cast<uint32_t>(total));
  return abi::kSuccess;
}

int32_t WasiContextImpl::RefreshListing(Fd& dir) {
  ScopedFd fd(::openat(dir.host.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return HostError();
  DIR* stream = ::fdopendir(fd.get());
  if (stream == nullptr) return HostError();
  fd.release();  // Owned by `stream` now.
  std::vector<DirEntry> listing;
  errno = 0;
  while (struct dirent* d = ::readdir(stream)) {
    DirEntry entry;
    entry.name = d->d_name;
    entry.ino = d->d_ino;
    entry.type = FiletypeOfDtype(d->d_type);
    if (d->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(stream), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        entry.type = FiletypeOf(st.st_mode);
      }
    }
    listing.push_back(std::move(entry));
  }
  int error = errno;
  ::closedir(stream);
  if (error != 0) return FromHostErrno(error);
  // By name: the same tree lists the same way on every host and run.
  std::sort(listing.begin(), listing.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  dir.listing = std::move(listing);
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdReaddir(GuestMemory& mem, uint32_t fd,
                                   uint32_t buf, uint32_t buf_len,
                                   uint64_t cookie, uint32_t bufused_out) {
  Fd* entry;
  if (int32_t e = LookupDir(fd, abi::kRightFdReaddir, &entry)) return e;
  if (!mem.InBounds(buf, buf_len) || !mem.InBounds(bufused_out, 4)) {
    return abi::kFault;
  }
  if (cookie == 0 || entry->listing.empty()) {
    if (int32_t e = RefreshListing(*entry)) return e;
  }
  uint64_t used = 0;
  for (uint64_t i = cookie; i < entry->listing.size() && used < buf_len; ++i) {
    const DirEntry& d = entry->listing[i];
    uint8_t header[abi::kDirentSize] = {};
    uint64_t next = i + 1;
    uint32_t namlen = static_cast<uint32_t>(d.name.size());
    std::memcpy(header + 0, &next, 8);
    std::memcpy(header + 8, &d.ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = d.type;
    // The last entry may be cut: the guest sees a full buffer and asks
    // again from its cookie with a bigger one.
    uint64_t n = std::min<uint64_t>(abi::kDirentSize, buf_len - used);
    std::memcpy(mem.At(buf + used), header, n);
    used += n;
    n = std::min<uint64_t>(namlen, buf_len - used);
    std::memcpy(mem.At(buf + used), d.name.data(), n);
    used += n;
  }
  (void)mem.Store<uint32_t>(bufused_out, static_cast<uint32_t>(used));
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdRenumber(GuestMemory&, uint32_t fd, uint32_t to) {
  auto from_it = fds_.find(fd);
  auto to_it = fds_.find(to);
  if (from_it == fds_.end() || to_it == fds_.end()) return abi::kBadf;
  if (fd == to) return abi::kSuccess;
  to_it->second = std::move(from_it->second);
  fds_.erase(from_it);
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdSeek(GuestMemory& mem, uint32_t fd, int64_t offset,
                                uint32_t whence, uint32_t newoffset_out) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  Kind kind = it->second.kind;
  if (kind != Kind::kFile && kind != Kind::kDir) return abi::kSpipe;
  // fd_tell's right is enough to read the position.
  uint64_t right = (offset == 0 && whence == abi::kWhenceCur)
                       ? abi::kRightFdTell
                       : abi::kRightFdSeek;
  Fd* entry;
  if (int32_t e = Lookup(fd, right, &entry)) return e;
  if (kind == Kind::kDir) return abi::kBadf;
  int host_whence;
  switch (whence) {
    case abi::kWhenceSet: host_whence = SEEK_SET; break;
    case abi::kWhenceCur: host_whence = SEEK_CUR; break;
    case abi::kWhenceEnd: host_whence = SEEK_END; break;
    default: return abi::kInval;
  }
  if (!mem.InBounds(newoffset_out, 8)) return abi::kFault;
  off_t result = ::lseek(entry->host.get(), offset, host_whence);
  if (result < 0) return HostError();
  (void)mem.Store<uint64_t>(newoffset_out, static_cast<uint64_t>(result));
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdTell(GuestMemory& mem, uint32_t fd, uint32_t out) {
  return FdSeek(mem, fd, 0, abi::kWhenceCur, out);
}

int32_t WasiContextImpl::FdWrite(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                                 uint32_t iovs_len, uint32_t nwritten_out) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdWrite, &entry)) return e;
  if (entry->kind == Kind::kDir) return abi::kIsDir;
  std::vector<struct iovec> iov;
  if (int32_t e = ReadIovecs(mem, iovs, iovs_len, &iov)) return e;
  if (!mem.InBounds(nwritten_out, 4)) return abi::kFault;
  uint64_t total = 0;
  if (entry->kind == Kind::kFile) {
    ssize_t n = HostTransfer(entry->host.get(), iov, Transfer::kWrite,
                             std::nullopt);
    if (n < 0) return HostError();
    total = static_cast<uint64_t>(n);
  } else {
    const OutputSink::WriteFn& sink =
        entry->kind == Kind::kStdout ? stdout_ : stderr_;
    for (const struct iovec& v : iov) {
      if (v.iov_len == 0) continue;
      if (sink) {
        absl::Status written = sink(absl::string_view(
            static_cast<const char*>(v.iov_base), v.iov_len));
        // After some bytes were taken, a short write (as writev(2) does);
        // the guest's next write meets the error if it lasts.
        if (!written.ok()) {
          if (total == 0) return FromStatus(written);
          break;
        }
      }
      total += v.iov_len;
    }
    // A count the guest can hold; a sink takes everything it is given.
    total = std::min<uint64_t>(total, UINT32_MAX);
  }
  (void)mem.Store<uint32_t>(nwritten_out, static_cast<uint32_t>(total));
  return abi::kSuccess;
}

// ---------------------------------------------------------------------------
// Paths.

int32_t WasiContextImpl::PathCreateDirectory(GuestMemory& mem, uint32_t fd,
                                             uint32_t path,
                                             uint32_t path_len) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathCreateDirectory, &dir)) {
    return e;
  }
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  SplitPathResult split = SplitPath(guest_path);
  if (IsDotOrDotDot(split.last)) return abi::kExist;
  ScopedFd owned;
  abi::Errno error = abi::kSuccess;
  int parent = OpenParent(dir->host.get(), split.parent, &owned, &error);
  if (parent < 0) return error;
  if (::mkdirat(parent, split.last.c_str(), 0777) != 0) return HostError();
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathFilestatGet(GuestMemory& mem, uint32_t fd,
                                         uint32_t flags, uint32_t path,
                                         uint32_t path_len, uint32_t out) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathFilestatGet, &dir)) return e;
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  if (!mem.InBounds(out, abi::kFilestatSize)) return abi::kFault;
  struct stat st;
  if (int32_t e = StatPath(*dir, guest_path,
                           (flags & abi::kLookupSymlinkFollow) != 0, &st)) {
    return e;
  }
  (void)StoreFilestat(mem, out, st);
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathFilestatSetTimes(GuestMemory& mem, uint32_t fd,
                                              uint32_t flags, uint32_t path,
                                              uint32_t path_len,
                                              uint64_t atim, uint64_t mtim,
                                              uint32_t fst_flags) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathFilestatSetTimes, &dir)) {
    return e;
  }
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  struct timespec times[2];
  if (int32_t e = MakeTimes(atim, mtim, fst_flags, times)) return e;
  bool follow = (flags & abi::kLookupSymlinkFollow) != 0;
  SplitPathResult split = SplitPath(guest_path);
  abi::Errno error = abi::kSuccess;
  if (!follow && !split.trailing_slash && !IsDotOrDotDot(split.last)) {
    // The last component itself, a symlink or not: never followed.
    ScopedFd owned;
    int parent = OpenParent(dir->host.get(), split.parent, &owned, &error);
    if (parent < 0) return error;
    if (::utimensat(parent, split.last.c_str(), times, AT_SYMLINK_NOFOLLOW) !=
        0) {
      return HostError();
    }
    return abi::kSuccess;
  }
  // The target, resolved below `dir` by the kernel (never a symlink here).
  ScopedFd target(OpenBeneath(dir->host.get(), guest_path, O_PATH, 0, &error));
  if (!target.valid()) return error;
  return SetTimesOnFd(target.get(), times);
}

int32_t WasiContextImpl::PathLink(GuestMemory& mem, uint32_t old_fd,
                                  uint32_t old_flags, uint32_t old_path,
                                  uint32_t old_path_len, uint32_t new_fd,
                                  uint32_t new_path, uint32_t new_path_len) {
  Fd* old_dir;
  if (int32_t e = LookupDir(old_fd, abi::kRightPathLinkSource, &old_dir)) {
    return e;
  }
  Fd* new_dir;
  if (int32_t e = LookupDir(new_fd, abi::kRightPathLinkTarget, &new_dir)) {
    return e;
  }
  std::string old_guest;
  std::string new_guest;
  if (int32_t e = ReadPath(mem, old_path, old_path_len, &old_guest)) return e;
  if (int32_t e = ReadPath(mem, new_path, new_path_len, &new_guest)) return e;
  SplitPathResult old_split = SplitPath(old_guest);
  SplitPathResult new_split = SplitPath(new_guest);
  if (IsDotOrDotDot(old_split.last) || IsDotOrDotDot(new_split.last)) {
    return abi::kPerm;  // Directories cannot be hard-linked.
  }
  if (new_split.trailing_slash) return abi::kNoEnt;
  abi::Errno error = abi::kSuccess;
  ScopedFd new_owned;
  int new_parent =
      OpenParent(new_dir->host.get(), new_split.parent, &new_owned, &error);
  if (new_parent < 0) return error;
  if ((old_flags & abi::kLookupSymlinkFollow) != 0 || old_split.trailing_slash) {
    // Link what the symlink points to, resolved below `old_dir`.
    ScopedFd target(
        OpenBeneath(old_dir->host.get(), old_guest, O_PATH, 0, &error));
    if (!target.valid()) return error;
    std::string proc = absl::StrCat("/proc/self/fd/", target.get());
    if (::linkat(AT_FDCWD, proc.c_str(), new_parent, new_split.last.c_str(),
                 AT_SYMLINK_FOLLOW) != 0) {
      return HostError();
    }
    return abi::kSuccess;
  }
  ScopedFd old_owned;
  int old_parent =
      OpenParent(old_dir->host.get(), old_split.parent, &old_owned, &error);
  if (old_parent < 0) return error;
  if (::linkat(old_parent, old_split.last.c_str(), new_parent,
               new_split.last.c_str(), 0) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathOpen(GuestMemory& mem, uint32_t fd,
                                  uint32_t dirflags, uint32_t path,
                                  uint32_t path_len, uint32_t oflags,
                                  uint64_t rights_base,
                                  uint64_t rights_inheriting, uint32_t fdflags,
                                  uint32_t fd_out) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathOpen, &dir)) return e;
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  if (!mem.InBounds(fd_out, 4)) return abi::kFault;
  if ((oflags & ~0xfu) != 0 || (fdflags & ~abi::kFdflagsAll) != 0) {
    return abi::kInval;
  }
  uint64_t needed = 0;
  if (oflags & abi::kOflagCreat) needed |= abi::kRightPathCreateFile;
  if (oflags & abi::kOflagTrunc) needed |= abi::kRightPathFilestatSetSize;
  if (int32_t e = Lookup(fd, abi::kRightPathOpen | needed, &dir)) return e;
  // Opening a file for writing where writing may not be granted (below a
  // read-only preopen) is refused, as EROFS would be; other rights the
  // directory cannot pass on are quietly left out, as wasi-libc and Go
  // expect (they ask for "everything" on directories).
  constexpr uint64_t kFileWrite = abi::kRightFdWrite | abi::kRightFdAllocate |
                                  abi::kRightFdFilestatSetSize;
  if (((oflags & abi::kOflagDirectory) == 0 &&
       (rights_base & kFileWrite & ~dir->rights_inheriting) != 0) ||
      (dir->read_only && (fdflags & abi::kFdflagAppend) != 0)) {
    return abi::kNotCapable;
  }
  uint64_t base = rights_base & dir->rights_inheriting;
  uint64_t inheriting = rights_inheriting & dir->rights_inheriting;

  uint32_t new_fd;
  if (int32_t e = AllocateFd(&new_fd)) return e;

  // The access mode follows the rights, for directories too: wasi-libc
  // asks for FD_WRITE only for O_WRONLY and O_RDWR, so a write-oriented open
  // of a directory gets the kernel's EISDIR, as on Linux and in Wasmtime,
  // and a read-only one (however many other rights it asks for) succeeds.
  bool read = (base & (abi::kRightFdRead | abi::kRightFdReaddir)) != 0;
  bool write = (base & kFileWrite) != 0;
  int flags = O_NOCTTY | (write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY);
  if (oflags & abi::kOflagDirectory) flags |= O_DIRECTORY;
  if (oflags & abi::kOflagCreat) flags |= O_CREAT;
  if (oflags & abi::kOflagExcl) flags |= O_EXCL;
  if (oflags & abi::kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & abi::kFdflagAppend) flags |= O_APPEND;
  if (fdflags & abi::kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & abi::kFdflagSync) flags |= O_SYNC;
  if (fdflags & abi::kFdflagRsync) flags |= O_RSYNC;
  if (fdflags & abi::kFdflagNonblock) flags |= O_NONBLOCK;
  if ((dirflags & abi::kLookupSymlinkFollow) == 0) flags |= O_NOFOLLOW;

  abi::Errno error = abi::kSuccess;
  ScopedFd host(OpenBeneath(dir->host.get(), guest_path, flags, 0666, &error));
  if (!host.valid()) return error;
  struct stat st;
  if (::fstat(host.get(), &st) != 0) return HostError();

  Fd entry;
  entry.host = HostFd(std::move(host));
  entry.filetype = FiletypeOf(st.st_mode);
  entry.fdflags = static_cast<uint16_t>(fdflags);
  entry.read_only = dir->read_only;
  if (S_ISDIR(st.st_mode)) {
    entry.kind = Kind::kDir;
    entry.rights_base = base & abi::kDirRights;
    entry.rights_inheriting = inheriting;
  } else {
    entry.kind = Kind::kFile;
    entry.rights_base = base & abi::kFileRights;
    entry.rights_inheriting = 0;
  }
  fds_.emplace(new_fd, std::move(entry));
  (void)mem.Store<uint32_t>(fd_out, new_fd);
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathReadlink(GuestMemory& mem, uint32_t fd,
                                      uint32_t path, uint32_t path_len,
                                      uint32_t buf, uint32_t buf_len,
                                      uint32_t bufused_out) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathReadlink, &dir)) return e;
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  if (!mem.InBounds(buf, buf_len) || !mem.InBounds(bufused_out, 4)) {
    return abi::kFault;
  }
  SplitPathResult split = SplitPath(guest_path);
  if (IsDotOrDotDot(split.last) || split.trailing_slash) return abi::kInval;
  abi::Errno error = abi::kSuccess;
  ScopedFd owned;
  int parent = OpenParent(dir->host.get(), split.parent, &owned, &error);
  if (parent < 0) return error;
  std::vector<char> target(PATH_MAX);
  ssize_t n = ::readlinkat(parent, split.last.c_str(), target.data(),
                           target.size());
  if (n < 0) return HostError();
  size_t copied = std::min<size_t>(static_cast<size_t>(n), buf_len);
  std::memcpy(mem.At(buf), target.data(), copied);
  (void)mem.Store<uint32_t>(bufused_out, static_cast<uint32_t>(copied));
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathRemoveDirectory(GuestMemory& mem, uint32_t fd,
                                             uint32_t path,
                                             uint32_t path_len) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathRemoveDirectory, &dir)) {
    return e;
  }
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  SplitPathResult split = SplitPath(guest_path);
  if (split.last == ".") return abi::kInval;
  if (split.last == "..") return abi::kNotEmpty;
  abi::Errno error = abi::kSuccess;
  ScopedFd owned;
  int parent = OpenParent(dir->host.get(), split.parent, &owned, &error);
  if (parent < 0) return error;
  if (::unlinkat(parent, split.last.c_str(), AT_REMOVEDIR) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathRename(GuestMemory& mem, uint32_t fd,
                                    uint32_t old_path, uint32_t old_path_len,
                                    uint32_t new_fd, uint32_t new_path,
                                    uint32_t new_path_len) {
  Fd* old_dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathRenameSource, &old_dir)) {
    return e;
  }
  Fd* new_dir;
  if (int32_t e = LookupDir(new_fd, abi::kRightPathRenameTarget, &new_dir)) {
    return e;
  }
  std::string old_guest;
  std::string new_guest;
  if (int32_t e = ReadPath(mem, old_path, old_path_len, &old_guest)) return e;
  if (int32_t e = ReadPath(mem, new_path, new_path_len, &new_guest)) return e;
  SplitPathResult old_split = SplitPath(old_guest);
  SplitPathResult new_split = SplitPath(new_guest);
  if (IsDotOrDotDot(old_split.last) || IsDotOrDotDot(new_split.last)) {
    return abi::kBusy;
  }
  abi::Errno error = abi::kSuccess;
  ScopedFd old_owned;
  int old_parent =
      OpenParent(old_dir->host.get(), old_split.parent, &old_owned, &error);
  if (old_parent < 0) return error;
  ScopedFd new_owned;
  int new_parent =
      OpenParent(new_dir->host.get(), new_split.parent, &new_owned, &error);
  if (new_parent < 0) return error;
  if (old_split.trailing_slash || new_split.trailing_slash) {
    // "a/" names a directory: a file or symlink there is ENOTDIR.
    struct stat st;
    if (::fstatat(old_parent, old_split.last.c_str(), &st,
                  AT_SYMLINK_NOFOLLOW) != 0) {
      return HostError();
    }
    if (!S_ISDIR(st.st_mode)) return abi::kNotDir;
  }
  if (::renameat(old_parent, old_split.last.c_str(), new_parent,
                 new_split.last.c_str()) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathSymlink(GuestMemory& mem, uint32_t old_path,
                                     uint32_t old_path_len, uint32_t fd,
                                     uint32_t new_path,
                                     uint32_t new_path_len) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathSymlink, &dir)) return e;
  // The target is only text: any resolution through the link happens
  // below a directory descriptor, where an absolute or escaping target
  // fails, so it needs no checks beyond being a C string.
  if (!mem.InBounds(old_path, old_path_len)) return abi::kFault;
  std::string target(reinterpret_cast<const char*>(mem.At(old_path)),
                     old_path_len);
  if (target.empty()) return abi::kNoEnt;
  if (target.find('\0') != std::string::npos) return abi::kIlseq;
  std::string guest_path;
  if (int32_t e = ReadPath(mem, new_path, new_path_len, &guest_path)) return e;
  SplitPathResult split = SplitPath(guest_path);
  if (IsDotOrDotDot(split.last)) return abi::kExist;
  if (split.trailing_slash) return abi::kNoEnt;
  abi::Errno error = abi::kSuccess;
  ScopedFd owned;
  int parent = OpenParent(dir->host.get(), split.parent, &owned, &error);
  if (parent < 0) return error;
  if (::symlinkat(target.c_str(), parent, split.last.c_str()) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathUnlinkFile(GuestMemory& mem, uint32_t fd,
                                        uint32_t path, uint32_t path_len) {
  Fd* dir;
  if (int32_t e = LookupDir(fd, abi::kRightPathUnlinkFile, &dir)) return e;
  std::string guest_path;
  if (int32_t e = ReadPath(mem, path, path_len, &guest_path)) return e;
  SplitPathResult split = SplitPath(guest_path);
  if (IsDotOrDotDot(split.last)) return abi::kIsDir;
  abi::Errno error = abi::kSuccess;
  ScopedFd owned;
  int parent = OpenParent(dir->host.get(), split.parent, &owned, &error);
  if (parent < 0) return error;
  if (split.trailing_slash) {
    struct stat st;
    if (::fstatat(parent, split.last.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return HostError();
    }
    return S_ISDIR(st.st_mode) ? abi::kIsDir : abi::kNotDir;
  }
  if (::unlinkat(parent, split.last.c_str(), 0) != 0) return HostError();
  return abi::kSuccess;
}

// ---------------------------------------------------------------------------
// poll_oneoff, processes, sockets.

int32_t WasiContextImpl::PollOneoff(GuestMemory& mem, uint32_t in,
                                    uint32_t out, uint32_t nsubscriptions,
                                    uint32_t nevents_out) {
  if (nsubscriptions == 0) return abi::kInval;
  if (!mem.InBounds(in, uint64_t{nsubscriptions} * abi::kSubscriptionSize) ||
      !mem.InBounds(out, uint64_t{nsubscriptions} * abi::kEventSize) ||
      !mem.InBounds(nevents_out, 4)) {
    return abi::kFault;
  }
  struct Event {
    uint64_t userdata;
    uint16_t error;
    uint8_t type;
    uint64_t nbytes;
  };
  struct Clock {
    uint64_t userdata;
    uint64_t wait;  // Nanoseconds from now.
  };
  std::vector<Event> ready;
  std::vector<Clock> clocks;
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    uint64_t sub = in + uint64_t{i} * abi::kSubscriptionSize;
    uint64_t userdata = 0;
    uint8_t tag = 0;
    (void)mem.Load(sub, &userdata);
    (void)mem.Load(sub + 8, &tag);
    if (tag == abi::kEventtypeClock) {
      uint32_t id = 0;
      uint64_t timeout = 0;
      uint16_t flags = 0;
      (void)mem.Load(sub + 16, &id);
      (void)mem.Load(sub + 24, &timeout);
      (void)mem.Load(sub + 40, &flags);
      uint64_t now = 0;
      if (int32_t e = Now(id, /*tick=*/false, &now)) {
        ready.push_back({userdata, static_cast<uint16_t>(e), tag, 0});
        continue;
      }
      uint64_t wait = timeout;
      if (flags & abi::kSubscriptionClockAbstime) {
        wait = timeout > now ? timeout - now : 0;
      }
      clocks.push_back({userdata, wait});
    } else if (tag == abi::kEventtypeFdRead || tag == abi::kEventtypeFdWrite) {
      uint32_t fd = 0;
      (void)mem.Load(sub + 16, &fd);
      Fd* entry = nullptr;
      uint64_t right = abi::kRightPollFdReadwrite |
                       (tag == abi::kEventtypeFdRead ? abi::kRightFdRead
                                                     : abi::kRightFdWrite);
      int32_t e = Lookup(fd, right, &entry);
      uint64_t nbytes = 0;
      if (e == abi::kSuccess && entry->kind == Kind::kFile &&
          tag == abi::kEventtypeFdRead) {
        // Regular files are always ready; say how much is left to read.
        struct stat st;
        off_t at = ::lseek(entry->host.get(), 0, SEEK_CUR);
        if (at >= 0 && ::fstat(entry->host.get(), &st) == 0 &&
            st.st_size > at) {
          nbytes = static_cast<uint64_t>(st.st_size - at);
        }
      }
      // stdio sources and sinks never block for the guest: always ready.
      ready.push_back({userdata, static_cast<uint16_t>(e), tag, nbytes});
    } else {
      return abi::kInval;
    }
  }
  if (ready.empty()) {
    // Only clocks: wait for the first to expire (on the virtual clock,
    // jump to it), then report every clock that has.
    uint64_t wait = UINT64_MAX;
    for (const Clock& c : clocks) wait = std::min(wait, c.wait);
    if (wait > 0) {
      if (virtual_clock_) {
        virtual_now_ += wait;
      } else {
        absl::SleepFor(absl::Nanoseconds(
            static_cast<int64_t>(std::min<uint64_t>(wait, INT64_MAX))));
      }
    }
    for (const Clock& c : clocks) {
      if (c.wait <= wait) {
        ready.push_back({c.userdata, abi::kSuccess, abi::kEventtypeClock, 0});
      }
    }
  } else {
    for (const Clock& c : clocks) {
      if (c.wait == 0) {
        ready.push_back({c.userdata, abi::kSuccess, abi::kEventtypeClock, 0});
      }
    }
  }
  for (size_t i = 0; i < ready.size(); ++i) {
    uint64_t event = out + i * abi::kEventSize;
    std::memset(mem.At(event), 0, abi::kEventSize);
    (void)mem.Store<uint64_t>(event, ready[i].userdata);
    (void)mem.Store<uint16_t>(event + 8, ready[i].error);
    (void)mem.Store<uint8_t>(event + 10, ready[i].type);
    (void)mem.Store<uint64_t>(event + 16, ready[i].nbytes);
  }
  (void)mem.Store<uint32_t>(nevents_out, static_cast<uint32_t>(ready.size()));
  return abi::kSuccess;
}

int32_t WasiContextImpl::ProcRaise(GuestMemory&, uint32_t /*sig*/) {
  // There are no signals to deliver in a sandbox.
  return abi::kNotSup;
}

int32_t WasiContextImpl::SchedYield(GuestMemory&) {
  ::sched_yield();
  return abi::kSuccess;
}

// There are no sockets: a guest can only name descriptors it was given,
// none of which is one.
int32_t WasiContextImpl::SockAccept(GuestMemory&, uint32_t fd, uint32_t,
                                    uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}
int32_t WasiContextImpl::SockRecv(GuestMemory&, uint32_t fd, uint32_t,
                                  uint32_t, uint32_t, uint32_t, uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}
int32_t WasiContextImpl::SockSend(GuestMemory&, uint32_t fd, uint32_t,
                                  uint32_t, uint32_t, uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}
int32_t WasiContextImpl::SockShutdown(GuestMemory&, uint32_t fd, uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}

}  // namespace wasmhost::wasi
