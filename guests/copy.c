// copy: copies one file to another inside the preopened directories.
//
//   copy IN OUT   prints "copied N bytes" and exits 0; on any failure prints
//                 "copy: PATH: <strerror>" to stderr and exits 1.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fail(const char* path) {
  fprintf(stderr, "copy: %s: %s\n", path, strerror(errno));
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: copy IN OUT\n");
    return 2;
  }
  int in = open(argv[1], O_RDONLY);
  if (in < 0) return fail(argv[1]);
  int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) return fail(argv[2]);

  // A small buffer so larger files take many fd_read/fd_write calls.
  char buffer[4096];
  long total = 0;
  for (;;) {
    ssize_t n = read(in, buffer, sizeof buffer);
    if (n < 0) return fail(argv[1]);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buffer + done, (size_t)(n - done));
      if (w < 0) return fail(argv[2]);
      done += w;
    }
    total += n;
  }
  if (close(out) != 0) return fail(argv[2]);
  close(in);
  printf("copied %ld bytes\n", total);
  return 0;
}
