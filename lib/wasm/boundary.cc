// lib/wasm/boundary.cc: BoundaryType, the boundary wrappers and the import
// adapter module.

#include "lib/wasm/boundary.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {
namespace {

constexpr uint8_t kLocalGet = 0x20;
constexpr uint8_t kLocalSet = 0x21;
constexpr uint8_t kCall = 0x10;
constexpr uint8_t kEnd = 0x0b;
constexpr uint8_t kI64x2Splat = 0x12;
constexpr uint8_t kI64x2ExtractLane = 0x1d;
constexpr uint8_t kI64x2ReplaceLane = 0x1e;

// Which side of the boundary a function's values are laid out for.
enum class Abi { kWasm, kBoundary };

void AppendBoundary(ValType type, std::vector<ValType>& out) {
  switch (type) {
    case ValType::kF32:
      out.push_back(ValType::kI32);
      break;
    case ValType::kF64:
      out.push_back(ValType::kI64);
      break;
    case ValType::kV128:
      out.push_back(ValType::kI64);
      out.push_back(ValType::kI64);
      break;
    default:
      out.push_back(type);
  }
}

std::vector<ValType> BoundaryTypes(absl::Span<const ValType> types) {
  std::vector<ValType> out;
  for (ValType t : types) AppendBoundary(t, out);
  return out;
}

std::vector<ValType> Layout(absl::Span<const ValType> types, Abi abi) {
  if (abi == Abi::kBoundary) return BoundaryTypes(types);
  return std::vector<ValType>(types.begin(), types.end());
}

Abi Other(Abi abi) { return abi == Abi::kWasm ? Abi::kBoundary : Abi::kWasm; }

// Pushes the values of `types`, held in locals from `first_local` on laid
// out for `from`, converted to the other ABI.
void PushConverted(absl::Span<const ValType> types, Abi from,
                   uint32_t first_local, BinaryWriter& w) {
  uint32_t local = first_local;
  for (ValType type : types) {
    if (type == ValType::kV128 && from == Abi::kBoundary) {
      w.Byte(kLocalGet).U32(local).Byte(kSimdPrefix).U32(kI64x2Splat);
      w.Byte(kLocalGet).U32(local + 1).Byte(kSimdPrefix).U32(kI64x2ReplaceLane);
      w.Byte(1);
      local += 2;
    } else if (type == ValType::kV128) {
      for (uint8_t lane = 0; lane < 2; ++lane) {
        w.Byte(kLocalGet).U32(local).Byte(kSimdPrefix).U32(kI64x2ExtractLane);
        w.Byte(lane);
      }
      ++local;
    } else {
      w.Byte(kLocalGet).U32(local);
      if (from == Abi::kBoundary) {
        ReinterpretFromBoundary(type, w);
      } else {
        ReinterpretToBoundary(type, w);
      }
      ++local;
    }
  }
}

// The body of a function of `type` laid out for `outer` that calls
// `callee`, which takes `type` laid out for the other ABI: parameters are
// converted on the way in, results (stashed in locals) on the way out.
std::vector<uint8_t> ConvertingCallBody(const FuncType& type, Abi outer,
                                        uint32_t callee) {
  const Abi inner = Other(outer);
  const auto param_slots =
      static_cast<uint32_t>(Layout(type.params, outer).size());
  const std::vector<ValType> result_locals = Layout(type.results, inner);
  BinaryWriter w;
  w.U32(static_cast<uint32_t>(result_locals.size()));
  for (ValType t : result_locals) w.U32(1).Byte(ValTypeCode(t));
  PushConverted(type.params, outer, 0, w);
  w.Byte(kCall).U32(callee);
  for (size_t i = result_locals.size(); i > 0; --i) {
    w.Byte(kLocalSet).U32(param_slots + static_cast<uint32_t>(i - 1));
  }
  PushConverted(type.results, inner, param_slots, w);
  return w.Byte(kEnd).Release();
}

}  // namespace

FuncType BoundaryType(const FuncType& type) {
  return FuncType{BoundaryTypes(type.params), BoundaryTypes(type.results)};
}

