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
#include "lib/wasm/reader.h"
#include "wasmhost/errors.h"
#include "wasmhost/module.h"

namespace wasmhost::internal {

class CodeCache;

// The names of what the host's rewrites add to a module: the import its
// own memory becomes (so each instance gets a memory with its own maximum),
// the exports of its mutable globals and their setter (pool resets) and of
// the fuel counter. All share one prefix that no export name and no import
// module name of the module starts with, so they never collide with the
// module's own names: "wasmhost:" unless the module uses it, else
// "wasmhost1:", "wasmhost2:", ...
struct InternalNames {
  static InternalNames For(const wasm::ModuleInfo& info);

  std::string prefix;
  std::string memory_import_module;  // prefix + "internal"
  std::string memory_import_name;    // "memory"
  std::string global_export_prefix;  // prefix + "global:", then the index
  std::string set_globals_export;    // prefix + "globals:set"
  std::string set_fuel_export;       // prefix + "fuel:set"
  std::string get_fuel_export;       // prefix + "fuel:get"
};

// Immutable after Create; thread-safe.
struct ModuleState {
  // Reads and validates `bytes`, then rewrites (with fuel metering if
  // `consume_fuel`) and compiles them, through `cache` when not null. The
  // module is validated in full before any rewrite, so its code can only
  // name what it defines or imports, never what the rewrites append.
  // What the rewrites add never takes a valid module past V8's limits: a
  // module at them keeps its own memory or cannot be reset instead.
  // Returns InvalidArgument for bytes that are not a valid module, and
  // ResourceExhausted when `consume_fuel` needs room the module leaves not.
  static absl::StatusOr<std::shared_ptr<const ModuleState>> Create(
      absl::Span<const uint8_t> bytes, bool consume_fuel, CodeCache* cache);

  // The function and original-module offset of an offset the engine
  // reports in the compiled (rewritten) code.
  Frame LocateFrame(uint32_t compiled_offset) const;

  std::vector<ImportType> imports;
  std::vector<ExportType> exports;
  absl::flat_hash_map<std::string, uint32_t> export_index;
  std::optional<MemoryType> memory;
  InternalNames internal_names;
  // True when the module defined its memory and it was rewritten into the
  // internal_names.memory_import_* import.
  bool memory_rewritten = false;
  std::string name;
  std::vector<CustomSection> custom_sections;

  // Whether an instance's state can be captured and restored (memory and
  // number-typed mutable globals, no table mutation), and the rewritten
  // exports of the mutable globals to restore.
  bool resettable = false;
  std::vector<std::pair<std::string, ValType>> state_globals;

  // The initial sizes of the tables the module defines, added up
  // (Limits::max_table_elements).
  uint64_t defined_table_elements = 0;

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
