// Deep recursion on the C stack beside a static canary. Each level keeps a
// 1 KiB volatile buffer, which must live in linear memory (not in Wasm
// locals), so 80 levels need ~82 KiB: more than wasm-ld's 64 KiB stack.
// With -Wl,--stack-first the stack pointer then goes below address 0 and
// the store traps; with wasm-ld's default layout (stack above the static
// data) the frames overwrite the canary and the call returns.

#include "deep.h"

#include <stdint.h>
#include <string.h>

#define CANARY_BYTES 32768
#define CANARY_BYTE 0xa5

static uint8_t canary[CANARY_BYTES];

static uint32_t descend(uint32_t depth) {
  volatile uint8_t frame[1024];
  for (uint32_t i = 0; i < sizeof frame; ++i) frame[i] = (uint8_t)depth;
  if (depth == 0) return 0;
  // Not a tail call: the frame is read after the recursion returns.
  return descend(depth - 1) + 1 +
         (frame[depth % sizeof frame] != (uint8_t)depth);
}

uint32_t exports_deep_recurse(uint32_t depth) {
  memset(canary, CANARY_BYTE, sizeof canary);
  return descend(depth);
}

uint32_t exports_deep_canary_damage(void) {
  uint32_t damaged = 0;
  for (uint32_t i = 0; i < CANARY_BYTES; ++i)
    damaged += canary[i] != CANARY_BYTE;
  return damaged;
}

uint32_t exports_deep_canary_address(void) {
  return (uint32_t)(uintptr_t)canary;
}
