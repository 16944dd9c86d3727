// The well-behaved plugin: commands over the server's store.
//   set KEY VALUE   stores VALUE (the rest of the line)
//   get KEY         the value, or an error when KEY is not set
//   append KEY TEXT appends TEXT to KEY's value (or sets it)
//   count           how many commands this instance has handled: always 1,
//                   since the server's pool gives every request fresh state

#include <stdlib.h>
#include <string.h>

#include "plugin.h"

static int handled;

// The next space-separated word of [*at, end), advancing *at past it.
static plugin_string_t next_word(uint8_t** at, uint8_t* end) {
  while (*at < end && **at == ' ') ++*at;
  plugin_string_t word = {*at, 0};
  while (*at < end && **at != ' ') ++*at, ++word.len;
  if (*at < end) ++*at;  // the space after it
  return word;
}

static int is(plugin_string_t word, const char* text) {
  return word.len == strlen(text) && memcmp(word.ptr, text, word.len) == 0;
}

// Copies `text` of `len` bytes into a fresh string the glue frees after
// the host read it.
static plugin_string_t copy(const uint8_t* text, size_t len) {
  plugin_string_t out = {malloc(len ? len : 1), len};
  memcpy(out.ptr, text, len);
  return out;
}

static void reply(plugin_result_string_string_t* ret, int is_err,
                  const char* text) {
  ret->is_err = is_err;
  plugin_string_dup(is_err ? &ret->val.err : &ret->val.ok, text);
}

void exports_plugin_handle(plugin_string_t* line,
                           plugin_result_string_string_t* ret) {
  ++handled;
  uint8_t* at = line->ptr;
  uint8_t* end = line->ptr + line->len;
  plugin_string_t command = next_word(&at, end);
  plugin_string_t key = next_word(&at, end);
  plugin_string_t rest = {at, (size_t)(end - at)};
  if (is(command, "set") && key.len > 0) {
    kv_plugins_store_set(&key, &rest);
    reply(ret, 0, "stored");
  } else if (is(command, "get") && key.len > 0) {
    plugin_option_string_t value;
    kv_plugins_store_get(&key, &value);
    if (value.is_some) {
      ret->is_err = 0;
      ret->val.ok = value.val;  // handed on, freed by the glue
    } else {
      reply(ret, 1, "no such key");
    }
  } else if (is(command, "append") && key.len > 0) {
    plugin_option_string_t value;
    kv_plugins_store_get(&key, &value);
    plugin_string_t joined = value.is_some ? value.val : copy(NULL, 0);
    joined.ptr = realloc(joined.ptr, joined.len + rest.len + 1);
    memcpy(joined.ptr + joined.len, rest.ptr, rest.len);
    joined.len += rest.len;
    kv_plugins_store_set(&key, &joined);
    ret->is_err = 0;
    ret->val.ok = joined;
  } else if (is(command, "count")) {
    // Decimal digits, last first (no stdio: it would import WASI).
    char text[12];
    char* digit = text + sizeof text - 1;
    *digit = '\0';
    unsigned value = handled;
    do {
      *--digit = (char)('0' + value % 10);
      value /= 10;
    } while (value != 0);
    reply(ret, 0, digit);
  } else {
    reply(ret, 1, "usage: set KEY VALUE | get KEY | append KEY TEXT | count");
  }
  plugin_string_free(line);
}
