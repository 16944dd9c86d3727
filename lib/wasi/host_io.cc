#include "lib/wasi/host_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

#include "lib/wasi/path.h"

namespace wasmhost::wasi {

uint8_t FiletypeOf(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return abi::kFiletypeRegularFile;
    case S_IFDIR:
      return abi::kFiletypeDirectory;
    case S_IFLNK:
      return abi::kFiletypeSymbolicLink;
    case S_IFCHR:
      return abi::kFiletypeCharacterDevice;
    case S_IFBLK:
      return abi::kFiletypeBlockDevice;
    case S_IFSOCK:
      return abi::kFiletypeSocketStream;
    default:
      return abi::kFiletypeUnknown;
  }
}

namespace {

uint8_t FiletypeOfDtype(unsigned char type) {
  switch (type) {
    case DT_REG:
      return abi::kFiletypeRegularFile;
    case DT_DIR:
      return abi::kFiletypeDirectory;
    case DT_LNK:
      return abi::kFiletypeSymbolicLink;
    case DT_CHR:
      return abi::kFiletypeCharacterDevice;
    case DT_BLK:
      return abi::kFiletypeBlockDevice;
    case DT_SOCK:
      return abi::kFiletypeSocketStream;
    default:
      return abi::kFiletypeUnknown;
  }
}

}  // namespace

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

int32_t ListDirectory(int dirfd, std::vector<HostDirEntry>* out) {
  ScopedFd fd(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return HostError();
  DIR* stream = ::fdopendir(fd.get());
  if (stream == nullptr) return HostError();
  fd.release();  // Owned by `stream` now.
  std::vector<HostDirEntry> listing;
  errno = 0;
  while (struct dirent* d = ::readdir(stream)) {
    HostDirEntry entry;
    entry.name = d->d_name;
    entry.ino = d->d_ino;
    entry.type = FiletypeOfDtype(d->d_type);
    if (d->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(stream), d->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
          0) {
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
            [](const HostDirEntry& a, const HostDirEntry& b) {
              return a.name < b.name;
            });
  *out = std::move(listing);
  return abi::kSuccess;
}

}  // namespace wasmhost::wasi
