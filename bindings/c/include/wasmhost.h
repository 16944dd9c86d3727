/* wasmhost.h: the stable C API of wasmhost (C99).
 *
 * The same engine as the C++ API (include/wasmhost/), for hosts written in
 * C and for other languages' bindings (bindings/python/ sits on it). Link
 * libwasmhost.so (only wasmhost_* symbols are exported), libwasmhost.a
 * with the flags in libwasmhost.a.flags, or, inside Bazel,
 * //bindings/c:wasmhost_c.
 *
 *   wasmhost_config_t          engine options (V8 flags, compile tier, fuel)
 *   wasmhost_engine_t          the process-wide engine; compiles modules
 *   wasmhost_module_t          a validated, compiled module; its imports
 *                              and exports (wasmhost_extern_t)
 *   wasmhost_linker_t          what guests may import: host functions, WASI
 *   wasmhost_caller_t          what a host function sees of its caller
 *   wasmhost_instance_config_t per-instance limits and WASI
 *   wasmhost_wasi_config_t     WASI preview 1 grants: args, env, preopens,
 *                              stdio
 *   wasmhost_instance_t        a running instance: calls, memory, globals
 *   wasmhost_func_t            an exported function, for repeated calls
 *   wasmhost_pool_config_t     pool policy and caps
 *   wasmhost_pool_t            warm instances of one module for any thread
 *   wasmhost_lease_t           one pooled instance on loan
 *   wasmhost_error_t           a failure: status code, message, kind,
 *                              limit, trap kind and frames, exit code
 *   wasmhost_val_t             one value, a tagged union
 *   wasmhost_call_options_t    per-call deadline, timeout and fuel
 *
 * Ownership. Every pointer a function stores through an out-parameter
 * named `out` or returns from *_new is owned by the caller and freed with
 * the matching *_delete (NULL is accepted by every *_delete). Every other
 * pointer returned is borrowed, and each function says how long it stays
 * valid. Pointers passed in are borrowed for the duration of the call
 * unless the function says otherwise; strings and byte buffers are copied.
 *
 * Errors. Every fallible function returns a wasmhost_error_t*: NULL on
 * success, otherwise an error the caller owns (wasmhost_error_delete). Out
 * parameters are written only on success. The status codes are absl's
 * (and gRPC's); wasmhost_error_kind() tells what happened without reading
 * the message (the table in include/wasmhost/errors.h lists every code and
 * kind). No C++ exception ever crosses this API.
 *
 * Threads and lifetimes (as in the C++ API, include/wasmhost/wasmhost.h):
 *  - engine, module and pool are thread-safe; a config, wasi config or
 *    linker is thread-compatible (instantiating from one linker on many
 *    threads at once is safe once it is no longer changed); an error is
 *    thread-compatible.
 *  - An instance lives in the V8 isolate of the thread that created it and
 *    is thread-affine: call it, its funcs and its memory only on that
 *    thread (elsewhere calls fail with FAILED_PRECONDITION, kind
 *    WASMHOST_ERROR_WRONG_THREAD) and delete it there. A lease is bound to
 *    the thread that acquired it in the same way.
 *  - A func must not outlive its instance, a lease its pool, and a caller
 *    is valid only during the host function call that received it. A
 *    module, linker or config may be deleted right after the instance or
 *    pool made from it: what they hold is shared or copied.
 *  - A thread that compiles or instantiates keeps its isolate until it
 *    exits: run guests on a bounded set of threads.
 */

#ifndef WASMHOST_C_API_H_
#define WASMHOST_C_API_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this API: a new minor version only adds functions and
 * enumerators; structs defined here never change within a major version. */
#define WASMHOST_C_API_VERSION_MAJOR 0
#define WASMHOST_C_API_VERSION_MINOR 1

/* "0.1": the version of the library actually loaded. Static storage. */
const char* wasmhost_version(void);

/* ===================================================================== */
/* Values                                                                 */
/* ===================================================================== */

/* A value type. References (funcref, externref) do not cross this API: a
 * function or global that has one fails with UNIMPLEMENTED (kind
 * WASMHOST_ERROR_UNSUPPORTED). */
typedef uint8_t wasmhost_valkind_t;
enum {
  WASMHOST_I32 = 0,
  WASMHOST_I64 = 1,
  WASMHOST_F32 = 2,
  WASMHOST_F64 = 3,
  WASMHOST_V128 = 4,
};

/* One value: `kind` says which member of `of` holds it. Floats cross
 * bit-exactly (NaN payloads kept). */
typedef struct wasmhost_val {
  wasmhost_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    struct {
      uint64_t low; /* lane 0 of i64x2 */
      uint64_t high;
    } v128;
  } of;
} wasmhost_val_t;

