// cabi.h: the canonical-ABI glue the C component guests share, written by
// hand because no wit-bindgen exists here (see docs/ARCHITECTURE.md).
#ifndef WASMHOST_GUESTS_COMPONENTS_CABI_H_
#define WASMHOST_GUESTS_COMPONENTS_CABI_H_

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(module, name) \
  __attribute__((import_module(module), import_name(name)))

// A string or list in linear memory: the canonical ABI's (ptr, len) pair.
typedef struct {
  char* ptr;
  size_t len;
} cabi_string;

typedef struct {
  void* ptr;
  size_t len;
} cabi_list;

// The allocator the host calls to lower strings and lists into the guest
// (realloc's contract, with the alignment the canonical ABI asks for; malloc
// already aligns to 16).
EXPORT("cabi_realloc")
void* cabi_realloc(void* old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  (void)align;
  if (new_size == 0) return (void*)align;
  void* p = realloc(old, new_size);
  if (p == NULL) __builtin_trap();
  return p;
}

// A copy of `len` bytes of `s` in a fresh allocation.
static inline cabi_string cabi_string_dup(const char* s, size_t len) {
  cabi_string out = {malloc(len ? len : 1), len};
  memcpy(out.ptr, s, len);
  return out;
}

// The return area of functions whose results do not fit in one core value:
// the host reads it after the call, then calls cabi_post_* which frees what
// it points at (never the area itself, which is static).
static uint8_t cabi_ret_area[64] __attribute__((aligned(8)));

#endif  // WASMHOST_GUESTS_COMPONENTS_CABI_H_
