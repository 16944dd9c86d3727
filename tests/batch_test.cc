// TypedFunc::CallBatch and CallBatchBytes: a function over columns of rows
// in one engine entry, with the errors, limits and poisoning of Call.

#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

using ::testing::HasSubstr;
using testing::Instantiate;
using ::testing::StartsWith;

// Several driver runs: 16,376 rows of an i64 -> i64 function fit one.
constexpr int64_t kManyRows = 200'000;

Instance NewInstance() {
  absl::StatusOr<Instance> instance = Instantiate(fixtures::batch_wasm());
  EXPECT_TRUE(instance.ok()) << instance.status();
  return std::move(*instance);
}

template <typename Sig>
TypedFunc<Sig> Export(const Instance& instance, absl::string_view name) {
  absl::StatusOr<TypedFunc<Sig>> func = instance.GetFunc<Sig>(name);
  EXPECT_TRUE(func.ok()) << func.status();
  return *func;
}

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> values(n);
  std::iota(values.begin(), values.end(), 0);
  return values;
}

TEST(BatchTest, GivesEachRowsResultAcrossDriverRuns) {
  Instance instance = NewInstance();
  auto score = Export<int64_t(int64_t)>(instance, "score");
  const std::vector<int64_t> x = Iota(kManyRows);
  std::vector<int64_t> out(kManyRows, -1);
  ASSERT_OK(score.CallBatch({}, x, absl::MakeSpan(out)));
  for (int64_t i = 0; i < kManyRows; ++i) {
    ASSERT_EQ(out[i], 3 * i + 1) << "row " << i;
  }
  // The driver is made once: a second batch gives the same.
  std::vector<int64_t> again(3);
  ASSERT_OK(score.CallBatch({}, std::vector<int64_t>{-1, 0, 7},
                            absl::MakeSpan(again)));
  EXPECT_EQ(again, (std::vector<int64_t>{-2, 1, 22}));
}

TEST(BatchTest, PassesSeveralColumnsOfMixedTypes) {
  Instance instance = NewInstance();
  auto mix = Export<double(double, float, int32_t)>(instance, "mix");
  const std::vector<double> a = {1.5, -2.0, 1e300, std::nan("")};
  const std::vector<float> b = {2.0f, 0.25f, 10.0f, 1.0f};
  const std::vector<int32_t> c = {1, -7, 0, 3};
  std::vector<double> out(4);
  ASSERT_OK(mix.CallBatch({}, a, b, c, absl::MakeSpan(out)));
  EXPECT_EQ(out[0], 4.0);
  EXPECT_EQ(out[1], -7.5);
  EXPECT_EQ(out[2], 1e301);
  EXPECT_TRUE(std::isnan(out[3]));
}

TEST(BatchTest, RunsFunctionsWithoutResults) {
  Instance instance = NewInstance();
  auto add = Export<void(int64_t)>(instance, "add");
  ASSERT_OK(add.CallBatch({}, Iota(kManyRows), {}));
  EXPECT_THAT(Export<int64_t()>(instance, "count").Call(),
              testing::IsOkAndHolds(kManyRows * (kManyRows - 1) / 2));
}

TEST(BatchTest, EmptyBatchRunsNothing) {
  Instance instance = NewInstance();
  auto add = Export<void(int64_t)>(instance, "add");
  ASSERT_OK(add.CallBatch({}, absl::Span<const int64_t>(), {}));
  auto score = Export<int64_t(int64_t)>(instance, "score");
  ASSERT_OK(
      score.CallBatch({}, absl::Span<const int64_t>(), absl::Span<int64_t>()));
  EXPECT_THAT(Export<int64_t()>(instance, "count").Call(),
              testing::IsOkAndHolds(0));
}

TEST(BatchTest, ColumnsOfDifferentLengthsAreInvalidArgument) {
  Instance instance = NewInstance();
  auto div = Export<int32_t(int32_t, int32_t)>(instance, "div");
  std::vector<int32_t> out(2);
  const absl::Status status =
      div.CallBatch({}, std::vector<int32_t>{1, 2, 3},
                    std::vector<int32_t>{1, 1, 1}, absl::MakeSpan(out));
  EXPECT_STATUS(status, absl::StatusCode::kInvalidArgument,
                "they have 3, 3 and 2 rows");
  EXPECT_EQ(GetErrorInfo(status).kind, ErrorKind::kUsage);
  EXPECT_FALSE(instance.poisoned());
}

