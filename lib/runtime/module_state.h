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
#include "lib/wasm/bounded_bulk.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/fuel.h"
#include "lib/wasm/reader.h"
#include "wasmhost/errors.h"
#include "wasmhost/limits.h"
#include "wasmhost/module.h"

namespace wasmhost::internal {

class CodeCache;

// The names of what the host's rewrites add to a module: the import its
// own memory becomes (so each instance gets a memory with its own maximum),
// the boundary-ABI wrappers of exports with f32/f64/v128 values, the
// accessors of its mutable globals (pool resets) and of the fuel counter.
// All share one prefix that no export name and no import module name of the
// module starts with, so they never collide with the module's own names:
// "wasmhost:" unless the module uses it, else "wasmhost1:", ...
struct InternalNames {
  static InternalNames For(const wasm::ModuleInfo& info);

  std::string prefix;
  std::string memory_import_module;    // prefix + "internal"
  std::string memory_import_name;      // "memory"
  std::string boundary_export_prefix;  // prefix + "boundary:", then the index
  std::string set_globals_export;      // prefix + "globals:set"
  std::string get_globals_export;      // prefix + "globals:get"
  std::string set_fuel_export;         // prefix + "fuel:set"
  std::string get_fuel_export;         // prefix + "fuel:get"
  std::string table_budget_export;     // prefix + "table:budget"
  std::string init_export;             // prefix + "init"
};

// The value of the table budget global (ModuleState::table_budget) for
// `limits`: max_table_elements, 0 (no limit) and values past 32 bits as
// 0xffffffff, which no table reaches (V8 caps them at 10,000,000).
uint32_t TableBudget(const Limits& limits);

// Immutable after Create; thread-safe.
struct ModuleState {
  // Reads and validates `bytes`, then rewrites (with fuel metering if
  // `consume_fuel`) and compiles them, through `cache` when not null. The
  // module is validated in full before any rewrite, so its code can only
  // name what it defines or imports, never what the rewrites append.
  // What the rewrites add never takes a valid module past V8's limits: a
  // module at them keeps its own memory or cannot be reset instead.
  // Returns InvalidArgument for bytes that are not a valid module, and
  // ResourceExhausted for a module over one of `limits` (naming it) or
  // one the rewrites (with `consume_fuel`, the fuel counter) would take
  // past V8's limits. In steps: AnalyzeModule, V8's validation, the
  // limits, PrepareModule, then the compile.
  static absl::StatusOr<std::shared_ptr<const ModuleState>> Create(
      absl::Span<const uint8_t> bytes, bool consume_fuel,
      const ModuleLimits& limits, CodeCache* cache);

  // The function and original-module offset of an offset the engine
  // reports in the compiled (rewritten) code; nullopt inside a function the
  // rewrites added (a boundary wrapper, or a bulk instruction's helper,
  // whose caller's frame is at the instruction it replaced), which is no
  // frame of the guest's.
  std::optional<Frame> LocateFrame(uint32_t compiled_offset) const;

  // The module whose stack frames the engine reports with `tag`: this one,
  // another live module, or nullptr when none is alive or the tag is empty (a
  // module the SDK did not compile for a guest, e.g. an import adapter). Keeps
  // the module alive while the caller uses it.
  std::shared_ptr<const ModuleState> FrameModule(absl::string_view tag) const;

  std::vector<ImportType> imports;
  std::vector<ExportType> exports;
  absl::flat_hash_map<std::string, uint32_t> export_index;
  // By export index: the import a table, memory or global export passes on
  // unchanged (the instance re-exports what it was given), else nullopt.
  std::vector<std::optional<uint32_t>> export_imports;
  std::optional<MemoryType> memory;
  InternalNames internal_names;
  // Names the module in the stack frames the engine reports
  // (wasm::TagModule): "wasmhost-module:" and the StableHash of the
  // original bytes, so equal bytes get the same tag (and code cache entry)
  // in every process.
  std::string frame_tag;
  // This module, weakly: FrameModule hands it out.
  std::weak_ptr<const ModuleState> self;
  // True when the module defined its memory and it was rewritten into the
  // internal_names.memory_import_* import.
  bool memory_rewritten = false;
  // Whether wasm::PlanDeferredInit moved the active data segments and
  // the start function into internal_names.init_export, which every
  // instantiation then calls (an instance about to be reset to a pool's
  // state image skips their work).
  bool deferred_init = false;
  std::string name;
  std::vector<CustomSection> custom_sections;

