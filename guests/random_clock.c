// random_clock: prints what WASI's random_get and clocks return, and does
// work that depends on them, for the determinism test: with a virtual clock
// and a seeded random source two runs must print the same bytes and, with
// fuel metering, use the same fuel.
//
// Output: "random <32 hex digits>", three "realtime S.NNNNNNNNN monotonic
// S.NNNNNNNNN" lines, "resolution N" and "work N" (a hash whose loop count
// depends on the random bytes).
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void print_time(const char* label, clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) {
    printf("%s error", label);
    return;
  }
  printf("%s %lld.%09ld", label, (long long)ts.tv_sec, ts.tv_nsec);
}

int main(void) {
  uint8_t bytes[16];
  if (getentropy(bytes, sizeof bytes) != 0) {
    printf("getentropy failed\n");
    return 1;
  }
  printf("random ");
  for (size_t i = 0; i < sizeof bytes; ++i) printf("%02x", bytes[i]);
  printf("\n");

  for (int i = 0; i < 3; ++i) {
    print_time("realtime", CLOCK_REALTIME);
    print_time(" monotonic", CLOCK_MONOTONIC);
    printf("\n");
  }
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC, &res);
  printf("resolution %ld\n", res.tv_nsec);

  // Work proportional to the random bytes: fuel differs if they differ.
  uint32_t h = 1;
  uint32_t loops = 1000u + bytes[0] * 100u + bytes[1];
  for (uint32_t i = 0; i < loops; ++i) h = h * 31 + bytes[i % sizeof bytes];
  printf("work %u\n", h);
  return 0;
}