/* "i32", "i64", "f32", "f64", "v128"; "?" for anything else. Static. */
const char* wasmhost_valkind_name(wasmhost_valkind_t kind);

/* ===================================================================== */
/* Errors                                                                 */
/* ===================================================================== */

/* absl::StatusCode's values. */
typedef enum wasmhost_status_code {
  WASMHOST_OK = 0,
  WASMHOST_CANCELLED = 1,
  WASMHOST_UNKNOWN = 2,
  WASMHOST_INVALID_ARGUMENT = 3,
  WASMHOST_DEADLINE_EXCEEDED = 4,
  WASMHOST_NOT_FOUND = 5,
  WASMHOST_ALREADY_EXISTS = 6,
  WASMHOST_PERMISSION_DENIED = 7,
  WASMHOST_RESOURCE_EXHAUSTED = 8,
  WASMHOST_FAILED_PRECONDITION = 9,
  WASMHOST_ABORTED = 10,
  WASMHOST_OUT_OF_RANGE = 11,
  WASMHOST_UNIMPLEMENTED = 12,
  WASMHOST_INTERNAL = 13,
  WASMHOST_UNAVAILABLE = 14,
  WASMHOST_DATA_LOSS = 15,
  WASMHOST_UNAUTHENTICATED = 16,
} wasmhost_status_code_t;

/* wasmhost::ErrorKind: what kind of failure an error is. */
typedef enum wasmhost_error_kind {
  WASMHOST_ERROR_NONE = 0,           /* made by the host (wasmhost_error_new) */
  WASMHOST_ERROR_INVALID_MODULE = 1, /* the bytes are not a valid module */
  WASMHOST_ERROR_LINK_ERROR = 2,     /* an import not granted, or mistyped */
  WASMHOST_ERROR_USAGE = 3,          /* the API was called wrongly */
  WASMHOST_ERROR_TRAP = 4,           /* the guest trapped */
  WASMHOST_ERROR_GUEST_EXIT = 5,     /* the guest ended its program */
  WASMHOST_ERROR_LIMIT = 6,          /* a limit stopped it: see the limit */
  WASMHOST_ERROR_POISONED = 7,       /* the instance failed earlier */
  WASMHOST_ERROR_WRONG_THREAD = 8,   /* used off its thread */
  WASMHOST_ERROR_HOST_ERROR = 9,     /* a host function returned it */
  WASMHOST_ERROR_UNSUPPORTED = 10,   /* a feature V8 or the SDK lacks */
  WASMHOST_ERROR_INTERNAL = 11,      /* V8 failed unexpectedly */
} wasmhost_error_kind_t;

/* wasmhost::LimitKind: which limit an error of kind LIMIT (or a stack
 * overflow trap) hit. */
typedef enum wasmhost_limit_kind {
  WASMHOST_LIMIT_NONE = 0,
  WASMHOST_LIMIT_DEADLINE = 1,
  WASMHOST_LIMIT_FUEL = 2,
  WASMHOST_LIMIT_MEMORY = 3,
  WASMHOST_LIMIT_TABLE_ELEMENTS = 4,
  WASMHOST_LIMIT_STACK = 5,
  WASMHOST_LIMIT_HEAP = 6,
  WASMHOST_LIMIT_ADDRESS_SPACE = 7,
  WASMHOST_LIMIT_MODULE_LIMITS = 8,
  WASMHOST_LIMIT_ENGINE_LIMITS = 9,
  WASMHOST_LIMIT_POOL_INSTANCES = 10,
  WASMHOST_LIMIT_POOL_THREAD_INSTANCES = 11,
} wasmhost_limit_kind_t;

/* wasmhost::TrapKind. */
typedef enum wasmhost_trap_kind {
  WASMHOST_TRAP_UNREACHABLE = 0,
  WASMHOST_TRAP_MEMORY_OUT_OF_BOUNDS = 1,
  WASMHOST_TRAP_INTEGER_DIVIDE_BY_ZERO = 2,
  WASMHOST_TRAP_INTEGER_OVERFLOW = 3,
  WASMHOST_TRAP_INDIRECT_CALL_MISMATCH = 4,
  WASMHOST_TRAP_TABLE_OUT_OF_BOUNDS = 5,
  WASMHOST_TRAP_STACK_OVERFLOW = 6,
  WASMHOST_TRAP_OTHER = 7,
} wasmhost_trap_kind_t;

/* One Wasm frame of a trap's backtrace, innermost first. The strings are
 * borrowed from the error and valid until it is deleted; empty (not NULL)
 * when the module's name section does not name the function or module
 * (names are never made up from exports or indices). */
