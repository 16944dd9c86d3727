// bindings/c/wasmhost_c.cc: the C API (include/wasmhost.h) over the public
// C++ API. Each opaque C handle is a struct holding the C++ object; every
// status becomes a wasmhost_error_t that keeps the absl::Status itself, so
// an error a host function passes back into the engine keeps its payload
// (trap frames, kind) unchanged.
//
// Nothing here throws, and the library is built without handling C++
// exceptions across the boundary: the C++ API reports every failure as a
// status, and allocation failure ends the process as it does in C++.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/util/status_macros.h"
#include "wasmhost.h"
#include "wasmhost/wasmhost.h"

namespace {

using wasmhost::ErrorKind;
using wasmhost::Val;
using wasmhost::ValType;

// The C enums are the C++ ones by value; a reordering on either side must
// fail the build, not shift every kind by one.
static_assert(WASMHOST_ERROR_INTERNAL ==
              static_cast<int>(ErrorKind::kInternal));
static_assert(WASMHOST_ERROR_HOST_ERROR ==
              static_cast<int>(ErrorKind::kHostError));
static_assert(WASMHOST_LIMIT_POOL_THREAD_INSTANCES ==
              static_cast<int>(wasmhost::LimitKind::kPoolThreadInstances));
static_assert(WASMHOST_LIMIT_STACK ==
              static_cast<int>(wasmhost::LimitKind::kStack));
static_assert(WASMHOST_TRAP_OTHER ==
              static_cast<int>(wasmhost::TrapKind::kOther));
static_assert(WASMHOST_TRAP_STACK_OVERFLOW ==
              static_cast<int>(wasmhost::TrapKind::kStackOverflow));
static_assert(WASMHOST_V128 == static_cast<int>(ValType::kV128));
static_assert(WASMHOST_UNAUTHENTICATED ==
              static_cast<int>(absl::StatusCode::kUnauthenticated));
static_assert(static_cast<int>(wasmhost::ReusePolicy::kNewInstance) ==
              WASMHOST_POOL_NEW_INSTANCE);
static_assert(static_cast<int>(wasmhost::ExternKind::kTag) ==
              WASMHOST_EXTERN_TAG);
static_assert(static_cast<int>(wasmhost::ExternKind::kGlobal) ==
              WASMHOST_EXTERN_GLOBAL);

}  // namespace

struct wasmhost_error {
  absl::Status status;
  std::string message;  // status.message(), NUL-terminated
  wasmhost::ErrorInfo info;
};

