// hello_pool: the smallest useful wasi-libc command, run once per request by
// benchmarks/wasi_benchmark.cc: prints "hello, world" through stdio
// (fd_write) and returns 0 from main (so _start returns normally).
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
