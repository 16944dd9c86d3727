// Strings component: see strings.wit. The glue is generated from it
// (strings.h): arguments arrive owned (freed here), results are freed by
// the generated post-return functions after the host has read them.
#include "strings.h"

#include <stdlib.h>
#include <string.h>

static strings_string_t copy_of(const uint8_t* s, size_t len) {
  strings_string_t out = {malloc(len ? len : 1), len};
  memcpy(out.ptr, s, len);
  return out;
}

void exports_demo_strings_text_upper(strings_string_t* s,
                                     strings_string_t* ret) {
  *ret = copy_of(s->ptr, s->len);
  for (size_t i = 0; i < ret->len; ++i) {
    if (ret->ptr[i] >= 'a' && ret->ptr[i] <= 'z') ret->ptr[i] -= 'a' - 'A';
  }
  strings_string_free(s);
}

// Splits at an ASCII separator (the test's only use).
void exports_demo_strings_text_split(strings_string_t* s, uint32_t sep,
                                     strings_list_string_t* ret) {
  size_t n = 1;
  for (size_t i = 0; i < s->len; ++i) n += s->ptr[i] == sep;
  ret->ptr = malloc(n * sizeof *ret->ptr);
  ret->len = n;
  size_t start = 0, k = 0;
  for (size_t i = 0; i <= s->len; ++i) {
    if (i == s->len || s->ptr[i] == sep) {
      ret->ptr[k++] = copy_of(s->ptr + start, i - start);
      start = i + 1;
    }
  }
  strings_string_free(s);
}

void exports_demo_strings_text_join(strings_list_string_t* parts,
                                    strings_string_t* sep,
                                    strings_string_t* ret) {
  size_t total = 0;
  for (size_t i = 0; i < parts->len; ++i) {
    total += parts->ptr[i].len + (i ? sep->len : 0);
  }
  ret->ptr = malloc(total ? total : 1);
  ret->len = total;
  size_t at = 0;
  for (size_t i = 0; i < parts->len; ++i) {
    if (i) memcpy(ret->ptr + at, sep->ptr, sep->len), at += sep->len;
    memcpy(ret->ptr + at, parts->ptr[i].ptr, parts->ptr[i].len);
    at += parts->ptr[i].len;
  }
  strings_list_string_free(parts);
  strings_string_free(sep);
}

double exports_demo_strings_text_sum(strings_list_f64_t* xs) {
  double s = 0;
  for (size_t i = 0; i < xs->len; ++i) s += xs->ptr[i];
  strings_list_f64_free(xs);
  return s;
}

void exports_demo_strings_text_iota(uint32_t n, strings_list_u8_t* ret) {
  ret->ptr = malloc(n ? n : 1);
  ret->len = n;
  for (uint32_t i = 0; i < n; ++i) ret->ptr[i] = (uint8_t)i;
}

// "hello, NAME (N bytes fetched)": calls both imports.
void exports_strings_greet(strings_string_t* name, strings_string_t* ret) {
  strings_log(name);
  strings_list_u8_t fetched;
  strings_fetch(name, &fetched);
  const size_t fetched_len = fetched.len;
  strings_list_u8_free(&fetched);
  // No snprintf: stdio would import WASI, and this component has no adapter.
  char digits[24];
  size_t ndigits = 0;
  size_t n = fetched_len;
  do digits[sizeof digits - ++ndigits] = (char)('0' + n % 10);
  while ((n /= 10) != 0);
  static const char kHello[] = "hello, ";
  static const char kFetched[] = " bytes fetched)";
  const size_t total =
      sizeof kHello - 1 + name->len + 2 + ndigits + sizeof kFetched - 1;
  ret->ptr = malloc(total);
  ret->len = total;
  uint8_t* at = ret->ptr;
  memcpy(at, kHello, sizeof kHello - 1), at += sizeof kHello - 1;
  memcpy(at, name->ptr, name->len), at += name->len;
  memcpy(at, " (", 2), at += 2;
  memcpy(at, digits + sizeof digits - ndigits, ndigits), at += ndigits;
  memcpy(at, kFetched, sizeof kFetched - 1);
  strings_string_free(name);
}
