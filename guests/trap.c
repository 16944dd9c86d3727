// trap: prints a line, then abort(): wasi-libc's abort is the `unreachable`
// instruction, a trap (wasmtime run exits 134 for it, and so does
// wasmhost run).
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  printf("about to abort\n");
  fflush(stdout);
  abort();
}
