// examples/sqlite/wasm_udf.cc: a SQLite loadable extension that makes
// functions exported by WebAssembly modules SQL functions.
//
//   SELECT wasm_load('score', 'udf.wasm');     -- export "score", (i64) -> i64
//   SELECT score(x) FROM t;                    -- one guest call a row
//   SELECT score_sum(x) FROM t;                -- sum(score(x)), in batches
//   SELECT wasm_load('vowels', 'udf.wasm', 'timeout_ms=50 fuel=100000');
//
// wasm_load(name, path [, options]) compiles the module at `path`, makes
// one InstancePool for the function, and registers two SQL functions of
// one argument: `name`, the scalar, and `name_sum`, an aggregate that sums
// the function's results (as sum(name(x)) would, NULLs skipped) but calls
// the guest in batches of up to 65,536 rows through TypedFunc::CallBatch,
// one engine entry each instead of one a row. Loading a name again
// replaces the function (an aggregate already running finishes with the
// one it started with). It returns the export's signature, e.g.
// "score: (i64) -> i64". Exports of three signatures qualify:
//   (i64) -> i64       INTEGER in, INTEGER out
//   (f64) -> f64       REAL in, REAL out
//   (i32, i32) -> i64  TEXT or BLOB in as (ptr, len) in guest memory,
//                      INTEGER out; the module must export an arena,
//                      (i32 size) -> i32 ptr, where the host copies the
//                      bytes (TypedFunc::CallBatchBytes)
// `options`, space-separated key=value, set the function's limits, which
// apply to each engine entry (a scalar's row, an aggregate's batch):
//   timeout_ms=N  a deadline N ms after the entry starts
//   fuel=N        at most N units of fuel (needs wasm_engine('fuel'))
//   memory_mb=N   the guest's linear memory may not grow past N MiB
//   export=E      the export to call (default: `name`)
//   arena=A       the arena export (default: wasm_arena)
//   fresh=1       every call starts from fresh guest state
//                 (ReusePolicy::kFreshState); default: state persists
//                 between calls (kReuse), which costs nothing per call
// A guest failure (a trap, a limit) is the SQL statement's error, with the
// SDK's message; an aggregate's names the row, counting the group's
// non-NULL values from 0. A poisoned instance is discarded by its pool, so
// the next call gets a working one.
//
// wasm_engine('fuel') makes the process's engine meter fuel; it must come
// before the first wasm_load (V8 is set up once per process), and metered
// guests run slower, so it is off unless asked for.

#include <sqlite3ext.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "wasmhost/wasmhost.h"

SQLITE_EXTENSION_INIT1

#include "examples/sqlite/wasm_udf.h"

namespace wasm_udf {
namespace {

using wasmhost::CallOptions;
using wasmhost::Engine;
using wasmhost::InstancePool;
using wasmhost::Lease;
using wasmhost::TypedFunc;

// Rows an aggregate buffers before calling the guest: about one batch
// driver run of an (i64) -> i64 function.
constexpr size_t kBatchRows = 65536;
// Bytes of text an aggregate buffers before calling the guest.
constexpr size_t kBatchBytes = 4 << 20;

// The process's engine: V8 is set up once per process.
absl::Mutex engine_mutex;
Engine* process_engine ABSL_GUARDED_BY(engine_mutex) = nullptr;

absl::StatusOr<Engine> GetEngine(bool consume_fuel, bool create_only) {
  absl::MutexLock lock(&engine_mutex);
  if (process_engine != nullptr) {
    if (create_only) {
      return absl::FailedPreconditionError(
          "the engine exists already: call wasm_engine before wasm_load");
    }
    return *process_engine;
  }
  wasmhost::EngineOptions options;
  options.consume_fuel = consume_fuel;
  absl::StatusOr<Engine> created = Engine::Create(options);
  if (!created.ok()) return created.status();
  process_engine = new Engine(*created);  // for the process's life
  return *created;
}

struct UdfOptions {
  std::string export_name;
  std::string arena = "wasm_arena";
  CallOptions call;
  uint64_t memory_bytes = 0;
  bool fresh_state = false;
};

absl::StatusOr<UdfOptions> ParseOptions(absl::string_view name,
                                        absl::string_view text) {
  UdfOptions options;
  options.export_name = std::string(name);
  for (absl::string_view item :
       absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    uint64_t number = 0;
    const bool numeric = absl::SimpleAtoi(kv.second, &number);
    if (kv.first == "export" && !kv.second.empty()) {
      options.export_name = std::string(kv.second);
    } else if (kv.first == "arena" && !kv.second.empty()) {
      options.arena = std::string(kv.second);
    } else if (kv.first == "timeout_ms" && numeric) {
      options.call.timeout = absl::Milliseconds(number);
    } else if (kv.first == "fuel" && numeric) {
      options.call.fuel = number;
    } else if (kv.first == "memory_mb" && numeric) {
      options.memory_bytes = number << 20;
    } else if (kv.first == "fresh" && numeric) {
      options.fresh_state = number != 0;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown option '", item,
          "' (timeout_ms=N fuel=N memory_mb=N export=E arena=A fresh=0|1)"));
    }
  }
  return options;
}

