/* bindings/c/tests/capi_test.c: the C API from C (compiled as C99): every
 * handle, the error object's code, kind, limit, trap and frames, and each
 * error path with its code and a message substring.
 *
 *   capi_test CAPI_WASM WASI_WASM START_LOOP_WASM
 *
 * The engine is made with consume_fuel (V8 is set up once per process). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmhost.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* Fails the test and returns from the test function on an error. */
#define CHECK_OK(expr)                                                        \
  do {                                                                        \
    wasmhost_error_t* check_ok_error = (expr);                                \
    if (check_ok_error != NULL) {                                             \
      fprintf(stderr, "%s:%d: %s failed: %s %s\n", __FILE__, __LINE__, #expr, \
              wasmhost_status_code_name(wasmhost_error_code(check_ok_error)), \
              wasmhost_error_message(check_ok_error));                        \
      wasmhost_error_delete(check_ok_error);                                  \
      ++failures;                                                             \
      return;                                                                 \
    }                                                                         \
  } while (0)

/* Checks that `error` is not NULL and has `code`, `kind` and a message
 * containing `substring`; deletes it. */
#define CHECK_ERROR(expr, code, kind, substring) \
  check_error((expr), (code), (kind), (substring), #expr, __LINE__)

static void check_error(wasmhost_error_t* error, wasmhost_status_code_t code,
                        wasmhost_error_kind_t kind, const char* substring,
                        const char* expr, int line) {
  if (error == NULL) {
    fprintf(stderr, "%s:%d: %s succeeded, expected %s\n", __FILE__, line, expr,
            wasmhost_status_code_name(code));
    ++failures;
    return;
  }
  if (wasmhost_error_code(error) != code ||
      wasmhost_error_kind(error) != kind ||
      strstr(wasmhost_error_message(error), substring) == NULL) {
    fprintf(stderr,
            "%s:%d: %s: got %s (kind %s) \"%s\", expected %s (kind %s) "
            "containing \"%s\"\n",
            __FILE__, line, expr,
            wasmhost_status_code_name(wasmhost_error_code(error)),
            wasmhost_error_kind_name(wasmhost_error_kind(error)),
            wasmhost_error_message(error), wasmhost_status_code_name(code),
            wasmhost_error_kind_name(kind), substring);
    ++failures;
  }
  wasmhost_error_delete(error);
}

typedef struct bytes {
  uint8_t* data;
  size_t size;
} bytes_t;

static bytes_t read_file(const char* path) {
  bytes_t out = {NULL, 0};
  FILE* file = fopen(path, "rb");
  if (file == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(file, 0, SEEK_END);
  out.size = (size_t)ftell(file);
  fseek(file, 0, SEEK_SET);
  out.data = malloc(out.size);
  if (fread(out.data, 1, out.size, file) != out.size) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(file);
  return out;
}

static wasmhost_engine_t* engine;
static bytes_t capi_wasm, wasi_wasm, start_loop_wasm;

static wasmhost_val_t i32_val(int32_t v) {
  wasmhost_val_t val;
  memset(&val, 0, sizeof val);
  val.kind = WASMHOST_I32;
  val.of.i32 = v;
  return val;
}

/* ---- host functions ---- */

typedef struct host_state {
  int calls;
  int finalized;
} host_state_t;

/* host.double: 2x, computed by calling the guest's add back; a negative
 * argument is refused with PERMISSION_DENIED, -1000 ends the guest's
 * program with exit code 42, and 1000 passes on the trap of a nested call
 * of the guest's crash. */
static wasmhost_error_t* host_double(void* env, wasmhost_caller_t* caller,
                                     const wasmhost_val_t* args, size_t nargs,
                                     wasmhost_val_t* results, size_t nresults) {
  host_state_t* state = env;
  ++state->calls;
  if (nargs != 1 || nresults != 1 || args[0].kind != WASMHOST_I32 ||
      results[0].kind != WASMHOST_I32) {
    return wasmhost_error_new(WASMHOST_INTERNAL, "wrong signature");
  }
  if (args[0].of.i32 == -1000) return wasmhost_error_new_exit(42);
  if (args[0].of.i32 < 0) {
    return wasmhost_error_new(WASMHOST_PERMISSION_DENIED, "no negatives");
  }
  if (args[0].of.i32 == 1000) {
    /* A trap in a nested call, passed on. */
    return wasmhost_caller_call(caller, "crash", NULL, 0, NULL, 0);
  }
  {
    /* The guest's own add, called back: x + x, and then + 0 through a
     * function handle. */
    wasmhost_val_t add_args[2];
    wasmhost_func_t* func = NULL;
    wasmhost_error_t* error;
    add_args[0] = args[0];
    add_args[1] = args[0];
    error = wasmhost_caller_call(caller, "add", add_args, 2, results, 1);
    if (error != NULL) return error;
    error = wasmhost_caller_func(caller, "add", &func);
    if (error != NULL) return error;
    add_args[0] = results[0];
    add_args[1].of.i32 = 0;
    error = wasmhost_func_call(func, NULL, add_args, 2, results, 1);
    wasmhost_func_delete(func);
    func = NULL;
    if (error != NULL) return error;
    error = wasmhost_caller_call(caller, "nope", NULL, 0, NULL, 0);
    if (error == NULL || wasmhost_error_code(error) != WASMHOST_NOT_FOUND) {
      wasmhost_error_delete(error);
      return wasmhost_error_new(WASMHOST_INTERNAL, "called nope");
    }
    wasmhost_error_delete(error);
    error = wasmhost_caller_func(caller, "memory", &func);
    if (error == NULL ||
        wasmhost_error_code(error) != WASMHOST_INVALID_ARGUMENT) {
      wasmhost_func_delete(func);
      wasmhost_error_delete(error);
      return wasmhost_error_new(WASMHOST_INTERNAL, "memory is a function");
    }
    wasmhost_error_delete(error);
  }
  return NULL;
}

/* host.greet(ptr, len): reads the name from the caller's memory, writes
 * "hello, <name>" at 256 and returns its length. */
static wasmhost_error_t* host_greet(void* env, wasmhost_caller_t* caller,
                                    const wasmhost_val_t* args, size_t nargs,
                                    wasmhost_val_t* results, size_t nresults) {
  char name[32];
  char greeting[64];
  size_t size = 0;
  uint8_t* data = wasmhost_caller_memory_data(caller, &size);
  wasmhost_error_t* error;
  (void)env;
  (void)nargs;
  (void)nresults;
  if (data == NULL || size != 65536) {
    return wasmhost_error_new(WASMHOST_INTERNAL, "no memory");
  }
  if ((size_t)args[1].of.i32 >= sizeof name) {
    return wasmhost_error_new(WASMHOST_INVALID_ARGUMENT, "name too long");
  }
  error = wasmhost_caller_memory_read(caller, (uint64_t)args[0].of.i32, name,
                                      (size_t)args[1].of.i32);
  if (error != NULL) return error;
  name[args[1].of.i32] = '\0';
  snprintf(greeting, sizeof greeting, "hello, %s", name);
  error = wasmhost_caller_memory_write(caller, 256, greeting, strlen(greeting));
  if (error != NULL) return error;
  /* Past the end: the error passes back into the guest, unchanged. */
  error = wasmhost_caller_memory_read(caller, size - 2, name, 4);
  if (error == NULL || wasmhost_error_code(error) != WASMHOST_OUT_OF_RANGE) {
    wasmhost_error_delete(error);
    return wasmhost_error_new(WASMHOST_INTERNAL, "read past the end worked");
  }
  wasmhost_error_delete(error);
  results[0].of.i32 = (int32_t)strlen(greeting);
  return NULL;
}

static void finalize(void* env) { ++((host_state_t*)env)->finalized; }

static const wasmhost_valkind_t kI32[] = {WASMHOST_I32, WASMHOST_I32};

/* A linker granting host.double and host.greet, with `state` as env. */
static wasmhost_linker_t* make_linker(host_state_t* state) {
  wasmhost_linker_t* linker = wasmhost_linker_new();
  wasmhost_error_t* error = wasmhost_linker_define_func(
      linker, "host", "double", kI32, 1, kI32, 1, host_double, state, finalize);
  if (error == NULL) {
    error = wasmhost_linker_define_func(linker, "host", "greet", kI32, 2, kI32,
                                        1, host_greet, NULL, NULL);
  }
  if (error != NULL) {
    fprintf(stderr, "make_linker: %s\n", wasmhost_error_message(error));
    exit(2);
  }
  return linker;
}

static wasmhost_module_t* compile(const bytes_t* wasm) {
  wasmhost_module_t* module = NULL;
  wasmhost_error_t* error =
      wasmhost_module_new(engine, wasm->data, wasm->size, &module);
  if (error != NULL) {
    fprintf(stderr, "compile: %s\n", wasmhost_error_message(error));
    exit(2);
  }
  return module;
}

/* ---- tests ---- */

static void test_names(void) {
  CHECK(strcmp(wasmhost_version(), "0.1") == 0);
  CHECK(strcmp(wasmhost_status_code_name(WASMHOST_INVALID_ARGUMENT),
               "INVALID_ARGUMENT") == 0);
  CHECK(strcmp(wasmhost_error_kind_name(WASMHOST_ERROR_HOST_ERROR),
               "host error") == 0);
  CHECK(strcmp(wasmhost_limit_kind_name(WASMHOST_LIMIT_FUEL), "fuel") == 0);
  CHECK(strcmp(wasmhost_trap_kind_name(WASMHOST_TRAP_UNREACHABLE),
               "unreachable") == 0);
  CHECK(strcmp(wasmhost_valkind_name(WASMHOST_F64), "f64") == 0);
  CHECK(strcmp(wasmhost_valkind_name(9), "?") == 0);
  CHECK(strcmp(wasmhost_error_kind_name((wasmhost_error_kind_t)99), "?") == 0);
}

/* Before the first engine: V8 is not set up by a failed one. */
static void test_engine_bad_flag(void) {
  wasmhost_engine_t* other = NULL;
  wasmhost_config_t* config = wasmhost_config_new();
  wasmhost_config_add_v8_flag(config, "--no-such-flag-at-all");
  CHECK_ERROR(wasmhost_engine_new(config, &other), WASMHOST_INVALID_ARGUMENT,
              WASMHOST_ERROR_USAGE, "no-such-flag-at-all");
  CHECK(other == NULL);
  wasmhost_config_delete(config);
}

static void test_engine_other_options(void) {
  wasmhost_engine_t* other = NULL;
  /* V8 is set up with consume_fuel: the defaults differ. */
  CHECK_ERROR(wasmhost_engine_new(NULL, &other), WASMHOST_FAILED_PRECONDITION,
              WASMHOST_ERROR_USAGE, "different EngineOptions");
  CHECK(other == NULL);
}

static void test_module(void) {
  static const uint8_t not_wasm[] = {'n', 'o', 't', ' ', 'w', 'a', 's', 'm'};
  wasmhost_module_t* module = NULL;
  CHECK_ERROR(wasmhost_module_new(engine, not_wasm, sizeof not_wasm, &module),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_INVALID_MODULE,
              "magic");
  CHECK(module == NULL);
  CHECK_ERROR(wasmhost_module_validate(engine, not_wasm, sizeof not_wasm),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_INVALID_MODULE,
              "magic");
  CHECK_OK(wasmhost_module_validate(engine, capi_wasm.data, capi_wasm.size));
}

static void test_module_reflection(void) {
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_extern_t item;
  CHECK(wasmhost_module_import_count(module) == 2);
  CHECK(wasmhost_module_import(module, 1, &item) &&
        strcmp(item.module, "host") == 0 && strcmp(item.name, "greet") == 0 &&
        item.kind == WASMHOST_EXTERN_FUNC);
  CHECK(!wasmhost_module_import(module, 2, &item));
  CHECK(wasmhost_module_export_count(module) == 14);
  CHECK(wasmhost_module_export(module, 0, &item) &&
        strcmp(item.name, "memory") == 0 &&
        item.kind == WASMHOST_EXTERN_MEMORY && strcmp(item.module, "") == 0);
  CHECK(wasmhost_module_export(module, 2, &item) &&
        strcmp(item.name, "pi") == 0 && item.kind == WASMHOST_EXTERN_GLOBAL);
  CHECK(!wasmhost_module_export(module, 14, &item));
  wasmhost_module_delete(module);
}

static void test_linker_errors(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_valkind_t bad_kind = 7;
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_linker_t* empty = wasmhost_linker_new();
  wasmhost_instance_t* instance = NULL;
  /* The duplicate's env is finalized at once; the first stays. */
  CHECK_ERROR(
      wasmhost_linker_define_func(linker, "host", "double", kI32, 1, kI32, 1,
                                  host_double, &state, finalize),
      WASMHOST_ALREADY_EXISTS, WASMHOST_ERROR_USAGE, "host.double");
  CHECK(state.finalized == 1);
  CHECK_ERROR(
      wasmhost_linker_define_func(linker, "host", "other", &bad_kind, 1, NULL,
                                  0, host_double, &state, finalize),
      WASMHOST_UNIMPLEMENTED, WASMHOST_ERROR_UNSUPPORTED, "value kind 7");
  CHECK(state.finalized == 2);
  CHECK_OK(wasmhost_linker_define_wasi(linker));
  CHECK_ERROR(wasmhost_linker_define_wasi(linker), WASMHOST_ALREADY_EXISTS,
              WASMHOST_ERROR_USAGE, "wasi_snapshot_preview1");
  /* Deny by default. */
  CHECK_ERROR(wasmhost_instance_new(module, empty, NULL, &instance),
              WASMHOST_NOT_FOUND, WASMHOST_ERROR_LINK_ERROR, "host.double");
  CHECK(instance == NULL);
  wasmhost_linker_delete(empty);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
  CHECK(state.finalized == 3);
}

static void test_calls(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_instance_t* instance = NULL;
  wasmhost_func_t* add = NULL;
  wasmhost_func_t* mix = NULL;
  wasmhost_func_t* unused = NULL;
  wasmhost_valkind_t kinds[3];
  wasmhost_val_t args[3];
  wasmhost_val_t results[3];
  uint32_t nan_bits = 0x7fa00001u, f32_bits;
  uint64_t f64_bits;
  size_t size = 0;
  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  /* The instance keeps what it imports: the linker can go. */
  wasmhost_linker_delete(linker);
  wasmhost_module_delete(module);
  CHECK(state.finalized == 0);

  CHECK_OK(wasmhost_instance_func(instance, "add", &add));
  CHECK(wasmhost_func_params(add, kinds) == 2);
  CHECK(kinds[0] == WASMHOST_I32 && kinds[1] == WASMHOST_I32);
  CHECK(wasmhost_func_results(add, NULL) == 1);
  args[0] = i32_val(2);
  args[1] = i32_val(40);
  CHECK_OK(wasmhost_func_call(add, NULL, args, 2, results, 1));
  CHECK(results[0].kind == WASMHOST_I32 && results[0].of.i32 == 42);
  CHECK_ERROR(wasmhost_func_call(add, NULL, args, 1, results, 1),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE,
              "1 values given, the signature has 2");
  CHECK_ERROR(wasmhost_func_call(add, NULL, args, 2, results, 2),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE,
              "room for 2 results");
  args[1].kind = WASMHOST_I64;
  CHECK_ERROR(wasmhost_func_call(add, NULL, args, 2, results, 1),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE,
              "argument 1 is i64, the signature says i32");
  wasmhost_func_delete(add);

  CHECK_ERROR(wasmhost_instance_func(instance, "nope", &unused),
              WASMHOST_NOT_FOUND, WASMHOST_ERROR_USAGE, "nope");
  CHECK_ERROR(wasmhost_instance_func(instance, "memory", &unused),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE, "memory");
  CHECK_ERROR(wasmhost_instance_func(instance, "takes_ref", &unused),
              WASMHOST_UNIMPLEMENTED, WASMHOST_ERROR_UNSUPPORTED, "externref");
  CHECK_ERROR(
      wasmhost_instance_call(instance, "takes_ref", NULL, NULL, 0, NULL, 0),
      WASMHOST_UNIMPLEMENTED, WASMHOST_ERROR_UNSUPPORTED, "externref");
  CHECK(unused == NULL);

  /* Every number type, a NaN payload bit-exact. */
  CHECK_OK(wasmhost_instance_func(instance, "mix", &mix));
  memset(args, 0, sizeof args);
  args[0].kind = WASMHOST_I64;
  args[0].of.i64 = -5000000000LL;
  args[1].kind = WASMHOST_F32;
  memcpy(&args[1].of.f32, &nan_bits, sizeof nan_bits);
  args[2].kind = WASMHOST_F64;
  args[2].of.f64 = -0.25;
  CHECK_OK(wasmhost_func_call(mix, NULL, args, 3, results, 3));
  CHECK(results[0].kind == WASMHOST_F64 && results[0].of.f64 == -0.25);
  memcpy(&f32_bits, &results[1].of.f32, sizeof f32_bits);
  CHECK(results[1].kind == WASMHOST_F32 && f32_bits == nan_bits);
  CHECK(results[2].kind == WASMHOST_I64 && results[2].of.i64 == -5000000000LL);
  memcpy(&f64_bits, &results[0].of.f64, sizeof f64_bits);
  CHECK(f64_bits == 0xbfd0000000000000ULL);
  wasmhost_func_delete(mix);

  /* Host functions: a result, the caller's memory. */
  args[0] = i32_val(21);
  CHECK_OK(wasmhost_instance_call(instance, "call_double", NULL, args, 1,
                                  results, 1));
  CHECK(results[0].of.i32 == 42 && state.calls == 1);
  CHECK_OK(
      wasmhost_instance_call(instance, "greet", NULL, NULL, 0, results, 1));
  CHECK(results[0].of.i32 == 11);
  CHECK(memcmp(wasmhost_instance_memory_data(instance, &size) + 256,
               "hello, wasm", 11) == 0);
  CHECK(size == 65536);

  /* A host function's error reaches the caller as it made it, and poisons
   * the instance. */
  args[0] = i32_val(-1);
  CHECK_ERROR(wasmhost_instance_call(instance, "call_double", NULL, args, 1,
                                     results, 1),
              WASMHOST_PERMISSION_DENIED, WASMHOST_ERROR_HOST_ERROR,
              "no negatives");
  CHECK(wasmhost_instance_poisoned(instance));
  args[0] = i32_val(1);
  CHECK_ERROR(wasmhost_instance_call(instance, "call_double", NULL, args, 1,
                                     results, 1),
              WASMHOST_FAILED_PRECONDITION, WASMHOST_ERROR_POISONED, "");
  wasmhost_instance_delete(instance);
  CHECK(state.finalized == 1);
}

static void test_nested_trap(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_instance_t* instance = NULL;
  wasmhost_val_t arg = i32_val(1000), result;
  wasmhost_error_t* error;
  wasmhost_trap_kind_t kind = WASMHOST_TRAP_OTHER;
  wasmhost_frame_t frame;
  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  error = wasmhost_instance_call(instance, "call_double", NULL, &arg, 1,
                                 &result, 1);
  /* The host function's error: kind HOST_ERROR, the trap's code, and the
   * backtrace through both calls. */
  CHECK(error != NULL && wasmhost_error_code(error) == WASMHOST_ABORTED &&
        wasmhost_error_kind(error) == WASMHOST_ERROR_HOST_ERROR);
  CHECK(error != NULL && wasmhost_error_trap(error, &kind, NULL) &&
        kind == WASMHOST_TRAP_UNREACHABLE);
  CHECK(error != NULL && wasmhost_error_frame(error, 0, &frame) &&
        strcmp(frame.function_name, "inner") == 0);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

static void test_exit_from_host(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_instance_t* instance = NULL;
  wasmhost_val_t arg = i32_val(-1000), result;
  wasmhost_error_t* error;
  int32_t exit_code = 0;
  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  error = wasmhost_instance_call(instance, "call_double", NULL, &arg, 1,
                                 &result, 1);
  CHECK(error != NULL && wasmhost_error_code(error) == WASMHOST_CANCELLED);
  CHECK(error != NULL &&
        wasmhost_error_kind(error) == WASMHOST_ERROR_GUEST_EXIT);
  CHECK(error != NULL && wasmhost_error_exit_code(error, &exit_code) &&
        exit_code == 42);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

static void test_memory_and_globals(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_instance_config_t* config = wasmhost_instance_config_new();
  wasmhost_instance_t* instance = NULL;
  wasmhost_val_t val, arg, result;
  char out[4];
  wasmhost_instance_config_set_max_memory_bytes(config, 2 * 65536);
  CHECK_OK(wasmhost_instance_new(module, linker, config, &instance));
  wasmhost_instance_config_delete(config);

  CHECK_OK(wasmhost_instance_memory_read(instance, 0, out, 4));
  CHECK(memcmp(out, "wasm", 4) == 0);
  CHECK_OK(wasmhost_instance_memory_write(instance, 65532, "WASM", 4));
  CHECK_OK(wasmhost_instance_memory_read(instance, 65532, out, 4));
  CHECK(memcmp(out, "WASM", 4) == 0);
  CHECK_ERROR(wasmhost_instance_memory_read(instance, 65534, out, 4),
              WASMHOST_OUT_OF_RANGE, WASMHOST_ERROR_USAGE, "");
  CHECK_ERROR(wasmhost_instance_memory_write(instance, 65536, "x", 1),
              WASMHOST_OUT_OF_RANGE, WASMHOST_ERROR_USAGE, "");
  /* The limit: one more page, then memory.grow fails. */
  arg = i32_val(1);
  CHECK_OK(wasmhost_instance_call(instance, "grow", NULL, &arg, 1, &result, 1));
  CHECK(result.of.i32 == 1);
  CHECK_OK(wasmhost_instance_call(instance, "grow", NULL, &arg, 1, &result, 1));
  CHECK(result.of.i32 == -1);

  CHECK_OK(wasmhost_instance_global_get(instance, "pi", &val));
  CHECK(val.kind == WASMHOST_F64 && val.of.f64 == 3.5);
  val = i32_val(41);
  CHECK_OK(wasmhost_instance_global_set(instance, "counter", &val));
  CHECK_OK(wasmhost_instance_call(instance, "bump", NULL, NULL, 0, &result, 1));
  CHECK(result.of.i32 == 42);
  CHECK_OK(wasmhost_instance_global_get(instance, "counter", &val));
  CHECK(val.kind == WASMHOST_I32 && val.of.i32 == 42);
  CHECK_ERROR(wasmhost_instance_global_set(instance, "pi", &val),
              WASMHOST_FAILED_PRECONDITION, WASMHOST_ERROR_USAGE, "immutable");
  CHECK_ERROR(wasmhost_instance_global_set(
                  instance, "counter", &(wasmhost_val_t){.kind = WASMHOST_F32}),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE, "f32");
  CHECK_ERROR(wasmhost_instance_global_get(instance, "nope", &val),
              WASMHOST_NOT_FOUND, WASMHOST_ERROR_USAGE, "nope");
  CHECK_ERROR(wasmhost_instance_global_get(instance, "add", &val),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE, "add");
  wasmhost_instance_delete(instance);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

static void test_traps(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_instance_t* instance = NULL;
  wasmhost_error_t* error;
  wasmhost_trap_kind_t kind = WASMHOST_TRAP_OTHER;
  const char* message = NULL;
  wasmhost_frame_t frame;
  wasmhost_val_t args[2] = {i32_val(1), i32_val(0)}, result;

  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  error = wasmhost_instance_call(instance, "divide", NULL, args, 2, &result, 1);
  CHECK(error != NULL && wasmhost_error_code(error) == WASMHOST_ABORTED &&
        wasmhost_error_kind(error) == WASMHOST_ERROR_TRAP);
  CHECK(error != NULL && wasmhost_error_trap(error, &kind, &message) &&
        kind == WASMHOST_TRAP_INTEGER_DIVIDE_BY_ZERO &&
        strstr(message, "divide by zero") != NULL);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);

  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  error = wasmhost_instance_call(instance, "crash", NULL, NULL, 0, NULL, 0);
  CHECK(error != NULL && wasmhost_error_trap(error, &kind, NULL) &&
        kind == WASMHOST_TRAP_UNREACHABLE);
  CHECK(wasmhost_error_frame_count(error) == 2);
  CHECK(wasmhost_error_frame(error, 0, &frame) &&
        strcmp(frame.function_name, "inner") == 0 &&
        strcmp(frame.module_name, "capi") == 0 && frame.module_offset > 0);
  CHECK(wasmhost_error_frame(error, 1, &frame) &&
        strcmp(frame.function_name, "outer") == 0 && frame.function_index == 8);
  CHECK(!wasmhost_error_frame(error, 2, &frame));
  CHECK(wasmhost_error_limit(error) == WASMHOST_LIMIT_NONE);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);

  /* Not a trap: no trap, no frames. */
  error = wasmhost_error_new(WASMHOST_OK, NULL);
  CHECK(wasmhost_error_code(error) == WASMHOST_UNKNOWN);
  CHECK(!wasmhost_error_trap(error, &kind, &message));
  CHECK(wasmhost_error_frame_count(error) == 0);
  CHECK(!wasmhost_error_exit_code(error, NULL));
  CHECK(wasmhost_error_kind(error) == WASMHOST_ERROR_NONE);
  wasmhost_error_delete(error);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

static void test_deadlines_and_fuel(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_module_t* start_loop = compile(&start_loop_wasm);
  wasmhost_instance_config_t* config = wasmhost_instance_config_new();
  wasmhost_instance_t* instance = NULL;
  wasmhost_call_options_t options;
  wasmhost_error_t* error;
  wasmhost_val_t arg;
  uint64_t fuel = 0;
  time_t now = time(NULL);

  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  CHECK_ERROR(wasmhost_instance_remaining_fuel(instance, &fuel),
              WASMHOST_FAILED_PRECONDITION, WASMHOST_ERROR_USAGE, "fuel");
  memset(&options, 0, sizeof options);
  options.has_fuel = true;
  options.fuel = 1000000;
  arg = i32_val(100);
  CHECK_OK(
      wasmhost_instance_call(instance, "count", &options, &arg, 1, NULL, 0));
  CHECK_OK(wasmhost_instance_remaining_fuel(instance, &fuel));
  CHECK(fuel > 0 && fuel < 1000000);
  options.fuel = 50;
  arg = i32_val(1000000);
  error = wasmhost_instance_call(instance, "count", &options, &arg, 1, NULL, 0);
  CHECK(error != NULL &&
        wasmhost_error_code(error) == WASMHOST_RESOURCE_EXHAUSTED &&
        wasmhost_error_kind(error) == WASMHOST_ERROR_LIMIT &&
        wasmhost_error_limit(error) == WASMHOST_LIMIT_FUEL);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);

  /* A timeout stops a loop that never ends. */
  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  memset(&options, 0, sizeof options);
  options.timeout_nanos = 50 * 1000 * 1000;
  error = wasmhost_instance_call(instance, "spin", &options, NULL, 0, NULL, 0);
  CHECK(error != NULL &&
        wasmhost_error_code(error) == WASMHOST_DEADLINE_EXCEEDED &&
        wasmhost_error_limit(error) == WASMHOST_LIMIT_DEADLINE);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);

  /* A deadline in the past fails before the guest runs. */
  CHECK_OK(wasmhost_instance_new(module, linker, NULL, &instance));
  memset(&options, 0, sizeof options);
  options.deadline_unix_nanos = ((int64_t)now - 10) * 1000000000LL;
  error = wasmhost_instance_call(instance, "spin", &options, NULL, 0, NULL, 0);
  CHECK(error != NULL &&
        wasmhost_error_code(error) == WASMHOST_DEADLINE_EXCEEDED &&
        wasmhost_error_kind(error) == WASMHOST_ERROR_LIMIT);
  wasmhost_error_delete(error);
  wasmhost_instance_delete(instance);

  /* The start function's timeout. */
  instance = NULL;
  wasmhost_instance_config_set_start_timeout(config, 20 * 1000 * 1000);
  error = wasmhost_instance_new(start_loop, linker, config, &instance);
  CHECK(error != NULL &&
        wasmhost_error_code(error) == WASMHOST_DEADLINE_EXCEEDED &&
        wasmhost_error_limit(error) == WASMHOST_LIMIT_DEADLINE);
  CHECK(instance == NULL);
  wasmhost_error_delete(error);
  wasmhost_instance_config_delete(config);
  wasmhost_module_delete(start_loop);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

static void test_pool(void) {
  host_state_t state = {0, 0};
  wasmhost_linker_t* linker = make_linker(&state);
  wasmhost_module_t* module = compile(&capi_wasm);
  wasmhost_pool_config_t* config = wasmhost_pool_config_new();
  wasmhost_pool_t* pool = NULL;
  wasmhost_lease_t* lease = NULL;
  wasmhost_lease_t* second = NULL;
  wasmhost_pool_stats_t stats;
  wasmhost_val_t result;
  wasmhost_error_t* error;
  int i;

  wasmhost_pool_config_set_max_instances_per_thread(config, 1);
  CHECK_OK(wasmhost_pool_new(module, linker, config, &pool));
  /* Fresh state: every lease starts with the counter at 0. */
  for (i = 0; i < 3; ++i) {
    CHECK_OK(wasmhost_pool_acquire(pool, &lease));
    CHECK_OK(wasmhost_instance_call(wasmhost_lease_instance(lease), "bump",
                                    NULL, NULL, 0, &result, 1));
    CHECK(result.of.i32 == 1);
    if (i == 0) {
      error = wasmhost_pool_acquire(pool, &second);
      CHECK(error != NULL &&
            wasmhost_error_code(error) == WASMHOST_RESOURCE_EXHAUSTED &&
            wasmhost_error_limit(error) ==
                WASMHOST_LIMIT_POOL_THREAD_INSTANCES);
      wasmhost_error_delete(error);
      CHECK(second == NULL);
    }
    wasmhost_lease_delete(lease);
  }
  /* A trapped lease's instance is discarded; the next one is fresh. */
  CHECK_OK(wasmhost_pool_acquire(pool, &lease));
  CHECK_ERROR(wasmhost_instance_call(wasmhost_lease_instance(lease), "crash",
                                     NULL, NULL, 0, NULL, 0),
              WASMHOST_ABORTED, WASMHOST_ERROR_TRAP, "unreachable");
  wasmhost_lease_delete(lease);
  wasmhost_pool_get_stats(pool, &stats);
  CHECK(stats.leases == 4 && stats.warm_hits >= 3 && stats.traps == 1);
  CHECK(stats.resets == 3 && stats.in_use == 0);
  wasmhost_pool_delete(pool);

  /* kReuse: state carries over. */
  wasmhost_pool_config_set_policy(config, WASMHOST_POOL_REUSE);
  CHECK_OK(wasmhost_pool_new(module, linker, config, &pool));
  for (i = 1; i <= 2; ++i) {
    CHECK_OK(wasmhost_pool_acquire(pool, &lease));
    CHECK_OK(wasmhost_instance_call(wasmhost_lease_instance(lease), "bump",
                                    NULL, NULL, 0, &result, 1));
    CHECK(result.of.i32 == i);
    wasmhost_lease_delete(lease);
  }
  wasmhost_pool_delete(pool);

  wasmhost_pool_config_set_max_instances(config, 1);
  wasmhost_pool_config_set_max_instances_per_thread(config, 2);
  CHECK_ERROR(wasmhost_pool_new(module, linker, config, &pool),
              WASMHOST_INVALID_ARGUMENT, WASMHOST_ERROR_USAGE,
              "max_instances_per_thread");
  wasmhost_pool_config_delete(config);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

static void test_wasi(void) {
  static const char stdin_text[] = "world\n";
  wasmhost_linker_t* linker = wasmhost_linker_new();
  wasmhost_module_t* module = compile(&wasi_wasm);
  wasmhost_wasi_config_t* wasi = wasmhost_wasi_config_new();
  wasmhost_instance_config_t* config = wasmhost_instance_config_new();
  wasmhost_pool_config_t* pool_config = wasmhost_pool_config_new();
  wasmhost_instance_t* instance = NULL;
  wasmhost_pool_t* pool = NULL;
  wasmhost_lease_t* lease = NULL;
  wasmhost_val_t result;
  const uint8_t* out;
  size_t size = 0;
  int32_t exit_code = 0;
  int i;

  CHECK_OK(wasmhost_linker_define_wasi(linker));
  wasmhost_wasi_config_add_arg(wasi, "prog");
  wasmhost_wasi_config_add_arg(wasi, "--flag");
  wasmhost_wasi_config_add_env(wasi, "A", "1");
  wasmhost_wasi_config_set_stdin(wasi, (const uint8_t*)stdin_text,
                                 strlen(stdin_text));
  wasmhost_wasi_config_set_stdout(wasi, WASMHOST_WASI_CAPTURE);
  wasmhost_wasi_config_set_stderr(wasi, WASMHOST_WASI_CAPTURE);
  wasmhost_wasi_config_set_virtual_clock(wasi, 0, 1000);
  wasmhost_wasi_config_set_random_seed(wasi, 7);
  wasmhost_instance_config_set_wasi(config, wasi);

  CHECK_OK(wasmhost_instance_new(module, linker, config, &instance));
  CHECK_OK(wasmhost_instance_call(instance, "argc", NULL, NULL, 0, &result, 1));
  CHECK(result.of.i32 == 2);
  CHECK_OK(wasmhost_instance_call(instance, "envc", NULL, NULL, 0, &result, 1));
  CHECK(result.of.i32 == 1);
  CHECK_OK(wasmhost_instance_run_command(instance, NULL, &exit_code));
  CHECK(exit_code == 3);
  out = wasmhost_instance_wasi_output(instance, 1, &size);
  CHECK(size == 13 && memcmp(out, "hello, world\n", 13) == 0);
  out = wasmhost_instance_wasi_output(instance, 2, &size);
  CHECK(size == 4 && memcmp(out, "bye\n", 4) == 0);
  CHECK(wasmhost_instance_wasi_output(instance, 0, &size) == NULL && size == 0);
  wasmhost_instance_delete(instance);

  /* A pool: each lease has its own capture and reads stdin afresh. */
  wasmhost_pool_config_set_wasi(pool_config, wasi);
  CHECK_OK(wasmhost_pool_new(module, linker, pool_config, &pool));
  for (i = 0; i < 2; ++i) {
    CHECK_OK(wasmhost_pool_acquire(pool, &lease));
    CHECK_OK(wasmhost_instance_run_command(wasmhost_lease_instance(lease), NULL,
                                           &exit_code));
    CHECK(exit_code == 3);
    out =
        wasmhost_instance_wasi_output(wasmhost_lease_instance(lease), 1, &size);
    CHECK(size == 13 && memcmp(out, "hello, world\n", 13) == 0);
    wasmhost_lease_delete(lease);
  }
  wasmhost_pool_delete(pool);

  /* Not captured: nothing to read. */
  wasmhost_wasi_config_set_stdout(wasi, WASMHOST_WASI_DISCARD);
  wasmhost_instance_config_set_wasi(config, wasi);
  CHECK_OK(wasmhost_instance_new(module, linker, config, &instance));
  CHECK_OK(wasmhost_instance_run_command(instance, NULL, &exit_code));
  CHECK(wasmhost_instance_wasi_output(instance, 1, &size) == NULL && size == 0);
  wasmhost_instance_delete(instance);

  /* A preopen that does not exist fails the instance and the pool. */
  wasmhost_wasi_config_add_preopen(wasi, "/no/such/dir/anywhere", "/data",
                                   true);
  wasmhost_instance_config_set_wasi(config, wasi);
  CHECK_ERROR(wasmhost_instance_new(module, linker, config, &instance),
              WASMHOST_NOT_FOUND, WASMHOST_ERROR_NONE, "/no/such/dir/anywhere");
  wasmhost_pool_config_set_wasi(pool_config, wasi);
  CHECK_ERROR(wasmhost_pool_new(module, linker, pool_config, &pool),
              WASMHOST_NOT_FOUND, WASMHOST_ERROR_NONE, "/no/such/dir/anywhere");

  wasmhost_pool_config_delete(pool_config);
  wasmhost_instance_config_delete(config);
  wasmhost_wasi_config_delete(wasi);
  wasmhost_module_delete(module);
  wasmhost_linker_delete(linker);
}

int main(int argc, char** argv) {
  wasmhost_config_t* config;
  if (argc != 4) {
    fprintf(stderr, "usage: %s CAPI_WASM WASI_WASM START_LOOP_WASM\n", argv[0]);
    return 2;
  }
  capi_wasm = read_file(argv[1]);
  wasi_wasm = read_file(argv[2]);
  start_loop_wasm = read_file(argv[3]);

  test_engine_bad_flag();
  config = wasmhost_config_new();
  wasmhost_config_set_consume_fuel(config, true);
  CHECK(wasmhost_engine_new(config, &engine) == NULL);
  wasmhost_config_delete(config);
  if (engine == NULL) return 1;

  test_names();
  test_engine_other_options();
  test_module();
  test_module_reflection();
  test_linker_errors();
  test_calls();
  test_nested_trap();
  test_exit_from_host();
  test_memory_and_globals();
  test_traps();
  test_deadlines_and_fuel();
  test_pool();
  test_wasi();

  wasmhost_engine_delete(engine);
  free(capi_wasm.data);
  free(wasi_wasm.data);
  free(start_loop_wasm.data);
  if (failures != 0) {
    fprintf(stderr, "FAILED: %d checks\n", failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}
