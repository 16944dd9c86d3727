// Scalars component: every primitive type through the canonical ABI, with
// no memory traffic (all of them flatten to core values).
#include "cabi.h"

IMPORT("$root", "host-log") void host_log(uint32_t level, int64_t code);

EXPORT("demo:scalars/math#add") int32_t add(int32_t a, int32_t b) {
  return a + b;
}

EXPORT("demo:scalars/math#mul-wide") int64_t mul_wide(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a * (uint64_t)b);
}

EXPORT("demo:scalars/math#scale") double scale(double x, float by) {
  return x * by;
}

EXPORT("demo:scalars/math#negate") int32_t negate(int32_t b) { return !b; }

EXPORT("demo:scalars/math#next-char") int32_t next_char(int32_t c) {
  return c + 1;
}

EXPORT("demo:scalars/math#narrow")
int64_t narrow(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e,
               int64_t f) {
  return (int64_t)(uint8_t)a + (int8_t)b + (uint16_t)c + (int16_t)d +
         (uint32_t)e + f;
}

EXPORT("answer") int32_t answer(void) {
  host_log(1, -42);
  return 42;
}
