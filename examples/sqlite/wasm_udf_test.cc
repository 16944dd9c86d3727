// The extension as SQLite loads it (sqlite3_load_extension of wasm_udf.so),
// driven through SQLite's C API: results, batching, limits and errors.
// argv[1] is the extension, argv[2] udf.wasm.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

std::string extension_path;
std::string guest_path;

// One statement's outcome: its rows (columns joined by '|') or the error.
struct Outcome {
  std::vector<std::string> rows;
  std::string error;  // empty when it succeeded
};

class Db {
 public:
  Db() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    sqlite3_enable_load_extension(db_, 1);
    char* error = nullptr;
    if (sqlite3_load_extension(db_, extension_path.c_str(), nullptr, &error) !=
        SQLITE_OK) {
      ADD_FAILURE() << "loading " << extension_path << ": " << error;
      sqlite3_free(error);
    }
  }
  ~Db() { sqlite3_close(db_); }

  Outcome Run(const std::string& sql) {
    Outcome outcome;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) !=
        SQLITE_OK) {
      outcome.error = sqlite3_errmsg(db_);
      return outcome;
    }
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        absl::StrAppend(&row, i > 0 ? "|" : "",
                        text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      outcome.rows.push_back(row);
    }
    if (rc != SQLITE_DONE) outcome.error = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    return outcome;
  }

  // The one value of a one-row statement that must succeed.
  std::string Value(const std::string& sql) {
    Outcome outcome = Run(sql);
    EXPECT_EQ(outcome.error, "") << sql;
    EXPECT_EQ(outcome.rows.size(), 1u) << sql;
    return outcome.rows.empty() ? "" : outcome.rows[0];
  }

  // The error of a statement that must fail.
  std::string Error(const std::string& sql) {
    Outcome outcome = Run(sql);
    EXPECT_NE(outcome.error, "") << sql;
    return outcome.error;
  }

  std::string Load(const std::string& name, const std::string& options = "") {
    return Value(absl::StrCat("SELECT wasm_load('", name, "', '", guest_path,
                              "', '", options, "')"));
  }

 private:
  sqlite3* db_ = nullptr;
};

// The rows from..to in a column `value`, as the shell's generate_series
// (not in the library) gives them.
std::string Series(int64_t from, int64_t to) {
  return absl::StrCat("(WITH RECURSIVE s(value) AS (SELECT ", from, " WHERE ",
                      from, " <= ", to,
                      " UNION ALL SELECT value + 1 FROM s WHERE value < ", to,
                      ") SELECT value FROM s)");
}

int64_t Score(int64_t x) { return (x * 31 + 7) % 1000; }

TEST(WasmUdfTest, LoadReturnsTheSignature) {
  Db db;
  EXPECT_EQ(db.Load("score"), "score: (i64) -> i64");
  EXPECT_EQ(db.Load("vowels"), "vowels: (i32, i32) -> i64");
  EXPECT_EQ(db.Load("half"), "half: (f64) -> f64");
  EXPECT_EQ(db.Load("twice", "export=score"), "twice: (i64) -> i64");
  EXPECT_EQ(db.Value("SELECT twice(2)"), "69");
}

TEST(WasmUdfTest, ScalarAndBatchedAggregateAgreeWithNativeCode) {
  Db db;
  db.Load("score");
  // 200,000 rows: the aggregate runs four batches.
  int64_t expected = 0;
  for (int64_t x = -100'000; x < 100'000; ++x) expected += Score(x);
  const std::string rows = "FROM " + Series(-100000, 99999);
  EXPECT_EQ(db.Value("SELECT sum(score(value)) " + rows),
            absl::StrCat(expected));
  EXPECT_EQ(db.Value("SELECT score_sum(value) " + rows),
            absl::StrCat(expected));
  // NULLs: the scalar gives NULL, the aggregate skips them; no rows, NULL.
  EXPECT_EQ(db.Value("SELECT score(NULL)"), "NULL");
  EXPECT_EQ(db.Value("SELECT score_sum(x) FROM (SELECT NULL AS x UNION ALL "
                     "SELECT 1)"),
            "38");
  EXPECT_EQ(db.Value("SELECT score_sum(value) FROM " + Series(1, 0)), "NULL");
}

TEST(WasmUdfTest, RealFunctions) {
  Db db;
  db.Load("half");
  EXPECT_EQ(db.Value("SELECT half(3), half(-1.5)"), "1.5|-0.75");
  EXPECT_EQ(db.Value("SELECT half_sum(value) FROM " + Series(1, 4)), "5.0");
}

TEST(WasmUdfTest, TextAndBlobFunctions) {
  Db db;
  db.Load("vowels");
  EXPECT_EQ(db.Value("SELECT vowels('WebAssembly'), vowels(''), "
                     "vowels(x'61656900'), vowels(NULL)"),
            "3|0|3|NULL");
  // ~8 MB of text: the aggregate flushes by bytes (4 MiB) and rows.
  EXPECT_EQ(db.Value("SELECT vowels_sum(printf('%.*c', 80, 'a')) "
                     "FROM " +
                     Series(1, 100000)),
            "8000000");
  EXPECT_EQ(db.Value("SELECT sum(vowels(printf('%.*c', value % 7, 'e'))) "
                     "FROM " +
                     Series(1, 1000)),
            db.Value("SELECT vowels_sum(printf('%.*c', value % 7, 'e')) "
                     "FROM " +
                     Series(1, 1000)));
}

