// Score component: see score.wit. It also exports `score-core`, the same
// work as a plain core function over pointers the host owns: the
// benchmark's baseline, called on the component's core instance.
#include "cabi.h"

// The mean of `xs` plus one hundredth of the name's byte sum: touches every
// byte of both, so per-byte costs compare fairly. NaN for an empty list.
static double compute(const char* name, size_t len, const double* xs,
                      size_t n) {
  uint32_t bytes = 0;
  for (size_t i = 0; i < len; ++i) bytes += (uint8_t)name[i];
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += xs[i];
  return n == 0 ? __builtin_nan("") : sum / (double)n + bytes / 100.0;
}

// result<f64, string> in memory: the case byte, then at offset 8 the f64
// or the string's (ptr, len).
EXPORT("score")
int32_t score(char* name, size_t len, double* xs, size_t n) {
  const double s = compute(name, len, xs, n);
  // cabi_realloc hands out no allocation for 0 bytes.
  if (len != 0) free(name);
  if (n != 0) free(xs);
  memset(cabi_ret_area, 0, 16);
  if (n == 0) {
    static const char kEmpty[] = "empty list";
    cabi_string err = cabi_string_dup(kEmpty, sizeof kEmpty - 1);
    cabi_ret_area[0] = 1;
    memcpy(cabi_ret_area + 8, &err, sizeof err);
  } else {
    memcpy(cabi_ret_area + 8, &s, sizeof s);
  }
  return (int32_t)(uintptr_t)cabi_ret_area;
}

EXPORT("cabi_post_score")
void score_post(uint8_t* area) {
  if (area[0] == 1) {
    void* p;
    memcpy(&p, area + 8, sizeof p);
    free(p);
  }
}

// The baseline: the caller owns the bytes; NaN for an empty list.
EXPORT("score-core")
double score_core(const char* name, size_t len, const double* xs, size_t n) {
  return compute(name, len, xs, n);
}
