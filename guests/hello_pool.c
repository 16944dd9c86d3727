// hello_pool: the smallest useful wasi-libc command, run once per request by
// benchmarks/wasi_benchmark.cc: prints "hello, world" through stdio
// (fd_write) and returns 0 from main (so _start returns normally), or with
// the argument "exit" ends with exit(0) (proc_exit, as many programs do).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  puts("hello, world");
  if (argc > 1 && strcmp(argv[1], "exit") == 0) exit(0);
  return 0;
}
