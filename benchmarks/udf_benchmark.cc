// udf_benchmark: the per-row cost of a user-defined function over 1M rows,
// an i64 -> i64 one (score) and a string -> i64 one (vowels), each as
// native C, as a wasmhost call per row and as a wasmhost batch
// (TypedFunc::CallBatch / CallBatchBytes): in a plain loop, and inside
// SQLite (examples/sqlite's extension, linked in, against native SQL
// functions; benchmarks/udf_benchmark.sql is the same queries for the
// sqlite3 shell). One table, one run, ratios to native.
//
//   bazel run -c opt //benchmarks:udf_benchmark [-- --rows=N --reps=N]
//
// Targets (issue 14): batch <= 5 ns/row and <= 2x native in the plain loop
// for the i64 function; the batched query within 1.5x of the native
// UDF's query time.

#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "benchmarks/bench_util.h"
#include "benchmarks/fixtures.h"
#include "examples/sqlite/guests.h"
#include "examples/sqlite/wasm_udf.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::bench {
namespace {

// The native twins of udf.wat's score and vowels. Called through a pointer,
// as a database calls a UDF, so the loop cannot fold them in.
int64_t NativeScore(int64_t x) { return (x * 31 + 7) % 1000; }

int64_t NativeVowels(const char* bytes, size_t size) {
  int64_t n = 0;
  for (size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(bytes[i] | 0x20);
    n += c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
  }
  return n;
}

int64_t (*volatile native_score)(int64_t) = NativeScore;
int64_t (*volatile native_vowels)(const char*, size_t) = NativeVowels;

// The calling thread's CPU time: on a machine shared with other work the
// wall time of a run counts the time other processes held the core.
double ThreadCpuNanos() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e9 +
         static_cast<double>(now.tv_nsec);
}

// Nanoseconds per row of the calling thread's CPU time and of wall time,
// each the median of the runs.
struct Cost {
  double cpu;
  double wall;
};

// The median cost of `reps` runs of `run`. Each run returns a checksum,
// which must be `expected` (every variant computes the same sum), else the
// benchmark exits.
Cost NanosPerRow(int reps, size_t rows, const std::function<int64_t()>& run,
                 int64_t expected, const char* what) {
  std::vector<double> cpu;
  std::vector<double> wall;
  for (int i = 0; i < reps; ++i) {
    const double cpu_start = ThreadCpuNanos();
    const auto start = std::chrono::steady_clock::now();
    const int64_t result = run();
    const auto end = std::chrono::steady_clock::now();
    const double cpu_end = ThreadCpuNanos();
    if (result != expected) {
      std::fprintf(stderr, "%s: checksum %lld, expected %lld\n", what,
                   static_cast<long long>(result),
                   static_cast<long long>(expected));
      std::exit(1);
    }
    cpu.push_back((cpu_end - cpu_start) / static_cast<double>(rows));
    wall.push_back(
        std::chrono::duration<double, std::nano>(end - start).count() /
        static_cast<double>(rows));
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  return {cpu[cpu.size() / 2], wall[wall.size() / 2]};
}

// The one integer a query returns.
int64_t QueryInt(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) !=
      SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), sqlite3_errmsg(db));
    std::exit(1);
  }
  int64_t value = 0;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    value = sqlite3_column_int64(statement, 0);
  } else {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), sqlite3_errmsg(db));
    std::exit(1);
  }
  sqlite3_finalize(statement);
  return value;
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql.c_str(), error);
    std::exit(1);
  }
}

void NativeScoreSql(sqlite3_context* context, int, sqlite3_value** args) {
  sqlite3_result_int64(context, native_score(sqlite3_value_int64(args[0])));
}

void NativeVowelsSql(sqlite3_context* context, int, sqlite3_value** args) {
  const unsigned char* text = sqlite3_value_text(args[0]);
  sqlite3_result_int64(
      context,
      native_vowels(reinterpret_cast<const char*>(text),
                    static_cast<size_t>(sqlite3_value_bytes(args[0]))));
}

struct Row {
  const char* label;
  Cost cost;
  Cost native;
};

void PrintTable(const char* title, const std::vector<Row>& rows) {
  std::printf("%-46s %8s %8s %8s\n", title, "cpu ns", "x native", "wall ns");
  for (const Row& row : rows) {
    std::printf("  %-44s %8.2f %8.2f %8.2f\n", row.label, row.cost.cpu,
                row.cost.cpu / row.native.cpu, row.cost.wall);
  }
}

void PrintTarget(const char* label, double value, double target,
                 const char* unit) {
  std::printf("%-58s %8.2f%s (target <= %.1f%s) %s\n", label, value, unit,
              target, unit, value <= target ? "ok" : "MISSED");
}

