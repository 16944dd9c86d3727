// WASI reactor component: see wasi_reactor.wit. Uses stdio and the
// environment, so the core module imports wasi_snapshot_preview1. The glue
// is generated from the WIT (wasi_reactor.h).
#include "wasi_reactor.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

// Prints MSG and $GREETING to stdout; returns the bytes printed.
uint32_t exports_wasi_reactor_shout(wasi_reactor_string_t* msg) {
  const char* greeting = getenv("GREETING");
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int n = printf("%.*s! %s\n", (int)msg->len, (const char*)msg->ptr,
                 greeting ? greeting : "");
  fflush(stdout);
  wasi_reactor_string_free(msg);
  return n < 0 ? 0 : (uint32_t)n;
}
