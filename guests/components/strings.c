// Strings component: see strings.wit.
#include "cabi.h"

IMPORT("$root", "log") void host_log(const char* ptr, size_t len);
// Results that do not fit in one core value come back through a pointer to
// a return area the guest provides.
IMPORT("$root", "fetch")
void host_fetch(const char* ptr, size_t len, cabi_list* ret);

static int32_t return_string(cabi_string s) {
  memcpy(cabi_ret_area, &s, sizeof s);
  return (int32_t)(uintptr_t)cabi_ret_area;
}

// Frees the string or list a return area points at.
static void free_pointee(const uint8_t* area) {
  void* p;
  memcpy(&p, area, sizeof p);
  free(p);
}

EXPORT("demo:strings/text#upper")
int32_t upper(char* ptr, size_t len) {
  cabi_string out = cabi_string_dup(ptr, len);
  for (size_t i = 0; i < len; ++i) {
    if (out.ptr[i] >= 'a' && out.ptr[i] <= 'z') out.ptr[i] -= 'a' - 'A';
  }
  free(ptr);
  return return_string(out);
}

EXPORT("cabi_post_demo:strings/text#upper")
void upper_post(uint8_t* area) { free_pointee(area); }

// Splits at an ASCII separator (the test's only use).
EXPORT("demo:strings/text#split")
int32_t split(char* ptr, size_t len, uint32_t sep) {
  size_t n = 1;
  for (size_t i = 0; i < len; ++i) n += (uint32_t)(uint8_t)ptr[i] == sep;
  cabi_string* parts = malloc(n * sizeof *parts);
  size_t start = 0, k = 0;
  for (size_t i = 0; i <= len; ++i) {
    if (i == len || (uint32_t)(uint8_t)ptr[i] == sep) {
      parts[k++] = cabi_string_dup(ptr + start, i - start);
      start = i + 1;
    }
  }
  free(ptr);
  cabi_list out = {parts, n};
  memcpy(cabi_ret_area, &out, sizeof out);
  return (int32_t)(uintptr_t)cabi_ret_area;
}

EXPORT("cabi_post_demo:strings/text#split")
void split_post(uint8_t* area) {
  cabi_list l;
  memcpy(&l, area, sizeof l);
  cabi_string* parts = l.ptr;
  for (size_t i = 0; i < l.len; ++i) free(parts[i].ptr);
  free(parts);
}

EXPORT("demo:strings/text#join")
int32_t join(cabi_string* parts, size_t n, char* sep, size_t sep_len) {
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) total += parts[i].len + (i ? sep_len : 0);
  cabi_string out = {malloc(total ? total : 1), total};
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i) memcpy(out.ptr + at, sep, sep_len), at += sep_len;
    memcpy(out.ptr + at, parts[i].ptr, parts[i].len);
    at += parts[i].len;
    free(parts[i].ptr);
  }
  free(parts);
  free(sep);
  return return_string(out);
}

EXPORT("cabi_post_demo:strings/text#join")
void join_post(uint8_t* area) { free_pointee(area); }

EXPORT("demo:strings/text#sum")
double sum(double* xs, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += xs[i];
  free(xs);
  return s;
}

EXPORT("demo:strings/text#iota")
int32_t iota(uint32_t n) {
  uint8_t* bytes = malloc(n ? n : 1);
  for (uint32_t i = 0; i < n; ++i) bytes[i] = (uint8_t)i;
  cabi_list out = {bytes, n};
  memcpy(cabi_ret_area, &out, sizeof out);
  return (int32_t)(uintptr_t)cabi_ret_area;
}

EXPORT("cabi_post_demo:strings/text#iota")
void iota_post(uint8_t* area) { free_pointee(area); }

// "hello, NAME (N bytes fetched)": calls both imports.
EXPORT("greet")
int32_t greet(char* name, size_t len) {
  host_log(name, len);
  cabi_list fetched;
  host_fetch(name, len, &fetched);
  free(fetched.ptr);
  // No snprintf: stdio would import WASI, and this component has no adapter.
  char digits[24];
  size_t ndigits = 0;
  size_t n = fetched.len;
  do digits[sizeof digits - ++ndigits] = (char)('0' + n % 10);
  while ((n /= 10) != 0);
  static const char kHello[] = "hello, ";
  static const char kFetched[] = " bytes fetched)";
  const size_t total =
      sizeof kHello - 1 + len + 2 + ndigits + sizeof kFetched - 1;
  cabi_string out = {malloc(total), total};
  char* at = out.ptr;
  memcpy(at, kHello, sizeof kHello - 1), at += sizeof kHello - 1;
  memcpy(at, name, len), at += len;
  memcpy(at, " (", 2), at += 2;
  memcpy(at, digits + sizeof digits - ndigits, ndigits), at += ndigits;
  memcpy(at, kFetched, sizeof kFetched - 1);
  free(name);
  return return_string(out);
}

EXPORT("cabi_post_greet")
void greet_post(uint8_t* area) { free_pointee(area); }
