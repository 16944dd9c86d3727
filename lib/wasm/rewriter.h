// lib/wasm/rewriter.h: binary rewrites the SDK applies to modules before
// compiling them.
//
//   ImportDefinedMemory   turns a module's own memory into a memory import
//   ExportMutableGlobals  exports every mutable global the module defines
//   GlobalSetter          what AddGlobalSetter did
//   AddGlobalSetter       adds one function that sets every mutable global
//   TagModule             names a module in the stack frames V8 reports

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

namespace wasmhost::wasm {

// Returns a copy of `bytes` in which the module's one defined memory becomes
// an import `import_module`.`import_name` with the same limits (and sharing),
// so the host can create the memory itself, e.g. to cap its maximum per
// instance. The memory keeps index 0, so its export, data segments and code
// keep working. The import is appended at the end of the import section
// (function, table, global and tag indices do not move); without an import
// section one is inserted after the type section, or first. The memory
// section is removed; every other section is copied byte for byte. If the
// module defines no memory, returns `bytes` unchanged.
//
// `info` must be ReadModule(bytes).
//
// Returns InvalidArgument if the module defines more than one memory, or
// imports a memory and defines one (multi-memory is not supported), if an
// import name is not valid UTF-8, or if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<std::vector<uint8_t>> ImportDefinedMemory(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view import_module, absl::string_view import_name);

// Returns a copy of `bytes` that also exports every mutable global the
// module defines (not imports) as `prefix` + its global index (e.g.
// "wasmhost:global:3"), so the host can read and restore them: instance
// pools reset state with them, snapshots will. Existing exports are kept
// byte for byte and the new entries appended after them; a global may end
// up exported twice, which is valid. Without an export section one is
// inserted where the canonical order puts it (after the last of the type,
// import, function, table, memory, tag and global sections). Every other
// section is copied byte for byte; no index moves. Returns `bytes`
// unchanged if the module defines no mutable global, or if each one is
// already exported under its name (the rewrite is idempotent).
//
// `info` must be ReadModule(bytes).
//
// Returns InvalidArgument if `prefix` is not valid UTF-8, if one of the new
// names is already the name of a different export, or if `info` does not
// describe `bytes`.
[[nodiscard]] absl::StatusOr<std::vector<uint8_t>> ExportMutableGlobals(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view prefix);

// AddGlobalSetter's default export name.
inline constexpr absl::string_view kSetGlobalsExport = "wasmhost:globals:set";

// V8's kV8MaxWasmFunctionParams: a setter takes one parameter per global.
inline constexpr size_t kMaxSetterParams = 1000;

// The result of AddGlobalSetter. Plain value: thread-compatible.
struct GlobalSetter {
  // The module with the setter, or an unchanged copy if not `added`.
  std::vector<uint8_t> bytes;
  bool added = false;
  // Why the setter was not added ("global 2 is not an i32, ..."); empty
  // if `added`.
  std::string not_added_reason;
  // The global indices (imports first) the setter's parameters set, in
  // parameter order: every defined mutable global, ascending. Empty if not
  // `added`.
  std::vector<uint32_t> globals;
  // The setter's function index: the original function count.
  uint32_t function_index = 0;
};

// Returns a copy of `bytes` with one more function, exported as
// `export_name`, that sets every mutable global the module defines from its
// parameters, so a host resets them in one call instead of one
// WebAssembly.Global.value property set each:
//
//   (func (param <type of g0>) (param <type of g1>) ...
//     local.get 0  global.set g0  local.get 1  global.set g1  ...  end)
//
// with g0 < g1 < ... the defined mutable globals' indices. Its type is
// appended after every existing type, the function after every existing
// function, its export after the existing exports (missing sections are
// inserted in canonical order); every other section is copied byte for
// byte, so no index moves. Composes with ImportDefinedMemory,
// ExportMutableGlobals and InjectFuel (which then meters the setter too).
//
// Not added (OK, `added` false, the reason in `not_added_reason`, `bytes`
// a copy of the input) if the module defines no mutable global, if one has
// a type other than i32, i64, f32 and f64, or if there are more than
// kMaxSetterParams of them.
//
// `info` must be ReadModule(bytes).
//
// Returns InvalidArgument if `export_name` is not valid UTF-8 or is already
// the name of an export, or if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<GlobalSetter> AddGlobalSetter(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view export_name = kSetGlobalsExport);

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

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_REWRITER_H_