bool NeedsBoundaryAbi(const FuncType& type) {
  auto changes = [](ValType t) {
    return t == ValType::kF32 || t == ValType::kF64 || t == ValType::kV128;
  };
  for (ValType t : type.params) {
    if (changes(t)) return true;
  }
  for (ValType t : type.results) {
    if (changes(t)) return true;
  }
  return false;
}

bool FitsBoundaryLimits(const FuncType& type) {
  const FuncType boundary = BoundaryType(type);
  return boundary.params.size() <= kMaxBoundaryValues &&
         boundary.results.size() <= kMaxBoundaryValues;
}

void ReinterpretToBoundary(ValType type, BinaryWriter& w) {
  if (type == ValType::kF32) w.Byte(0xbc);  // i32.reinterpret_f32
  if (type == ValType::kF64) w.Byte(0xbd);  // i64.reinterpret_f64
}

void ReinterpretFromBoundary(ValType type, BinaryWriter& w) {
  if (type == ValType::kF32) w.Byte(0xbe);  // f32.reinterpret_i32
  if (type == ValType::kF64) w.Byte(0xbf);  // f64.reinterpret_i64
}

absl::StatusOr<std::vector<std::string>> PlanBoundaryWrappers(
    const ModuleInfo& info, absl::string_view prefix,
    std::vector<AddedFunction>* functions) {
  if (!IsValidUtf8(prefix)) {
    return absl::InvalidArgumentError("export name prefix is not valid UTF-8");
  }
  std::vector<std::string> wrapper_exports(info.exports.size());
  for (size_t i = 0; i < info.exports.size(); ++i) {
    const Export& e = info.exports[i];
    if (e.kind != ExternKind::kFunc) continue;
    const FuncType* type = info.FunctionType(e.index);
    if (type == nullptr) return InfoMismatch();
    if (!NeedsBoundaryAbi(*type) || !FitsBoundaryLimits(*type)) continue;
    std::string name = absl::StrCat(prefix, i);
    WASMHOST_RETURN_IF_ERROR(CheckNotExported(info, name));
    functions->push_back({BoundaryType(*type), name,
                          ConvertingCallBody(*type, Abi::kBoundary, e.index)});
    wrapper_exports[i] = std::move(name);
  }
  return wrapper_exports;
}

std::vector<uint8_t> BuildImportAdapter(absl::Span<const FuncType> types) {
  const auto n = static_cast<uint32_t>(types.size());
  // Type 2k is import k's boundary type, 2k + 1 the guest's type.
  BinaryWriter type_section, imports, functions, exports, code;
  type_section.U32(2 * n);
  imports.U32(n);
  functions.U32(n);
  exports.U32(n);
  code.U32(n);
  for (uint32_t k = 0; k < n; ++k) {
    WriteFuncType(BoundaryType(types[k]), type_section);
    WriteFuncType(types[k], type_section);
    const std::string name = absl::StrCat(k);
    imports.Name(kAdapterImportModule).Name(name).Byte(0x00).U32(2 * k);
    functions.U32(2 * k + 1);
    exports.Name(name).Byte(0x00).U32(n + k);
    const std::vector<uint8_t> body =
        ConvertingCallBody(types[k], Abi::kWasm, k);
    code.U32(static_cast<uint32_t>(body.size())).Bytes(body);
  }
  return AssembleModule(type_section, imports, functions, BinaryWriter(),
                        exports, code);
}

namespace {

constexpr uint8_t kGlobalGet = 0x23;
constexpr uint8_t kGlobalSet = 0x24;
constexpr uint8_t kExternFunc = 0x00;
constexpr uint8_t kExternGlobal = 0x03;

void WriteGlobalType(const GlobalType& type, BinaryWriter& w) {
  w.Byte(ValTypeCode(type.type)).Byte(type.is_mutable ? 1 : 0);
}

void WriteBody(absl::Span<const uint8_t> body, BinaryWriter& code) {
  code.U32(static_cast<uint32_t>(body.size())).Bytes(body);
}

// Little-endian bytes of the low `count` bytes of `bits`.
void WriteBits(uint64_t bits, int count, BinaryWriter& w) {
  for (int i = 0; i < count; ++i) w.Byte(static_cast<uint8_t>(bits >> (8 * i)));
}

}  // namespace

