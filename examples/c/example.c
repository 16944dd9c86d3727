/* examples/c/example.c: embedding wasmhost from C through libwasmhost.so.
 * Loads the guest given as argv[1], grants it one host function, calls it
 * under a deadline, reads a trap, and serves "requests" from a pool whose
 * leases each start from fresh state. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmhost.h"

/* Prints an error with its code, kind and (for a trap) its backtrace, and
 * deletes it. */
static void report(const char* what, wasmhost_error_t* error) {
  wasmhost_trap_kind_t trap;
  wasmhost_frame_t frame;
  size_t i;
  printf("%s: %s (%s", what,
         wasmhost_status_code_name(wasmhost_error_code(error)),
         wasmhost_error_kind_name(wasmhost_error_kind(error)));
  if (wasmhost_error_limit(error) != WASMHOST_LIMIT_NONE) {
    printf(", limit %s", wasmhost_limit_kind_name(wasmhost_error_limit(error)));
  }
  printf(")\n");
  if (wasmhost_error_trap(error, &trap, NULL)) {
    printf("  trap: %s\n", wasmhost_trap_kind_name(trap));
    for (i = 0; wasmhost_error_frame(error, i, &frame); ++i) {
      /* A function the name section does not name has only its index. */
      if (frame.function_name[0] != '\0') {
        printf("  #%zu %s!%s at 0x%x\n", i, frame.module_name,
               frame.function_name, (unsigned)frame.module_offset);
      } else {
        printf("  #%zu %s!<func %u> at 0x%x\n", i, frame.module_name,
               (unsigned)frame.function_index, (unsigned)frame.module_offset);
      }
    }
  }
  wasmhost_error_delete(error);
}

/* Exits with the error's message when `error` is set. */
static void check(const char* what, wasmhost_error_t* error) {
  if (error == NULL) return;
  fprintf(stderr, "%s: %s: %s\n", what,
          wasmhost_status_code_name(wasmhost_error_code(error)),
          wasmhost_error_message(error));
  wasmhost_error_delete(error);
  exit(1);
}

/* host.log(ptr, len): prints the guest's string, read from its memory. */
static wasmhost_error_t* host_log(void* env, wasmhost_caller_t* caller,
                                  const wasmhost_val_t* args, size_t nargs,
                                  wasmhost_val_t* results, size_t nresults) {
  char text[64];
  size_t length = (size_t)(uint32_t)args[1].of.i32;
  wasmhost_error_t* error;
  (void)nargs;
  (void)results;
  (void)nresults;
  if (length >= sizeof text) {
    return wasmhost_error_new(WASMHOST_INVALID_ARGUMENT, "log line too long");
  }
  error = wasmhost_caller_memory_read(caller, (uint32_t)args[0].of.i32, text,
                                      length);
  if (error != NULL) return error; /* the guest's call fails with it */
  text[length] = '\0';
  printf("%s says: %s\n", (const char*)env, text);
  return NULL;
}

static uint8_t* read_file(const char* path, size_t* size) {
  FILE* file = fopen(path, "rb");
  uint8_t* bytes;
  if (file == NULL) return NULL;
  fseek(file, 0, SEEK_END);
  *size = (size_t)ftell(file);
  fseek(file, 0, SEEK_SET);
  bytes = malloc(*size);
  if (fread(bytes, 1, *size, file) != *size) {
    free(bytes);
    bytes = NULL;
  }
  fclose(file);
  return bytes;
}

int main(int argc, char** argv) {
  static const wasmhost_valkind_t log_params[] = {WASMHOST_I32, WASMHOST_I32};
  wasmhost_engine_t* engine = NULL;
  wasmhost_module_t* module = NULL;
  wasmhost_linker_t* linker;
  wasmhost_instance_t* instance = NULL;
  wasmhost_pool_t* pool = NULL;
  wasmhost_pool_stats_t stats;
  wasmhost_call_options_t options = {0};
  wasmhost_val_t arg, result;
  wasmhost_error_t* error;
  uint8_t* bytes;
  size_t size = 0;
  int request;

  if (argc != 2 || (bytes = read_file(argv[1], &size)) == NULL) {
    fprintf(stderr, "usage: %s GUEST.wasm\n", argv[0]);
    return 2;
  }
  check("engine", wasmhost_engine_new(NULL, &engine));
  check("compile", wasmhost_module_new(engine, bytes, size, &module));
  free(bytes);

  /* The guest may import host.log and nothing else. */
  linker = wasmhost_linker_new();
  check("define",
        wasmhost_linker_define_func(linker, "host", "log", log_params, 2, NULL,
                                    0, host_log, "the plugin", NULL));
  check("instantiate", wasmhost_instance_new(module, linker, NULL, &instance));

  /* Every call gets 100 ms. */
  options.timeout_nanos = 100 * 1000 * 1000;
  arg.kind = WASMHOST_I32;
  arg.of.i32 = 7;
  check("square", wasmhost_instance_call(instance, "square", &options, &arg, 1,
                                         &result, 1));
  printf("square(7) = %d\n", result.of.i32);

  /* A guest that never returns is stopped at its deadline... */
  error = wasmhost_instance_call(instance, "spin", &options, NULL, 0, NULL, 0);
  report("spin", error);
  wasmhost_instance_delete(instance); /* ...and its instance is poisoned. */

  /* A trap is an error with its kind and the guest's backtrace. */
  check("instantiate", wasmhost_instance_new(module, linker, NULL, &instance));
  report("crash",
         wasmhost_instance_call(instance, "crash", &options, NULL, 0, NULL, 0));
  wasmhost_instance_delete(instance);

  /* A pool: each request leases a warm instance in its initial state. */
  check("pool", wasmhost_pool_new(module, linker, NULL, &pool));
  for (request = 1; request <= 3; ++request) {
    wasmhost_lease_t* lease = NULL;
    check("acquire", wasmhost_pool_acquire(pool, &lease));
    check("visits",
          wasmhost_instance_call(wasmhost_lease_instance(lease), "visits",
                                 &options, NULL, 0, &result, 1));
    printf("request %d: visits = %d\n", request, result.of.i32);
    wasmhost_lease_delete(lease);
  }
  wasmhost_pool_get_stats(pool, &stats);
  printf("pool: %llu leases, %llu warm\n", (unsigned long long)stats.leases,
         (unsigned long long)stats.warm_hits);

  wasmhost_pool_delete(pool);
  wasmhost_linker_delete(linker);
  wasmhost_module_delete(module);
  wasmhost_engine_delete(engine);
  return 0;
}
