// reactor: a library module (-mexec-model=reactor): no _start, and an
// _initialize that runs the C constructors. Its state comes from a
// constructor, so calling the exports before _initialize gives different
// answers: counter() returns 1 instead of 101 (or COUNTER_START + 1).
//
// Exports:
//   add(a, b)    a + b
//   counter()    the next value of a counter that starts at COUNTER_START
//                from the environment, or 100 when it is not set
//   greet(n)     prints "greeting N" to stdout, returns 2 * n
//   initialized  1 once the constructor ran, 0 before
#include <stdio.h>
#include <stdlib.h>

static int count;
static int initialized;

__attribute__((constructor)) static void init(void) {
  const char* start = getenv("COUNTER_START");
  count = start != NULL ? atoi(start) : 100;
  initialized = 1;
}

__attribute__((export_name("add"))) int add(int a, int b) { return a + b; }

__attribute__((export_name("counter"))) int counter(void) { return ++count; }

__attribute__((export_name("greet"))) int greet(int n) {
  printf("greeting %d\n", n);
  fflush(stdout);
  return 2 * n;
}

__attribute__((export_name("initialized"))) int is_initialized(void) {
  return initialized;
}
