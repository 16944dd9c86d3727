// Resource component: see resource.wit. A counter's representation is a
// pointer to its state; the host keeps the handle table.
#include "cabi.h"

#define COUNTERS "demo:res/counters"

typedef struct {
  uint32_t value;
} counter;

IMPORT("[export]" COUNTERS, "[resource-new]counter")
int32_t counter_new(counter* rep);
IMPORT("[export]" COUNTERS, "[resource-rep]counter")
counter* counter_rep(int32_t handle);
IMPORT("[export]" COUNTERS, "[resource-drop]counter")
void counter_drop(int32_t handle);

IMPORT("demo:res/host", "[constructor]blob")
int32_t blob_new(const uint8_t* ptr, size_t len);
IMPORT("demo:res/host", "[method]blob.size") uint32_t blob_size(int32_t blob);
IMPORT("demo:res/host", "[resource-drop]blob") void blob_drop(int32_t blob);

EXPORT(COUNTERS "#[constructor]counter")
int32_t counter_constructor(uint32_t start) {
  counter* c = malloc(sizeof *c);
  c->value = start;
  return counter_new(c);
}

// Borrowed handles of the guest's own resources arrive as representations.
EXPORT(COUNTERS "#[method]counter.inc")
uint32_t counter_inc(counter* self, uint32_t by) { return self->value += by; }

EXPORT(COUNTERS "#[method]counter.add-blob")
uint32_t counter_add_blob(counter* self, int32_t blob) {
  return self->value += blob_size(blob);
}

// The merged counter also counts the bytes of a blob the host makes (and
// the guest drops), so every import of the host resource is used.
EXPORT(COUNTERS "#[static]counter.merge")
int32_t counter_merge(counter* a, counter* b) {
  static const uint8_t kMarker[] = {1, 2};
  const int32_t blob = blob_new(kMarker, sizeof kMarker);
  const uint32_t extra = blob_size(blob);
  blob_drop(blob);
  return counter_constructor(a->value + b->value + extra);
}

// An owned handle comes in as a handle: its value is read through
// resource.rep and the handle dropped, which runs the destructor.
EXPORT(COUNTERS "#take")
uint32_t take(int32_t handle) {
  const uint32_t value = counter_rep(handle)->value;
  counter_drop(handle);
  return value;
}

EXPORT(COUNTERS "#[dtor]counter")
void counter_dtor(counter* self) { free(self); }