namespace {

// Null for OK.
wasmhost_error_t* MakeError(absl::Status status) {
  if (status.ok()) return nullptr;
  auto* error = new wasmhost_error_t;
  error->info = wasmhost::GetErrorInfo(status);
  error->message = std::string(status.message());
  error->status = std::move(status);
  return error;
}

// An error of this layer's own: the C++ API would have classified it as
// `kind` (a misuse the C types allow and the C++ templates rule out).
wasmhost_error_t* MakeError(absl::Status status, ErrorKind kind) {
  wasmhost_error_t* error = MakeError(std::move(status));
  error->info.kind = kind;
  return error;
}

wasmhost_error_t* UsageError(absl::string_view message) {
  return MakeError(absl::InvalidArgumentError(message), ErrorKind::kUsage);
}

wasmhost_error_t* UnsupportedType(ValType type) {
  return MakeError(
      absl::UnimplementedError(absl::StrCat(wasmhost::ValTypeName(type),
                                            " values do not cross the C API")),
      ErrorKind::kUnsupported);
}

bool IsNumberType(ValType type) {
  return static_cast<int>(type) <= WASMHOST_V128;
}

// The first reference type of `types`, if any.
std::optional<ValType> FirstReference(const std::vector<ValType>& types) {
  for (ValType type : types) {
    if (!IsNumberType(type)) return type;
  }
  return std::nullopt;
}

// Floats as their bits, so NaN payloads cross unchanged.
Val ToVal(const wasmhost_val_t& val) {
  switch (val.kind) {
    case WASMHOST_I64:
      return Val::I64(val.of.i64);
    case WASMHOST_F32: {
      uint32_t bits;
      std::memcpy(&bits, &val.of.f32, sizeof bits);
      return Val::FromBits(ValType::kF32, bits);
    }
    case WASMHOST_F64: {
      uint64_t bits;
      std::memcpy(&bits, &val.of.f64, sizeof bits);
      return Val::FromBits(ValType::kF64, bits);
    }
    case WASMHOST_V128:
      return Val::V128(val.of.v128.low, val.of.v128.high);
    default:
      return Val::I32(val.of.i32);
  }
}

// `val` must have a number type.
wasmhost_val_t FromVal(const Val& val) {
  wasmhost_val_t out;
  std::memset(&out, 0, sizeof out);
  out.kind = static_cast<wasmhost_valkind_t>(val.type());
  switch (val.type()) {
    case ValType::kI64:
      out.of.i64 = val.i64();
      break;
    case ValType::kF32: {
      uint32_t bits = static_cast<uint32_t>(val.bits());
      std::memcpy(&out.of.f32, &bits, sizeof bits);
      break;
    }
    case ValType::kF64: {
      uint64_t bits = val.bits();
      std::memcpy(&out.of.f64, &bits, sizeof bits);
      break;
    }
    case ValType::kV128:
      out.of.v128.low = val.v128_low();
      out.of.v128.high = val.v128_high();
      break;
    default:
      out.of.i32 = val.i32();
      break;
  }
  return out;
}

// A zero value of `type`, as a host function's results start.
wasmhost_val_t ZeroOf(ValType type) { return FromVal(Val::FromBits(type, 0)); }

// `vals` as Vals of `types`; InvalidArgument when the count or a kind
// differs.
absl::Status ToVals(absl::string_view what, const std::vector<ValType>& types,
                    const wasmhost_val_t* vals, size_t count,
                    absl::InlinedVector<Val, 8>& out) {
  if (count != types.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", count, " values given, the signature has ", types.size()));
  }
  for (size_t i = 0; i < count; ++i) {
    if (vals[i].kind != static_cast<wasmhost_valkind_t>(types[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " ", i, " is ", wasmhost_valkind_name(vals[i].kind),
          ", the signature says ", wasmhost::ValTypeName(types[i])));
    }
    out.push_back(ToVal(vals[i]));
  }
  return absl::OkStatus();
}

wasmhost::CallOptions ToCallOptions(const wasmhost_call_options_t* options) {
  wasmhost::CallOptions out;
  if (options == nullptr) return out;
  if (options->timeout_nanos != 0) {
    out.timeout = absl::Nanoseconds(static_cast<int64_t>(std::min<uint64_t>(
        options->timeout_nanos, std::numeric_limits<int64_t>::max())));
  }
  if (options->deadline_unix_nanos != 0) {
    out.deadline = absl::FromUnixNanos(options->deadline_unix_nanos);
  }
  if (options->has_fuel) out.fuel = options->fuel;
  return out;
}

absl::Duration NanosToDuration(uint64_t nanos) {
  return absl::Nanoseconds(static_cast<int64_t>(
      std::min<uint64_t>(nanos, std::numeric_limits<int64_t>::max())));
}

const char* CopyName(std::vector<std::string>& table, absl::string_view name) {
  table.emplace_back(name);
  return table.back().c_str();
}

// Names by value, NUL-terminated, made once: the C++ names are
// string_views.
template <typename Enum, typename NameFn>
const char* NameOf(int value, int count, NameFn name_fn) {
  static const auto* const names = [&] {
    auto* table = new std::vector<std::string>;
    table->reserve(count);
    for (int i = 0; i < count; ++i) {
      CopyName(*table, name_fn(static_cast<Enum>(i)));
    }
    return table;
  }();
  if (value < 0 || value >= count) return "?";
  return (*names)[value].c_str();
}

}  // namespace

struct wasmhost_config {
  wasmhost::EngineOptions options;
};
struct wasmhost_engine {
  wasmhost::Engine engine;
};
struct wasmhost_module {
  wasmhost::Module module;
};
struct wasmhost_linker {
  wasmhost::Linker linker;
};
struct wasmhost_caller {
  wasmhost::Caller* caller;
};
struct wasmhost_wasi_config {
  wasmhost::wasi::WasiOptions options;
  // stdout and stderr.
  std::array<wasmhost_wasi_output_t, 2> outputs = {WASMHOST_WASI_DISCARD,
                                                   WASMHOST_WASI_DISCARD};
};
struct wasmhost_instance_config {
  wasmhost::InstanceOptions options;
  std::optional<wasmhost_wasi_config> wasi;
};
struct wasmhost_pool_config {
  wasmhost::PoolOptions options;
  std::optional<wasmhost_wasi_config> wasi;
};

struct wasmhost_instance {
  // Captured stdout and stderr. Declared before `owned`, whose WASI
  // context writes into them, so they are destroyed after it.
  std::array<std::string, 2> outputs;
  std::array<bool, 2> captured = {false, false};
  std::optional<wasmhost::Instance> owned;
  // `owned`, or the instance a lease lends.
  wasmhost::Instance* instance = nullptr;
};

struct wasmhost_func {
  wasmhost::Func func;
};

struct wasmhost_pool {
  std::unique_ptr<wasmhost::InstancePool> pool;
  // Which of stdout and stderr each lease captures.
  std::array<bool, 2> captured = {false, false};
};

struct wasmhost_lease {
  // The view handed out; its outputs are this lease's capture. Declared
  // before `lease`, so the instance is released before they go.
  wasmhost_instance_t view;
  std::optional<wasmhost::Lease> lease;
};

