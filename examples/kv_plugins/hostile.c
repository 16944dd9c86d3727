// The hostile plugin: each command attacks the host in one way. The server
// must answer every one with a clear error and keep serving.
//   oob       reads 16 bytes below 4 GiB: outside its memory
//   loop      never returns
//   recurse   recurses without end
//   hog       takes 2 GiB in 1 MiB blocks until malloc fails; says how
//             many it got
//   hog-unchecked  mallocs 2 GiB in one block and fills it without
//             checking for NULL
//   wipe      empties the store through kv:plugins/admin (its world
//             imports it; a server that does not grant it refuses to load
//             the plugin at all)
//   set KEY   stores "hostile" under KEY: the plugin still works after
//             each attack (its pool replaced the instance)

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin_plugin.h"

static volatile uint32_t deepest;
static char* volatile hoard;
static volatile uint32_t bottom = UINT32_MAX;  // never reached

// Recursion the compiler cannot turn into a loop: the store after the call
// keeps it from being a tail call, and volatile stores are side effects.
static uint32_t dive(uint32_t depth) {
  deepest = depth;
  if (depth == bottom) return depth;
  uint32_t reached = dive(depth + 1);
  deepest = reached;
  return reached;
}

// Replies `text` (no stdio: it would import WASI).
static void reply(admin_plugin_result_string_string_t* ret, int is_err,
                  const char* text) {
  ret->is_err = is_err;
  admin_plugin_string_dup(is_err ? &ret->val.err : &ret->val.ok, text);
}

// Writes `value` in decimal at `at`; returns the end.
static char* put_decimal(char* at, unsigned value) {
  char digits[10];
  int count = 0;
  do {
    digits[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (count > 0) *at++ = digits[--count];
  return at;
}

static int starts(const admin_plugin_string_t* line, const char* word) {
  size_t len = strlen(word);
  return line->len >= len && memcmp(line->ptr, word, len) == 0 &&
         (line->len == len || line->ptr[len] == ' ');
}

void exports_admin_plugin_handle(admin_plugin_string_t* line,
                                 admin_plugin_result_string_string_t* ret) {
  if (starts(line, "oob")) {
    volatile uint32_t* far = (volatile uint32_t*)(uintptr_t)0xfffffff0u;
    reply(ret, 0, *far ? "read something" : "read zero");
  } else if (starts(line, "loop")) {
    for (;;) {
    }
  } else if (starts(line, "recurse")) {
    reply(ret, 0, dive(0) ? "came back" : "came back with 0");
  } else if (starts(line, "hog")) {
    // 2 GiB in 1 MiB blocks, each written, until malloc says no.
    unsigned mib = 0;
    for (; mib < 2048; ++mib) {
      char* block = malloc(1 << 20);
      if (block == NULL) break;
      memset(block, 'x', 1 << 20);
      hoard = block;  // kept, so the compiler keeps the memset
    }
    char text[32] = "took ";
    strcpy(put_decimal(text + 5, mib), " MiB of 2048");
    reply(ret, 0, text);
  } else if (starts(line, "hog-unchecked")) {
    size_t size = (size_t)2 << 30;
    char* block = malloc(size);
    memset(block, 'x', size);  // unchecked, as careless code does
    hoard = block;
    reply(ret, 0, "filled 2 GiB");
  } else if (starts(line, "wipe")) {
    reply(ret, 0, kv_plugins_admin_wipe() ? "wiped" : "nothing to wipe");
  } else if (starts(line, "set") && line->len > 4) {
    admin_plugin_string_t key = {line->ptr + 4, line->len - 4};
    admin_plugin_string_t value = {(uint8_t*)"hostile", 7};
    kv_plugins_store_set(&key, &value);
    reply(ret, 0, "stored");
  } else {
    reply(ret, 1,
          "usage: oob | loop | recurse | hog | hog-unchecked | wipe | set KEY");
  }
  admin_plugin_string_free(line);
}
