// resident_world: a reactor for resident instances (tests/resident_test):
// every tick grows a heap-allocated world by an amount drawn from WASI's
// random source, reads up to 4 bytes of stdin, and prints a line with the
// clock, the input and a hash of the whole world, so two runs agree only if
// memory, the clock, the random stream and stdin all continued exactly.
//
// Exports:
//   tick()       one step, as above; every 8th tick also allocates 96 KiB
//                (memory grows)
//   hold_file()  opens "/data/held.txt" (creating it) and keeps it open;
//                returns the fd, or -1
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint32_t* cells;
static size_t count;
static unsigned long long ticks;

__attribute__((export_name("tick"))) void tick(void) {
  uint8_t r[4];
  if (getentropy(r, sizeof r) != 0) abort();
  const size_t add = 1 + r[0] % 64;
  uint32_t* grown = realloc(cells, (count + add) * sizeof *cells);
  if (grown == NULL) abort();
  cells = grown;
  for (size_t i = 0; i < add; ++i) {
    cells[count + i] = r[1] * (uint32_t)(count + i) + r[2];
  }
  count += add;
  if (ticks % 8 == 7) {
    char* block = malloc(96 * 1024);
    if (block == NULL) abort();
    memset(block, (int)(ticks & 0xff), 96 * 1024);
    cells[0] ^= (uint32_t)block[1000];
  }
  char in[5] = {0};
  ssize_t n = read(0, in, 4);
  if (n < 0) n = 0;
  in[n] = 0;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < count; ++i) h = (h ^ cells[i]) * 16777619u;
  printf("tick %llu cells %zu t %lld.%09ld in '%s' hash %08x\n", ticks, count,
         (long long)ts.tv_sec, ts.tv_nsec, in, h);
  fflush(stdout);
  ++ticks;
}

__attribute__((export_name("hold_file"))) int hold_file(void) {
  return open("/data/held.txt", O_RDWR | O_CREAT, 0644);
}