// The first line of a status's message (a trap's continues with its
// backtrace), naming the SQL function.
std::string ErrorText(absl::string_view function, const absl::Status& status) {
  absl::string_view message = status.message();
  return absl::StrCat(function, ": ", message.substr(0, message.find('\n')));
}

void ResultError(sqlite3_context* context, const std::string& text) {
  sqlite3_result_error(context, text.c_str(), static_cast<int>(text.size()));
}

// A batch's error, naming the row of the group: the batch's row plus the
// rows of the batches before it.
std::string BatchErrorText(absl::string_view function,
                           const absl::Status& status, uint64_t rows_before) {
  const std::optional<uint64_t> row = wasmhost::GetErrorInfo(status).batch_row;
  if (!row.has_value()) return ErrorText(function, status);
  absl::string_view message = status.message();
  message = message.substr(0, message.find('\n'));
  // The SDK's "batch row <k>: " counts from the batch's first row.
  message.remove_prefix(std::min(message.size(), message.find(": ") + 2));
  return absl::StrCat(function, ": row ", rows_before + *row,
                      " of the group: ", message);
}

class Udf;

// An aggregate's state for one group, made by the Udf of its first row,
// which finishes it even if the name is loaded again meanwhile.
struct GroupBase {
  virtual ~GroupBase() = default;
  std::shared_ptr<Udf> owner;
};

// One loaded function: the scalar and its aggregate.
class Udf {
 public:
  virtual ~Udf() = default;
  virtual void Scalar(sqlite3_context* context, sqlite3_value* value) = 0;
  virtual std::unique_ptr<GroupBase> NewGroup() = 0;
  // `group` is one NewGroup made.
  virtual void Step(sqlite3_context* context, GroupBase& group,
                    sqlite3_value* value) = 0;
  virtual void Final(sqlite3_context* context, GroupBase& group) = 0;
};

// The typed exports an instance's lease needs, made once per instance.
template <typename Sig>
struct Handles {
  TypedFunc<Sig> func;
  std::optional<TypedFunc<int32_t(int32_t)>> arena;
};

template <typename Sig>
absl::StatusOr<std::unique_ptr<InstancePool>> MakePool(
    const wasmhost::Module& module, const UdfOptions& options,
    bool with_arena) {
  wasmhost::PoolOptions pool;
  pool.policy = options.fresh_state ? wasmhost::ReusePolicy::kFreshState
                                    : wasmhost::ReusePolicy::kReuse;
  pool.instance_options.limits.max_memory_bytes = options.memory_bytes;
  pool.SetHandles<Handles<Sig>>(
      [options, with_arena](
          wasmhost::Instance& instance) -> absl::StatusOr<Handles<Sig>> {
        absl::StatusOr<TypedFunc<Sig>> func =
            instance.GetFunc<Sig>(options.export_name);
        if (!func.ok()) return func.status();
        Handles<Sig> handles{*func, std::nullopt};
        if (with_arena) {
          absl::StatusOr<TypedFunc<int32_t(int32_t)>> arena =
              instance.GetFunc<int32_t(int32_t)>(options.arena);
          if (!arena.ok()) return arena.status();
          handles.arena = *arena;
        }
        return handles;
      });
  // Pure functions: the linker grants no imports.
  return InstancePool::Create(module, wasmhost::Linker(), pool);
}

