// Files and directories below the preopens: the fd_* calls on files and
// directories and every path_* call. Every guest path is resolved below a
// directory descriptor by lib/wasi/path.h, never here.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/wasi/context.h"
#include "lib/wasi/errno.h"
#include "lib/wasi/host_io.h"
#include "lib/wasi/path.h"

namespace wasmhost::wasi {

namespace {

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

int32_t WasiContextImpl::ReadPath(GuestMemory& mem, uint32_t ptr, uint32_t len,
                                  std::string* out) const {
  if (!mem.InBounds(ptr, len)) return abi::kFault;
  out->assign(reinterpret_cast<const char*>(mem.At(ptr)), len);
  return CheckPath(*out);
}

int32_t WasiContextImpl::LookupPath(GuestMemory& mem, PathArg arg,
                                    GuestPath* out) {
  if (int32_t e = LookupDir(arg.fd, arg.right, &out->dir)) return e;
  if (int32_t e = ReadPath(mem, arg.ptr, arg.len, &out->path)) return e;
  static_cast<SplitPathResult&>(*out) = SplitPath(out->path);
  return abi::kSuccess;
}

int32_t WasiContextImpl::LookupPathPair(GuestMemory& mem, PathArg from_arg,
                                        PathArg to_arg, GuestPath* from,
                                        GuestPath* to) {
  if (int32_t e = LookupDir(from_arg.fd, from_arg.right, &from->dir)) {
    return e;
  }
  if (int32_t e = LookupDir(to_arg.fd, to_arg.right, &to->dir)) return e;
  if (int32_t e = ReadPath(mem, from_arg.ptr, from_arg.len, &from->path)) {
    return e;
  }
  if (int32_t e = ReadPath(mem, to_arg.ptr, to_arg.len, &to->path)) return e;
  static_cast<SplitPathResult&>(*from) = SplitPath(from->path);
  static_cast<SplitPathResult&>(*to) = SplitPath(to->path);
  return abi::kSuccess;
}

int32_t WasiContextImpl::PositionalTransfer(GuestMemory& mem, uint32_t fd,
                                            uint32_t iovs, uint32_t iovs_len,
                                            uint64_t offset, uint32_t count_out,
                                            bool write) {
  Fd* entry;
  uint64_t rights =
      (write ? abi::kRightFdWrite : abi::kRightFdRead) | abi::kRightFdSeek;
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

int32_t WasiContextImpl::StatPath(const Fd& dir, const std::string& path,
                                  bool follow, struct stat* out) const {
  return StatBeneath(dir.host.get(), path, follow, out);
}

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

int32_t WasiContextImpl::FdAllocate(GuestMemory&, uint32_t fd, uint64_t offset,
                                    uint64_t len) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdAllocate, &entry)) return e;
  if (entry->kind != Kind::kFile) return abi::kBadf;
  if (offset > INT64_MAX || len > INT64_MAX) return abi::kInval;
  return FromHostErrno(::posix_fallocate(
      entry->host.get(), static_cast<off_t>(offset), static_cast<off_t>(len)));
}

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

int32_t WasiContextImpl::FdPwrite(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                                  uint32_t iovs_len, uint64_t offset,
                                  uint32_t nwritten_out) {
  return PositionalTransfer(mem, fd, iovs, iovs_len, offset, nwritten_out,
                            /*write=*/true);
}

int32_t WasiContextImpl::RefreshListing(Fd& dir) {
  return ListDirectory(dir.host.get(), &dir.listing);
}