int Main(int argc, char** argv) {
  program_name = "udf_benchmark";
  size_t rows = 1'000'000;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--rows=") && absl::SimpleAtoi(arg, &rows)) {
      continue;
    }
    if (absl::ConsumePrefix(&arg, "--reps=") && absl::SimpleAtoi(arg, &reps)) {
      continue;
    }
    std::fprintf(stderr, "usage: %s [--rows=N] [--reps=N]\n", argv[0]);
    return 2;
  }

  // The rows: integers, and words of 4-27 letters.
  std::vector<int64_t> x(rows);
  std::vector<std::string> words(rows);
  static constexpr char kLetters[] =
      "the quick brown fox jumps over a lazy dog";
  for (size_t i = 0; i < rows; ++i) {
    x[i] = static_cast<int64_t>(i * 7919 % 1'000'003);
    const size_t length = 4 + i % 24;
    words[i].assign(kLetters + i % 13, length);
  }
  std::vector<absl::string_view> views(words.begin(), words.end());

  int64_t score_sum = 0;
  int64_t vowels_sum = 0;
  for (size_t i = 0; i < rows; ++i) {
    score_sum += NativeScore(x[i]);
    vowels_sum += NativeVowels(words[i].data(), words[i].size());
  }

  Engine engine = Must(Engine::Create(), "Engine::Create");
  Module module = Must(engine.Compile(wasm_udf::guests::udf_wasm()), "compile");
  Instance instance = Must(Instance::Create(module, Linker()), "instantiate");
  auto score = Must(instance.GetFunc<int64_t(int64_t)>("score"), "score");
  auto vowels =
      Must(instance.GetFunc<int64_t(int32_t, int32_t)>("vowels"), "vowels");
  auto arena = Must(instance.GetFunc<int32_t(int32_t)>("wasm_arena"), "arena");
  std::vector<int64_t> out(rows);

  // Plain loop, i64 -> i64.
  const Cost loop_native = NanosPerRow(
      reps, rows,
      [&] {
        int64_t sum = 0;
        for (size_t i = 0; i < rows; ++i) sum += native_score(x[i]);
        return sum;
      },
      score_sum, "native score");
  const Cost loop_single = NanosPerRow(
      reps, rows,
      [&] {
        int64_t sum = 0;
        for (size_t i = 0; i < rows; ++i) sum += *score.Call(x[i]);
        return sum;
      },
      score_sum, "single score");
  const Cost loop_batch = NanosPerRow(
      reps, rows,
      [&] {
        MustOk(score.CallBatch({}, x, absl::MakeSpan(out)), "CallBatch");
        int64_t sum = 0;
        for (int64_t value : out) sum += value;
        return sum;
      },
      score_sum, "batch score");
  // The batch path alone: a function that costs next to nothing, (i32,
  // i32) -> i32 add, over the same number of rows.
  Module add_module = Must(engine.Compile(add_wasm()), "compile add");
  Instance add_instance =
      Must(Instance::Create(add_module, Linker()), "instantiate add");
  auto add =
      Must(add_instance.GetFunc<int32_t(int32_t, int32_t)>("add"), "add");
  const std::vector<int32_t> ones(rows, 1);
  std::vector<int32_t> add_out(rows);
  const Cost loop_add_batch = NanosPerRow(
      reps, rows,
      [&] {
        MustOk(add.CallBatch({}, ones, ones, absl::MakeSpan(add_out)),
               "CallBatch");
        int64_t sum = 0;
        for (int32_t value : add_out) sum += value;
        return sum;
      },
      2 * static_cast<int64_t>(rows), "batch add");

  // Plain loop, string -> i64. A single call per row copies the row into
  // the arena's region, as a host without batches would.
  size_t longest = 0;
  for (const std::string& word : words)
    longest = std::max(longest, word.size());
  const int32_t region =
      Must(arena.Call(static_cast<int32_t>(longest)), "arena");
  const Cost text_native = NanosPerRow(
      reps, rows,
      [&] {
        int64_t sum = 0;
        for (const std::string& word : words) {
          sum += native_vowels(word.data(), word.size());
        }
        return sum;
      },
      vowels_sum, "native vowels");
  const Cost text_single = NanosPerRow(
      reps, rows,
      [&] {
        int64_t sum = 0;
        for (const std::string& word : words) {
          std::memcpy(instance.memory().data().data() + region, word.data(),
                      word.size());
          sum += *vowels.Call(region, static_cast<int32_t>(word.size()));
        }
        return sum;
      },
      vowels_sum, "single vowels");
  const Cost text_batch = NanosPerRow(
      reps, rows,
      [&] {
        MustOk(vowels.CallBatchBytes({}, arena, views, absl::MakeSpan(out)),
               "CallBatchBytes");
        int64_t sum = 0;
        for (int64_t value : out) sum += value;
        return sum;
      },
      vowels_sum, "batch vowels");

  // Inside SQLite: one table of the same rows, native SQL functions beside
  // the extension's.
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
  char* error = nullptr;
  if (sqlite3_wasmudf_init(db, &error, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "extension: %s\n", error);
    return 1;
  }
  sqlite3_create_function(db, "native_score", 1,
                          SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          NativeScoreSql, nullptr, nullptr);
  sqlite3_create_function(db, "native_vowels", 1,
                          SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          NativeVowelsSql, nullptr, nullptr);
  Exec(db, "CREATE TABLE t(x INTEGER, s TEXT)");
  {
    Exec(db, "BEGIN");
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &insert, nullptr);
    for (size_t i = 0; i < rows; ++i) {
      sqlite3_bind_int64(insert, 1, x[i]);
      sqlite3_bind_text(insert, 2, words[i].data(),
                        static_cast<int>(words[i].size()), SQLITE_STATIC);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    Exec(db, "COMMIT");
  }
  // wasm_load reads a file: the embedded guest, written out.
  char path[] = "/tmp/udf_benchmark.XXXXXX";
  const int fd = mkstemp(path);
  const absl::Span<const uint8_t> guest = wasm_udf::guests::udf_wasm();
  if (fd < 0 || write(fd, guest.data(), guest.size()) !=
                    static_cast<ssize_t>(guest.size())) {
    std::fprintf(stderr, "cannot write %s\n", path);
    return 1;
  }
  close(fd);
  for (const char* name : {"score", "vowels"}) {
    Exec(db, absl::StrCat("SELECT wasm_load('", name, "', '", path, "')"));
  }
  unlink(path);
  int64_t x_sum = 0;
  int64_t length_sum = 0;
  for (size_t i = 0; i < rows; ++i) {
    x_sum += x[i];
    length_sum += static_cast<int64_t>(words[i].size());
  }
  auto query = [&](const char* sql, int64_t expected) {
    return NanosPerRow(
        reps, rows, [&] { return QueryInt(db, sql); }, expected, sql);
  };
  const Cost sql_plain = query("SELECT sum(x) FROM t", x_sum);
  const Cost sql_native =
      query("SELECT sum(native_score(x)) FROM t", score_sum);
  const Cost sql_single = query("SELECT sum(score(x)) FROM t", score_sum);
  const Cost sql_batch = query("SELECT score_sum(x) FROM t", score_sum);
  const Cost sql_text_plain = query("SELECT sum(length(s)) FROM t", length_sum);
  const Cost sql_text_native =
      query("SELECT sum(native_vowels(s)) FROM t", vowels_sum);
  const Cost sql_text_single =
      query("SELECT sum(vowels(s)) FROM t", vowels_sum);
  const Cost sql_text_batch = query("SELECT vowels_sum(s) FROM t", vowels_sum);
  sqlite3_close(db);

  std::printf(
      "udf_benchmark: %zu rows, median of %d runs; the calling thread's CPU "
      "time per row (ratios of it) and wall time\n\n",
      rows, reps);
  PrintTable(
      "i64 -> i64 (score), plain loop",
      {{"native C (through a function pointer)", loop_native, loop_native},
       {"wasmhost TypedFunc::Call per row", loop_single, loop_native},
       {"wasmhost TypedFunc::CallBatch", loop_batch, loop_native},
       {"(batch path alone: CallBatch, i32 add)", loop_add_batch,
        loop_native}});
  PrintTable("string -> i64 (vowels), plain loop",
             {{"native C", text_native, text_native},
              {"wasmhost copy + Call per row", text_single, text_native},
              {"wasmhost TypedFunc::CallBatchBytes", text_batch, text_native}});
  PrintTable(
      "i64 -> i64 inside SQLite (query time per row)",
      {{"SELECT sum(x): no function", sql_plain, sql_native},
       {"SELECT sum(native_score(x)): native UDF", sql_native, sql_native},
       {"SELECT sum(score(x)): wasm, a call per row", sql_single, sql_native},
       {"SELECT score_sum(x): wasm, batched", sql_batch, sql_native}});
  PrintTable(
      "string -> i64 inside SQLite (query time per row)",
      {{"SELECT sum(length(s)): no function", sql_text_plain, sql_text_native},
       {"SELECT sum(native_vowels(s)): native UDF", sql_text_native,
        sql_text_native},
       {"SELECT sum(vowels(s)): wasm, a call per row", sql_text_single,
        sql_text_native},
       {"SELECT vowels_sum(s): wasm, batched", sql_text_batch,
        sql_text_native}});
  std::printf("\n");
  PrintTarget("plain loop, i64 batch per row (cpu)", loop_batch.cpu, 5, " ns");
  PrintTarget("plain loop, i64 batch / native (cpu)",
              loop_batch.cpu / loop_native.cpu, 2, "x");
  PrintTarget("SQLite, i64 batched query / native UDF query (cpu)",
              sql_batch.cpu / sql_native.cpu, 1.5, "x");
  PrintTarget("SQLite, string batched query / native UDF query (cpu)",
              sql_text_batch.cpu / sql_text_native.cpu, 1.5, "x");
  return 0;
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) { return wasmhost::bench::Main(argc, argv); }
