// lib/wasm/component_driver.cc: CheckComponentDriver and
// BuildComponentDriver.

#include "lib/wasm/component_driver.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {
namespace {

constexpr uint8_t kEnd = 0x0b;
constexpr uint8_t kCall = 0x10;
constexpr uint8_t kLocalGet = 0x20;
constexpr uint8_t kLocalSet = 0x21;
constexpr uint8_t kI32Const = 0x41;
constexpr uint8_t kF32ReinterpretI32 = 0xbe;
constexpr uint8_t kF64ReinterpretI64 = 0xbf;
constexpr uint8_t kExternFunc = 0x00;

bool IsNumber(ValType type) {
  return type == ValType::kI32 || type == ValType::kI64 ||
         type == ValType::kF32 || type == ValType::kF64;
}

}  // namespace

std::string ComponentDriverSpec::Key() const {
  std::string key = callee.ToString();
  for (const Allocation& a : allocations) {
    absl::StrAppend(&key, " alloc ", a.param, "/", a.align);
  }
  if (post_return) absl::StrAppend(&key, " post");
  return key;
}

absl::Status CheckComponentDriver(const ComponentDriverSpec& spec) {
  for (ValType type : spec.callee.params) {
    if (!IsNumber(type)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a component driver cannot pass ",
                       spec.callee.ToString(), "'s parameters"));
    }
  }
  if (!(spec.callee.results.empty() ||
        (spec.callee.results.size() == 1 &&
         spec.callee.results[0] == ValType::kI32))) {
    return absl::InvalidArgumentError(
        absl::StrCat("a component driver lifts no result or one i32, not ",
                     spec.callee.ToString(), "'s"));
  }
  for (const ComponentDriverSpec::Allocation& a : spec.allocations) {
    if (a.param >= spec.callee.params.size() ||
        spec.callee.params[a.param] != ValType::kI32 || a.align == 0 ||
        (a.align & (a.align - 1)) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a component driver cannot allocate for parameter ", a.param,
          " (alignment ", a.align, ") of ", spec.callee.ToString()));
    }
  }
  return absl::OkStatus();
}

std::vector<uint8_t> BuildComponentDriver(const ComponentDriverSpec& spec) {
  const FuncType& callee = spec.callee;
  const bool allocates = !spec.allocations.empty();
  const bool lifts = !callee.results.empty();
  // Types: 0 callee, 1 realloc, 2 copy, 3 lift, 4 post, 5 run.
  BinaryWriter types, imports, functions, memories, exports, code;
  types.U32(6);
  WriteFuncType(callee, types);
  WriteFuncType(
      FuncType{{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32},
               {ValType::kI32}},
      types);
  WriteFuncType(FuncType{{ValType::kI32, ValType::kI32}, {}}, types);
  WriteFuncType(FuncType{{ValType::kI32}, {}}, types);
  WriteFuncType(FuncType{callee.results, {}}, types);
  WriteFuncType(FuncType{BoundaryType(callee).params, {}}, types);

  // Function indices: the imports in this order, then run.
  uint32_t count = 0;
  auto import = [&](absl::string_view name, uint32_t type) {
    imports.Name(kAdapterImportModule).Name(name).Byte(kExternFunc).U32(type);
    return count++;
  };
  const uint32_t callee_index = import("callee", 0);
  const uint32_t realloc_index = allocates ? import("realloc", 1) : 0;
  const uint32_t copy_index = allocates ? import("copy", 2) : 0;
  const uint32_t lift_index = lifts ? import("lift", 3) : 0;
  const uint32_t post_index = spec.post_return ? import("post", 4) : 0;
  BinaryWriter counted_imports;
  counted_imports.U32(count).Bytes(imports.bytes());
  functions.U32(1).U32(5);
  exports.U32(1).Name("run").Byte(kExternFunc).U32(count);

  const auto params = static_cast<uint32_t>(callee.params.size());
  const uint32_t result_local = params;
  BinaryWriter body;
  if (lifts) {
    body.U32(1).U32(1).Byte(ValTypeCode(ValType::kI32));
  } else {
    body.U32(0);
  }
  for (size_t k = 0; k < spec.allocations.size(); ++k) {
    const ComponentDriverSpec::Allocation& a = spec.allocations[k];
    body.Byte(kI32Const).S64(0).Byte(kI32Const).S64(0);
    body.Byte(kI32Const).S64(a.align).Byte(kLocalGet).U32(a.param);
    body.Byte(kCall).U32(realloc_index).Byte(kLocalSet).U32(a.param);
    body.Byte(kI32Const).S64(static_cast<int64_t>(k));
    body.Byte(kLocalGet).U32(a.param).Byte(kCall).U32(copy_index);
  }
  for (uint32_t i = 0; i < params; ++i) {
    body.Byte(kLocalGet).U32(i);
    if (callee.params[i] == ValType::kF32) body.Byte(kF32ReinterpretI32);
    if (callee.params[i] == ValType::kF64) body.Byte(kF64ReinterpretI64);
  }
  body.Byte(kCall).U32(callee_index);
  if (lifts) {
    body.Byte(kLocalSet).U32(result_local);
    body.Byte(kLocalGet).U32(result_local).Byte(kCall).U32(lift_index);
    if (spec.post_return) body.Byte(kLocalGet).U32(result_local);
  }
  if (spec.post_return) body.Byte(kCall).U32(post_index);
  body.Byte(kEnd);
  code.U32(1)
      .U32(static_cast<uint32_t>(body.bytes().size()))
      .Bytes(body.bytes());
  return AssembleModule(types, counted_imports, functions, memories, exports,
                        code);
}

}  // namespace wasmhost::wasm