int32_t WasiContextImpl::FdReaddir(GuestMemory& mem, uint32_t fd, uint32_t buf,
                                   uint32_t buf_len, uint64_t cookie,
                                   uint32_t bufused_out) {
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
    const HostDirEntry& d = entry->listing[i];
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
    case abi::kWhenceSet:
      host_whence = SEEK_SET;
      break;
    case abi::kWhenceCur:
      host_whence = SEEK_CUR;
      break;
    case abi::kWhenceEnd:
      host_whence = SEEK_END;
      break;
    default:
      return abi::kInval;
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

int32_t WasiContextImpl::PathCreateDirectory(GuestMemory& mem, uint32_t fd,
                                             uint32_t path, uint32_t path_len) {
  GuestPath at;
  if (int32_t e = LookupPath(
          mem, {fd, abi::kRightPathCreateDirectory, path, path_len}, &at)) {
    return e;
  }
  if (IsDotOrDotDot(at.last)) return abi::kExist;
  HostFd parent;
  if (int32_t e = OpenParent(at.dir->host.get(), at.parent, &parent)) return e;
  if (::mkdirat(parent.get(), at.last.c_str(), 0777) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathFilestatGet(GuestMemory& mem, uint32_t fd,
                                         uint32_t flags, uint32_t path,
                                         uint32_t path_len, uint32_t out) {
  GuestPath at;
  if (int32_t e = LookupPath(
          mem, {fd, abi::kRightPathFilestatGet, path, path_len}, &at)) {
    return e;
  }
  if (!mem.InBounds(out, abi::kFilestatSize)) return abi::kFault;
  struct stat st;
  if (int32_t e = StatPath(*at.dir, at.path,
                           (flags & abi::kLookupSymlinkFollow) != 0, &st)) {
    return e;
  }
  (void)StoreFilestat(mem, out, st);
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathFilestatSetTimes(GuestMemory& mem, uint32_t fd,
                                              uint32_t flags, uint32_t path,
                                              uint32_t path_len, uint64_t atim,
                                              uint64_t mtim,
                                              uint32_t fst_flags) {
  GuestPath at;
  if (int32_t e = LookupPath(
          mem, {fd, abi::kRightPathFilestatSetTimes, path, path_len}, &at)) {
    return e;
  }
  struct timespec times[2];
  if (int32_t e = MakeTimes(atim, mtim, fst_flags, times)) return e;
  bool follow = (flags & abi::kLookupSymlinkFollow) != 0;
  abi::Errno error = abi::kSuccess;
  if (!follow && !at.trailing_slash && !IsDotOrDotDot(at.last)) {
    // The last component itself, a symlink or not: never followed.
    HostFd parent;
    if (int32_t e = OpenParent(at.dir->host.get(), at.parent, &parent)) {
      return e;
    }
    if (::utimensat(parent.get(), at.last.c_str(), times,
                    AT_SYMLINK_NOFOLLOW) != 0) {
      return HostError();
    }
    return abi::kSuccess;
  }
  // The target, resolved below the directory by the kernel (never a
  // symlink here).
  ScopedFd target(OpenBeneath(at.dir->host.get(), at.path, O_PATH, 0, &error));
  if (!target.valid()) return error;
  return SetTimesOnFd(target.get(), times);
}

int32_t WasiContextImpl::PathLink(GuestMemory& mem, uint32_t old_fd,
                                  uint32_t old_flags, uint32_t old_path,
                                  uint32_t old_path_len, uint32_t new_fd,
                                  uint32_t new_path, uint32_t new_path_len) {
  GuestPath from;
  GuestPath to;
  if (int32_t e = LookupPathPair(
          mem, {old_fd, abi::kRightPathLinkSource, old_path, old_path_len},
          {new_fd, abi::kRightPathLinkTarget, new_path, new_path_len}, &from,
          &to)) {
    return e;
  }
  if (IsDotOrDotDot(from.last) || IsDotOrDotDot(to.last)) {
    return abi::kPerm;  // Directories cannot be hard-linked.
  }
  if (to.trailing_slash) return abi::kNoEnt;
  HostFd new_parent;
  if (int32_t e = OpenParent(to.dir->host.get(), to.parent, &new_parent)) {
    return e;
  }
  if ((old_flags & abi::kLookupSymlinkFollow) != 0 || from.trailing_slash) {
    // Link what the symlink points to, resolved below the source directory.
    abi::Errno error = abi::kSuccess;
    ScopedFd target(
        OpenBeneath(from.dir->host.get(), from.path, O_PATH, 0, &error));
    if (!target.valid()) return error;
    std::string proc = absl::StrCat("/proc/self/fd/", target.get());
    if (::linkat(AT_FDCWD, proc.c_str(), new_parent.get(), to.last.c_str(),
                 AT_SYMLINK_FOLLOW) != 0) {
      return HostError();
    }
    return abi::kSuccess;
  }
  HostFd old_parent;
  if (int32_t e = OpenParent(from.dir->host.get(), from.parent, &old_parent)) {
    return e;
  }
  if (::linkat(old_parent.get(), from.last.c_str(), new_parent.get(),
               to.last.c_str(), 0) != 0) {
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
  GuestPath at;
  if (int32_t e =
          LookupPath(mem, {fd, abi::kRightPathOpen, path, path_len}, &at)) {
    return e;
  }
  if (!mem.InBounds(fd_out, 4)) return abi::kFault;
  if ((oflags & ~0xfu) != 0 || (fdflags & ~abi::kFdflagsAll) != 0) {
    return abi::kInval;
  }
  uint64_t needed = 0;
  if (oflags & abi::kOflagCreat) needed |= abi::kRightPathCreateFile;
  if (oflags & abi::kOflagTrunc) needed |= abi::kRightPathFilestatSetSize;
  if (int32_t e = Lookup(fd, abi::kRightPathOpen | needed, &at.dir)) return e;
  // Opening a file for writing where writing may not be granted (below a
  // read-only preopen) is refused, as EROFS would be; other rights the
  // directory cannot pass on are quietly left out, as wasi-libc and Go
  // expect (they ask for "everything" on directories).
  constexpr uint64_t kFileWrite =
      abi::kRightFdWrite | abi::kRightFdAllocate | abi::kRightFdFilestatSetSize;
  if (((oflags & abi::kOflagDirectory) == 0 &&
       (rights_base & kFileWrite & ~at.dir->rights_inheriting) != 0) ||
      (at.dir->read_only && (fdflags & abi::kFdflagAppend) != 0)) {
    return abi::kNotCapable;
  }
  uint64_t base = rights_base & at.dir->rights_inheriting;
  uint64_t inheriting = rights_inheriting & at.dir->rights_inheriting;

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
  ScopedFd host(OpenBeneath(at.dir->host.get(), at.path, flags, 0666, &error));
  if (!host.valid()) return error;
  struct stat st;
  if (::fstat(host.get(), &st) != 0) return HostError();

  Fd entry;
  entry.host = HostFd(std::move(host));
  entry.filetype = FiletypeOf(st.st_mode);
  entry.fdflags = static_cast<uint16_t>(fdflags);
  entry.read_only = at.dir->read_only;
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
  GuestPath at;
  if (int32_t e =
          LookupPath(mem, {fd, abi::kRightPathReadlink, path, path_len}, &at)) {
    return e;
  }
  if (!mem.InBounds(buf, buf_len) || !mem.InBounds(bufused_out, 4)) {
    return abi::kFault;
  }
  if (IsDotOrDotDot(at.last) || at.trailing_slash) return abi::kInval;
  HostFd parent;
  if (int32_t e = OpenParent(at.dir->host.get(), at.parent, &parent)) return e;
  std::vector<char> target(PATH_MAX);
  ssize_t n =
      ::readlinkat(parent.get(), at.last.c_str(), target.data(), target.size());
  if (n < 0) return HostError();
  size_t copied = std::min<size_t>(static_cast<size_t>(n), buf_len);
  std::memcpy(mem.At(buf), target.data(), copied);
  (void)mem.Store<uint32_t>(bufused_out, static_cast<uint32_t>(copied));
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathRemoveDirectory(GuestMemory& mem, uint32_t fd,
                                             uint32_t path, uint32_t path_len) {
  GuestPath at;
  if (int32_t e = LookupPath(
          mem, {fd, abi::kRightPathRemoveDirectory, path, path_len}, &at)) {
    return e;
  }
  if (at.last == ".") return abi::kInval;
  if (at.last == "..") return abi::kNotEmpty;
  HostFd parent;
  if (int32_t e = OpenParent(at.dir->host.get(), at.parent, &parent)) return e;
  if (::unlinkat(parent.get(), at.last.c_str(), AT_REMOVEDIR) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathRename(GuestMemory& mem, uint32_t fd,
                                    uint32_t old_path, uint32_t old_path_len,
                                    uint32_t new_fd, uint32_t new_path,
                                    uint32_t new_path_len) {
  GuestPath from;
  GuestPath to;
  if (int32_t e = LookupPathPair(
          mem, {fd, abi::kRightPathRenameSource, old_path, old_path_len},
          {new_fd, abi::kRightPathRenameTarget, new_path, new_path_len}, &from,
          &to)) {
    return e;
  }
  if (IsDotOrDotDot(from.last) || IsDotOrDotDot(to.last)) {
    return abi::kBusy;
  }
  HostFd old_parent;
  if (int32_t e = OpenParent(from.dir->host.get(), from.parent, &old_parent)) {
    return e;
  }
  HostFd new_parent;
  if (int32_t e = OpenParent(to.dir->host.get(), to.parent, &new_parent)) {
    return e;
  }
  if (from.trailing_slash || to.trailing_slash) {
    // "a/" names a directory: a file or symlink there is ENOTDIR.
    struct stat st;
    if (::fstatat(old_parent.get(), from.last.c_str(), &st,
                  AT_SYMLINK_NOFOLLOW) != 0) {
      return HostError();
    }
    if (!S_ISDIR(st.st_mode)) return abi::kNotDir;
  }
  if (::renameat(old_parent.get(), from.last.c_str(), new_parent.get(),
                 to.last.c_str()) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathSymlink(GuestMemory& mem, uint32_t old_path,
                                     uint32_t old_path_len, uint32_t fd,
                                     uint32_t new_path, uint32_t new_path_len) {
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
  HostFd parent;
  if (int32_t e = OpenParent(dir->host.get(), split.parent, &parent)) return e;
  if (::symlinkat(target.c_str(), parent.get(), split.last.c_str()) != 0) {
    return HostError();
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::PathUnlinkFile(GuestMemory& mem, uint32_t fd,
                                        uint32_t path, uint32_t path_len) {
  GuestPath at;
  if (int32_t e = LookupPath(
          mem, {fd, abi::kRightPathUnlinkFile, path, path_len}, &at)) {
    return e;
  }
  if (IsDotOrDotDot(at.last)) return abi::kIsDir;
  HostFd parent;
  if (int32_t e = OpenParent(at.dir->host.get(), at.parent, &parent)) return e;
  if (at.trailing_slash) {
    struct stat st;
    if (::fstatat(parent.get(), at.last.c_str(), &st, AT_SYMLINK_NOFOLLOW) !=
        0) {
      return HostError();
    }
    return S_ISDIR(st.st_mode) ? abi::kIsDir : abi::kNotDir;
  }
  if (::unlinkat(parent.get(), at.last.c_str(), 0) != 0) return HostError();
  return abi::kSuccess;
}

}  // namespace wasmhost::wasi