// An aggregate's rows buffered for the next batch, and the sum so far.
template <typename Row, typename Sum>
struct Group : GroupBase {
  std::vector<Row> rows;
  size_t row_bytes = 0;  // text rows' bytes
  uint64_t rows_before = 0;
  Sum sum = 0;
  bool any = false;
  std::string error;
};

// Sets an i64 or f64 result.
template <typename T>
void ResultNumber(sqlite3_context* context, T result) {
  if constexpr (std::is_same_v<T, int64_t>) {
    sqlite3_result_int64(context, result);
  } else {
    sqlite3_result_double(context, result);
  }
}

// What the functions of every signature share: the pool, the scalar's
// lease, and an aggregate's sum of the batches Flush runs.
template <typename Row, typename T>
class BatchedUdf : public Udf {
 public:
  BatchedUdf(std::string name, UdfOptions options,
             std::unique_ptr<InstancePool> pool)
      : name_(std::move(name)),
        options_(std::move(options)),
        pool_(std::move(pool)) {}

  std::unique_ptr<GroupBase> NewGroup() override {
    return std::make_unique<G>();
  }

  void Final(sqlite3_context* context, GroupBase& base) override {
    G& group = static_cast<G&>(base);
    Flush(group);
    if (!group.error.empty()) return ResultError(context, group.error);
    if (!group.any) return sqlite3_result_null(context);
    ResultNumber(context, group.sum);
  }

 protected:
  using G = Group<Row, T>;

  // Runs `group`'s buffered rows as one batch into results_ and AddUp's
  // them; nothing when there are none or the group has failed.
  virtual void Flush(G& group) = 0;

  // A lease for a scalar call on `value`; none when the result is already
  // set: NULL for a NULL argument, the error when no instance is leased.
  std::optional<Lease> LeaseForScalar(sqlite3_context* context,
                                      sqlite3_value* value) {
    if (sqlite3_value_type(value) == SQLITE_NULL) {
      sqlite3_result_null(context);
      return std::nullopt;
    }
    absl::StatusOr<Lease> lease = pool_->Acquire();
    if (!lease.ok()) {
      ResultError(context, ErrorText(name_, lease.status()));
      return std::nullopt;
    }
    return *std::move(lease);
  }

  // Adds the batch's results_ to `group` and empties its buffer; records
  // the batch's failure `status` instead.
  void AddUp(G& group, const absl::Status& status) {
    if (!status.ok()) {
      group.error = BatchErrorText(name_ + "_sum", status, group.rows_before);
      return;
    }
    for (T result : results_) {
      if constexpr (std::is_same_v<T, int64_t>) {
        if (__builtin_add_overflow(group.sum, result, &group.sum)) {
          group.error = name_ + "_sum: integer overflow";
          return;
        }
      } else {
        group.sum += result;
      }
    }
    group.any = true;
    group.rows_before += group.rows.size();
    group.rows.clear();
    group.row_bytes = 0;
  }

  const std::string name_;
  const UdfOptions options_;
  const std::unique_ptr<InstancePool> pool_;
  // A batch's results, kept for the next batch's.
  std::vector<T> results_;
};

// (i64) -> i64 and (f64) -> f64 functions.
template <typename T>
class NumberUdf final : public BatchedUdf<T, T> {
 public:
  using Sig = T(T);
  using BatchedUdf<T, T>::BatchedUdf;

  void Scalar(sqlite3_context* context, sqlite3_value* value) override {
    std::optional<Lease> lease = this->LeaseForScalar(context, value);
    if (!lease.has_value()) return;
    absl::StatusOr<T> result = lease->handles<Handles<Sig>>()->func.Call(
        this->options_.call, Read(value));
    if (!result.ok())
      return ResultError(context, ErrorText(this->name_, result.status()));
    ResultNumber(context, *result);
  }

  void Step(sqlite3_context*, GroupBase& base, sqlite3_value* value) override {
    G& group = static_cast<G&>(base);
    if (!group.error.empty() || sqlite3_value_type(value) == SQLITE_NULL) {
      return;
    }
    group.rows.push_back(Read(value));
    if (group.rows.size() == kBatchRows) Flush(group);
  }