typedef struct wasmhost_frame {
  const char* function_name;
  const char* module_name;
  uint32_t function_index; /* in the module's function index space */
  uint32_t module_offset;  /* byte offset from the start of the module */
} wasmhost_frame_t;

typedef struct wasmhost_error wasmhost_error_t;

/* A function export, looked up once for repeated calls: an instance's
 * (wasmhost_instance_func) or a caller's (wasmhost_caller_func). Must not
 * outlive its instance (a caller's: its host function call). Thread-affine
 * like the instance. */
typedef struct wasmhost_func wasmhost_func_t;

/* A new error for a host function to return (the library then owns it) or
 * for the host's own use. `code` must not be WASMHOST_OK (it is taken as
 * UNKNOWN). `message` is NUL-terminated and copied; NULL is "". Its kind
 * is WASMHOST_ERROR_NONE until a host function returns it. */
wasmhost_error_t* wasmhost_error_new(wasmhost_status_code_t code,
                                     const char* message);

/* The error a host function returns to end the guest's program with
 * `exit_code` (as WASI's proc_exit does): CANCELLED, kind GUEST_EXIT. */
wasmhost_error_t* wasmhost_error_new_exit(int32_t exit_code);

void wasmhost_error_delete(wasmhost_error_t* error);

wasmhost_status_code_t wasmhost_error_code(const wasmhost_error_t* error);

/* The message, NUL-terminated; valid until the error is deleted. */
const char* wasmhost_error_message(const wasmhost_error_t* error);

wasmhost_error_kind_t wasmhost_error_kind(const wasmhost_error_t* error);

/* For kind LIMIT, and for a stack-overflow trap (STACK); NONE otherwise. */
wasmhost_limit_kind_t wasmhost_error_limit(const wasmhost_error_t* error);

/* Whether the error carries a trap: kind TRAP, or HOST_ERROR passing on a
 * nested call's trap. When it does, the trap's kind and message are stored
 * in `*kind` and `*message` (borrowed, valid until the error is deleted);
 * either may be NULL. */
bool wasmhost_error_trap(const wasmhost_error_t* error,
                         wasmhost_trap_kind_t* kind, const char** message);

/* The number of frames in the trap's backtrace; 0 without a trap. */
size_t wasmhost_error_frame_count(const wasmhost_error_t* error);

/* Frame `index` (innermost is 0). Returns false, writing nothing, when
 * index >= wasmhost_error_frame_count(error). */
bool wasmhost_error_frame(const wasmhost_error_t* error, size_t index,
                          wasmhost_frame_t* out);

/* For kind GUEST_EXIT: stores the guest's exit code and returns true;
 * false otherwise. */
bool wasmhost_error_exit_code(const wasmhost_error_t* error,
                              int32_t* exit_code);

/* Names, static: "INVALID_ARGUMENT"; "trap", "host error"; "deadline",
 * "fuel"; "unreachable", "memory out of bounds". "?" out of range. */
const char* wasmhost_status_code_name(wasmhost_status_code_t code);
const char* wasmhost_error_kind_name(wasmhost_error_kind_t kind);
const char* wasmhost_limit_kind_name(wasmhost_limit_kind_t kind);
const char* wasmhost_trap_kind_name(wasmhost_trap_kind_t kind);

/* ===================================================================== */
/* Engine                                                                 */
/* ===================================================================== */

/* wasmhost::CompileTier. */
typedef enum wasmhost_compile_tier {
  WASMHOST_TIER_TIERED = 0,    /* Liftoff first, TurboFan for hot code */
  WASMHOST_TIER_BASELINE = 1,  /* Liftoff only */
  WASMHOST_TIER_OPTIMIZED = 2, /* TurboFan only */
} wasmhost_compile_tier_t;

/* Engine options, each with the C++ EngineOptions' default until set
 * (include/wasmhost/engine.h documents each). */
typedef struct wasmhost_config wasmhost_config_t;

wasmhost_config_t* wasmhost_config_new(void);
void wasmhost_config_delete(wasmhost_config_t* config);
/* Appends a V8 flag, e.g. "--wasm-max-table-size=1000". */
void wasmhost_config_add_v8_flag(wasmhost_config_t* config, const char* flag);
void wasmhost_config_set_compile_tier(wasmhost_config_t* config,
                                      wasmhost_compile_tier_t tier);
/* Default true. */
void wasmhost_config_set_lazy_compilation(wasmhost_config_t* config, bool lazy);
/* Default 2; 0 lets V8 choose. */
void wasmhost_config_set_worker_threads(wasmhost_config_t* config, int threads);
/* Default false; needed for wasmhost_call_options_t's fuel. */
void wasmhost_config_set_consume_fuel(wasmhost_config_t* config,
                                      bool consume_fuel);
