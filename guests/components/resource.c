// Resource component: see resource.wit. The glue is generated from it
// (res.h). A counter's representation is its state, malloc'ed; the host
// keeps the handle table.
#include <stdlib.h>

#include "res.h"

struct exports_demo_res_counters_counter_t {
  uint32_t value;
};

typedef exports_demo_res_counters_counter_t counter;

exports_demo_res_counters_own_counter_t
exports_demo_res_counters_constructor_counter(uint32_t start) {
  counter* c = malloc(sizeof *c);
  c->value = start;
  return exports_demo_res_counters_counter_new(c);
}

// Borrowed handles of the guest's own resources arrive as representations.
uint32_t exports_demo_res_counters_method_counter_inc(counter* self,
                                                      uint32_t by) {
  return self->value += by;
}

uint32_t exports_demo_res_counters_method_counter_add_blob(
    counter* self, demo_res_host_borrow_blob_t b) {
  return self->value += demo_res_host_method_blob_size(b);
}

// The merged counter also counts the bytes of a blob the host makes (and
// the guest drops), so every import of the host resource is used.
exports_demo_res_counters_own_counter_t
exports_demo_res_counters_static_counter_merge(counter* a, counter* b) {
  static uint8_t marker[] = {1, 2};
  res_list_u8_t init = {marker, sizeof marker};
  const demo_res_host_own_blob_t blob = demo_res_host_constructor_blob(&init);
  const uint32_t extra =
      demo_res_host_method_blob_size(demo_res_host_blob_borrow_own(blob));
  demo_res_host_blob_drop_own(blob);
  return exports_demo_res_counters_constructor_counter(a->value + b->value +
                                                       extra);
}

// An owned handle comes in as a handle: its value is read through
// resource.rep and the handle dropped, which runs the destructor.
uint32_t exports_demo_res_counters_take(
    exports_demo_res_counters_own_counter_t c) {
  const uint32_t value = exports_demo_res_counters_counter_rep(c)->value;
  exports_demo_res_counters_counter_drop_own(c);
  return value;
}

void exports_demo_res_counters_counter_destructor(counter* self) { free(self); }
