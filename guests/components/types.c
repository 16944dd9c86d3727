// Types component: see types.wit. The structs mirror the canonical ABI's
// memory layout of each type (fields in order, each at its alignment).
#include "cabi.h"

typedef struct {
  int32_t x, y;
} point;

typedef struct {
  cabi_string name;
  uint8_t color;
  uint8_t perms;
  uint8_t has_origin;
  point origin;
} item;

typedef struct {
  uint8_t is_err;
  union {
    point ok;
    cabi_string err;
  } val;
} validate_result;

IMPORT("$root", "validate")
void host_validate(int32_t x, int32_t y, validate_result* ret);

// shape flattens to (discriminant, the join of f32 and (s32, s32)): the
// payload's first value travels as i32 bits, a float in circle's case.
EXPORT("demo:types/shapes#area")
float area(int32_t tag, int32_t a, int32_t b) {
  switch (tag) {
    case 0: {
      float r;
      memcpy(&r, &a, sizeof r);
      return 3.14159265f * r * r;
    }
    case 1: {
      validate_result v;
      host_validate(a, b, &v);
      if (v.is_err) {
        free(v.val.err.ptr);
        return -1;
      }
      return (float)v.val.ok.x * (float)v.val.ok.y;
    }
    default:
      return 0;
  }
}

EXPORT("demo:types/shapes#mix")
int32_t mix(int32_t a, int32_t b) { return (a + b) % 3; }

EXPORT("demo:types/shapes#grant")
int32_t grant(int32_t p, int32_t extra) { return p | extra; }

EXPORT("demo:types/shapes#find")
int32_t find(item* items, size_t n, char* name, size_t len) {
  uint8_t* ret = cabi_ret_area;
  ret[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    if (ret[0] == 0 && items[i].name.len == len &&
        memcmp(items[i].name.ptr, name, len) == 0) {
      ret[0] = 1;
      memcpy(ret + 4, &items[i], sizeof(item));
    } else {
      free(items[i].name.ptr);
    }
  }
  free(items);
  free(name);
  return (int32_t)(uintptr_t)ret;
}

EXPORT("cabi_post_demo:types/shapes#find")
void find_post(uint8_t* area) {
  if (area[0] == 0) return;
  item it;
  memcpy(&it, area + 4, sizeof it);
  free(it.name.ptr);
}

EXPORT("demo:types/shapes#divide")
int32_t divide(int32_t a, int32_t b) {
  uint8_t* ret = cabi_ret_area;
  if (b == 0) {
    static const char kMsg[] = "division by zero";
    cabi_string err = cabi_string_dup(kMsg, sizeof kMsg - 1);
    ret[0] = 1;
    memcpy(ret + 4, &err, sizeof err);
  } else {
    const int32_t q = a / b;
    ret[0] = 0;
    memcpy(ret + 4, &q, sizeof q);
  }
  return (int32_t)(uintptr_t)ret;
}

EXPORT("cabi_post_demo:types/shapes#divide")
void divide_post(uint8_t* area) {
  if (area[0] == 0) return;
  cabi_string err;
  memcpy(&err, area + 4, sizeof err);
  free(err.ptr);
}

EXPORT("demo:types/shapes#swap")
int32_t swap(int32_t a, double b) {
  uint8_t* ret = cabi_ret_area;
  memcpy(ret, &b, sizeof b);
  ret[8] = (uint8_t)a;
  return (int32_t)(uintptr_t)ret;
}

EXPORT("demo:types/shapes#check")
int32_t check(int32_t x) { return x % 2; }
