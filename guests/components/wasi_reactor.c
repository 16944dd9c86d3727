// WASI reactor component: see wasi_reactor.wit. Uses stdio and the
// environment, so the core module imports wasi_snapshot_preview1.
#include <stdio.h>
#include <time.h>

#include "cabi.h"

// Prints MSG and $GREETING to stdout; returns the bytes printed.
EXPORT("shout")
uint32_t shout(char* msg, size_t len) {
  const char* greeting = getenv("GREETING");
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int n = printf("%.*s! %s\n", (int)len, msg, greeting ? greeting : "");
  fflush(stdout);
  free(msg);
  return n < 0 ? 0 : (uint32_t)n;
}
