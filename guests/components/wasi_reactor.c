// WASI reactor component: see wasi_reactor.wit. Uses stdio, the
// environment and files, so the core module imports wasi_snapshot_preview1.
// The glue is generated from the WIT (wasi_reactor.h).
#include "wasi_reactor.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

// The note's descriptor; -1 without one.
static int note = -1;

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

bool exports_wasi_reactor_open_note(wasi_reactor_string_t* path) {
  char* name = malloc(path->len + 1);
  for (size_t i = 0; i < path->len; ++i) name[i] = (char)path->ptr[i];
  name[path->len] = '\0';
  wasi_reactor_string_free(path);
  int fd = open(name, O_RDONLY);
  free(name);
  if (fd < 0) return false;
  note = fd;
  return true;
}

void exports_wasi_reactor_read_note(uint32_t n, wasi_reactor_string_t* ret) {
  char* bytes = malloc(n ? n : 1);
  ssize_t got = note < 0 ? 0 : read(note, bytes, n);
  ret->ptr = (uint8_t*)bytes;
  ret->len = got > 0 ? (size_t)got : 0;
}
