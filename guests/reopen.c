// reopen: opens, reads and closes one file many times, so a host that
// leaked a descriptor (or a WASI 0.2 stream or descriptor handle) per open
// runs out.
//
//   reopen FILE N   reads FILE N times; prints "read N times, B bytes each"
//                   and exits 0, or prints the failing errno's message to
//                   stderr and exits 1.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: reopen FILE N\n");
    return 2;
  }
  long n = atol(argv[2]);
  long bytes = 0;
  for (long i = 0; i < n; ++i) {
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
      fprintf(stderr, "reopen: open %ld: %s\n", i, strerror(errno));
      return 1;
    }
    char buffer[64];
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0) {
      fprintf(stderr, "reopen: read %ld: %s\n", i, strerror(errno));
      return 1;
    }
    bytes = got;
    close(fd);
  }
  printf("read %ld times, %ld bytes each\n", n, bytes);
  return 0;
}
