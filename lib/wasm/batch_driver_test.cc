// PlanBatchDriver's layout, and the driver BuildBatchDriver makes, run
// through the public API with a host function standing for the guest's.

#include "lib/wasm/batch_driver.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::wasm {
namespace {

TEST(PlanBatchDriverTest, LaysColumnsOutAfterTheRowIndex) {
  const FuncType type{{ValType::kI64, ValType::kF32}, {ValType::kI32}};
  absl::StatusOr<BatchDriverLayout> layout = PlanBatchDriver(type);
  ASSERT_TRUE(layout.ok()) << layout.status();
  // 16 bytes a row after the first 8 bytes, rounded down to 8 rows.
  EXPECT_EQ(layout->rows_per_run, (kBatchDriverPages * 65536 - 8) / 16 / 8 * 8);
  EXPECT_EQ(layout->param_widths, (std::vector<uint32_t>{8, 4}));
  EXPECT_EQ(layout->result_widths, (std::vector<uint32_t>{4}));
  const uint32_t rows = layout->rows_per_run;
  EXPECT_EQ(layout->param_offsets, (std::vector<uint32_t>{8, 8 + 8 * rows}));
  EXPECT_EQ(layout->result_offsets, (std::vector<uint32_t>{8 + 12 * rows}));
  EXPECT_LE(layout->result_offsets[0] + 4 * rows, kBatchDriverPages * 65536);
}

TEST(PlanBatchDriverTest, RefusesValuesColumnsCannotHold) {
  for (ValType type :
       {ValType::kV128, ValType::kFuncRef, ValType::kExternRef}) {
    absl::StatusOr<BatchDriverLayout> layout =
        PlanBatchDriver(FuncType{{ValType::kI32, type}, {}});
    EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(layout.status().message().find("cannot pass a"),
              std::string::npos);
  }
}

TEST(BuildBatchDriverTest, ReadsAsAModule) {
  const FuncType type{{ValType::kI32, ValType::kF64}, {ValType::kI64}};
  absl::StatusOr<BatchDriverLayout> layout = PlanBatchDriver(type);
  ASSERT_TRUE(layout.ok());
  const std::vector<uint8_t> bytes = BuildBatchDriver(type, *layout);
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(ScanCode(bytes, *info).ok());
}

// Runs the driver for (i64, i32) -> i64 over `rows` rows through a host
// function, and checks each row's result and the last row index.
TEST(BuildBatchDriverTest, CallsTheImportOncePerRow) {
  const FuncType type{{ValType::kI64, ValType::kI32}, {ValType::kI64}};
  absl::StatusOr<BatchDriverLayout> layout = PlanBatchDriver(type);
  ASSERT_TRUE(layout.ok());
  absl::StatusOr<Engine> engine = Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  absl::StatusOr<Module> module =
      engine->Compile(BuildBatchDriver(type, *layout));
  ASSERT_TRUE(module.ok()) << module.status();
  Linker linker;
  int calls = 0;
  ASSERT_TRUE(linker
                  .Define(kAdapterImportModule, kAccessedObject,
                          [&calls](int64_t a, int32_t b) -> int64_t {
                            ++calls;
                            return a * b + 1;
                          })
                  .ok());
  absl::StatusOr<Instance> instance = Instance::Create(*module, linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::Span<uint8_t> memory = instance->memory().data();
  ASSERT_EQ(memory.size(), kBatchDriverPages * 65536u);
  constexpr int kRows = 5;
  for (int64_t i = 0; i < kRows; ++i) {
    const int64_t a = 1000 + i;
    const int32_t b = static_cast<int32_t>(i) - 2;
    std::memcpy(&memory[layout->param_offsets[0] + 8 * i], &a, 8);
    std::memcpy(&memory[layout->param_offsets[1] + 4 * i], &b, 4);
  }
  absl::StatusOr<TypedFunc<void(int32_t)>> run =
      instance->GetFunc<void(int32_t)>("run");
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_TRUE(run->Call(kRows).ok());
  EXPECT_EQ(calls, kRows);
  memory = instance->memory().data();
  for (int64_t i = 0; i < kRows; ++i) {
    int64_t result;
    std::memcpy(&result, &memory[layout->result_offsets[0] + 8 * i], 8);
    EXPECT_EQ(result, (1000 + i) * (i - 2) + 1) << "row " << i;
  }
  int32_t last_row;
  std::memcpy(&last_row, &memory[BatchDriverLayout::kBatchRowOffset], 4);
  EXPECT_EQ(last_row, kRows - 1);
  // No rows: the import is not called.
  ASSERT_TRUE(run->Call(0).ok());
  EXPECT_EQ(calls, kRows);
}

}  // namespace
}  // namespace wasmhost::wasm