namespace {

// The WasiOptions of `config`, capturing into `outputs` (stdout, stderr)
// when it is given; without it captured streams are discarded (a pool sets
// each lease's capture on Acquire).
wasmhost::wasi::WasiOptions MakeWasiOptions(
    const wasmhost_wasi_config_t& config, std::array<std::string, 2>* outputs) {
  wasmhost::wasi::WasiOptions options = config.options;
  wasmhost::wasi::OutputSink* sinks[2] = {&options.stdout_sink,
                                          &options.stderr_sink};
  for (int i = 0; i < 2; ++i) {
    switch (config.outputs[i]) {
      case WASMHOST_WASI_INHERIT:
        *sinks[i] = wasmhost::wasi::OutputSink::ToFd(i + 1);
        break;
      case WASMHOST_WASI_CAPTURE:
        if (outputs != nullptr) {
          *sinks[i] = wasmhost::wasi::OutputSink::ToString(&(*outputs)[i]);
        }
        break;
      default:
        break;
    }
  }
  return options;
}

// A copy of `wasi`, or none for nullptr (the *_config_set_wasi calls).
std::optional<wasmhost_wasi_config> OptionalWasi(
    const wasmhost_wasi_config_t* wasi) {
  if (wasi == nullptr) return std::nullopt;
  return *wasi;
}

std::array<bool, 2> CapturedStreams(const wasmhost_wasi_config_t& config) {
  return {config.outputs[0] == WASMHOST_WASI_CAPTURE,
          config.outputs[1] == WASMHOST_WASI_CAPTURE};
}

absl::StatusOr<wasmhost::Func> FindFunc(const wasmhost::Instance& instance,
                                        const char* name) {
  WASMHOST_ASSIGN_OR_RETURN(wasmhost::Func func, instance.GetFunc(name));
  return func;
}

wasmhost_error_t* CallFunc(const wasmhost::Func& func,
                           const wasmhost_call_options_t* options,
                           const wasmhost_val_t* args, size_t nargs,
                           wasmhost_val_t* results, size_t nresults) {
  const wasmhost::FuncType& type = func.type();
  if (std::optional<ValType> ref = FirstReference(type.params)) {
    return UnsupportedType(*ref);
  }
  if (std::optional<ValType> ref = FirstReference(type.results)) {
    return UnsupportedType(*ref);
  }
  absl::InlinedVector<Val, 8> vals;
  absl::Status converted = ToVals("argument", type.params, args, nargs, vals);
  if (!converted.ok()) return MakeError(converted, ErrorKind::kUsage);
  if (nresults != type.results.size()) {
    return UsageError(absl::StrCat("room for ", nresults,
                                   " results given, the signature has ",
                                   type.results.size()));
  }
  absl::StatusOr<std::vector<Val>> returned =
      func.Call(ToCallOptions(options), vals);
  if (!returned.ok()) return MakeError(returned.status());
  for (size_t i = 0; i < nresults; ++i) results[i] = FromVal((*returned)[i]);
  return nullptr;
}

// `func` as a handle in `*out`; Unimplemented for a signature with
// references.
wasmhost_error_t* NewFunc(wasmhost::Func func, wasmhost_func_t** out) {
  if (std::optional<ValType> ref = FirstReference(func.type().params)) {
    return UnsupportedType(*ref);
  }
  if (std::optional<ValType> ref = FirstReference(func.type().results)) {
    return UnsupportedType(*ref);
  }
  *out = new wasmhost_func_t{std::move(func)};
  return nullptr;
}

// The memory `memory` of a caller or instance, for the accessors below.
uint8_t* MemoryData(const wasmhost::Memory& memory, size_t* size) {
  absl::Span<uint8_t> data = memory.data();
  *size = data.size();
  return data.empty() ? nullptr : data.data();
}

wasmhost_error_t* MemoryRead(const wasmhost::Memory& memory, uint64_t offset,
                             void* out, size_t size) {
  return MakeError(
      memory.Read(offset, absl::MakeSpan(static_cast<uint8_t*>(out), size)));
}

wasmhost_error_t* MemoryWrite(const wasmhost::Memory& memory, uint64_t offset,
                              const void* bytes, size_t size) {
  return MakeError(memory.Write(
      offset, absl::MakeConstSpan(static_cast<const uint8_t*>(bytes), size)));
}

// What a host function defined through the C API holds; the finalizer runs
// when the last copy of the definition goes.
struct HostFunc {
  HostFunc(wasmhost_func_callback_t callback_in, void* env_in,
           wasmhost_finalizer_t finalizer_in)
      : callback(callback_in), env(env_in), finalizer(finalizer_in) {}
  HostFunc(const HostFunc&) = delete;
  HostFunc& operator=(const HostFunc&) = delete;
  ~HostFunc() {
    if (finalizer != nullptr) finalizer(env);
  }

  absl::Status Call(wasmhost::Caller& caller, absl::Span<const Val> args,
                    absl::Span<Val> results) const {
    absl::InlinedVector<wasmhost_val_t, 8> c_args;
    for (const Val& arg : args) c_args.push_back(FromVal(arg));
    absl::InlinedVector<wasmhost_val_t, 8> c_results;
    for (const Val& result : results)
      c_results.push_back(ZeroOf(result.type()));
    wasmhost_caller_t c_caller{&caller};
    wasmhost_error_t* error =
        callback(env, &c_caller, c_args.data(), c_args.size(), c_results.data(),
                 c_results.size());
    if (error != nullptr) {
      absl::Status status = std::move(error->status);
      delete error;
      return status;
    }
    // By the declared types: a kind the callback changed is not trusted.
    for (size_t i = 0; i < results.size(); ++i) {
      wasmhost_val_t value = c_results[i];
      value.kind = static_cast<wasmhost_valkind_t>(results[i].type());
      results[i] = ToVal(value);
    }
    return absl::OkStatus();
  }

