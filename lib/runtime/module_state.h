// lib/runtime/module_state.h: what a Module handle shares.

#ifndef WASMHOST_LIB_RUNTIME_MODULE_STATE_H_
#define WASMHOST_LIB_RUNTIME_MODULE_STATE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/v8/backend.h"
#include "lib/wasm/fuel.h"
#include "wasmhost/errors.h"
#include "wasmhost/module.h"

namespace wasmhost::internal {

class CodeCache;

// The import a module's own memory is rewritten into, so that each instance
// can be given a memory with its own maximum. The module name cannot clash
// with a guest's imports in practice: it is not a valid identifier in any
// guest language.
inline constexpr absl::string_view kMemoryImportModule = "wasmhost:internal";
inline constexpr absl::string_view kMemoryImportName = "memory";
// Prefix of the exports added for mutable globals (then the global index).
inline constexpr absl::string_view kGlobalExportPrefix = "wasmhost:global:";

// Immutable after Create; thread-safe.
struct ModuleState {
  // Reads, rewrites (with fuel metering if `consume_fuel`) and compiles
  // `bytes`, through `cache` when not null.
  // Returns InvalidArgument for bytes that are not a valid module.
  static absl::StatusOr<std::shared_ptr<const ModuleState>> Create(
      absl::Span<const uint8_t> bytes, bool consume_fuel, CodeCache* cache);

  // The function and original-module offset of an offset the engine
  // reports in the compiled (rewritten) code.
  Frame LocateFrame(uint32_t compiled_offset) const;

  std::vector<ImportType> imports;
  std::vector<ExportType> exports;
  absl::flat_hash_map<std::string, uint32_t> export_index;
  // By export index: the import a table, memory or global export passes on
  // unchanged (the instance re-exports what it was given), else nullopt.
  std::vector<std::optional<uint32_t>> export_imports;
  std::optional<MemoryType> memory;
  // True when the module defined its memory and it was rewritten into the
  // kMemoryImport* import.
  bool memory_rewritten = false;
  std::string name;
  std::vector<CustomSection> custom_sections;

  // Whether an instance's state can be captured and restored (memory and
  // number-typed mutable globals, no table mutation), and the rewritten
  // exports of the mutable globals to restore.
  bool resettable = false;
  std::vector<std::pair<std::string, ValType>> state_globals;

  uint32_t imported_function_count = 0;
  absl::flat_hash_map<uint32_t, std::string> function_names;
  // The fuel instrumentation, when the engine consumes fuel: its exports,
  // its out-of-fuel trap sites, and the map from compiled offsets back to
  // the bytes before it.
  std::optional<wasm::FuelRewrite> fuel;

  // Start offsets of defined function bodies, in the original bytes and in
  // the rewritten bytes before fuel instrumentation.
  std::vector<uint32_t> original_body_offsets;
  std::vector<uint32_t> compiled_body_offsets;

  std::shared_ptr<const v8backend::CompiledCode> code;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_MODULE_STATE_H_