/* Default "" (no cache). */
void wasmhost_config_set_code_cache_dir(wasmhost_config_t* config,
                                        const char* dir);
/* Default 256 MiB; 0: no limit of the host's. */
void wasmhost_config_set_max_module_bytes(wasmhost_config_t* config,
                                          uint64_t bytes);

/* The engine. V8 is set up once per process: the first engine made sets it
 * up with its config, later ones with an equal config share it.
 * Thread-safe. */
typedef struct wasmhost_engine wasmhost_engine_t;

/* Makes an engine from `config` (NULL: defaults; borrowed) into `*out`.
 * Errors: INVALID_ARGUMENT (an option out of range, an unknown V8 flag),
 * FAILED_PRECONDITION (V8 already set up with a different config). */
wasmhost_error_t* wasmhost_engine_new(const wasmhost_config_t* config,
                                      wasmhost_engine_t** out);
/* Deletes the handle; V8 itself stays set up until the process exits. */
void wasmhost_engine_delete(wasmhost_engine_t* engine);

/* ===================================================================== */
/* Module                                                                 */
/* ===================================================================== */

/* A validated, compiled module. Immutable; usable from any thread.
 * Thread-safe. */
typedef struct wasmhost_module wasmhost_module_t;

/* Validates and compiles the `size` bytes at `bytes` (copied) into `*out`.
 * Errors: INVALID_ARGUMENT (not a valid module; the message gives the byte
 * offset and reason), RESOURCE_EXHAUSTED (over the engine's module
 * limits). */
wasmhost_error_t* wasmhost_module_new(const wasmhost_engine_t* engine,
                                      const uint8_t* bytes, size_t size,
                                      wasmhost_module_t** out);

/* NULL when `bytes` form a module wasmhost_module_new accepts, otherwise
 * its error. It compiles the module (there is no cheaper check that gives
 * the same answer) and drops it. */
wasmhost_error_t* wasmhost_module_validate(const wasmhost_engine_t* engine,
                                           const uint8_t* bytes, size_t size);

void wasmhost_module_delete(wasmhost_module_t* module);

/* wasmhost::ExternKind: what an import or export is. */
typedef enum wasmhost_extern_kind {
  WASMHOST_EXTERN_FUNC = 0,
  WASMHOST_EXTERN_TABLE = 1,
  WASMHOST_EXTERN_MEMORY = 2,
  WASMHOST_EXTERN_GLOBAL = 3,
  WASMHOST_EXTERN_TAG = 4,
} wasmhost_extern_kind_t;

/* One import or export of a module. The strings are borrowed from the
 * module and valid until it is deleted; `module` is "" for an export. */
typedef struct wasmhost_extern {
  const char* module;
  const char* name;
  wasmhost_extern_kind_t kind;
} wasmhost_extern_t;

/* The number of imports (exports) of `module`, in module order. */
size_t wasmhost_module_import_count(const wasmhost_module_t* module);
size_t wasmhost_module_export_count(const wasmhost_module_t* module);
/* Import (export) `index` into `*out`. Returns false, writing nothing,
 * when index is not below the count. */
bool wasmhost_module_import(const wasmhost_module_t* module, size_t index,
                            wasmhost_extern_t* out);
bool wasmhost_module_export(const wasmhost_module_t* module, size_t index,
                            wasmhost_extern_t* out);

/* ===================================================================== */
/* Linker and host functions                                              */
/* ===================================================================== */

/* What a host function sees of the instance that called it. Valid only
 * during that call. Thread-affine. */
typedef struct wasmhost_caller wasmhost_caller_t;

/* The calling instance's linear memory: its size in `*size` and its bytes
 * (NULL and 0 when it has none). Valid until the host function calls into
 * the guest again or returns. */
uint8_t* wasmhost_caller_memory_data(wasmhost_caller_t* caller, size_t* size);
/* Bounds-checked copies out of and into the caller's memory. Errors:
 * OUT_OF_RANGE when [offset, offset + size) is not inside it (nothing is
 * copied then). */
wasmhost_error_t* wasmhost_caller_memory_read(wasmhost_caller_t* caller,
                                              uint64_t offset, void* out,
                                              size_t size);
wasmhost_error_t* wasmhost_caller_memory_write(wasmhost_caller_t* caller,
                                               uint64_t offset,
                                               const void* bytes, size_t size);