TEST(BatchTest, TrapReportsTheRowAndPoisons) {
  for (int64_t row : {int64_t{0}, int64_t{42}, kManyRows - 3}) {
    Instance instance = NewInstance();
    auto trap = Export<int64_t(int64_t)>(instance, "trap_on_7");
    std::vector<int64_t> x(kManyRows, 1);
    x[row] = 7;
    std::vector<int64_t> out(kManyRows, -1);
    const absl::Status status = trap.CallBatch({}, x, absl::MakeSpan(out));
    EXPECT_THAT(status, testing::StatusIs(
                            absl::StatusCode::kAborted,
                            StartsWith(absl::StrCat("batch row ", row,
                                                    ": trap: unreachable"))));
    const ErrorInfo info = GetErrorInfo(status);
    EXPECT_EQ(info.kind, ErrorKind::kTrap);
    EXPECT_EQ(info.batch_row, static_cast<uint64_t>(row));
    ASSERT_TRUE(info.trap.has_value());
    EXPECT_EQ(info.trap->kind, TrapKind::kUnreachable);
    ASSERT_FALSE(info.trap->backtrace.empty());
    // trap_on_7; the driver's frames are left out.
    EXPECT_EQ(info.trap->backtrace[0].function_index, 1u);
    EXPECT_EQ(info.trap->backtrace.size(), 1u);
    // The rows before it returned; it and those after it did not run.
    if (row > 0) {
      EXPECT_EQ(out[row - 1], 1);
    }
    EXPECT_EQ(out[row], -1);
    EXPECT_EQ(out[kManyRows - 1], -1);
    EXPECT_TRUE(instance.poisoned());
    EXPECT_STATUS(
        trap.CallBatch({}, x, absl::MakeSpan(out)),
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("poisoned by an earlier failure (batch row ", row));
    EXPECT_EQ(GetErrorInfo(trap.CallBatch({}, absl::Span<const int64_t>(),
                                          absl::Span<int64_t>()))
                  .kind,
              ErrorKind::kPoisoned);
  }
}

TEST(BatchTest, DivideByZeroInARowOfTwoColumns) {
  Instance instance = NewInstance();
  auto div = Export<int32_t(int32_t, int32_t)>(instance, "div");
  std::vector<int32_t> out(3);
  const absl::Status status =
      div.CallBatch({}, std::vector<int32_t>{6, 8, 1},
                    std::vector<int32_t>{3, 0, 1}, absl::MakeSpan(out));
  EXPECT_STATUS(status, absl::StatusCode::kAborted,
                "batch row 1: trap: integer divide by zero");
  EXPECT_EQ(out[0], 2);
}

TEST(BatchTest, DeadlineStopsTheBatchInTheRowRunning) {
  Instance instance = NewInstance();
  auto spin = Export<int64_t(int64_t)>(instance, "spin_on_5");
  CallOptions options;
  // Long enough for rows 0-4 under TSan on a loaded machine (50 ms was
  // not); row 5 spins until it passes.
  options.timeout = absl::Seconds(1);
  std::vector<int64_t> out(10);
  const absl::Status status =
      spin.CallBatch(options, Iota(10), absl::MakeSpan(out));
  EXPECT_STATUS(status, absl::StatusCode::kDeadlineExceeded,
                "batch row 5: guest stopped at its deadline");
  const ErrorInfo info = GetErrorInfo(status);
  EXPECT_EQ(info.limit, LimitKind::kDeadline);
  EXPECT_EQ(info.batch_row, 5u);
  EXPECT_TRUE(instance.poisoned());
}

TEST(BatchTest, DeadlinePassedBeforeTheBatchRunsNothing) {
  Instance instance = NewInstance();
  auto add = Export<void(int64_t)>(instance, "add");
  CallOptions options;
  options.deadline = absl::Now() - absl::Seconds(1);
  const absl::Status status = add.CallBatch(options, Iota(10), {});
  EXPECT_STATUS(status, absl::StatusCode::kDeadlineExceeded,
                "deadline passed before the guest started");
  EXPECT_FALSE(GetErrorInfo(status).batch_row.has_value());
  EXPECT_FALSE(instance.poisoned());
}