 private:
  using G = typename BatchedUdf<T, T>::G;

  static T Read(sqlite3_value* value) {
    if constexpr (std::is_same_v<T, int64_t>) {
      return sqlite3_value_int64(value);
    } else {
      return sqlite3_value_double(value);
    }
  }

  void Flush(G& group) override {
    if (group.rows.empty() || !group.error.empty()) return;
    this->results_.resize(group.rows.size());
    absl::StatusOr<Lease> lease = this->pool_->Acquire();
    absl::Status status = lease.status();
    if (lease.ok()) {
      status = lease->handles<Handles<Sig>>()->func.CallBatch(
          this->options_.call, group.rows, absl::MakeSpan(this->results_));
    }
    this->AddUp(group, status);
  }
};

// (i32 ptr, i32 len) -> i64 functions of text or blob values.
class TextUdf final : public BatchedUdf<std::string, int64_t> {
 public:
  using Sig = int64_t(int32_t, int32_t);
  using BatchedUdf::BatchedUdf;

  void Scalar(sqlite3_context* context, sqlite3_value* value) override {
    std::optional<Lease> lease = LeaseForScalar(context, value);
    if (!lease.has_value()) return;
    const absl::string_view row = Read(value);
    int64_t result = 0;
    const Handles<Sig>& handles = *lease->handles<Handles<Sig>>();
    const absl::Status status = handles.func.CallBatchBytes(
        options_.call, *handles.arena, absl::MakeConstSpan(&row, 1),
        absl::MakeSpan(&result, 1));
    if (!status.ok()) {
      return ResultError(
          context,
          ErrorText(name_, wasmhost::GetErrorInfo(status).batch_row.has_value()
                               ? StripBatchRow(status)
                               : status));
    }
    sqlite3_result_int64(context, result);
  }

  void Step(sqlite3_context*, GroupBase& base, sqlite3_value* value) override {
    G& group = static_cast<G&>(base);
    if (!group.error.empty() || sqlite3_value_type(value) == SQLITE_NULL) {
      return;
    }
    group.rows.emplace_back(Read(value));
    group.row_bytes += group.rows.back().size();
    if (group.rows.size() == kBatchRows || group.row_bytes >= kBatchBytes) {
      Flush(group);
    }
  }

 private:
  static absl::string_view Read(sqlite3_value* value) {
    // A blob's bytes as they are; anything else as its UTF-8 text.
    const void* bytes =
        sqlite3_value_type(value) == SQLITE_BLOB
            ? sqlite3_value_blob(value)
            : static_cast<const void*>(sqlite3_value_text(value));
    return absl::string_view(static_cast<const char*>(bytes),
                             static_cast<size_t>(sqlite3_value_bytes(value)));
  }

  // A one-row batch's status without its "batch row 0: ".
  static absl::Status StripBatchRow(const absl::Status& status) {
    absl::string_view message = status.message();
    message.remove_prefix(std::min(message.size(), message.find(": ") + 2));
    return absl::Status(status.code(), message);
  }

  void Flush(G& group) override {
    if (group.rows.empty() || !group.error.empty()) return;
    std::vector<absl::string_view> views(group.rows.begin(), group.rows.end());
    results_.resize(views.size());
    absl::StatusOr<Lease> lease = pool_->Acquire();
    absl::Status status = lease.status();
    if (lease.ok()) {
      const Handles<Sig>& handles = *lease->handles<Handles<Sig>>();
      status = handles.func.CallBatchBytes(options_.call, *handles.arena, views,
                                           absl::MakeSpan(results_));
    }
    AddUp(group, status);
  }
};

// What a name's two SQL functions share: the Udf loaded last. SQLite
// cannot replace a function from inside a statement (wasm_load's own), so
// loading a name again swaps the Udf here instead.
struct Registration {
  sqlite3* db;
  std::string key;  // the name, lower-cased as SQLite compares names
  std::shared_ptr<Udf> udf;
};

// The live registrations, by connection and name.
absl::Mutex registry_mutex;
std::map<std::pair<sqlite3*, std::string>, std::weak_ptr<Registration>>*
    registry ABSL_GUARDED_BY(registry_mutex) = nullptr;