/* Calls the calling instance's function export `name` (e.g. the guest's
 * allocator) with `nargs` args, storing its `nresults` results. It runs
 * under the outer call's deadline and fuel, with none of its own. Errors:
 * those of wasmhost_instance_call; return one from the host function to
 * fail the outer call with it (a trap keeps its frames). */
wasmhost_error_t* wasmhost_caller_call(wasmhost_caller_t* caller,
                                       const char* name,
                                       const wasmhost_val_t* args, size_t nargs,
                                       wasmhost_val_t* results,
                                       size_t nresults);

/* The calling instance's function export `name` into `*out`, for repeated
 * calls as with wasmhost_caller_call. Valid only during the host function
 * call; delete it before returning. Errors: NOT_FOUND, INVALID_ARGUMENT
 * (not a function), UNIMPLEMENTED (a reference type in its signature). */
wasmhost_error_t* wasmhost_caller_func(wasmhost_caller_t* caller,
                                       const char* name, wasmhost_func_t** out);

/* A host function. `args` holds `nargs` values of the signature's
 * parameter types; `results` holds `nresults` values pre-set to zero of
 * the result types, to fill in (keep each `kind`). Return NULL on success,
 * or an error (from wasmhost_error_new, or one a nested call returned) that
 * the library takes ownership of: the guest stops, and the call that
 * entered the guest fails with that code and message, kind HOST_ERROR (a
 * nested trap passed on keeps its frames; wasmhost_error_new_exit's stays
 * GUEST_EXIT). It may run on any thread that runs an instance importing it.
 */
typedef wasmhost_error_t* (*wasmhost_func_callback_t)(
    void* env, wasmhost_caller_t* caller, const wasmhost_val_t* args,
    size_t nargs, wasmhost_val_t* results, size_t nresults);

/* Called once with `env` when the last instance, pool or linker holding the
 * host function has gone, on that thread. */
typedef void (*wasmhost_finalizer_t)(void* env);

/* A set of definitions guests may import; anything else is denied.
 * Thread-compatible. */
typedef struct wasmhost_linker wasmhost_linker_t;

wasmhost_linker_t* wasmhost_linker_new(void);
/* Instances and pools made from the linker keep what they import alive. */
void wasmhost_linker_delete(wasmhost_linker_t* linker);

/* Grants `module`.`name` as a host function of type
 * (params[0..nparams)) -> (results[0..nresults)), called as `callback` with
 * `env`. `finalizer` (may be NULL) is called with `env` when the function
 * is no longer held, and also at once if this fails. Errors: ALREADY_EXISTS
 * (the name is defined), UNIMPLEMENTED (a kind that is not a
 * wasmhost_valkind_t). */
wasmhost_error_t* wasmhost_linker_define_func(
    wasmhost_linker_t* linker, const char* module, const char* name,
    const wasmhost_valkind_t* params, size_t nparams,
    const wasmhost_valkind_t* results, size_t nresults,
    wasmhost_func_callback_t callback, void* env,
    wasmhost_finalizer_t finalizer);

/* Defines every wasi_snapshot_preview1 function. An instance gets WASI
 * state from wasmhost_instance_config_set_wasi (or a pool's config); one
 * without gets ENOSYS from every call but proc_exit. Errors: ALREADY_EXISTS.
 */
wasmhost_error_t* wasmhost_linker_define_wasi(wasmhost_linker_t* linker);

/* ===================================================================== */
/* WASI                                                                   */
/* ===================================================================== */

/* Where a guest's stdout or stderr goes. */
typedef enum wasmhost_wasi_output {
  WASMHOST_WASI_DISCARD = 0, /* dropped; the default */
  WASMHOST_WASI_INHERIT = 1, /* the host process's own fd 1 or 2 */
  WASMHOST_WASI_CAPTURE = 2, /* kept per instance (or lease): see
                                wasmhost_instance_wasi_output */
} wasmhost_wasi_output_t;

/* What a guest is granted of WASI preview 1 (wasmhost::wasi::WasiOptions):
 * nothing until set. Thread-compatible. */
typedef struct wasmhost_wasi_config wasmhost_wasi_config_t;

wasmhost_wasi_config_t* wasmhost_wasi_config_new(void);
void wasmhost_wasi_config_delete(wasmhost_wasi_config_t* config);
/* Appends to argv (args[0] is the program's name). */
void wasmhost_wasi_config_add_arg(wasmhost_wasi_config_t* config,
                                  const char* arg);
void wasmhost_wasi_config_add_env(wasmhost_wasi_config_t* config,
                                  const char* name, const char* value);
/* The host directory `host_path` as `guest_path` (e.g. "/data"); the guest
 * cannot escape it. Checked when an instance or pool is made (NOT_FOUND,
 * INVALID_ARGUMENT). */
