// lib/wasi/path.h: resolving guest paths below a directory without escaping
// it.
//
//   ScopedFd      an owned host file descriptor
//   Duplicate     a new close-on-exec descriptor of the same open file
//   HostFd        a host file descriptor, owned or borrowed
//   CheckPath     rejects paths no WASI call accepts
//   SplitPath     a guest path as (parent directories, last component)
//   OpenBeneath   openat2 with RESOLVE_BENEATH: the kernel refuses "..",
//                 absolute paths and symlinks that leave the directory
//   OpenParent    the directory holding a path's last component
//   StatBeneath   fstat of a path resolved as OpenBeneath does

#ifndef WASMHOST_LIB_WASI_PATH_H_
#define WASMHOST_LIB_WASI_PATH_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "lib/wasi/abi.h"

namespace wasmhost::wasi {

// Owns a host file descriptor (or -1). Move-only.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void Reset();

 private:
  int fd_ = -1;
};

// fcntl(fd, F_DUPFD_CLOEXEC): invalid, with errno set, on failure.
ScopedFd Duplicate(int fd);

// A host descriptor that is either owned (closed with it) or borrowed from
// something that outlives it, used the same way. Move-only.
class HostFd {
 public:
  HostFd() = default;
  explicit HostFd(ScopedFd owned)
      : owned_(std::move(owned)), fd_(owned_.get()) {}
  static HostFd Borrow(int fd) {
    HostFd borrowed;
    borrowed.fd_ = fd;
    return borrowed;
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  ScopedFd owned_;
  int fd_ = -1;
};

// kSuccess for a path a WASI call may take; ENOENT when empty, EILSEQ when it
// holds a NUL byte (the host would cut it there), ENOTCAPABLE when absolute
// (nothing is reachable by an absolute path: every path is relative to a
// directory descriptor).
abi::Errno CheckPath(absl::string_view path);

// A guest path cut before its last component.
struct SplitPathResult {
  // The directories to walk first; empty for a single component.
  std::string parent;
  // The last component, never empty and without '/'; may be "." or "..".
  std::string last;
  // The path ended in '/' (so it must name a directory).
  bool trailing_slash = false;
};

// Splits `path` (which must pass CheckPath) into parent and last component,
// dropping trailing slashes: "a/b/c/" gives {"a/b", "c", true}, "c" gives
// {"", "c", false}.
SplitPathResult SplitPath(absl::string_view path);

// openat2(dirfd, path, flags | O_CLOEXEC, mode) resolved with
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS. `mode` is used only with O_CREAT.
// Returns the new descriptor, or -1 and sets `*error`: an escape (the
// kernel's EXDEV) becomes ENOTCAPABLE, other failures their WASI errno.
int OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode,
                abi::Errno* error);

// The directory named by `parent` below `dirfd` (O_PATH), or `dirfd` itself
// (borrowed) when `parent` is empty, in `*out`. Returns kSuccess or
// OpenBeneath's errno.
abi::Errno OpenParent(int dirfd, const std::string& parent, HostFd* out);

// fstat of `path` below `dirfd`, following a final symlink if `follow`,
// into `*out`. Returns kSuccess or OpenBeneath's errno.
abi::Errno StatBeneath(int dirfd, const std::string& path, bool follow,
                       struct stat* out);

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_PATH_H_
