// Scalars component: every primitive type through the canonical ABI, with
// no memory traffic (all of them flatten to core values). The glue is
// generated from scalars.wit (scalars.h, `wasmhost bindgen c-guest`).
#include "scalars.h"

int32_t exports_demo_scalars_math_add(int32_t a, int32_t b) { return a + b; }

uint64_t exports_demo_scalars_math_mul_wide(uint64_t a, uint64_t b) {
  return a * b;
}

double exports_demo_scalars_math_scale(double x, float by) { return x * by; }

bool exports_demo_scalars_math_negate(bool b) { return !b; }

uint32_t exports_demo_scalars_math_next_char(uint32_t c) { return c + 1; }

int64_t exports_demo_scalars_math_narrow(uint8_t a, int8_t b, uint16_t c,
                                         int16_t d, uint32_t e, int64_t f) {
  return (int64_t)a + b + c + d + e + f;
}

uint32_t exports_scalars_answer(void) {
  scalars_host_log(1, -42);
  return 42;
}
