// lib/wasm/rewriter.h: binary rewrites the SDK applies to modules before
// compiling them.
//
//   MemoryImportAdditions  turns a module's own memory into a memory import
//   GlobalAccessors        what PlanGlobalAccessors planned
//   PlanGlobalAccessors    adds functions that set and get every mutable
//                          global
//   TagModule, TagAddition name a module in the stack frames V8 reports
//
// The plans (MemoryImportAdditions, PlanGlobalAccessors, and
// PlanBoundaryWrappers in boundary.h) are applied together, with
// AddFunctions, in one RewriteSections pass (lib/runtime/module.cc).

#ifndef WASMHOST_LIB_WASM_REWRITER_H_
#define WASMHOST_LIB_WASM_REWRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {

// Appends to `*additions` what turns the module's one defined memory into
// an import `import_module`.`import_name` with the same limits (and
// sharing), so the host can create the memory itself, e.g. to cap its
// maximum per instance: the import, appended at the end of the import
// section (function, table, global and tag indices do not move; without
// an import section one is inserted after the type section, or first),
// and the memory section's removal. The memory keeps index 0, so its
// export, data segments and code keep working. Nothing is appended if the
// module defines no memory.
//
// Returns InvalidArgument if the module defines more than one memory, or
// imports a memory and defines one (multi-memory is not supported), or if
// an import name is not valid UTF-8.
[[nodiscard]] absl::Status MemoryImportAdditions(
    const ModuleInfo& info, absl::string_view import_module,
    absl::string_view import_name, std::vector<SectionAddition>* additions);

// The accessors' export names in the SDK.
inline constexpr absl::string_view kSetGlobalsExport = "wasmhost:globals:set";
inline constexpr absl::string_view kGetGlobalsExport = "wasmhost:globals:get";

// The result of PlanGlobalAccessors. Plain value: thread-compatible.
struct GlobalAccessors {
  bool added = false;
  // Why the accessors were not added ("global 2 is not an i32, ..."); empty
  // if `added`.
  std::string not_added_reason;
  // The global indices (imports first) the setter's parameters set and the
  // getter's results return, in order: every defined mutable global,
  // ascending. Empty if not `added`.
  std::vector<uint32_t> globals;
  // The setter's function index (the original function count); the
  // getter's is the next.
  uint32_t setter_index = 0;
  uint32_t getter_index = 0;
};

// Plans two more functions over every mutable global the module defines,
// so a host reads and restores them in one call each, bit-exactly (values
// in the boundary ABI of lib/wasm/boundary.h: an f32 as its bits in an
// i32, an f64 as its bits in an i64; a WebAssembly.Global's value would be
// a JS Number, which loses NaN bits):
//
//   setter, exported as `set_export`:
//   (func (param <boundary type of g0>) (param <boundary type of g1>) ...
//     local.get 0 [f32.reinterpret_i32 | f64.reinterpret_i64] global.set g0
//     local.get 1 [...] global.set g1  ...)
//   getter, exported as `get_export`:
//   (func (result <boundary type of g0>) (result <boundary type of g1>) ...
//     global.get g0 [i32.reinterpret_f32 | i64.reinterpret_f64]  ...)
//
// with g0 < g1 < ... the defined mutable globals' indices. If `added`,
// the setter and getter are appended to `*functions`, for AddFunctions:
// their indices are then info.function_count() plus their positions
// there, which setter_index and getter_index assume to be the first two.
// Composes with the other plans and InjectFuel (which then meters the
// accessors too).
//
// Not added (OK, `added` false, the reason in `not_added_reason`, nothing
// appended) if the module defines no mutable global, if one has a type
// other than i32, i64, f32 and f64, or if there are more than
// kMaxBoundaryValues of them.
//
// Returns InvalidArgument if an export name is not valid UTF-8 or is
// already the name of an export.
[[nodiscard]] absl::StatusOr<GlobalAccessors> PlanGlobalAccessors(
    const ModuleInfo& info, absl::string_view set_export,
    absl::string_view get_export, std::vector<AddedFunction>* functions);

// The custom section V8 takes a module's source map URL from; it reports
// that URL with every stack frame of the module
// (v8::StackFrame::GetScriptSourceMappingURL).
inline constexpr absl::string_view kSourceMappingUrlSection =
    "sourceMappingURL";

// Returns a copy of `bytes` with a kSourceMappingUrlSection custom section
// holding `tag` inserted right after the header, so that V8 reports `tag`
// with the stack frames of the module, which tells frames of different
// modules apart in one backtrace. V8 takes the first such section: a
// module's own, if any, is kept but shadowed. Every other byte is copied
// unchanged (offsets shift by the inserted section's size).
//
// Returns InvalidArgument if `bytes` is shorter than a module header.
[[nodiscard]] absl::StatusOr<std::vector<uint8_t>> TagModule(
    absl::Span<const uint8_t> bytes, absl::string_view tag);

// TagModule's section as an addition, for a caller that applies it with
// other additions in one RewriteSections pass.
[[nodiscard]] SectionAddition TagAddition(absl::string_view tag);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_REWRITER_H_
