// lib/wasm/rewriter.h: binary rewrites the SDK applies to modules before
// compiling them.
//
//   ImportDefinedMemory   turns a module's own memory into a memory import
//   ExportMutableGlobals  exports every mutable global the module defines

#ifndef WASMHOST_LIB_WASM_REWRITER_H_
#define WASMHOST_LIB_WASM_REWRITER_H_

#include <cstdint>
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

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_REWRITER_H_