CallOptions WithFuel(uint64_t fuel) {
  CallOptions options;
  options.fuel = fuel;
  return options;
}

TEST(BatchTest, FuelWithoutMeteringIsInvalidArgument) {
  Instance instance = NewInstance();
  auto score = Export<int64_t(int64_t)>(instance, "score");
  std::vector<int64_t> out(1);
  EXPECT_STATUS(score.CallBatch(WithFuel(10), Iota(1), absl::MakeSpan(out)),
                absl::StatusCode::kInvalidArgument, "consume_fuel");
  EXPECT_FALSE(instance.poisoned());
}

TEST(BatchTest, AnotherThreadIsRefused) {
  Instance instance = NewInstance();
  auto score = Export<int64_t(int64_t)>(instance, "score");
  std::vector<int64_t> out(3);
  absl::Status status;
  std::thread([&] {
    status = score.CallBatch({}, Iota(3), absl::MakeSpan(out));
  }).join();
  EXPECT_STATUS(status, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_EQ(GetErrorInfo(status).kind, ErrorKind::kWrongThread);
  EXPECT_FALSE(instance.poisoned());
  EXPECT_OK(score.CallBatch({}, Iota(3), absl::MakeSpan(out)));
}

TEST(BatchTest, WrongSignatureIsRefusedWhenTheHandleIsMade) {
  Instance instance = NewInstance();
  EXPECT_STATUS(instance.GetFunc<int64_t(int32_t)>("score").status(),
                absl::StatusCode::kInvalidArgument, "not the requested");
  EXPECT_STATUS(instance.GetFunc<int32_t(int64_t)>("arena").status(),
                absl::StatusCode::kInvalidArgument, "not the requested");
}

TEST(BatchTest, HostFunctionReenteringItsBatchIsRefused) {
  Linker linker;
  std::optional<TypedFunc<int64_t(int64_t)>> f;
  absl::Status inner;
  ASSERT_OK(
      linker.Define("host", "again", [&](int64_t x) -> absl::StatusOr<int64_t> {
        // The driver's columns hold the running batch: a nested batch of
        // the same export must not overwrite them. A call is fine.
        std::vector<int64_t> out(1);
        inner = f->CallBatch({}, std::vector<int64_t>{x}, absl::MakeSpan(out));
        if (!inner.ok()) return inner;
        return out[0];
      }));
  absl::StatusOr<Instance> instance =
      Instantiate(fixtures::batch_reenter_wasm(), linker);
  ASSERT_OK(instance.status());
  f = Export<int64_t(int64_t)>(*instance, "f");
  std::vector<int64_t> out(2);
  const absl::Status status = f->CallBatch({}, Iota(2), absl::MakeSpan(out));
  EXPECT_STATUS(inner, absl::StatusCode::kFailedPrecondition,
                "a batch of this export is already running");
  // The host function's error ends the batch in its row, as a host error.
  EXPECT_STATUS(status, absl::StatusCode::kFailedPrecondition,
                "batch row 0: a batch of this export is already running");
  const ErrorInfo info = GetErrorInfo(status);
  EXPECT_EQ(info.kind, ErrorKind::kHostError);
  EXPECT_EQ(info.batch_row, 0u);
  EXPECT_TRUE(instance->poisoned());
}

// CallBatchBytes

std::vector<absl::string_view> Views(const std::vector<std::string>& rows) {
  return std::vector<absl::string_view>(rows.begin(), rows.end());
}

TEST(BatchBytesTest, PassesEachRowsBytesAndClearsThemAfter) {
  Instance instance = NewInstance();
  auto count_a = Export<int64_t(int32_t, int32_t)>(instance, "count_a");
  auto arena = Export<int32_t(int32_t)>(instance, "arena");
  const std::vector<std::string> rows = {"banana", "", "aaa", "xyz",
                                         std::string(100'000, 'a')};
  std::vector<int64_t> out(rows.size(), -1);
  ASSERT_OK(
      count_a.CallBatchBytes({}, arena, Views(rows), absl::MakeSpan(out)));
  EXPECT_EQ(out, (std::vector<int64_t>{3, 0, 3, 0, 100'000}));
  // The arena grew memory for the 100 KB row; the rows are gone from it.
  auto peek = Export<int32_t(int32_t)>(instance, "peek");
  for (int32_t at : {1024, 1024 + 6, 1024 + 50'000}) {
    EXPECT_THAT(peek.Call(at), testing::IsOkAndHolds(0)) << at;
  }
}

TEST(BatchBytesTest, ManyRowsAcrossDriverRuns) {
  Instance instance = NewInstance();
  auto count_a = Export<int64_t(int32_t, int32_t)>(instance, "count_a");
  auto arena = Export<int32_t(int32_t)>(instance, "arena");
  std::vector<std::string> rows;
  for (int i = 0; i < kManyRows; ++i) rows.push_back(std::string(i % 5, 'a'));
  std::vector<int64_t> out(rows.size());
  ASSERT_OK(
      count_a.CallBatchBytes({}, arena, Views(rows), absl::MakeSpan(out)));
  for (int i = 0; i < kManyRows; ++i) ASSERT_EQ(out[i], i % 5) << i;
}

TEST(BatchBytesTest, TrapReportsTheRow) {
  Instance instance = NewInstance();
  auto count_a = Export<int64_t(int32_t, int32_t)>(instance, "count_a");
  auto arena = Export<int32_t(int32_t)>(instance, "arena");
  const std::vector<std::string> rows = {"a", "aa", "trap", "aaa"};
  std::vector<int64_t> out(rows.size());
  const absl::Status status =
      count_a.CallBatchBytes({}, arena, Views(rows), absl::MakeSpan(out));
  EXPECT_STATUS(status, absl::StatusCode::kAborted,
                "batch row 2: trap: unreachable");
  EXPECT_EQ(GetErrorInfo(status).batch_row, 2u);
  EXPECT_TRUE(instance.poisoned());
}

// Arguments refused before anything runs.
TEST(BatchBytesTest, BadArenaOrLengthsAreInvalidArgument) {
  struct Case {
    const char* arena;  // the arena export's name
    bool arena_of_another_instance;
    std::vector<std::string> rows;
    size_t out_rows;
    const char* message;
  };
  const Case cases[] = {
      {"bad_arena",
       false,
       {"abc"},
       1,
       "the arena export returned [131070, 131073), outside the guest's "
       "memory of 131072 bytes"},
      {"arena", true, {"abc"}, 1, "another instance"},
      {"arena", false, {"abc", "a"}, 3, "they have 2 and 3 rows"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    Instance instance = NewInstance();
    Instance other = NewInstance();
    auto count_a = Export<int64_t(int32_t, int32_t)>(instance, "count_a");
    auto arena = Export<int32_t(int32_t)>(
        c.arena_of_another_instance ? other : instance, c.arena);
    std::vector<int64_t> out(c.out_rows);
    EXPECT_STATUS(
        count_a.CallBatchBytes({}, arena, Views(c.rows), absl::MakeSpan(out)),
        absl::StatusCode::kInvalidArgument, c.message);
  }
}

TEST(BatchBytesTest, EmptyBatchAndPoisonedInstance) {
  Instance instance = NewInstance();
  auto count_a = Export<int64_t(int32_t, int32_t)>(instance, "count_a");
  auto arena = Export<int32_t(int32_t)>(instance, "arena");
  EXPECT_OK(count_a.CallBatchBytes({}, arena, {}, absl::Span<int64_t>()));
  std::vector<int64_t> out(1);
  const std::vector<std::string> trap = {"trap"};
  EXPECT_STATUS(
      count_a.CallBatchBytes({}, arena, Views(trap), absl::MakeSpan(out)),
      absl::StatusCode::kAborted, "batch row 0");
  EXPECT_STATUS(count_a.CallBatchBytes({}, arena, {}, absl::Span<int64_t>()),
                absl::StatusCode::kFailedPrecondition, "poisoned");
}

}  // namespace
}  // namespace wasmhost
