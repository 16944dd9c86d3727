// runaway: a misbehaving script. Its fifth tick loops forever; the game
// server's fuel budget stops it without slowing the other entities' ticks.
#include <stdint.h>

static uint32_t ticks;

__attribute__((export_name("tick"))) void tick(void) {
  if (++ticks < 5) return;
  volatile uint32_t spin = 0;
  for (;;) ++spin;
}
