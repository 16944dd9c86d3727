// lib/wasm/boundary.h: the boundary ABI, in which values cross between the
// host and V8's JS API bit-exactly, and the Wasm code that converts to it.
//
//   BoundaryType            a signature in the boundary ABI
//   NeedsBoundaryAbi        whether a signature differs in it
//   FitsBoundaryLimits      whether V8 takes it in the boundary ABI
//   ReinterpretToBoundary   one f32/f64 on the stack -> its bits
//   ReinterpretFromBoundary the bits on the stack -> one f32/f64
//   PlanBoundaryWrappers    exports a boundary-ABI wrapper of float exports
//   kAdapterImportModule    the import module of BuildImportAdapter's module
//   BuildImportAdapter      a module adapting host functions to Wasm types
//   BuildFunctionAccessor   a module calling one Wasm function in the ABI
//   BuildGlobalAccessor     a module reading and writing one global in it
//   BuildGlobalDefinition   a module defining one global with a value
//   AssembleModule          a helper module of its sections' payloads
//
// V8's JS API turns f32 and f64 into JS Numbers, which canonicalise NaNs
// (sign and payload lost) and widen f32 to double (signalling NaNs
// quieted), and it cannot pass v128 at all. In the boundary ABI only i32
// crosses as a Number, which is exact:
//
//   i32, i64, funcref, externref  unchanged
//   f32                           its bits as an i32 (a JS Number)
//   f64                           its bits as an i64 (a JS BigInt)
//   v128                          two i64 (JS BigInts), the low 64 bits first
//
// Guest functions are reached through a wrapper in the boundary ABI that
// reinterprets and calls them; host functions through an adapter module
// whose functions have the guest's types and call the host's boundary-ABI
// functions. A Wasm-to-Wasm call keeps every bit.

#ifndef WASMHOST_LIB_WASM_BOUNDARY_H_
#define WASMHOST_LIB_WASM_BOUNDARY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"
#include "wasmhost/value.h"

namespace wasmhost::wasm {

// V8's kV8MaxWasmFunctionParams and kV8MaxWasmFunctionReturns: a wrapper
// or adapter whose boundary-ABI type has more (v128 counts twice) is not
// made.
inline constexpr size_t kMaxBoundaryValues = 1000;

// `type` with every f32 replaced by i32, f64 by i64 and v128 by two i64.
[[nodiscard]] FuncType BoundaryType(const FuncType& type);

// Whether `type` has an f32, f64 or v128 parameter or result.
[[nodiscard]] bool NeedsBoundaryAbi(const FuncType& type);

// Whether BoundaryType(type) has at most kMaxBoundaryValues parameters and
// as many results, so a wrapper or adapter of it can be made.
[[nodiscard]] bool FitsBoundaryLimits(const FuncType& type);

// Appends i32.reinterpret_f32 for kF32 and i64.reinterpret_f64 for kF64;
// nothing for any other type (whose value is already in the boundary ABI,
// except v128, which needs a local to split).
void ReinterpretToBoundary(ValType type, BinaryWriter& w);
// Appends f32.reinterpret_i32 for kF32 and f64.reinterpret_i64 for kF64;
// nothing for any other type.
void ReinterpretFromBoundary(ValType type, BinaryWriter& w);

// Plans one more function per exported function whose signature
// NeedsBoundaryAbi, exported as `prefix` + the export's index: its type is
// the export's BoundaryType, and its body reinterprets each parameter,
// calls the export's function, and reinterprets the results (kept in
// locals in between, since they come off the stack last first):
//
//   (func (param <boundary params>) (result <boundary results>)
//     (local <original results>)
//     local.get 0 [f32.reinterpret_i32 | f64.reinterpret_i64]
//     ... for v128: local.get i i64x2.splat local.get i+1
//                   i64x2.replace_lane 1
//     call f
//     local.set ... (last result first)
//     local.get r [i32.reinterpret_f32 | i64.reinterpret_f64] ...
//     ... for v128: local.get r i64x2.extract_lane 0
//                   local.get r i64x2.extract_lane 1
//   )
//
// The wrappers are appended to `*functions`, for AddFunctions and one
// RewriteSections pass with the other plans (lib/runtime/module.cc); they
// compose with InjectFuel (which then meters the wrappers too: a few
// instructions per call, the same on every run). Returns, by export index
// of the module, the wrapper's export name, empty for exports that need
// none (non-functions, signatures of only i32, i64 and references, and the
// rare signature over kMaxBoundaryValues).
//
// Returns InvalidArgument if `prefix` is not valid UTF-8 or if one of the
// new names is already exported.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> PlanBoundaryWrappers(
    const ModuleInfo& info, absl::string_view prefix,
    std::vector<AddedFunction>* functions);

// BuildImportAdapter's module imports its functions from this module.
inline constexpr absl::string_view kAdapterImportModule = "host";

// A module of adapters for host functions of `types` (each
// FitsBoundaryLimits): function k is imported as
// kAdapterImportModule."<k>" (decimal) with type BoundaryType(types[k]),
// and exported as "<k>" with type types[k], converting parameters and
// results as PlanBoundaryWrappers' wrappers do, the other way round. A
// guest given these exports as imports calls the host functions without a
// value passing through a JS Number.
[[nodiscard]] std::vector<uint8_t> BuildImportAdapter(
    absl::Span<const FuncType> types);

// The host's own modules below import the object they reach as
// kAdapterImportModule.kAccessedObject.
inline constexpr absl::string_view kAccessedObject = "object";

// A module that imports a function of `type` (under kMaxBoundaryValues in
// the boundary ABI) and exports "call", of type BoundaryType(type), which
// converts its parameters, calls the import and converts the results: the
// host calls a function value (a funcref) through it bit-exactly.
[[nodiscard]] std::vector<uint8_t> BuildFunctionAccessor(const FuncType& type);

// A module that imports a global of `type` (a number or v128) and exports
// "get", () -> the value in the boundary ABI, and for a mutable global
// "set", (the value in the boundary ABI) -> (): a WebAssembly.Global's
// `value` is a JS Number (NaN bits lost) and refuses a v128.
[[nodiscard]] std::vector<uint8_t> BuildGlobalAccessor(const GlobalType& type);

// A module defining a global of `type` (a number or v128) whose initial
// value is the constant with bits `low` (and `high`, a v128's upper 64
// bits), exported as "global": how the host makes a global bit-exactly.
[[nodiscard]] std::vector<uint8_t> BuildGlobalDefinition(const GlobalType& type,
                                                         uint64_t low,
                                                         uint64_t high);

// A module of these sections' payloads (each with its entry count), in
// canonical order: the shape of every helper module built over the
// boundary (here and by BuildBatchDriver). `memories` empty: no memory
// section.
[[nodiscard]] std::vector<uint8_t> AssembleModule(const BinaryWriter& types,
                                                  const BinaryWriter& imports,
                                                  const BinaryWriter& functions,
                                                  const BinaryWriter& memories,
                                                  const BinaryWriter& exports,
                                                  const BinaryWriter& code);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_BOUNDARY_H_
