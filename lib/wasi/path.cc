#include "lib/wasi/path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "lib/wasi/errno.h"

namespace wasmhost::wasi {

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void ScopedFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ScopedFd Duplicate(int fd) { return ScopedFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

abi::Errno CheckPath(absl::string_view path) {
  if (path.empty()) return abi::kNoEnt;
  if (path.find('\0') != absl::string_view::npos) return abi::kIlseq;
  if (path.front() == '/') return abi::kNotCapable;
  return abi::kSuccess;
}

SplitPathResult SplitPath(absl::string_view path) {
  SplitPathResult result;
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    result.trailing_slash = true;
  }
  size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) {
    result.last = std::string(path);
    return result;
  }
  result.last = std::string(path.substr(slash + 1));
  // Drop the run of slashes before the last component: "a//b" -> "a".
  while (slash > 0 && path[slash - 1] == '/') --slash;
  result.parent = std::string(path.substr(0, slash));
  return result;
}

int OpenBeneath(int dirfd, const std::string& path, int flags, mode_t mode,
                abi::Errno* error) {
  struct open_how how;
  std::memset(&how, 0, sizeof(how));
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // openat2 rejects a mode without O_CREAT/O_TMPFILE.
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // The kernel answers EAGAIN when a concurrent rename or mount might have
  // let ".." escape; trying again is the documented response.
  for (int attempt = 0; attempt < 16; ++attempt) {
    long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EAGAIN || errno == EINTR) continue;
    *error = errno == EXDEV ? abi::kNotCapable : FromHostErrno(errno);
    return -1;
  }
  *error = abi::kAgain;
  return -1;
}

abi::Errno OpenParent(int dirfd, const std::string& parent, HostFd* out) {
  if (parent.empty()) {
    *out = HostFd::Borrow(dirfd);
    return abi::kSuccess;
  }
  abi::Errno error = abi::kSuccess;
  int fd = OpenBeneath(dirfd, parent, O_PATH | O_DIRECTORY, 0, &error);
  if (fd < 0) return error;
  *out = HostFd(ScopedFd(fd));
  return abi::kSuccess;
}

abi::Errno StatBeneath(int dirfd, const std::string& path, bool follow,
                       struct stat* out) {
  // An O_PATH descriptor of the target itself (of the symlink when not
  // following): resolved by the kernel below `dirfd`, so it cannot escape.
  abi::Errno error = abi::kSuccess;
  ScopedFd target(
      OpenBeneath(dirfd, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0, &error));
  if (!target.valid()) return error;
  if (::fstat(target.get(), out) != 0) return FromHostErrno(errno);
  return abi::kSuccess;
}

}  // namespace wasmhost::wasi