std::shared_ptr<Registration>& RegistrationOf(sqlite3_context* context) {
  return *static_cast<std::shared_ptr<Registration>*>(
      sqlite3_user_data(context));
}

void ScalarCall(sqlite3_context* context, int, sqlite3_value** args) {
  // Kept for the call: it may load the name again.
  const std::shared_ptr<Udf> udf = RegistrationOf(context)->udf;
  udf->Scalar(context, args[0]);
}

void StepCall(sqlite3_context* context, int, sqlite3_value** args) {
  auto** group = static_cast<GroupBase**>(
      sqlite3_aggregate_context(context, sizeof(GroupBase*)));
  if (group == nullptr) return sqlite3_result_error_nomem(context);
  if (*group == nullptr) {
    std::shared_ptr<Udf> udf = RegistrationOf(context)->udf;
    *group = udf->NewGroup().release();
    (*group)->owner = std::move(udf);
  }
  (*group)->owner->Step(context, **group, args[0]);
}

void FinalCall(sqlite3_context* context) {
  auto** slot = static_cast<GroupBase**>(sqlite3_aggregate_context(context, 0));
  if (slot == nullptr || *slot == nullptr) return sqlite3_result_null(context);
  std::unique_ptr<GroupBase> group(*slot);
  *slot = nullptr;
  const std::shared_ptr<Udf> owner = group->owner;
  owner->Final(context, *group);
}