std::vector<uint8_t> BuildFunctionAccessor(const FuncType& type) {
  BinaryWriter types, imports, functions, exports, code;
  types.U32(2);
  WriteFuncType(type, types);
  WriteFuncType(BoundaryType(type), types);
  imports.U32(1)
      .Name(kAdapterImportModule)
      .Name(kAccessedObject)
      .Byte(kExternFunc)
      .U32(0);
  functions.U32(1).U32(1);
  exports.U32(1).Name("call").Byte(kExternFunc).U32(1);
  code.U32(1);
  WriteBody(ConvertingCallBody(type, Abi::kBoundary, 0), code);
  return AssembleModule(types, imports, functions, BinaryWriter(), exports,
                        code);
}

std::vector<uint8_t> BuildGlobalAccessor(const GlobalType& type) {
  // Functions 0 and 1 read and write the global in its own type; 2 and 3
  // are their boundary-ABI wrappers, the exports.
  const FuncType get{{}, {type.type}};
  const FuncType set{{type.type}, {}};
  const uint32_t count = type.is_mutable ? 2 : 1;
  BinaryWriter types, imports, functions, exports, code;
  types.U32(2 * count);
  WriteFuncType(get, types);
  WriteFuncType(BoundaryType(get), types);
  if (type.is_mutable) {
    WriteFuncType(set, types);
    WriteFuncType(BoundaryType(set), types);
  }
  imports.U32(1)
      .Name(kAdapterImportModule)
      .Name(kAccessedObject)
      .Byte(kExternGlobal);
  WriteGlobalType(type, imports);
  functions.U32(2 * count).U32(0);
  if (type.is_mutable) functions.U32(2);
  functions.U32(1);
  if (type.is_mutable) functions.U32(3);
  exports.U32(count).Name("get").Byte(kExternFunc).U32(count);
  if (type.is_mutable) exports.Name("set").Byte(kExternFunc).U32(count + 1);
  code.U32(2 * count);
  WriteBody({0x00, kGlobalGet, 0x00, kEnd}, code);
  if (type.is_mutable) {
    WriteBody({0x00, kLocalGet, 0x00, kGlobalSet, 0x00, kEnd}, code);
  }
  WriteBody(ConvertingCallBody(get, Abi::kBoundary, 0), code);
  if (type.is_mutable) {
    WriteBody(ConvertingCallBody(set, Abi::kBoundary, 1), code);
  }
  return AssembleModule(types, imports, functions, BinaryWriter(), exports,
                        code);
}

std::vector<uint8_t> BuildGlobalDefinition(const GlobalType& type, uint64_t low,
                                           uint64_t high) {
  BinaryWriter globals, exports;
  globals.U32(1);
  WriteGlobalType(type, globals);
  switch (type.type) {
    case ValType::kI32:
      globals.Byte(0x41).S64(static_cast<int32_t>(low));
      break;
    case ValType::kI64:
      globals.Byte(0x42).S64(static_cast<int64_t>(low));
      break;
    case ValType::kF32:
      WriteBits(low, 4, globals.Byte(0x43));
      break;
    case ValType::kF64:
      WriteBits(low, 8, globals.Byte(0x44));
      break;
    default:  // v128.const
      WriteBits(low, 8, globals.Byte(kSimdPrefix).Byte(0x0c));
      WriteBits(high, 8, globals);
      break;
  }
  globals.Byte(kEnd);
  exports.U32(1).Name("global").Byte(kExternGlobal).U32(0);
  return BinaryWriter()
      .Header()
      .Section(kGlobalSection, globals.bytes())
      .Section(kExportSection, exports.bytes())
      .Release();
}

std::vector<uint8_t> AssembleModule(const BinaryWriter& types,
                                    const BinaryWriter& imports,
                                    const BinaryWriter& functions,
                                    const BinaryWriter& memories,
                                    const BinaryWriter& exports,
                                    const BinaryWriter& code) {
  BinaryWriter module;
  module.Header()
      .Section(kTypeSection, types.bytes())
      .Section(kImportSection, imports.bytes())
      .Section(kFunctionSection, functions.bytes());
  if (!memories.bytes().empty()) {
    module.Section(kMemorySection, memories.bytes());
  }
  return module.Section(kExportSection, exports.bytes())
      .Section(kCodeSection, code.bytes())
      .Release();
}

}  // namespace wasmhost::wasm
