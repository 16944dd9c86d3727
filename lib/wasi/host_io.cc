#include "lib/wasi/host_io.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>

namespace wasmhost::wasi {

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

}  // namespace wasmhost::wasi