  wasmhost_func_callback_t callback;
  void* env;
  wasmhost_finalizer_t finalizer;
};

}  // namespace

extern "C" {

const char* wasmhost_version(void) { return "0.1"; }

const char* wasmhost_valkind_name(wasmhost_valkind_t kind) {
  if (kind > WASMHOST_V128) return "?";
  return NameOf<ValType>(kind, WASMHOST_V128 + 1, wasmhost::ValTypeName);
}

// ---- errors ----

wasmhost_error_t* wasmhost_error_new(wasmhost_status_code_t code,
                                     const char* message) {
  absl::StatusCode status_code = code == WASMHOST_OK
                                     ? absl::StatusCode::kUnknown
                                     : static_cast<absl::StatusCode>(code);
  return MakeError(
      absl::Status(status_code, message == nullptr ? "" : message));
}

wasmhost_error_t* wasmhost_error_new_exit(int32_t exit_code) {
  return MakeError(wasmhost::GuestExitStatus(exit_code));
}

void wasmhost_error_delete(wasmhost_error_t* error) { delete error; }

wasmhost_status_code_t wasmhost_error_code(const wasmhost_error_t* error) {
  return static_cast<wasmhost_status_code_t>(error->status.code());
}

const char* wasmhost_error_message(const wasmhost_error_t* error) {
  return error->message.c_str();
}

wasmhost_error_kind_t wasmhost_error_kind(const wasmhost_error_t* error) {
  return static_cast<wasmhost_error_kind_t>(error->info.kind);
}

wasmhost_limit_kind_t wasmhost_error_limit(const wasmhost_error_t* error) {
  return static_cast<wasmhost_limit_kind_t>(error->info.limit);
}

bool wasmhost_error_trap(const wasmhost_error_t* error,
                         wasmhost_trap_kind_t* kind, const char** message) {
  if (!error->info.trap.has_value()) return false;
  if (kind != nullptr) {
    *kind = static_cast<wasmhost_trap_kind_t>(error->info.trap->kind);
  }
  if (message != nullptr) *message = error->info.trap->message.c_str();
  return true;
}

size_t wasmhost_error_frame_count(const wasmhost_error_t* error) {
  return error->info.trap.has_value() ? error->info.trap->backtrace.size() : 0;
}

bool wasmhost_error_frame(const wasmhost_error_t* error, size_t index,
                          wasmhost_frame_t* out) {
  if (index >= wasmhost_error_frame_count(error)) return false;
  const wasmhost::Frame& frame = error->info.trap->backtrace[index];
  out->function_name = frame.function_name.c_str();
  out->module_name = frame.module_name.c_str();
  out->function_index = frame.function_index;
  out->module_offset = frame.module_offset;
  return true;
}

bool wasmhost_error_exit_code(const wasmhost_error_t* error,
                              int32_t* exit_code) {
  if (!error->info.exit_code.has_value()) return false;
  *exit_code = *error->info.exit_code;
  return true;
}

const char* wasmhost_status_code_name(wasmhost_status_code_t code) {
  return NameOf<absl::StatusCode>(
      code, WASMHOST_UNAUTHENTICATED + 1,
      [](absl::StatusCode c) { return absl::StatusCodeToString(c); });
}

const char* wasmhost_error_kind_name(wasmhost_error_kind_t kind) {
  return NameOf<ErrorKind>(kind, WASMHOST_ERROR_INTERNAL + 1,
                           wasmhost::ErrorKindName);
}

const char* wasmhost_limit_kind_name(wasmhost_limit_kind_t kind) {
  return NameOf<wasmhost::LimitKind>(
      kind, WASMHOST_LIMIT_POOL_THREAD_INSTANCES + 1, wasmhost::LimitKindName);
}

const char* wasmhost_trap_kind_name(wasmhost_trap_kind_t kind) {
  return NameOf<wasmhost::TrapKind>(kind, WASMHOST_TRAP_OTHER + 1,
                                    wasmhost::TrapKindName);
}

// ---- engine ----

wasmhost_config_t* wasmhost_config_new(void) { return new wasmhost_config_t; }
void wasmhost_config_delete(wasmhost_config_t* config) { delete config; }

void wasmhost_config_add_v8_flag(wasmhost_config_t* config, const char* flag) {
  config->options.v8_flags.emplace_back(flag);
}
void wasmhost_config_set_compile_tier(wasmhost_config_t* config,
                                      wasmhost_compile_tier_t tier) {
  config->options.compile_tier = static_cast<wasmhost::CompileTier>(tier);
}
void wasmhost_config_set_lazy_compilation(wasmhost_config_t* config,
                                          bool lazy) {
  config->options.lazy_compilation = lazy;
}
void wasmhost_config_set_worker_threads(wasmhost_config_t* config,
                                        int threads) {
  config->options.worker_threads = threads;
}
void wasmhost_config_set_consume_fuel(wasmhost_config_t* config,
                                      bool consume_fuel) {
  config->options.consume_fuel = consume_fuel;
}
void wasmhost_config_set_code_cache_dir(wasmhost_config_t* config,
                                        const char* dir) {
  config->options.code_cache_dir = dir;
}
void wasmhost_config_set_max_module_bytes(wasmhost_config_t* config,
                                          uint64_t bytes) {
  config->options.module_limits.max_module_bytes = bytes;
}

wasmhost_error_t* wasmhost_engine_new(const wasmhost_config_t* config,
                                      wasmhost_engine_t** out) {
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create(
      config == nullptr ? wasmhost::EngineOptions() : config->options);
  if (!engine.ok()) return MakeError(engine.status());
  *out = new wasmhost_engine_t{*std::move(engine)};
  return nullptr;
}

void wasmhost_engine_delete(wasmhost_engine_t* engine) { delete engine; }

// ---- module ----

wasmhost_error_t* wasmhost_module_new(const wasmhost_engine_t* engine,
                                      const uint8_t* bytes, size_t size,
                                      wasmhost_module_t** out) {
  absl::StatusOr<wasmhost::Module> module =
      engine->engine.Compile(absl::MakeConstSpan(bytes, size));
  if (!module.ok()) return MakeError(module.status());
  *out = new wasmhost_module_t{*std::move(module)};
  return nullptr;
}

wasmhost_error_t* wasmhost_module_validate(const wasmhost_engine_t* engine,
                                           const uint8_t* bytes, size_t size) {
  return MakeError(
      engine->engine.Compile(absl::MakeConstSpan(bytes, size)).status());
}

void wasmhost_module_delete(wasmhost_module_t* module) { delete module; }

size_t wasmhost_module_import_count(const wasmhost_module_t* module) {
  return module->module.imports().size();
}

size_t wasmhost_module_export_count(const wasmhost_module_t* module) {
  return module->module.exports().size();
}

bool wasmhost_module_import(const wasmhost_module_t* module, size_t index,
                            wasmhost_extern_t* out) {
  const std::vector<wasmhost::ImportType>& imports = module->module.imports();
  if (index >= imports.size()) return false;
  out->module = imports[index].module.c_str();
  out->name = imports[index].name.c_str();
  out->kind = static_cast<wasmhost_extern_kind_t>(imports[index].kind);
  return true;
}

bool wasmhost_module_export(const wasmhost_module_t* module, size_t index,
                            wasmhost_extern_t* out) {
  const std::vector<wasmhost::ExportType>& exports = module->module.exports();
  if (index >= exports.size()) return false;
  out->module = "";
  out->name = exports[index].name.c_str();
  out->kind = static_cast<wasmhost_extern_kind_t>(exports[index].kind);
  return true;
}

// ---- linker and host functions ----

uint8_t* wasmhost_caller_memory_data(wasmhost_caller_t* caller, size_t* size) {
  return MemoryData(caller->caller->memory(), size);
}

wasmhost_error_t* wasmhost_caller_memory_read(wasmhost_caller_t* caller,
                                              uint64_t offset, void* out,
                                              size_t size) {
  return MemoryRead(caller->caller->memory(), offset, out, size);
}

wasmhost_error_t* wasmhost_caller_memory_write(wasmhost_caller_t* caller,
                                               uint64_t offset,
                                               const void* bytes, size_t size) {
  return MemoryWrite(caller->caller->memory(), offset, bytes, size);
}

wasmhost_error_t* wasmhost_caller_call(wasmhost_caller_t* caller,
                                       const char* name,
                                       const wasmhost_val_t* args, size_t nargs,
                                       wasmhost_val_t* results,
                                       size_t nresults) {
  absl::StatusOr<wasmhost::Func> func = caller->caller->GetFunc(name);
  if (!func.ok()) return MakeError(func.status());
  return CallFunc(*func, nullptr, args, nargs, results, nresults);
}

wasmhost_error_t* wasmhost_caller_func(wasmhost_caller_t* caller,
                                       const char* name,
                                       wasmhost_func_t** out) {
  absl::StatusOr<wasmhost::Func> func = caller->caller->GetFunc(name);
  if (!func.ok()) return MakeError(func.status());
  return NewFunc(*std::move(func), out);
}

wasmhost_linker_t* wasmhost_linker_new(void) { return new wasmhost_linker_t; }
void wasmhost_linker_delete(wasmhost_linker_t* linker) { delete linker; }

wasmhost_error_t* wasmhost_linker_define_func(
    wasmhost_linker_t* linker, const char* module, const char* name,
    const wasmhost_valkind_t* params, size_t nparams,
    const wasmhost_valkind_t* results, size_t nresults,
    wasmhost_func_callback_t callback, void* env,
    wasmhost_finalizer_t finalizer) {
  // Owns `env` from here: every return path below finalizes it once.
  auto func = std::make_shared<const HostFunc>(callback, env, finalizer);
  wasmhost::FuncType type;
  for (size_t i = 0; i < nparams + nresults; ++i) {
    wasmhost_valkind_t kind = i < nparams ? params[i] : results[i - nparams];
    if (kind > WASMHOST_V128) {
      return MakeError(
          absl::UnimplementedError(absl::StrCat(
              "value kind ", kind, " is not a wasmhost_valkind_t")),
          ErrorKind::kUnsupported);
    }
    (i < nparams ? type.params : type.results)
        .push_back(static_cast<ValType>(kind));
  }
  return MakeError(linker->linker.DefineDynamic(
      module, name, std::move(type),
      [func = std::move(func)](
          wasmhost::Caller& caller, absl::Span<const Val> args,
          absl::Span<Val> out) { return func->Call(caller, args, out); }));
}

wasmhost_error_t* wasmhost_linker_define_wasi(wasmhost_linker_t* linker) {
  return MakeError(wasmhost::wasi::AddToLinker(linker->linker));
}

// ---- WASI ----

wasmhost_wasi_config_t* wasmhost_wasi_config_new(void) {
  return new wasmhost_wasi_config_t;
}
void wasmhost_wasi_config_delete(wasmhost_wasi_config_t* config) {
  delete config;
}
void wasmhost_wasi_config_add_arg(wasmhost_wasi_config_t* config,
                                  const char* arg) {
  config->options.args.emplace_back(arg);
}
void wasmhost_wasi_config_add_env(wasmhost_wasi_config_t* config,
                                  const char* name, const char* value) {
  config->options.env.emplace_back(name, value);
}
void wasmhost_wasi_config_add_preopen(wasmhost_wasi_config_t* config,
                                      const char* host_path,
                                      const char* guest_path, bool read_only) {
  config->options.preopens.push_back({host_path, guest_path, read_only});
}
void wasmhost_wasi_config_set_stdin(wasmhost_wasi_config_t* config,
                                    const uint8_t* bytes, size_t size) {
  config->options.stdin_source = wasmhost::wasi::InputSource::FromString(
      std::string(reinterpret_cast<const char*>(bytes), size));
}
void wasmhost_wasi_config_set_stdout(wasmhost_wasi_config_t* config,
                                     wasmhost_wasi_output_t output) {
  config->outputs[0] = output;
}
void wasmhost_wasi_config_set_stderr(wasmhost_wasi_config_t* config,
                                     wasmhost_wasi_output_t output) {
  config->outputs[1] = output;
}
void wasmhost_wasi_config_set_virtual_clock(wasmhost_wasi_config_t* config,
                                            uint64_t start_nanos,
                                            uint64_t tick_nanos) {
  config->options.virtual_clock =
      wasmhost::wasi::WasiOptions::VirtualClock{start_nanos, tick_nanos};
}
void wasmhost_wasi_config_set_random_seed(wasmhost_wasi_config_t* config,
                                          uint64_t seed) {
  config->options.random_seed = seed;
}

// ---- instance ----

wasmhost_instance_config_t* wasmhost_instance_config_new(void) {
  return new wasmhost_instance_config_t;
}
void wasmhost_instance_config_delete(wasmhost_instance_config_t* config) {
  delete config;
}
void wasmhost_instance_config_set_max_memory_bytes(
    wasmhost_instance_config_t* config, uint64_t bytes) {
  config->options.limits.max_memory_bytes = bytes;
}
void wasmhost_instance_config_set_max_stack_bytes(
    wasmhost_instance_config_t* config, uint64_t bytes) {
  config->options.limits.max_stack_bytes = bytes;
}
void wasmhost_instance_config_set_max_table_elements(
    wasmhost_instance_config_t* config, uint64_t elements) {
  config->options.limits.max_table_elements = elements;
}
void wasmhost_instance_config_set_start_timeout(
    wasmhost_instance_config_t* config, uint64_t timeout_nanos) {
  config->options.start_call.timeout = timeout_nanos == 0
                                           ? absl::InfiniteDuration()
                                           : NanosToDuration(timeout_nanos);
}
void wasmhost_instance_config_set_wasi(wasmhost_instance_config_t* config,
                                       const wasmhost_wasi_config_t* wasi) {
  config->wasi = OptionalWasi(wasi);
}

wasmhost_error_t* wasmhost_instance_new(
    const wasmhost_module_t* module, const wasmhost_linker_t* linker,
    const wasmhost_instance_config_t* config, wasmhost_instance_t** out) {
  auto instance = std::make_unique<wasmhost_instance_t>();
  wasmhost::InstanceOptions options =
      config == nullptr ? wasmhost::InstanceOptions() : config->options;
  if (config != nullptr && config->wasi.has_value()) {
    absl::StatusOr<std::unique_ptr<wasmhost::wasi::WasiContext>> context =
        wasmhost::wasi::WasiContext::Create(
            MakeWasiOptions(*config->wasi, &instance->outputs));
    if (!context.ok()) return MakeError(context.status());
    options.SetContext(
        std::shared_ptr<wasmhost::wasi::WasiContext>(*std::move(context)));
    instance->captured = CapturedStreams(*config->wasi);
  }
  absl::StatusOr<wasmhost::Instance> created =
      wasmhost::Instance::Create(module->module, linker->linker, options);
  if (!created.ok()) return MakeError(created.status());
  instance->owned.emplace(*std::move(created));
  instance->instance = &*instance->owned;
  *out = instance.release();
  return nullptr;
}

void wasmhost_instance_delete(wasmhost_instance_t* instance) {
  delete instance;
}

wasmhost_error_t* wasmhost_instance_call(wasmhost_instance_t* instance,
                                         const char* name,
                                         const wasmhost_call_options_t* options,
                                         const wasmhost_val_t* args,
                                         size_t nargs, wasmhost_val_t* results,
                                         size_t nresults) {
  absl::StatusOr<wasmhost::Func> func = FindFunc(*instance->instance, name);
  if (!func.ok()) return MakeError(func.status());
  return CallFunc(*func, options, args, nargs, results, nresults);
}

uint8_t* wasmhost_instance_memory_data(wasmhost_instance_t* instance,
                                       size_t* size) {
  return MemoryData(instance->instance->memory(), size);
}

wasmhost_error_t* wasmhost_instance_memory_read(wasmhost_instance_t* instance,
                                                uint64_t offset, void* out,
                                                size_t size) {
  return MemoryRead(instance->instance->memory(), offset, out, size);
}

wasmhost_error_t* wasmhost_instance_memory_write(wasmhost_instance_t* instance,
                                                 uint64_t offset,
                                                 const void* bytes,
                                                 size_t size) {
  return MemoryWrite(instance->instance->memory(), offset, bytes, size);
}

wasmhost_error_t* wasmhost_instance_global_get(wasmhost_instance_t* instance,
                                               const char* name,
                                               wasmhost_val_t* out) {
  absl::StatusOr<wasmhost::Global> global = instance->instance->GetGlobal(name);
  if (!global.ok()) return MakeError(global.status());
  if (!IsNumberType(global->type().type)) {
    return UnsupportedType(global->type().type);
  }
  absl::StatusOr<Val> value = global->Get();
  if (!value.ok()) return MakeError(value.status());
  *out = FromVal(*value);
  return nullptr;
}

wasmhost_error_t* wasmhost_instance_global_set(wasmhost_instance_t* instance,
                                               const char* name,
                                               const wasmhost_val_t* value) {
  absl::StatusOr<wasmhost::Global> global = instance->instance->GetGlobal(name);
  if (!global.ok()) return MakeError(global.status());
  if (!IsNumberType(global->type().type)) {
    return UnsupportedType(global->type().type);
  }
  if (value->kind > WASMHOST_V128) {
    return UsageError(absl::StrCat("value kind ", value->kind,
                                   " is not a wasmhost_valkind_t"));
  }
  return MakeError(global->Set(ToVal(*value)));
}

bool wasmhost_instance_poisoned(const wasmhost_instance_t* instance) {
  return instance->instance->poisoned();
}

wasmhost_error_t* wasmhost_instance_remaining_fuel(
    const wasmhost_instance_t* instance, uint64_t* out) {
  absl::StatusOr<uint64_t> fuel = instance->instance->remaining_fuel();
  if (!fuel.ok()) return MakeError(fuel.status());
  *out = *fuel;
  return nullptr;
}

wasmhost_error_t* wasmhost_instance_run_command(
    wasmhost_instance_t* instance, const wasmhost_call_options_t* options,
    int32_t* exit_code) {
  absl::StatusOr<int> code =
      wasmhost::wasi::RunCommand(*instance->instance, ToCallOptions(options));
  if (!code.ok()) return MakeError(code.status());
  *exit_code = *code;
  return nullptr;
}

const uint8_t* wasmhost_instance_wasi_output(
    const wasmhost_instance_t* instance, int fd, size_t* size) {
  *size = 0;
  if (fd < 1 || fd > 2 || !instance->captured[fd - 1]) return nullptr;
  const std::string& output = instance->outputs[fd - 1];
  *size = output.size();
  return reinterpret_cast<const uint8_t*>(output.data());
}

wasmhost_error_t* wasmhost_instance_func(const wasmhost_instance_t* instance,
                                         const char* name,
                                         wasmhost_func_t** out) {
  absl::StatusOr<wasmhost::Func> func = FindFunc(*instance->instance, name);
  if (!func.ok()) return MakeError(func.status());
  return NewFunc(*std::move(func), out);
}

void wasmhost_func_delete(wasmhost_func_t* func) { delete func; }

size_t wasmhost_func_params(const wasmhost_func_t* func,
                            wasmhost_valkind_t* kinds) {
  const std::vector<ValType>& params = func->func.type().params;
  for (size_t i = 0; kinds != nullptr && i < params.size(); ++i) {
    kinds[i] = static_cast<wasmhost_valkind_t>(params[i]);
  }
  return params.size();
}

size_t wasmhost_func_results(const wasmhost_func_t* func,
                             wasmhost_valkind_t* kinds) {
  const std::vector<ValType>& results = func->func.type().results;
  for (size_t i = 0; kinds != nullptr && i < results.size(); ++i) {
    kinds[i] = static_cast<wasmhost_valkind_t>(results[i]);
  }
  return results.size();
}

wasmhost_error_t* wasmhost_func_call(const wasmhost_func_t* func,
                                     const wasmhost_call_options_t* options,
                                     const wasmhost_val_t* args, size_t nargs,
                                     wasmhost_val_t* results, size_t nresults) {
  return CallFunc(func->func, options, args, nargs, results, nresults);
}

// ---- pools ----

wasmhost_pool_config_t* wasmhost_pool_config_new(void) {
  return new wasmhost_pool_config_t;
}
void wasmhost_pool_config_delete(wasmhost_pool_config_t* config) {
  delete config;
}
void wasmhost_pool_config_set_policy(wasmhost_pool_config_t* config,
                                     wasmhost_reuse_policy_t policy) {
  config->options.policy = static_cast<wasmhost::ReusePolicy>(policy);
}
void wasmhost_pool_config_set_max_instances(wasmhost_pool_config_t* config,
                                            size_t count) {
  config->options.max_instances = count;
}
void wasmhost_pool_config_set_max_instances_per_thread(
    wasmhost_pool_config_t* config, size_t count) {
  config->options.max_instances_per_thread = count;
}
void wasmhost_pool_config_set_max_idle_per_thread(
    wasmhost_pool_config_t* config, size_t count) {
  config->options.max_idle_per_thread = count;
}
void wasmhost_pool_config_set_acquire_timeout(wasmhost_pool_config_t* config,
                                              uint64_t timeout_nanos) {
  config->options.acquire_timeout = NanosToDuration(timeout_nanos);
}
void wasmhost_pool_config_set_instance_config(
    wasmhost_pool_config_t* config,
    const wasmhost_instance_config_t* instance) {
  config->options.instance_options = instance->options;
}
void wasmhost_pool_config_set_wasi(wasmhost_pool_config_t* config,
                                   const wasmhost_wasi_config_t* wasi) {
  config->wasi = OptionalWasi(wasi);
}

wasmhost_error_t* wasmhost_pool_new(const wasmhost_module_t* module,
                                    const wasmhost_linker_t* linker,
                                    const wasmhost_pool_config_t* config,
                                    wasmhost_pool_t** out) {
  auto pool = std::make_unique<wasmhost_pool_t>();
  wasmhost::PoolOptions options =
      config == nullptr ? wasmhost::PoolOptions() : config->options;
  if (config != nullptr && config->wasi.has_value()) {
    // Captured streams start discarded; each Acquire points them at the
    // lease's own buffers.
    absl::Status configured = wasmhost::wasi::ConfigurePool(
        options, MakeWasiOptions(*config->wasi, nullptr));
    if (!configured.ok()) return MakeError(configured);
    pool->captured = CapturedStreams(*config->wasi);
  }
  absl::StatusOr<std::unique_ptr<wasmhost::InstancePool>> created =
      wasmhost::InstancePool::Create(module->module, linker->linker, options);
  if (!created.ok()) return MakeError(created.status());
  pool->pool = *std::move(created);
  *out = pool.release();
  return nullptr;
}

void wasmhost_pool_delete(wasmhost_pool_t* pool) { delete pool; }

wasmhost_error_t* wasmhost_pool_acquire(wasmhost_pool_t* pool,
                                        wasmhost_lease_t** out) {
  absl::StatusOr<wasmhost::Lease> acquired = pool->pool->Acquire();
  if (!acquired.ok()) return MakeError(acquired.status());
  auto lease = std::make_unique<wasmhost_lease_t>();
  lease->lease.emplace(*std::move(acquired));
  lease->view.instance = &lease->lease->instance();
  lease->view.captured = pool->captured;
  auto* context = lease->view.instance->context<wasmhost::wasi::WasiContext>();
  // The release's WasiContext::Reset (kFreshState) puts the pool's own
  // discarding sinks back; with kReuse the next Acquire sets new ones
  // before the guest can write again.
  if (context != nullptr && pool->captured[0]) {
    context->SetStdout(
        wasmhost::wasi::OutputSink::ToString(&lease->view.outputs[0]));
  }
  if (context != nullptr && pool->captured[1]) {
    context->SetStderr(
        wasmhost::wasi::OutputSink::ToString(&lease->view.outputs[1]));
  }
  *out = lease.release();
  return nullptr;
}

wasmhost_instance_t* wasmhost_lease_instance(wasmhost_lease_t* lease) {
  return &lease->view;
}

void wasmhost_lease_delete(wasmhost_lease_t* lease) { delete lease; }

void wasmhost_pool_get_stats(const wasmhost_pool_t* pool,
                             wasmhost_pool_stats_t* out) {
  wasmhost::PoolStats stats = pool->pool->stats();
  out->leases = stats.leases;
  out->warm_hits = stats.warm_hits;
  out->misses = stats.misses;
  out->resets = stats.resets;
  out->discards = stats.discards;
  out->traps = stats.traps;
  out->timeouts = stats.timeouts;
  out->idle = stats.idle;
  out->in_use = stats.in_use;
}

}  // extern "C"
