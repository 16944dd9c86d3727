// alloc: allocation-heavy: mallocs and frees many blocks of mixed sizes,
// checking each block's contents before freeing it, then one 16 MiB block
// that makes linear memory grow. Prints a checksum of everything it checked,
// which depends only on the deterministic sequence below (not on addresses),
// so it is the same on every run, host and allocator.
//
// Output: "checksum XXXXXXXX, N allocations, M bytes"; exits 1 if a block
// was corrupted.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024
#define ROUNDS 40000

static uint32_t state = 12345;
static uint32_t next(void) {
  state = state * 1103515245u + 12345u;
  return state >> 8;
}

static uint32_t hash = 2166136261u;  // FNV-1a
static void mix(uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    hash ^= (v >> (8 * i)) & 0xff;
    hash *= 16777619u;
  }
}

struct block {
  uint8_t* data;
  uint32_t size;
  uint32_t seed;
};
static struct block slots[SLOTS];

static int check_and_free(struct block* b) {
  for (uint32_t j = 0; j < b->size; ++j) {
    if (b->data[j] != (uint8_t)(b->seed + j * 31)) return 0;
  }
  mix(b->seed);
  mix(b->size);
  free(b->data);
  b->data = NULL;
  return 1;
}

int main(void) {
  unsigned long long allocations = 0, bytes = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    struct block* b = &slots[next() % SLOTS];
    if (b->data != NULL) {
      if (!check_and_free(b)) {
        printf("corrupt block at round %d\n", round);
        return 1;
      }
      continue;
    }
    uint32_t r = next();
    // Mostly small blocks, now and then a large one.
    b->size = (r % 64 == 0) ? 65536 + r % 100000 : 1 + r % 2048;
    b->seed = next();
    b->data = malloc(b->size);
    if (b->data == NULL) {
      printf("malloc(%u) failed at round %d\n", b->size, round);
      return 1;
    }
    for (uint32_t j = 0; j < b->size; ++j)
      b->data[j] = (uint8_t)(b->seed + j * 31);
    ++allocations;
    bytes += b->size;
  }
  for (int i = 0; i < SLOTS; ++i) {
    if (slots[i].data != NULL && !check_and_free(&slots[i])) {
      printf("corrupt block in slot %d\n", i);
      return 1;
    }
  }
  // One block larger than anything freed so far: memory.grow.
  struct block big = {malloc(16 << 20), 16 << 20, next()};
  if (big.data == NULL) {
    printf("malloc(16 MiB) failed\n");
    return 1;
  }
  for (uint32_t j = 0; j < big.size; ++j)
    big.data[j] = (uint8_t)(big.seed + j * 31);
  ++allocations;
  bytes += big.size;
  if (!check_and_free(&big)) {
    printf("corrupt 16 MiB block\n");
    return 1;
  }
  printf("checksum %08x, %llu allocations, %llu bytes\n", (unsigned)hash,
         allocations, bytes);
  return 0;
}
