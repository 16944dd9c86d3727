// lib/wasi/host_io.h: the host system-call helpers the WASI context's files
// share (fd_table.cc, stdio.cc, filesystem.cc, clocks_random.cc, poll.cc).
//
//   HostError     the WASI errno for the host's errno now
//   Nanos         a timespec in nanoseconds
//   HostTransfer  one readv/writev/preadv/pwritev, retried on EINTR
//   FiletypeOf    the WASI filetype of a host st_mode
//   ListDirectory  a directory's entries, sorted by name

#ifndef WASMHOST_LIB_WASI_HOST_IO_H_
#define WASMHOST_LIB_WASI_HOST_IO_H_

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/wasi/errno.h"

namespace wasmhost::wasi {

// Call right after the failing system call, before anything can change
// errno.
inline int32_t HostError() { return FromHostErrno(errno); }

inline uint64_t Nanos(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<uint64_t>(ts.tv_nsec);
}

enum class Transfer { kRead, kWrite };

// One readv/writev (preadv/pwritev at `offset` when it is set) of as many
// of `iov` as the host takes, retried on EINTR; the host's result.
ssize_t HostTransfer(int fd, const std::vector<struct iovec>& iov,
                     Transfer direction, std::optional<uint64_t> offset);

// The WASI filetype (abi::Filetype) of a host st_mode.
uint8_t FiletypeOf(mode_t mode);

// One directory entry as the host lists it.
struct HostDirEntry {
  std::string name;
  uint64_t ino = 0;
  uint8_t type = 0;  // abi::Filetype
};

// Every entry of the directory `dirfd` (which may be O_PATH), "." and ".."
// included, sorted by name so the same tree lists the same way on every
// host and run. kSuccess or the host's errno.
int32_t ListDirectory(int dirfd, std::vector<HostDirEntry>* out);

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_HOST_IO_H_
