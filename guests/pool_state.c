// pool_state: a reactor that leaves WASI state behind on purpose, for the
// tests of WasiContext::Reset in a fresh-state pool (one call per export,
// as a request handler would make). Descriptors are passed as plain ints;
// results below zero are minus a WASI errno (8 is EBADF).
//
// Exports:
//   open_file()         opens "/data/file.txt" read-only and leaves it open;
//                       returns the fd
//   read_fd(fd)         reads up to 64 bytes of fd and writes them to
//                       stdout; returns the count
//   fd_status(fd)       0 when fd is open, else its errno (fd_fdstat_get)
//   prestat(fd)         0 when fd is a preopen, else its errno
//                       (fd_prestat_get)
//   close_fd(fd)        fd_close; returns its errno
//   renumber(from, to)  fd_renumber; returns its errno
//   echo()              writes "echo: " and all of stdin to stdout, and
//                       "stderr\n" to stderr; returns the bytes read
//   clock_random()      writes "time T random R\n" to stdout: the realtime
//                       clock in nanoseconds and 8 random bytes in hex
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n <= 0) return;
    data += n;
    size -= (size_t)n;
  }
}

__attribute__((export_name("open_file"))) int open_file(void) {
  int fd = open("/data/file.txt", O_RDONLY);
  return fd >= 0 ? fd : -errno;
}

__attribute__((export_name("read_fd"))) int read_fd(int fd) {
  char buffer[64];
  __wasi_iovec_t iov = {(uint8_t*)buffer, sizeof buffer};
  __wasi_size_t n = 0;
  __wasi_errno_t error = __wasi_fd_read((__wasi_fd_t)fd, &iov, 1, &n);
  if (error != 0) return -(int)error;
  write_all(1, buffer, n);
  return (int)n;
}

__attribute__((export_name("fd_status"))) int fd_status(int fd) {
  __wasi_fdstat_t stat;
  return __wasi_fd_fdstat_get((__wasi_fd_t)fd, &stat);
}

__attribute__((export_name("prestat"))) int prestat(int fd) {
  __wasi_prestat_t stat;
  return __wasi_fd_prestat_get((__wasi_fd_t)fd, &stat);
}

__attribute__((export_name("close_fd"))) int close_fd(int fd) {
  return __wasi_fd_close((__wasi_fd_t)fd);
}

__attribute__((export_name("renumber"))) int renumber(int from, int to) {
  return __wasi_fd_renumber((__wasi_fd_t)from, (__wasi_fd_t)to);
}

__attribute__((export_name("echo"))) int echo(void) {
  char buffer[256];
  int total = 0;
  write_all(1, "echo: ", 6);
  for (;;) {
    ssize_t n = read(0, buffer, sizeof buffer);
    if (n <= 0) break;
    write_all(1, buffer, (size_t)n);
    total += (int)n;
  }
  write_all(2, "stderr\n", 7);
  return total;
}

__attribute__((export_name("clock_random"))) int clock_random(void) {
  __wasi_timestamp_t now = 0;
  __wasi_errno_t error =
      __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &now);
  if (error != 0) return -(int)error;
  uint8_t bytes[8];
  error = __wasi_random_get(bytes, sizeof bytes);
  if (error != 0) return -(int)error;
  char line[80];
  int n =
      snprintf(line, sizeof line, "time %llu random ", (unsigned long long)now);
  for (size_t i = 0; i < sizeof bytes; ++i) {
    n += snprintf(line + n, sizeof line - (size_t)n, "%02x", bytes[i]);
  }
  n += snprintf(line + n, sizeof line - (size_t)n, "\n");
  write_all(1, line, (size_t)n);
  return 0;
}
