// spew: writes to stdout as fast as wasi-libc can, for the fd_write
// throughput benchmark.
//
//   spew BYTES CHUNK   writes BYTES bytes in write(1, ...) calls of CHUNK
//                      bytes each (the last may be shorter); exits 0.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  long total = atol(argv[1]);
  long chunk = atol(argv[2]);
  if (total < 0 || chunk <= 0) return 2;
  char* buffer = malloc((size_t)chunk);
  memset(buffer, 'x', (size_t)chunk);
  while (total > 0) {
    long n = total < chunk ? total : chunk;
    ssize_t w = write(1, buffer, (size_t)n);
    if (w <= 0) return 1;
    total -= w;
  }
  return 0;
}