  // Whether an instance's state can be captured and restored (memory and
  // number-typed mutable globals, no table mutation), and the boundary-ABI
  // types of the mutable globals the rewriter's accessors get and set.
  bool resettable = false;
  // Why not, when resettable is false after compilation.
  std::string reset_refusal;
  std::vector<ValType> state_global_types;

  // How the backend calls each export, by export index: the function it
  // calls (the export itself, or its boundary wrapper) and that function's
  // type, in the boundary ABI; nullopt for non-functions.
  std::vector<std::string> call_export_names;
  std::vector<std::optional<FuncType>> call_export_types;
  // By import index: a function import's type in the boundary ABI, and the
  // adapter function standing in for it (wasm::BuildImportAdapter's
  // export name), empty when the host function is bound directly.
  std::vector<FuncType> import_call_types;
  std::vector<std::string> import_adapter_names;
  // The compiled adapter module; null when no import needs one.
  std::shared_ptr<const v8backend::CompiledCode> import_adapter;

  // The initial sizes of the tables the module defines, added up
  // (Limits::max_table_elements).
  uint64_t defined_table_elements = 0;

  uint32_t imported_function_count = 0;
  absl::flat_hash_map<uint32_t, std::string> function_names;
  // The fuel instrumentation, when the engine consumes fuel: its exports,
  // its out-of-fuel trap sites, and the map from compiled offsets back to
  // the bytes before it.
  std::optional<wasm::FuelRewrite> fuel;

  // The bulk instructions' chunked helpers, when the module has any
  // (`bytes` emptied): the map from the bulk rewrite's offsets back to the
  // original module's.
  std::optional<wasm::BoundedBulk> bulk;
  // True when `table.grow` was rewritten to respect a budget each instance
  // sets through internal_names.table_budget_export
  // (Limits::max_table_elements).
  bool table_budget = false;

  // Start offsets of defined function bodies: in the original bytes (after
  // the bulk rewrite, if any: the offsets `bulk` maps back), and in the
  // rewritten bytes before fuel instrumentation.
  std::vector<uint32_t> original_body_offsets;
  std::vector<uint32_t> compiled_body_offsets;

  std::shared_ptr<const v8backend::CompiledCode> code;
};

// How many modules ModuleState::Create validated, scanned and rewrote in
// this process; a code-cache hit does none of that. For tests.
uint64_t PreparedModuleCount();

// What the SDK learns of a module before V8 sees it: its structure
// (wasm::ReadModule) and what decoding its code found (wasm::ScanCode).
// Plain value: thread-compatible.
struct AnalyzedModule {
  wasm::ModuleInfo info;
  wasm::CodeSummary code;
};

// Reads `bytes` and decodes their code: the first step of
// ModuleState::Create. Returns InvalidArgument ("invalid module: ...") for
// bytes that are not a structurally valid module.
absl::StatusOr<AnalyzedModule> AnalyzeModule(absl::Span<const uint8_t> bytes);

// A module's state before compilation and the bytes V8 compiles.
// Thread-compatible.
struct PreparedModule {
  std::shared_ptr<ModuleState> state;  // Without `code`.
  std::vector<uint8_t> bytes;          // Rewritten (and metered).
};

// The rewrites of ModuleState::Create, on bytes V8 has validated:
// `analyzed` is AnalyzeModule(bytes). With `consume_fuel`, fuel metering
// too. Returns ResourceExhausted as Create does when the rewrites would
// take the module past V8's limits.
absl::StatusOr<PreparedModule> PrepareModule(absl::Span<const uint8_t> bytes,
                                             const AnalyzedModule& analyzed,
                                             bool consume_fuel);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_MODULE_STATE_H_