void wasmhost_wasi_config_add_preopen(wasmhost_wasi_config_t* config,
                                      const char* host_path,
                                      const char* guest_path, bool read_only);
/* stdin is these `size` bytes (copied), then end of input; a pool's leases
 * each read them from the start. Default: empty. */
void wasmhost_wasi_config_set_stdin(wasmhost_wasi_config_t* config,
                                    const uint8_t* bytes, size_t size);
void wasmhost_wasi_config_set_stdout(wasmhost_wasi_config_t* config,
                                     wasmhost_wasi_output_t output);
void wasmhost_wasi_config_set_stderr(wasmhost_wasi_config_t* config,
                                     wasmhost_wasi_output_t output);
/* Clocks start at `start_nanos` and advance `tick_nanos` per read, instead
 * of the host's. */
void wasmhost_wasi_config_set_virtual_clock(wasmhost_wasi_config_t* config,
                                            uint64_t start_nanos,
                                            uint64_t tick_nanos);
/* random_get is a deterministic stream from `seed`. */
void wasmhost_wasi_config_set_random_seed(wasmhost_wasi_config_t* config,
                                          uint64_t seed);

/* ===================================================================== */
/* Instance                                                               */
/* ===================================================================== */

/* Per-instance options (wasmhost::InstanceOptions): limits, the start
 * function's timeout and WASI. Defaults as the C++ API's. Thread-compatible.
 */
typedef struct wasmhost_instance_config wasmhost_instance_config_t;

wasmhost_instance_config_t* wasmhost_instance_config_new(void);
void wasmhost_instance_config_delete(wasmhost_instance_config_t* config);
/* Limits::max_memory_bytes: default 0, no host limit. */
void wasmhost_instance_config_set_max_memory_bytes(
    wasmhost_instance_config_t* config, uint64_t bytes);
/* Limits::max_stack_bytes: default 0, the thread's. */
void wasmhost_instance_config_set_max_stack_bytes(
    wasmhost_instance_config_t* config, uint64_t bytes);
/* Limits::max_table_elements: default 1,048,576; 0 no limit. */
void wasmhost_instance_config_set_max_table_elements(
    wasmhost_instance_config_t* config, uint64_t elements);
/* The start function's timeout from each instantiation, in nanoseconds;
 * 0 (the default) none. */
void wasmhost_instance_config_set_start_timeout(
    wasmhost_instance_config_t* config, uint64_t timeout_nanos);
/* Gives each instance made with this config its own WASI state from a copy
 * of `wasi` (NULL: none). */
void wasmhost_instance_config_set_wasi(wasmhost_instance_config_t* config,
                                       const wasmhost_wasi_config_t* wasi);

/* Per-call bounds (wasmhost::CallOptions). Zero-initialise it
 * (`wasmhost_call_options_t options = {0};`) for no bounds; NULL where a
 * function takes one means the same. */
typedef struct wasmhost_call_options {
  /* Stop the call this long after it starts; 0: no timeout. */
  uint64_t timeout_nanos;
  /* Stop the call at this wall-clock time (nanoseconds since the Unix
   * epoch); 0: no deadline. The earlier of the two applies. */
  int64_t deadline_unix_nanos;
  /* With has_fuel (and the engine's consume_fuel), the fuel the call may
   * use. */
  bool has_fuel;
  uint64_t fuel;
} wasmhost_call_options_t;

/* A module instantiated on the calling thread. Thread-affine (see the top
 * of this file). After a trap, a deadline or a host function's error the
 * instance is poisoned: later calls fail with FAILED_PRECONDITION. */
typedef struct wasmhost_instance wasmhost_instance_t;

/* Instantiates `module` with the imports `linker` grants and `config` (NULL:
 * defaults), running its start function, into `*out`. Errors: NOT_FOUND
 * (an import is not granted), INVALID_ARGUMENT (granted with another type),
 * RESOURCE_EXHAUSTED (over a limit), DEADLINE_EXCEEDED or ABORTED (the
 * start function), a WASI preopen's NOT_FOUND or INVALID_ARGUMENT, a host
 * function's error. */
wasmhost_error_t* wasmhost_instance_new(
    const wasmhost_module_t* module, const wasmhost_linker_t* linker,
    const wasmhost_instance_config_t* config, wasmhost_instance_t** out);

/* Deletes an instance from wasmhost_instance_new; not one a lease lends. */
void wasmhost_instance_delete(wasmhost_instance_t* instance);