void DestroyRegistration(void* data) {
  auto* registration = static_cast<std::shared_ptr<Registration>*>(data);
  {
    absl::MutexLock lock(&registry_mutex);
    auto it = registry->find({(*registration)->db, (*registration)->key});
    if (it != registry->end() && it->second.lock() == *registration) {
      registry->erase(it);
    }
  }
  delete registration;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// Compiles the module and makes the Udf for its export's signature.
absl::StatusOr<std::shared_ptr<Udf>> LoadUdf(const std::string& name,
                                             const std::string& path,
                                             const UdfOptions& options,
                                             std::string* signature) {
  absl::StatusOr<Engine> engine = GetEngine(false, false);
  if (!engine.ok()) return engine.status();
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<wasmhost::Module> module = engine->Compile(absl::MakeConstSpan(
      reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  if (!module.ok()) return module.status();
  if (options.call.fuel.has_value() && !engine->options().consume_fuel) {
    return absl::InvalidArgumentError(
        "fuel=N needs an engine that meters fuel: SELECT wasm_engine('fuel') "
        "before the first wasm_load");
  }
  const wasmhost::FuncType* type = nullptr;
  for (const wasmhost::ExportType& exported : module->exports()) {
    if (exported.name == options.export_name &&
        exported.kind == wasmhost::ExternKind::kFunc) {
      type = &exported.func_type;
    }
  }
  if (type == nullptr) {
    return absl::NotFoundError(
        absl::StrCat(path, " exports no function '", options.export_name, "'"));
  }
  *signature = type->ToString();
  using wasmhost::ValType;
  const wasmhost::FuncType kInt{{ValType::kI64}, {ValType::kI64}};
  const wasmhost::FuncType kReal{{ValType::kF64}, {ValType::kF64}};
  const wasmhost::FuncType kText{{ValType::kI32, ValType::kI32},
                                 {ValType::kI64}};
  if (*type == kInt) {
    absl::StatusOr<std::unique_ptr<InstancePool>> pool =
        MakePool<int64_t(int64_t)>(*module, options, false);
    if (!pool.ok()) return pool.status();
    return std::make_shared<NumberUdf<int64_t>>(name, options,
                                                *std::move(pool));
  }
  if (*type == kReal) {
    absl::StatusOr<std::unique_ptr<InstancePool>> pool =
        MakePool<double(double)>(*module, options, false);
    if (!pool.ok()) return pool.status();
    return std::make_shared<NumberUdf<double>>(name, options, *std::move(pool));
  }
  if (*type == kText) {
    absl::StatusOr<std::unique_ptr<InstancePool>> pool =
        MakePool<int64_t(int32_t, int32_t)>(*module, options, true);
    if (!pool.ok()) return pool.status();
    return std::make_shared<TextUdf>(name, options, *std::move(pool));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "export '", options.export_name, "' has type ", *signature,
      "; SQL functions take (i64) -> i64, (f64) -> f64 or (i32, i32) -> i64 "
      "(text)"));
}

std::string Text(sqlite3_value* value) {
  const unsigned char* text = sqlite3_value_text(value);
  return text == nullptr ? std::string() : reinterpret_cast<const char*>(text);
}

// wasm_load(name, path [, options])
void WasmLoad(sqlite3_context* context, int argc, sqlite3_value** args) {
  const std::string name = Text(args[0]);
  const std::string path = Text(args[1]);
  absl::StatusOr<UdfOptions> options =
      ParseOptions(name, argc > 2 ? Text(args[2]) : "");
  if (!options.ok())
    return ResultError(context, ErrorText("wasm_load", options.status()));
  std::string signature;
  absl::StatusOr<std::shared_ptr<Udf>> udf =
      LoadUdf(name, path, *options, &signature);
  if (!udf.ok())
    return ResultError(context, ErrorText("wasm_load", udf.status()));
  sqlite3* db = sqlite3_context_db_handle(context);
  const std::string key = absl::AsciiStrToLower(name);
  auto registration = std::make_shared<Registration>();
  {
    absl::MutexLock lock(&registry_mutex);
    if (registry == nullptr) {
      registry = new std::map<std::pair<sqlite3*, std::string>,
                              std::weak_ptr<Registration>>();
    }
    if (std::shared_ptr<Registration> loaded = (*registry)[{db, key}].lock()) {
      loaded->udf = *std::move(udf);
      registration = nullptr;
    } else {
      registration->db = db;
      registration->key = key;
      registration->udf = *std::move(udf);
      (*registry)[{db, key}] = registration;
    }
  }
  if (registration != nullptr) {
    constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    const int scalar = sqlite3_create_function_v2(
        db, name.c_str(), 1, kFlags,
        new std::shared_ptr<Registration>(registration), ScalarCall, nullptr,
        nullptr, DestroyRegistration);
    const int aggregate = sqlite3_create_function_v2(
        db, (name + "_sum").c_str(), 1, kFlags,
        new std::shared_ptr<Registration>(registration), nullptr, StepCall,
        FinalCall, DestroyRegistration);
    if (scalar != SQLITE_OK || aggregate != SQLITE_OK) {
      return ResultError(context, absl::StrCat("wasm_load: cannot register ",
                                               name, ": ", sqlite3_errmsg(db)));
    }
  }
  const std::string result = absl::StrCat(name, ": ", signature);
  sqlite3_result_text(context, result.c_str(), static_cast<int>(result.size()),
                      SQLITE_TRANSIENT);
}

// wasm_engine('fuel')
void WasmEngine(sqlite3_context* context, int, sqlite3_value** args) {
  const std::string options = Text(args[0]);
  if (options != "fuel" && !options.empty()) {
    return ResultError(context,
                       "wasm_engine: options are 'fuel' or '' (no metering)");
  }
  absl::StatusOr<Engine> engine = GetEngine(options == "fuel", true);
  if (!engine.ok())
    return ResultError(context, ErrorText("wasm_engine", engine.status()));
  sqlite3_result_text(context, options.c_str(), -1, SQLITE_TRANSIENT);
}

}  // namespace
}  // namespace wasm_udf

extern "C" int sqlite3_wasmudf_init(sqlite3* db, char** error,
                                    const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  for (int argc : {2, 3}) {
    if (sqlite3_create_function(db, "wasm_load", argc, SQLITE_UTF8, nullptr,
                                wasm_udf::WasmLoad, nullptr,
                                nullptr) != SQLITE_OK) {
      *error = sqlite3_mprintf("wasm_udf: %s", sqlite3_errmsg(db));
      return SQLITE_ERROR;
    }
  }
  if (sqlite3_create_function(db, "wasm_engine", 1, SQLITE_UTF8, nullptr,
                              wasm_udf::WasmEngine, nullptr,
                              nullptr) != SQLITE_OK) {
    *error = sqlite3_mprintf("wasm_udf: %s", sqlite3_errmsg(db));
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}
