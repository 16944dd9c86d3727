// errno_name.h: the name of an errno value ("ENOTCAPABLE"), for guests that
// report what the host answered; "errno N" for one not listed.
#ifndef WASMHOST_GUESTS_ERRNO_NAME_H_
#define WASMHOST_GUESTS_ERRNO_NAME_H_

#include <errno.h>
#include <stdio.h>

static inline const char* errno_name(int e) {
  switch (e) {
#define NAME(x) \
  case x:       \
    return #x;
    NAME(ENOTCAPABLE)
    NAME(EPERM)
    NAME(EACCES)
    NAME(ENOENT)
    NAME(EEXIST)
    NAME(ENOTDIR)
    NAME(EISDIR)
    NAME(ELOOP)
    NAME(EXDEV)
    NAME(EINVAL)
    NAME(EBADF)
    NAME(ENOSYS)
    NAME(EROFS)
    NAME(ENAMETOOLONG)
    NAME(EIO)
    NAME(EPIPE)
    NAME(ENOSPC)
#undef NAME
  }
  static char buffer[32];
  snprintf(buffer, sizeof buffer, "errno %d", e);
  return buffer;
}

#endif  // WASMHOST_GUESTS_ERRNO_NAME_H_
