// lib/wasm/rewriter.h: binary rewrites the SDK applies to modules before
// compiling them.
//
//   ImportDefinedMemory  turns a module's own memory into a memory import

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

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_REWRITER_H_
