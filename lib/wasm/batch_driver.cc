// lib/wasm/batch_driver.cc: PlanBatchDriver and BuildBatchDriver.

#include "lib/wasm/batch_driver.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {
namespace {

constexpr uint8_t kBlock = 0x02;
constexpr uint8_t kLoop = 0x03;
constexpr uint8_t kBrIf = 0x0d;
constexpr uint8_t kEnd = 0x0b;
constexpr uint8_t kCall = 0x10;
constexpr uint8_t kLocalGet = 0x20;
constexpr uint8_t kLocalSet = 0x21;
constexpr uint8_t kLocalTee = 0x22;
constexpr uint8_t kI32Store = 0x36;
constexpr uint8_t kI32Const = 0x41;
constexpr uint8_t kI32Eqz = 0x45;
constexpr uint8_t kI32LtU = 0x49;
constexpr uint8_t kI32Add = 0x6a;
constexpr uint8_t kI32Shl = 0x74;
constexpr uint8_t kEmptyBlockType = 0x40;
constexpr uint8_t kExternFunc = 0x00;
constexpr uint8_t kExternMemory = 0x02;

// The local holding `run`'s row count, and the row counter.
constexpr uint32_t kRowsLocal = 0;
constexpr uint32_t kRowLocal = 1;

// A column's value size, or 0 for a type columns do not hold.
uint32_t Width(ValType type) {
  switch (type) {
    case ValType::kI32:
    case ValType::kF32:
      return 4;
    case ValType::kI64:
    case ValType::kF64:
      return 8;
    default:
      return 0;
  }
}

uint8_t LoadOpcode(ValType type) {
  switch (type) {
    case ValType::kI32:
      return 0x28;
    case ValType::kI64:
      return 0x29;
    case ValType::kF32:
      return 0x2a;
    default:
      return 0x2b;  // f64
  }
}

uint8_t StoreOpcode(ValType type) {
  switch (type) {
    case ValType::kI32:
      return 0x36;
    case ValType::kI64:
      return 0x37;
    case ValType::kF32:
      return 0x38;
    default:
      return 0x39;  // f64
  }
}

uint32_t Log2(uint32_t width) { return width == 8 ? 3 : 2; }

// Pushes the address of row kRowLocal's value in a column of `width`
// (the column's base goes in the memory instruction's offset).
void PushRowAddress(uint32_t width, BinaryWriter& w) {
  w.Byte(kLocalGet).U32(kRowLocal);
  w.Byte(kI32Const).S64(Log2(width)).Byte(kI32Shl);
}

}  // namespace

absl::StatusOr<BatchDriverLayout> PlanBatchDriver(const FuncType& type) {
  BatchDriverLayout layout;
  uint32_t row_bytes = 0;
  for (const std::vector<ValType>* types : {&type.params, &type.results}) {
    for (ValType value : *types) {
      if (Width(value) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("a batch call cannot pass a ", ValTypeName(value),
                         " value: columns hold i32, i64, f32 and f64"));
      }
      row_bytes += Width(value);
    }
  }
  // Columns start after the row index, 8-aligned; a multiple of 8 rows
  // keeps every column 8-aligned.
  constexpr uint32_t kFirstColumn = 8;
  constexpr uint32_t kMemoryBytes = kBatchDriverPages * 65536;
  layout.rows_per_run = row_bytes == 0
                            ? kMemoryBytes
                            : (kMemoryBytes - kFirstColumn) / row_bytes / 8 * 8;
  uint32_t next = kFirstColumn;
  auto place = [&](ValType value, std::vector<uint32_t>& offsets,
                   std::vector<uint32_t>& widths) {
    offsets.push_back(next);
    widths.push_back(Width(value));
    next += Width(value) * layout.rows_per_run;
  };
  for (ValType value : type.params) {
    place(value, layout.param_offsets, layout.param_widths);
  }
  for (ValType value : type.results) {
    place(value, layout.result_offsets, layout.result_widths);
  }
  return layout;
}

std::vector<uint8_t> BuildBatchDriver(const FuncType& type,
                                      const BatchDriverLayout& layout) {
  BinaryWriter types, imports, functions, memories, exports, code;
  types.U32(2);
  WriteFuncType(type, types);
  WriteFuncType(FuncType{{ValType::kI32}, {}}, types);
  imports.U32(1)
      .Name(kAdapterImportModule)
      .Name(kAccessedObject)
      .Byte(kExternFunc)
      .U32(0);
  functions.U32(1).U32(1);
  memories.U32(1).Byte(0x01).U32(kBatchDriverPages).U32(kBatchDriverPages);
  exports.U32(2)
      .Name("run")
      .Byte(kExternFunc)
      .U32(1)
      .Name("memory")
      .Byte(kExternMemory)
      .U32(0);

  // Locals: the row counter, then one per result (they come off the stack
  // last first, and each store needs its address pushed before it).
  const auto results = static_cast<uint32_t>(type.results.size());
  BinaryWriter body;
  body.U32(1 + results).U32(1).Byte(ValTypeCode(ValType::kI32));
  for (ValType value : type.results) body.U32(1).Byte(ValTypeCode(value));
  body.Byte(kBlock).Byte(kEmptyBlockType);
  body.Byte(kLocalGet).U32(kRowsLocal).Byte(kI32Eqz).Byte(kBrIf).U32(0);
  body.Byte(kLoop).Byte(kEmptyBlockType);
  body.Byte(kI32Const).S64(0).Byte(kLocalGet).U32(kRowLocal);
  body.Byte(kI32Store).U32(2).U32(BatchDriverLayout::kBatchRowOffset);
  for (size_t k = 0; k < type.params.size(); ++k) {
    PushRowAddress(layout.param_widths[k], body);
    body.Byte(LoadOpcode(type.params[k]))
        .U32(Log2(layout.param_widths[k]))
        .U32(layout.param_offsets[k]);
  }
  body.Byte(kCall).U32(0);
  for (uint32_t k = results; k > 0; --k) {
    body.Byte(kLocalSet).U32(kRowLocal + k);
  }
  for (uint32_t k = 0; k < results; ++k) {
    PushRowAddress(layout.result_widths[k], body);
    body.Byte(kLocalGet).U32(kRowLocal + 1 + k);
    body.Byte(StoreOpcode(type.results[k]))
        .U32(Log2(layout.result_widths[k]))
        .U32(layout.result_offsets[k]);
  }
  body.Byte(kLocalGet).U32(kRowLocal).Byte(kI32Const).S64(1).Byte(kI32Add);
  body.Byte(kLocalTee).U32(kRowLocal).Byte(kLocalGet).U32(kRowsLocal);
  body.Byte(kI32LtU).Byte(kBrIf).U32(0);
  body.Byte(kEnd).Byte(kEnd).Byte(kEnd);
  code.U32(1)
      .U32(static_cast<uint32_t>(body.bytes().size()))
      .Bytes(body.bytes());

  return AssembleModule(types, imports, functions, memories, exports, code);
}

}  // namespace wasmhost::wasm
