// entity: one scripted game entity, a reactor ticked by the game server.
// Each tick it wanders one step on a 64x64 grid (WASI's seeded random
// source), plans a little (a loop standing in for path costs), and now and
// then gets hit, printing an event line to stdout (the resident's buffer).
//
// Exports: tick(), and position() = x * 64 + y for the server's checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int32_t x, y, hp = 100;
static int id;
static uint32_t plan;

__attribute__((constructor)) static void init(void) {
  const char* given = getenv("ENTITY_ID");
  id = given != NULL ? atoi(given) : 0;
  x = id % 64;
  y = (id / 64) % 64;
}

static int32_t clamp(int32_t v) { return v < 0 ? 0 : v > 63 ? 63 : v; }

__attribute__((export_name("tick"))) void tick(void) {
  uint8_t r[2];
  if (getentropy(r, sizeof r) != 0) abort();
  x = clamp(x + r[0] % 3 - 1);
  y = clamp(y + r[1] % 3 - 1);
  for (int i = 0; i < 200; ++i) plan = plan * 33 + (uint32_t)(x ^ y ^ i);
  if (r[0] < 2) {
    hp -= 10;
    printf("entity %d hit at (%d,%d), hp %d\n", id, x, y, hp);
    fflush(stdout);
  }
}

__attribute__((export_name("position"))) int32_t position(void) {
  return x * 64 + y;
}