TEST(WasmUdfTest, TrapIsTheStatementsErrorAndThePoolRecovers) {
  Db db;
  db.Load("boom");
  EXPECT_THAT(db.Error("SELECT boom(13)"),
              HasSubstr("boom: trap: unreachable"));
  // The poisoned instance was discarded: the next call gets another.
  EXPECT_EQ(db.Value("SELECT boom(12)"), "12");
  // In the aggregate's second batch: the row counts from the group's start.
  EXPECT_EQ(db.Error("SELECT boom_sum(value - 70000) "
                     "FROM " +
                     Series(1, 100000)),
            "boom_sum: row 70012 of the group: trap: unreachable: "
            "unreachable");
  EXPECT_EQ(db.Value("SELECT boom_sum(value) FROM " + Series(1, 12)), "78");
}

// An integer aggregate's sum is checked, never wrapped.
TEST(WasmUdfTest, IntegerSumOverflowIsAnError) {
  Db db;
  db.Load("boom");
  EXPECT_EQ(db.Error("SELECT boom_sum(x) FROM (SELECT 9223372036854775807 AS "
                     "x UNION ALL SELECT 1)"),
            "boom_sum: integer overflow");
  EXPECT_EQ(db.Value("SELECT boom_sum(x) FROM (SELECT 9223372036854775807 AS "
                     "x UNION ALL SELECT -1)"),
            "9223372036854775806");
}

TEST(WasmUdfTest, DeadlineStopsAGuestThatNeverReturns) {
  Db db;
  db.Load("spin", "timeout_ms=20");
  EXPECT_THAT(db.Error("SELECT spin(1)"),
              HasSubstr("spin: guest stopped at its deadline"));
  EXPECT_THAT(db.Error("SELECT spin_sum(value) FROM " + Series(1, 5)),
              HasSubstr("spin_sum: row 0 of the group: guest stopped at its "
                        "deadline"));
}

TEST(WasmUdfTest, FuelBoundsEachCallAndBatch) {
  Db db;
  db.Load("burn", "fuel=5000");
  EXPECT_EQ(db.Value("SELECT burn(100)"), "100");
  EXPECT_EQ(db.Error("SELECT burn(100000)"),
            "burn: out of fuel: the guest used all the fuel the call allowed");
  // One budget for a batch: 100 rows of 100 iterations each run out.
  EXPECT_THAT(db.Error("SELECT burn_sum(100) FROM " + Series(1, 100)),
              HasSubstr("burn_sum: row "));
}

TEST(WasmUdfTest, MemoryLimit) {
  Db db;
  db.Load("grow", "memory_mb=1");
  EXPECT_EQ(db.Value("SELECT grow(1), grow(100)"), "1|-1");
}

TEST(WasmUdfTest, FreshStateStartsEveryCallFromTheModulesState) {
  Db db;
  db.Load("grow");
  EXPECT_EQ(db.Value("SELECT grow(1), grow(1)"), "1|2");
  db.Load("grow", "fresh=1");
  EXPECT_EQ(db.Value("SELECT grow(1), grow(1)"), "1|1");
}

TEST(WasmUdfTest, LoadErrors) {
  Db db;
  EXPECT_EQ(db.Error("SELECT wasm_load('score', 'missing.wasm')"),
            "wasm_load: cannot open missing.wasm");
  EXPECT_THAT(db.Error(absl::StrCat("SELECT wasm_load('score', '", guest_path,
                                    "', 'limit=3')")),
              HasSubstr("wasm_load: unknown option 'limit=3'"));
  EXPECT_THAT(
      db.Error(absl::StrCat("SELECT wasm_load('nope', '", guest_path, "')")),
      HasSubstr("exports no function 'nope'"));
  EXPECT_THAT(db.Error(absl::StrCat("SELECT wasm_load('wasm_arena', '",
                                    guest_path, "')")),
              HasSubstr("export 'wasm_arena' has type (i32) -> i32; SQL "
                        "functions take"));
  EXPECT_THAT(db.Error(absl::StrCat("SELECT wasm_load('vowels', '", guest_path,
                                    "', 'arena=nope')")),
              HasSubstr("no export named 'nope'"));
  // The module is no Wasm.
  EXPECT_THAT(db.Error("SELECT wasm_load('x', '" + extension_path + "')"),
              HasSubstr("wasm_load: "));
  // The engine exists by now.
  EXPECT_THAT(db.Error("SELECT wasm_engine('fuel')"),
              HasSubstr("call wasm_engine before wasm_load"));
  EXPECT_THAT(db.Error("SELECT wasm_engine('turbo')"),
              HasSubstr("options are 'fuel' or ''"));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    fprintf(stderr, "usage: %s wasm_udf.so udf.wasm\n", argv[0]);
    return 2;
  }
  extension_path = argv[1];
  guest_path = argv[2];
  {
    // The process's engine meters fuel (FuelBoundsEachCallAndBatch): set
    // before any wasm_load.
    Db db;
    if (db.Value("SELECT wasm_engine('fuel')") != "fuel") return 1;
  }
  return RUN_ALL_TESTS();
}