/* Calls the function export `name` with `nargs` args and stores its
 * `nresults` results (their kinds set) under `options` (NULL: none).
 * Errors: NOT_FOUND (no such export), INVALID_ARGUMENT (not a function;
 * args of other number or kinds; nresults is not the result count),
 * UNIMPLEMENTED (a reference type in its signature); and what the call
 * itself returns (see wasmhost_func_call). */
wasmhost_error_t* wasmhost_instance_call(wasmhost_instance_t* instance,
                                         const char* name,
                                         const wasmhost_call_options_t* options,
                                         const wasmhost_val_t* args,
                                         size_t nargs, wasmhost_val_t* results,
                                         size_t nresults);

/* The instance's linear memory: size in `*size`, bytes returned (NULL and
 * 0 when it has none). Valid until the next call into the instance. */
uint8_t* wasmhost_instance_memory_data(wasmhost_instance_t* instance,
                                       size_t* size);
/* Bounds-checked copies; errors: OUT_OF_RANGE (nothing copied). */
wasmhost_error_t* wasmhost_instance_memory_read(wasmhost_instance_t* instance,
                                                uint64_t offset, void* out,
                                                size_t size);
wasmhost_error_t* wasmhost_instance_memory_write(wasmhost_instance_t* instance,
                                                 uint64_t offset,
                                                 const void* bytes,
                                                 size_t size);

/* The global export `name`: read into `*out`, or set to `*value`.
 * Errors: NOT_FOUND, INVALID_ARGUMENT (not a global; for set, another
 * kind), FAILED_PRECONDITION (set: immutable), UNIMPLEMENTED (a reference
 * global). */
wasmhost_error_t* wasmhost_instance_global_get(wasmhost_instance_t* instance,
                                               const char* name,
                                               wasmhost_val_t* out);
wasmhost_error_t* wasmhost_instance_global_set(wasmhost_instance_t* instance,
                                               const char* name,
                                               const wasmhost_val_t* value);

/* Whether a call trapped or was stopped (the instance runs no more). */
bool wasmhost_instance_poisoned(const wasmhost_instance_t* instance);

/* The fuel left after the last call made with fuel. Errors:
 * FAILED_PRECONDITION (the engine does not consume fuel, or no call has
 * set fuel yet). */
wasmhost_error_t* wasmhost_instance_remaining_fuel(
    const wasmhost_instance_t* instance, uint64_t* out);

/* Runs a WASI command's _start; stores its exit code (0 when _start
 * returns, proc_exit's code otherwise). Errors: those of a call, NOT_FOUND
 * (no `_start () -> ()`). The instance is poisoned after proc_exit. */
wasmhost_error_t* wasmhost_instance_run_command(
    wasmhost_instance_t* instance, const wasmhost_call_options_t* options,
    int32_t* exit_code);

/* What the guest wrote to stdout (`fd` 1) or stderr (2) since the instance
 * was made (for a lease: since it was acquired), when the WASI config
 * captures it: the size in `*size` and the bytes, valid until the next call
 * into the instance. NULL and 0 for anything not captured. */
const uint8_t* wasmhost_instance_wasi_output(
    const wasmhost_instance_t* instance, int fd, size_t* size);

/* A function export, looked up once for repeated calls (declared above). */

/* The function export `name` into `*out`. Errors: NOT_FOUND,
 * INVALID_ARGUMENT (not a function), UNIMPLEMENTED (a reference type in
 * its signature). */
wasmhost_error_t* wasmhost_instance_func(const wasmhost_instance_t* instance,
                                         const char* name,
                                         wasmhost_func_t** out);
void wasmhost_func_delete(wasmhost_func_t* func);

/* The signature: counts, and the kinds copied into `kinds` (room for the
 * count; may be NULL). */
size_t wasmhost_func_params(const wasmhost_func_t* func,
                            wasmhost_valkind_t* kinds);
size_t wasmhost_func_results(const wasmhost_func_t* func,
                             wasmhost_valkind_t* kinds);

/* Calls the function under `options` (NULL: none). Errors:
 * INVALID_ARGUMENT (args of another number or kinds, nresults not the
 * result count, or fuel set on an engine without consume_fuel), ABORTED
 * (the guest trapped: wasmhost_error_trap), DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED (out of fuel, V8's heap), FAILED_PRECONDITION
 * (poisoned, or another thread), a host function's error. */
wasmhost_error_t* wasmhost_func_call(const wasmhost_func_t* func,
                                     const wasmhost_call_options_t* options,
                                     const wasmhost_val_t* args, size_t nargs,
                                     wasmhost_val_t* results, size_t nresults);

/* ===================================================================== */
/* Pools and leases                                                       */
/* ===================================================================== */

