// lib/wasm/batch_driver.h: the batch driver, a small module that calls one
// function once per row of argument columns in its own linear memory and
// writes the results beside them, so N calls cost one entry into the
// engine.
//
//   BatchDriverLayout  where the driver keeps its columns
//   PlanBatchDriver    the layout for a function type
//   BuildBatchDriver   the driver module's bytes

#ifndef WASMHOST_LIB_WASM_BATCH_DRIVER_H_
#define WASMHOST_LIB_WASM_BATCH_DRIVER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "wasmhost/value.h"

namespace wasmhost::wasm {

// The driver's memory, in 64 KiB pages: fixed (minimum = maximum), so the
// host may keep a pointer to it. 256 KiB holds 16,376 rows of an
// i64 -> i64 function: an entry into the engine (~0.1-0.3 us) is spread
// over enough rows to vanish (~0.01 ns a row), and the columns the host
// copies in and out stay in the CPU's L2 cache (udf_benchmark measured
// 4 pages ~10% faster a row than 16, and no worse than 1, 2 or 8).
inline constexpr uint32_t kBatchDriverPages = 4;

// The driver imports the called function as kAdapterImportModule.
// kAccessedObject (lib/wasm/boundary.h) and exports "memory" and
// "run" (param i32 rows): it calls the function for rows 0..rows-1,
// storing each row's index at kBatchRowOffset before calling it (so after
// a trap the host reads which row failed), argument k of row i from
// param_offsets[k] + i * param_widths[k] and result k to
// result_offsets[k] + i * result_widths[k]. rows must not exceed
// rows_per_run.
struct BatchDriverLayout {
  static constexpr uint32_t kBatchRowOffset = 0;
  uint32_t rows_per_run = 0;
  // By parameter and by result: the column's first byte and each value's
  // size (4 for i32 and f32, 8 for i64 and f64), values little-endian.
  std::vector<uint32_t> param_offsets;
  std::vector<uint32_t> param_widths;
  std::vector<uint32_t> result_offsets;
  std::vector<uint32_t> result_widths;
};

// The driver's layout for functions of `type`. Returns InvalidArgument
// for a type with a v128 or reference value, which columns do not hold.
[[nodiscard]] absl::StatusOr<BatchDriverLayout> PlanBatchDriver(
    const FuncType& type);

// The driver module for functions of `type`, laid out as `layout`
// (PlanBatchDriver(type)'s).
[[nodiscard]] std::vector<uint8_t> BuildBatchDriver(
    const FuncType& type, const BatchDriverLayout& layout);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_BATCH_DRIVER_H_
