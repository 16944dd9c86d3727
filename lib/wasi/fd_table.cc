// The file descriptor table of WasiContextImpl: Create and Reset, looking
// descriptors up by number and right, and the fd_* calls that act on the
// table itself (close, renumber, fdstat, prestat) or only check it (sock_*).

#include <errno.h>
#include <fcntl.h>

#include <cstring>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/wasi/context.h"
#include "lib/wasi/host_io.h"

namespace wasmhost::wasi {

namespace {

constexpr uint64_t kStdinRights =
    abi::kRightFdRead | abi::kRightFdFdstatSetFlags | abi::kRightFdFilestatGet |
    abi::kRightPollFdReadwrite;

constexpr uint64_t kStdoutRights =
    abi::kRightFdWrite | abi::kRightFdFdstatSetFlags |
    abi::kRightFdFilestatGet | abi::kRightPollFdReadwrite;

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
    int fd =
        ::open(preopen.host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      int error = errno;
      if (error == ENOENT) {
        return absl::NotFoundError(absl::StrCat(
            "preopen host_path \"", preopen.host_path, "\" does not exist"));
      }
      if (error == ENOTDIR) {
        return absl::InvalidArgumentError(
            absl::StrCat("preopen host_path \"", preopen.host_path,
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
  resources_.Clear();

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

int32_t WasiContextImpl::FdClose(GuestMemory&, uint32_t fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return abi::kBadf;
  fds_.erase(it);
  return abi::kSuccess;
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
                                           uint64_t base, uint64_t inheriting) {
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

int32_t WasiContextImpl::FdRenumber(GuestMemory&, uint32_t fd, uint32_t to) {
  auto from_it = fds_.find(fd);
  auto to_it = fds_.find(to);
  if (from_it == fds_.end() || to_it == fds_.end()) return abi::kBadf;
  if (fd == to) return abi::kSuccess;
  to_it->second = std::move(from_it->second);
  fds_.erase(from_it);
  return abi::kSuccess;
}

// There are no sockets: a guest can only name descriptors it was given,
// none of which is one.
int32_t WasiContextImpl::SockAccept(GuestMemory&, uint32_t fd, uint32_t,
                                    uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}

int32_t WasiContextImpl::SockRecv(GuestMemory&, uint32_t fd, uint32_t, uint32_t,
                                  uint32_t, uint32_t, uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}

int32_t WasiContextImpl::SockSend(GuestMemory&, uint32_t fd, uint32_t, uint32_t,
                                  uint32_t, uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}

int32_t WasiContextImpl::SockShutdown(GuestMemory&, uint32_t fd, uint32_t) {
  return fds_.count(fd) ? abi::kNotSock : abi::kBadf;
}

}  // namespace wasmhost::wasi
