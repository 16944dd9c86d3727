// big_init: a reactor standing in for a language runtime whose
// initialisation grows memory by tens of MiB and fills it (an
// interpreter's heap), for the fresh-state pool tests and benchmark.
// `_initialize` grows memory by 64 MiB and writes a pattern over all of
// it; every export starts by checking nothing of an earlier request is
// left.
//
// Exports:
//   check()           0 when the state is exactly as initialised: the
//                     pattern intact (one byte per 512 checked), no request
//                     counted, memory at its initialised size; else 1 (not
//                     initialised), 2 (a request was counted), 3 (memory
//                     size differs) or 4 (the pattern was overwritten)
//   dirty(off, kib)   counts a request and overwrites `kib` KiB of the
//                     state from `off` KiB on; returns check() as it was
//                     before
//   grow(pages)       dirty(0, 64), then memory.grow(pages); returns the
//                     old size in pages or -1
//   trap()            dirty(0, 64), then an unreachable trap
//   spin()            dirty(0, 64), then loops forever (for deadlines)
//   touch(off, kib)   writes one byte per 4 KiB page of `kib` KiB from
//                     `off` KiB on (the benchmark's request: no check);
//                     returns 0
#include <stddef.h>
#include <stdint.h>

#define STATE_BYTES (64u << 20)
#define WASM_PAGE 65536u

static uint8_t* state;
static int initialised;
static int requests;
static size_t initial_pages;

static uint8_t Pattern(size_t i) { return (uint8_t)(i * 31u + 7u); }

__attribute__((constructor)) static void init(void) {
  size_t old_pages = __builtin_wasm_memory_grow(0, STATE_BYTES / WASM_PAGE);
  if (old_pages == (size_t)-1) return;
  state = (uint8_t*)(old_pages * WASM_PAGE);
  for (size_t i = 0; i < STATE_BYTES; ++i) state[i] = Pattern(i);
  initial_pages = __builtin_wasm_memory_size(0);
  initialised = 42;
}

__attribute__((export_name("check"))) int check(void) {
  if (initialised != 42) return 1;
  if (requests != 0) return 2;
  if (__builtin_wasm_memory_size(0) != initial_pages) return 3;
  for (size_t i = 0; i < STATE_BYTES; i += 512) {
    if (state[i] != Pattern(i)) return 4;
  }
  return 0;
}

__attribute__((export_name("dirty"))) int dirty(int off_kib, int kib) {
  int before = check();
  ++requests;
  uint8_t* start = state + (size_t)off_kib * 1024;
  for (size_t i = 0; i < (size_t)kib * 1024; ++i) start[i] = 0xee;
  return before;
}

__attribute__((export_name("grow"))) int grow(int pages) {
  dirty(0, 64);
  return (int)__builtin_wasm_memory_grow(0, (size_t)pages);
}

__attribute__((export_name("trap"))) int trap(void) {
  dirty(0, 64);
  __builtin_trap();
}

__attribute__((export_name("spin"))) int spin(void) {
  dirty(0, 64);
  for (volatile int forever = 1; forever;) {
  }
  return 0;
}

__attribute__((export_name("touch"))) int touch(int off_kib, int kib) {
  uint8_t* start = state + (size_t)off_kib * 1024;
  for (size_t i = 0; i < (size_t)kib * 1024; i += 4096) start[i] ^= 1;
  return 0;
}