/* wasmhost::ReusePolicy. */
typedef enum wasmhost_reuse_policy {
  WASMHOST_POOL_FRESH_STATE = 0, /* every lease starts from fresh state */
  WASMHOST_POOL_REUSE = 1,       /* state persists between leases */
  WASMHOST_POOL_NEW_INSTANCE = 2 /* a new instance per lease */
} wasmhost_reuse_policy_t;

/* wasmhost::PoolOptions; defaults as the C++ API's. Thread-compatible. */
typedef struct wasmhost_pool_config wasmhost_pool_config_t;

wasmhost_pool_config_t* wasmhost_pool_config_new(void);
void wasmhost_pool_config_delete(wasmhost_pool_config_t* config);
void wasmhost_pool_config_set_policy(wasmhost_pool_config_t* config,
                                     wasmhost_reuse_policy_t policy);
/* Default 64; 0 no limit. */
void wasmhost_pool_config_set_max_instances(wasmhost_pool_config_t* config,
                                            size_t count);
/* Default 16; 0 no limit. */
void wasmhost_pool_config_set_max_instances_per_thread(
    wasmhost_pool_config_t* config, size_t count);
/* Default 4. */
void wasmhost_pool_config_set_max_idle_per_thread(
    wasmhost_pool_config_t* config, size_t count);
/* Default 1 s (1000000000); 0 fails at once. */
void wasmhost_pool_config_set_acquire_timeout(wasmhost_pool_config_t* config,
                                              uint64_t timeout_nanos);
/* Limits and start timeout of every instance (copied; WASI set on it is
 * ignored here: use wasmhost_pool_config_set_wasi). */
void wasmhost_pool_config_set_instance_config(
    wasmhost_pool_config_t* config, const wasmhost_instance_config_t* instance);
/* Every instance gets its own WASI state from a copy of `wasi`, reset on
 * every fresh-state release; a reactor's _initialize runs once; a guest's
 * proc_exit keeps the instance warm (wasmhost::wasi::ConfigurePool). */
void wasmhost_pool_config_set_wasi(wasmhost_pool_config_t* config,
                                   const wasmhost_wasi_config_t* wasi);

/* Instances of one module for any number of threads. Thread-safe. */
typedef struct wasmhost_pool wasmhost_pool_t;

/* Makes a pool (and one instance on the calling thread, so a module that
 * cannot be instantiated fails here) into `*out`. Errors: those of
 * wasmhost_instance_new, INVALID_ARGUMENT (inconsistent caps),
 * FAILED_PRECONDITION (fresh state with an imported memory, table or
 * mutable global). */
wasmhost_error_t* wasmhost_pool_new(const wasmhost_module_t* module,
                                    const wasmhost_linker_t* linker,
                                    const wasmhost_pool_config_t* config,
                                    wasmhost_pool_t** out);
/* Every lease must have been deleted first. */
void wasmhost_pool_delete(wasmhost_pool_t* pool);

/* One instance on loan. Thread-affine. */
typedef struct wasmhost_lease wasmhost_lease_t;

/* An instance for the calling thread into `*out`. Errors:
 * RESOURCE_EXHAUSTED (kind LIMIT, limit POOL_INSTANCES or
 * POOL_THREAD_INSTANCES), or why a new instance failed. */
wasmhost_error_t* wasmhost_pool_acquire(wasmhost_pool_t* pool,
                                        wasmhost_lease_t** out);

/* The leased instance, borrowed until the lease is deleted (do not delete
 * it). */
wasmhost_instance_t* wasmhost_lease_instance(wasmhost_lease_t* lease);

/* Returns the instance to the pool: reset, kept warm or discarded by the
 * policy (always discarded when poisoned). */
void wasmhost_lease_delete(wasmhost_lease_t* lease);

/* A snapshot of a pool's counters (wasmhost::PoolStats). */
typedef struct wasmhost_pool_stats {
  uint64_t leases;
  uint64_t warm_hits;
  uint64_t misses;
  uint64_t resets;
  uint64_t discards;
  uint64_t traps;
  uint64_t timeouts;
  uint64_t idle;
  uint64_t in_use;
} wasmhost_pool_stats_t;

void wasmhost_pool_get_stats(const wasmhost_pool_t* pool,
                             wasmhost_pool_stats_t* out);

/* ===================================================================== */
/* Not in the C API yet                                                   */
/* ===================================================================== */
/* Components (no component runtime exists yet); funcref and externref
 * values; host-made globals, tables and memories and their import through
 * a linker; linking one instance's exports into another
 * (Linker::DefineInstance); the code cache's counters; the signatures and
 * types of a module's imports and exports. */

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WASMHOST_C_API_H_ */
