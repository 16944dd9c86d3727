#include "wasmhost/module.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/runtime/code_cache.h"
#include "lib/runtime/module_state.h"
#include "lib/util/byte_record.h"
#include "lib/util/error_status.h"
#include "lib/util/mutex.h"
#include "lib/util/stable_hash.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/bounded_bulk.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/deferred_init.h"
#include "lib/wasm/engine_limits.h"
#include "lib/wasm/fuel.h"
#include "lib/wasm/module_tail.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/rewriter.h"
#include "lib/wasm/section_rewriter.h"
#include "wasmhost/limits.h"

namespace wasmhost {

absl::string_view ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
    case ExternKind::kTag:
      return "tag";
  }
  return "?";
}

const std::vector<ImportType>& Module::imports() const {
  return state_->imports;
}
const std::vector<ExportType>& Module::exports() const {
  return state_->exports;
}
std::optional<MemoryType> Module::memory() const { return state_->memory; }
const std::string& Module::name() const { return state_->name; }
const std::vector<CustomSection>& Module::custom_sections() const {
  return state_->custom_sections;
}

namespace internal {

InternalNames InternalNames::For(const wasm::ModuleInfo& info) {
  auto used = [&info](absl::string_view prefix) {
    for (const wasm::Export& exported : info.exports) {
      if (absl::StartsWith(exported.name, prefix)) return true;
    }
    for (const wasm::Import& import : info.imports) {
      if (absl::StartsWith(import.module, prefix)) return true;
    }
    return false;
  };
  // Terminates: the module has finitely many names.
  std::string prefix = "wasmhost:";
  for (int n = 1; used(prefix); ++n) prefix = absl::StrCat("wasmhost", n, ":");
  InternalNames names;
  names.prefix = prefix;
  names.memory_import_module = absl::StrCat(prefix, "internal");
  names.memory_import_name = "memory";
  names.boundary_export_prefix = absl::StrCat(prefix, "boundary:");
  names.set_globals_export = absl::StrCat(prefix, "globals:set");
  names.get_globals_export = absl::StrCat(prefix, "globals:get");
  names.set_fuel_export = absl::StrCat(prefix, "fuel:set");
  names.get_fuel_export = absl::StrCat(prefix, "fuel:get");
  names.table_budget_export = absl::StrCat(prefix, "table:budget");
  names.init_export = absl::StrCat(prefix, "init");
  return names;
}

uint32_t TableBudget(const Limits& limits) {
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  if (limits.max_table_elements == 0) return kNone;
  return static_cast<uint32_t>(
      std::min<uint64_t>(limits.max_table_elements, kNone));
}

namespace {

MemoryType ToMemoryType(const wasm::Limits& limits) {
  return MemoryType{limits.min, limits.max};
}

TableType ToTableType(const wasm::TableType& table) {
  return TableType{table.element, table.limits.min, table.limits.max};
}

GlobalType ToGlobalType(const wasm::GlobalType& global) {
  return GlobalType{global.type, global.is_mutable};
}

std::vector<uint32_t> ToU32(const std::vector<size_t>& offsets) {
  return std::vector<uint32_t>(offsets.begin(), offsets.end());
}

// Fills in what the public Module reports: imports, exports, memory, names.
void DescribeInterface(const wasm::ModuleInfo& info, ModuleState& state) {
  // The table and global index spaces, imports first, and the imports that
  // begin the table, memory and global index spaces.
  std::vector<TableType> tables;
  std::vector<GlobalType> globals;
  std::vector<uint32_t> table_imports, memory_imports, global_imports;
  for (const wasm::Import& import : info.imports) {
    const auto import_index = static_cast<uint32_t>(state.imports.size());
    if (import.kind == wasm::ExternKind::kTable) {
      table_imports.push_back(import_index);
    } else if (import.kind == wasm::ExternKind::kMemory) {
      memory_imports.push_back(import_index);
    } else if (import.kind == wasm::ExternKind::kGlobal) {
      global_imports.push_back(import_index);
    }
    ImportType type;
    type.module = import.module;
    type.name = import.name;
    type.kind = import.kind;
    if (import.kind == wasm::ExternKind::kFunc) {
      type.func_type = info.types[import.func_type_index];
    } else if (import.kind == wasm::ExternKind::kMemory) {
      type.memory = ToMemoryType(import.memory);
      state.memory = type.memory;
    } else if (import.kind == wasm::ExternKind::kTable) {
      type.table = ToTableType(import.table);
      tables.push_back(type.table);
    } else if (import.kind == wasm::ExternKind::kGlobal) {
      type.global = ToGlobalType(import.global);
      globals.push_back(type.global);
    }
    state.imports.push_back(std::move(type));
  }
  for (const wasm::TableType& table : info.tables) {
    tables.push_back(ToTableType(table));
  }
  for (const wasm::GlobalType& global : info.globals) {
    globals.push_back(ToGlobalType(global));
  }
  if (!info.memories.empty()) state.memory = ToMemoryType(info.memories[0]);
  for (const wasm::Export& exported : info.exports) {
    ExportType type;
    type.name = exported.name;
    type.kind = exported.kind;
    if (exported.kind == wasm::ExternKind::kFunc) {
      type.func_type = *info.FunctionType(exported.index);
    } else if (exported.kind == wasm::ExternKind::kMemory) {
      type.memory = *state.memory;
    } else if (exported.kind == wasm::ExternKind::kTable) {
      type.table = tables[exported.index];
    } else if (exported.kind == wasm::ExternKind::kGlobal) {
      type.global = globals[exported.index];
    }
    const std::vector<uint32_t>* imports_of_kind =
        exported.kind == wasm::ExternKind::kTable    ? &table_imports
        : exported.kind == wasm::ExternKind::kMemory ? &memory_imports
        : exported.kind == wasm::ExternKind::kGlobal ? &global_imports
                                                     : nullptr;
    state.export_imports.push_back(
        imports_of_kind != nullptr && exported.index < imports_of_kind->size()
            ? std::optional<uint32_t>((*imports_of_kind)[exported.index])
            : std::nullopt);
    state.export_index.emplace(type.name,
                               static_cast<uint32_t>(state.exports.size()));
    state.exports.push_back(std::move(type));
  }
  state.name = info.module_name;
  for (const wasm::SectionInfo& section : info.sections) {
    if (section.id != 0) continue;
    state.custom_sections.push_back(
        {section.custom_name, section.custom_content_size});
  }
  for (const wasm::TableType& table : info.tables) {
    state.defined_table_elements += table.limits.min;
  }
  state.imported_function_count = info.imported_function_count();
  state.function_names = info.function_names;
}

// Marks instances of the module as not resettable, saying why.
void RefuseReset(ModuleState& state, std::string why) {
  state.resettable = false;
  state.reset_refusal = std::move(why);
}

// Decides whether instances can be reset to a captured state: memory and
// number-typed mutable globals can be restored; table contents cannot.
void PlanStateReset(const wasm::ModuleInfo& info, const wasm::CodeSummary& code,
                    ModuleState& state) {
  state.resettable = true;
  if (code.mutates_tables) {
    RefuseReset(state,
                "the code changes tables (table.set, table.grow, "
                "table.fill, table.copy, table.init or elem.drop), "
                "which a reset cannot restore");
  } else if (code.drops_data) {
    RefuseReset(state,
                "the code drops data segments (data.drop), which a "
                "reset cannot restore");
  }
  for (size_t i = 0; i < info.globals.size(); ++i) {
    const wasm::GlobalType& global = info.globals[i];
    if (!global.is_mutable) continue;
    const bool number =
        global.type == ValType::kI32 || global.type == ValType::kI64 ||
        global.type == ValType::kF32 || global.type == ValType::kF64;
    if (!number && state.resettable) {
      RefuseReset(state, absl::StrCat("mutable global ", i,
                                      " is not a number (i32, i64, f32, "
                                      "f64), which a reset cannot restore"));
    }
    state.state_global_types.push_back(
        wasm::BoundaryType({{global.type}, {}}).params[0]);
  }
}

// Decides how the backend calls each export: through its boundary wrapper
// (`wrapper_exports`, by export index) when it has one.
void PlanExportCalls(const std::vector<std::string>& wrapper_exports,
                     ModuleState& state) {
  for (size_t i = 0; i < state.exports.size(); ++i) {
    const ExportType& exported = state.exports[i];
    const bool wrapped =
        i < wrapper_exports.size() && !wrapper_exports[i].empty();
    state.call_export_names.push_back(wrapped ? wrapper_exports[i]
                                              : exported.name);
    state.call_export_types.push_back(
        exported.kind == ExternKind::kFunc
            ? std::optional<FuncType>(wasm::BoundaryType(exported.func_type))
            : std::nullopt);
  }
}

// Plans the host-function imports: those whose type has an f32, f64 or
// v128 are reached through one adapter module, compiled here once for
// every instance; the others are bound directly.
absl::Status PlanImportCalls(ModuleState& state) {
  std::vector<FuncType> adapted;
  for (const ImportType& import : state.imports) {
    const FuncType& type = import.func_type;
    std::string adapter_name;
    if (import.kind == ExternKind::kFunc && wasm::NeedsBoundaryAbi(type) &&
        wasm::FitsBoundaryLimits(type)) {
      adapter_name = absl::StrCat(adapted.size());
      adapted.push_back(type);
    }
    state.import_call_types.push_back(wasm::BoundaryType(type));
    state.import_adapter_names.push_back(std::move(adapter_name));
  }
  if (adapted.empty()) return absl::OkStatus();
  WASMHOST_ASSIGN_OR_RETURN(
      state.import_adapter,
      v8backend::CompileModule(wasm::BuildImportAdapter(adapted)));
  return absl::OkStatus();
}

// What fuel metering adds to a module (see lib/wasm/fuel.h).
constexpr size_t kFuelExports = 2;
constexpr size_t kFuelFunctions = 2;
constexpr size_t kFuelTypes = 2;
constexpr size_t kFuelGlobals = 1;

// Whether `info` plus `exports`, `functions`, `types` and `globals` more
// stays within V8's limits.
bool FitsV8Limits(const wasm::ModuleInfo& info, size_t exports,
                  size_t functions, size_t types, size_t globals) {
  return info.exports.size() + exports <= wasm::kMaxExports &&
         info.function_count() + functions <= wasm::kMaxFunctions &&
         info.types.size() + types <= wasm::kMaxTypes &&
         info.global_count() + globals <= wasm::kMaxGlobals;
}

// The bytes V8 compiles: bulk instructions split into chunks a deadline
// can stop, the module's own memory turned into an import (per-instance
// maximum), boundary wrappers for exports with f32, f64 or v128 values,
// and accessors of its mutable globals (state reset). What the rewrites
// add never takes a valid module past V8's limits on imports, exports,
// functions, types and globals: the memory import and the accessors are
// left out when they would (the memory then keeps the module's own
// maximum, and instances cannot be reset); a module the other rewrites or
// fuel metering would take past them is refused.
//
// `bytes` may be the module with its data section set aside
// (`data_set_aside`, module_tail.h) from `original`. When the deferred
// initialisation needs that data section made passive, the rewrite does it
// if the data section is in `bytes`, else sets `*data_to_make_passive` for
// the caller to do as it puts the data section back.
absl::StatusOr<std::vector<uint8_t>> RewriteForHost(
    absl::Span<const uint8_t> bytes, const wasm::ModuleInfo& info,
    absl::Span<const uint8_t> original, const wasm::ModuleInfo& original_info,
    bool data_set_aside, const wasm::CodeSummary& code, bool consume_fuel,
    ModuleState& state, bool* data_to_make_passive) {
  *data_to_make_passive = false;
  const size_t fuel_exports = consume_fuel ? kFuelExports : 0;
  const size_t fuel_functions = consume_fuel ? kFuelFunctions : 0;
  const size_t fuel_types = consume_fuel ? kFuelTypes : 0;
  const size_t fuel_globals = consume_fuel ? kFuelGlobals : 0;
  // The module so far: `bytes` until a rewrite changes them, then the
  // last rewrite's output. Each rewrite copies; none is copied for nothing.
  std::vector<uint8_t> rewritten;
  absl::Span<const uint8_t> current_bytes = bytes;
  auto take = [&](std::vector<uint8_t> next) {
    rewritten = std::move(next);
    current_bytes = rewritten;
  };
  wasm::ModuleInfo current = info;
  state.original_body_offsets = ToU32(info.function_body_offsets);
  // First, on the original bytes: the later rewrites only move whole
  // bodies, so one offset map covers the code.
  wasm::BoundedBulkOptions bulk_options;
  bulk_options.table_budget_export = state.internal_names.table_budget_export;
  // The budget of a start function V8 runs while instantiating, before
  // the instance's own limit is set (only when PlanDeferredInit is left
  // out; otherwise the start function runs later, under that limit).
  bulk_options.initial_table_budget = TableBudget(Limits());
  // Without a bulk instruction (the scan found none) there is nothing to
  // bound, and the rewrite would only copy the module.
  if (!code.bulk_sites.empty()) {
    WASMHOST_ASSIGN_OR_RETURN(
        wasm::BoundedBulk bulk,
        wasm::BoundBulkInstructions(bytes, info, code, bulk_options));
    state.table_budget = bulk.table_budget_global.has_value();
    if (bulk.helper_count > 0) {
      take(std::move(bulk.bytes));
      bulk.bytes.clear();
      WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(current_bytes));
      state.original_body_offsets = ToU32(current.function_body_offsets);
      state.original_body_offsets.resize(info.function_body_offsets.size());
      state.bulk = std::move(bulk);
    }
  }
  // The memory import, the boundary wrappers, the global accessors and the
  // frame tag are planned on the same module and applied in one pass: one
  // copy of the module, not one per rewrite. None moves an index the
  // others use.
  std::vector<wasm::SectionAddition> additions;
  std::vector<wasm::AddedFunction> functions;
  if (!info.memories.empty() && current.imports.size() >= wasm::kMaxImports) {
    // The memory stays the module's own: the host cannot create it, so a
    // fresh-state reset could not find it either.
    if (state.resettable) {
      RefuseReset(state,
                  "the module has V8's maximum of imports, so its "
                  "memory cannot be made one the host resets");
    }
  } else if (!info.memories.empty()) {
    WASMHOST_RETURN_IF_ERROR(wasm::MemoryImportAdditions(
        current, state.internal_names.memory_import_module,
        state.internal_names.memory_import_name, &additions));
    state.memory_rewritten = true;
  }
  // Before the accessors, so only the guest's own exports are wrapped.
  WASMHOST_ASSIGN_OR_RETURN(
      std::vector<std::string> wrapper_exports,
      wasm::PlanBoundaryWrappers(
          current, state.internal_names.boundary_export_prefix, &functions));
  PlanExportCalls(wrapper_exports, state);
  // Each wrapper is a function, a type and an export.
  const size_t wrappers = functions.size();
  // The accessors (two functions, types and exports) are left out when
  // they would take the module past V8's limits, leaving room for fuel:
  // instances then cannot be reset.
  if (!state.state_global_types.empty() &&
      !FitsV8Limits(current, 2 + wrappers + fuel_exports,
                    2 + wrappers + fuel_functions, 2 + wrappers + fuel_types,
                    fuel_globals)) {
    if (state.resettable) {
      RefuseReset(state,
                  "the accessors restoring the mutable globals would "
                  "take the module past V8's limits");
    }
  } else if (!state.state_global_types.empty()) {
    // Reading and restoring the globals through exported Wasm functions
    // costs one call each and keeps every bit; WebAssembly.Global.value is
    // a JS property access per global, and a JS Number for floats.
    WASMHOST_ASSIGN_OR_RETURN(
        wasm::GlobalAccessors accessors,
        wasm::PlanGlobalAccessors(
            current, state.internal_names.set_globals_export,
            state.internal_names.get_globals_export, &functions));
    if (!accessors.added && state.resettable) {
      RefuseReset(state,
                  "the mutable globals could not be given accessors "
                  "to restore them");
    }
  }
  // Left out, like the accessors, when it would take the module past V8's
  // limits: replacements then redo the instantiation's work.
  const size_t planned = functions.size();
  wasm::MappedBytes passive_data;
  if (FitsV8Limits(current, planned + 1 + fuel_exports,
                   planned + 1 + fuel_functions, planned + 1 + fuel_types,
                   fuel_globals)) {
    WASMHOST_ASSIGN_OR_RETURN(
        wasm::DeferredInitPlan deferred,
        wasm::PlanDeferredInit(original, original_info,
                               state.internal_names.init_export, &functions,
                               &additions));
    state.deferred_init = deferred.added;
    *data_to_make_passive = deferred.data_to_make_passive;
    if (deferred.data_to_make_passive && !data_set_aside) {
      std::vector<uint8_t> payload;
      wasm::AppendPassiveDataPayload(original, original_info, &payload);
      size_t anchor = current_bytes.size();
      for (const wasm::SectionInfo& section : current.sections) {
        if (section.id == wasm::kDataSection) anchor = section.offset;
      }
      passive_data.Inject(anchor).Bytes(payload);
      wasm::SectionAddition data;
      data.id = wasm::kDataSection;
      data.payload = &passive_data;
      additions.push_back(std::move(data));
      *data_to_make_passive = false;
    }
  }
  if (!functions.empty()) wasm::AddFunctions(current, functions, &additions);
  // The frame tag: a custom section right after the header holding the
  // module's frame tag (see wasm::TagModule), in the same pass.
  additions.push_back(wasm::TagAddition(state.frame_tag));
  wasm::MappedBytes out;
  WASMHOST_RETURN_IF_ERROR(
      wasm::RewriteSections(current_bytes, current, additions, &out));
  take(out.Release());
  WASMHOST_ASSIGN_OR_RETURN(current, wasm::ReadModule(current_bytes));
  state.compiled_body_offsets = ToU32(current.function_body_offsets);
  // The bulk helpers and boundary wrappers cannot be left out, and the
  // engine asked for fuel: a module they would take past V8's limits is
  // refused rather than handed to V8 to reject.
  if (!FitsV8Limits(current, 0, 0, 0, 0)) {
    return LimitError(
        LimitKind::kEngineLimits,
        absl::StrCat(
            "the host's rewrites (bulk instruction helpers, float export "
            "wrappers) would take the module (",
            info.exports.size(), " exports, ", info.function_count(),
            " functions, ", info.global_count(),
            " globals) past V8's limits of ", wasm::kMaxExports, ", ",
            wasm::kMaxFunctions, " and ", wasm::kMaxGlobals));
  }
  if (!FitsV8Limits(current, fuel_exports, fuel_functions, fuel_types,
                    fuel_globals)) {
    return LimitError(
        LimitKind::kEngineLimits,
        absl::StrCat(
            "fuel metering (EngineOptions::consume_fuel) adds ", kFuelExports,
            " exports, ", kFuelFunctions, " functions and ", kFuelGlobals,
            " global, which would take the module (", current.exports.size(),
            " exports, ", current.function_count(), " functions, ",
            current.global_count(),
            " globals once rewritten) past V8's limits "
            "of ",
            wasm::kMaxExports, ", ", wasm::kMaxFunctions, " and ",
            wasm::kMaxGlobals));
  }
  return rewritten;
}

// Live modules by frame tag, for backtraces through several instances.
// Weak, so it keeps no module alive; several modules of equal bytes share
// a tag and locate frames alike, so any live one will do.
struct FrameTagRegistry {
  Mutex mutex;
  absl::flat_hash_map<std::string, std::weak_ptr<const ModuleState>> modules
      ABSL_GUARDED_BY(mutex);
};

FrameTagRegistry& Registry() {
  static FrameTagRegistry* registry = new FrameTagRegistry();  // never freed
  return *registry;
}

void RegisterFrameTag(const std::shared_ptr<const ModuleState>& module) {
  FrameTagRegistry& registry = Registry();
  MutexLock lock(&registry.mutex);
  // Sweeping dead entries on insertion keeps the map as small as the set
  // of live modules, amortised.
  absl::erase_if(registry.modules,
                 [](const auto& entry) { return entry.second.expired(); });
  registry.modules[module->frame_tag] = module;
}

// Modules prepared in full (validated, scanned and rewritten) in this
// process.
std::atomic<uint64_t> prepared_modules{0};

// The offset maps of the rewrites, field by field (OffsetRun has padding).
void PutOffsetMap(ByteWriter& out, const std::vector<wasm::OffsetRun>& map) {
  out.Put(uint64_t{map.size()});
  for (const wasm::OffsetRun& run : map) {
    out.Put(run.instrumented_offset);
    out.Put(run.original_offset);
    out.Put(static_cast<uint8_t>(run.injected));
  }
}

bool GetOffsetMap(ByteReader& in, std::vector<wasm::OffsetRun>* map) {
  uint64_t count = 0;
  if (!in.Get(&count)) return false;
  map->clear();
  for (uint64_t i = 0; i < count; ++i) {
    wasm::OffsetRun run;
    uint8_t injected = 0;
    if (!in.Get(&run.instrumented_offset) || !in.Get(&run.original_offset) ||
        !in.Get(&injected)) {
      return false;
    }
    run.injected = injected != 0;
    map->push_back(run);
  }
  return true;
}

void PutStrings(ByteWriter& out, const std::vector<std::string>& strings) {
  out.Put(uint64_t{strings.size()});
  for (const std::string& string : strings) out.PutString(string);
}

bool GetStrings(ByteReader& in, std::vector<std::string>* strings) {
  uint64_t count = 0;
  if (!in.Get(&count)) return false;
  strings->assign(std::min<uint64_t>(count, 1 << 20), "");
  if (strings->size() != count) return false;
  for (std::string& string : *strings) {
    if (!in.String(&string)) return false;
  }
  return true;
}

// What a code cache entry keeps of a module besides its bytes and code:
// everything the code scan and the rewrites decided (the limits' figures,
// reset plan, export call names, the rewrites' offset maps), so a hit
// redoes none of them.
std::string EncodeModuleRecord(const wasm::CodeSummary& code,
                               const ModuleState& state) {
  std::string record;
  ByteWriter out(&record);
  out.Put(static_cast<uint8_t>(code.mutates_tables));
  out.Put(static_cast<uint8_t>(code.drops_data));
  out.Put(code.max_nesting_depth);
  out.Put(code.max_body_bytes);
  out.Put(code.max_locals);
  out.Put(static_cast<uint8_t>(state.resettable));
  out.PutString(state.reset_refusal);
  out.PutVector(state.state_global_types);
  out.Put(static_cast<uint8_t>(state.memory_rewritten));
  out.Put(static_cast<uint8_t>(state.table_budget));
  out.Put(static_cast<uint8_t>(state.deferred_init));
  // A wrapper's name starts with the internal prefix, which no export
  // name does: the names alone say which exports are wrapped.
  PutStrings(out, state.call_export_names);
  out.PutVector(state.original_body_offsets);
  out.PutVector(state.compiled_body_offsets);
  out.Put(static_cast<uint8_t>(state.bulk.has_value()));
  if (state.bulk.has_value()) {
    out.Put(state.bulk->first_helper);
    out.Put(state.bulk->helper_count);
    out.Put(static_cast<uint8_t>(state.bulk->table_budget_global.has_value()));
    out.Put(state.bulk->table_budget_global.value_or(0));
    PutOffsetMap(out, state.bulk->offset_map);
  }
  out.Put(static_cast<uint8_t>(state.fuel.has_value()));
  if (state.fuel.has_value()) {
    out.PutString(state.fuel->set_fuel_export);
    out.PutString(state.fuel->get_fuel_export);
    out.Put(state.fuel->fuel_global_index);
    out.Put(state.fuel->set_fuel_function);
    out.Put(state.fuel->get_fuel_function);
    out.PutVector(state.fuel->out_of_fuel_offsets);
    PutOffsetMap(out, state.fuel->offset_map);
  }
  return record;
}

// What EncodeModuleRecord wrote, into `code` and `state` (whose exports
// DescribeInterface has filled); false when the record is malformed.
bool DecodeModuleRecord(absl::string_view record, wasm::CodeSummary* code,
                        ModuleState* state) {
  ByteReader in(record);
  uint8_t mutates_tables = 0, drops_data = 0, resettable = 0,
          memory_rewritten = 0, table_budget = 0, deferred_init = 0,
          has_bulk = 0, has_fuel = 0;
  std::vector<std::string> call_names;
  if (!in.Get(&mutates_tables) || !in.Get(&drops_data) ||
      !in.Get(&code->max_nesting_depth) || !in.Get(&code->max_body_bytes) ||
      !in.Get(&code->max_locals) || !in.Get(&resettable) ||
      !in.String(&state->reset_refusal) ||
      !in.Vector(&state->state_global_types) || !in.Get(&memory_rewritten) ||
      !in.Get(&table_budget) || !in.Get(&deferred_init) ||
      !GetStrings(in, &call_names) ||
      call_names.size() != state->exports.size() ||
      !in.Vector(&state->original_body_offsets) ||
      !in.Vector(&state->compiled_body_offsets) || !in.Get(&has_bulk)) {
    return false;
  }
  code->mutates_tables = mutates_tables != 0;
  code->drops_data = drops_data != 0;
  state->resettable = resettable != 0;
  state->memory_rewritten = memory_rewritten != 0;
  state->table_budget = table_budget != 0;
  state->deferred_init = deferred_init != 0;
  if (has_bulk != 0) {
    wasm::BoundedBulk bulk;
    uint8_t has_budget = 0;
    uint32_t budget_global = 0;
    if (!in.Get(&bulk.first_helper) || !in.Get(&bulk.helper_count) ||
        !in.Get(&has_budget) || !in.Get(&budget_global) ||
        !GetOffsetMap(in, &bulk.offset_map)) {
      return false;
    }
    if (has_budget != 0) bulk.table_budget_global = budget_global;
    state->bulk = std::move(bulk);
  }
  if (!in.Get(&has_fuel)) return false;
  if (has_fuel != 0) {
    wasm::FuelRewrite fuel;
    if (!in.String(&fuel.set_fuel_export) ||
        !in.String(&fuel.get_fuel_export) || !in.Get(&fuel.fuel_global_index) ||
        !in.Get(&fuel.set_fuel_function) || !in.Get(&fuel.get_fuel_function) ||
        !in.Vector(&fuel.out_of_fuel_offsets) ||
        !GetOffsetMap(in, &fuel.offset_map)) {
      return false;
    }
    state->fuel = std::move(fuel);
  }
  std::vector<std::string> wrapper_exports(call_names.size());
  for (size_t i = 0; i < call_names.size(); ++i) {
    if (call_names[i] != state->exports[i].name) {
      wrapper_exports[i] = call_names[i];
    }
  }
  PlanExportCalls(wrapper_exports, *state);
  return in.at_end();
}

// "module over ModuleLimits::max_exports (20000): 100000 exports".
absl::Status OverModuleLimit(absl::string_view field, uint64_t limit,
                             uint64_t value, absl::string_view what) {
  return LimitError(LimitKind::kModuleLimits,
                    absl::StrCat("module over ModuleLimits::", field, " (",
                                 limit, "): ", value, " ", what));
}

// Refuses a module over `limits` before V8 compiles it (the module size is
// checked before anything reads it).
absl::Status CheckModuleLimits(const wasm::ModuleInfo& info,
                               const wasm::CodeSummary& code,
                               const ModuleLimits& limits) {
  const struct {
    absl::string_view field;
    uint64_t limit;
    uint64_t value;
    absl::string_view what;
  } checks[] = {
      {"max_functions", limits.max_functions, info.function_count(),
       "functions"},
      {"max_function_body_bytes", limits.max_function_body_bytes,
       code.max_body_bytes, "bytes in one function body"},
      {"max_function_locals", limits.max_function_locals, code.max_locals,
       "locals in one function"},
      {"max_nesting_depth", limits.max_nesting_depth, code.max_nesting_depth,
       "blocks open at once in one function"},
      {"max_imports", limits.max_imports, info.imports.size(), "imports"},
      {"max_exports", limits.max_exports, info.exports.size(), "exports"},
  };
  for (const auto& check : checks) {
    if (check.limit != 0 && check.value > check.limit) {
      return OverModuleLimit(check.field, check.limit, check.value, check.what);
    }
  }
  return absl::OkStatus();
}

absl::Status InvalidModule(const absl::Status& status) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorKind::kInvalidModule,
                   absl::StrCat("invalid module: ", status.message()));
}

}  // namespace

namespace {

// What every module state starts with: its interface, internal names and
// frame tag, from the original bytes and their structure.
std::shared_ptr<ModuleState> DescribeModule(absl::Span<const uint8_t> bytes,
                                            const wasm::ModuleInfo& info) {
  auto state = std::make_shared<ModuleState>();
  state->internal_names = InternalNames::For(info);
  state->frame_tag = absl::StrCat(
      "wasmhost-module:",
      absl::Hex(StableHash(absl::string_view(
                    reinterpret_cast<const char*>(bytes.data()), bytes.size())),
                absl::kZeroPad16));
  DescribeInterface(info, *state);
  return state;
}

// A module from its code cache entry: the bytes V8 compiled, their code,
// and the record of what validation, the scan and the rewrites found, so
// none of them runs again (the entry is keyed by the original bytes and
// every option that changes the rewrites). Only the structure is read
// again, for the interface. Returns ResourceExhausted for a module over
// `limits`, and DataLoss for an entry that does not fit the module.
absl::StatusOr<std::shared_ptr<ModuleState>> LoadCachedModule(
    absl::Span<const uint8_t> bytes, const CacheEntry& entry,
    const ModuleLimits& limits) {
  absl::StatusOr<wasm::ModuleInfo> info = wasm::ReadModule(bytes);
  if (!info.ok()) return absl::DataLossError(info.status().message());
  std::shared_ptr<ModuleState> state = DescribeModule(bytes, *info);
  wasm::CodeSummary code;
  if (!DecodeModuleRecord(entry.metadata, &code, state.get())) {
    return absl::DataLossError("malformed module record");
  }
  WASMHOST_RETURN_IF_ERROR(CheckModuleLimits(*info, code, limits));
  absl::StatusOr<std::shared_ptr<const v8backend::CompiledCode>> loaded =
      v8backend::LoadModule(entry.compiled_bytes, entry.code);
  if (!loaded.ok()) return absl::DataLossError(loaded.status().message());
  state->code = *std::move(loaded);
  return state;
}

}  // namespace

absl::StatusOr<AnalyzedModule> AnalyzeModule(absl::Span<const uint8_t> bytes) {
  AnalyzedModule analyzed;
  absl::StatusOr<wasm::ModuleInfo> info = wasm::ReadModule(bytes);
  if (!info.ok()) return InvalidModule(info.status());
  analyzed.info = *std::move(info);
  absl::StatusOr<wasm::CodeSummary> code = wasm::ScanCode(bytes, analyzed.info);
  if (!code.ok()) return InvalidModule(code.status());
  analyzed.code = *code;
  return analyzed;
}

absl::StatusOr<PreparedModule> PrepareModule(absl::Span<const uint8_t> bytes,
                                             const AnalyzedModule& analyzed,
                                             bool consume_fuel) {
  const wasm::ModuleInfo& info = analyzed.info;
  PreparedModule prepared;
  prepared.state = DescribeModule(bytes, info);
  ModuleState& state = *prepared.state;
  PlanStateReset(info, analyzed.code, state);
  // Each rewrite below copies the module it is given. The trailing data
  // and custom sections, which none changes, are set aside and copied once
  // when they outweigh a quarter of the rest: setting them aside costs one
  // copy of the rest.
  absl::Span<const uint8_t> head = bytes;
  const wasm::ModuleInfo* head_info = &info;
  std::optional<wasm::SplitModule> split;
  wasm::ModuleInfo split_info;
  const size_t tail_offset = wasm::TailOffset(info);
  if (bytes.size() - tail_offset >= tail_offset / 4) {
    WASMHOST_ASSIGN_OR_RETURN(split, wasm::SplitTail(bytes, info));
    WASMHOST_ASSIGN_OR_RETURN(split_info, wasm::ReadModule(split->head));
    head = split->head;
    head_info = &split_info;
  }
  bool data_to_make_passive = false;
  WASMHOST_ASSIGN_OR_RETURN(
      prepared.bytes,
      RewriteForHost(head, *head_info, bytes, info, split.has_value(),
                     analyzed.code, consume_fuel, state,
                     &data_to_make_passive));
  if (consume_fuel) {
    WASMHOST_ASSIGN_OR_RETURN(wasm::ModuleInfo rewritten,
                              wasm::ReadModule(prepared.bytes));
    wasm::FuelOptions fuel_options;
    fuel_options.set_fuel_export = state.internal_names.set_fuel_export;
    fuel_options.get_fuel_export = state.internal_names.get_fuel_export;
    WASMHOST_ASSIGN_OR_RETURN(
        state.fuel, wasm::InjectFuel(prepared.bytes, rewritten, fuel_options));
    // Moved: the state keeps the offsets, not a second copy of the module.
    prepared.bytes = std::move(state.fuel->bytes);
    state.fuel->bytes.clear();
  }
  if (split.has_value()) {
    WASMHOST_ASSIGN_OR_RETURN(
        prepared.bytes, wasm::JoinTail(prepared.bytes, *split,
                                       data_to_make_passive ? &info : nullptr));
  }
  return prepared;
}

uint64_t PreparedModuleCount() {
  return prepared_modules.load(std::memory_order_relaxed);
}

absl::StatusOr<std::shared_ptr<const ModuleState>> ModuleState::Create(
    absl::Span<const uint8_t> bytes, bool consume_fuel,
    const ModuleLimits& limits, CodeCache* cache) {
  if (limits.max_module_bytes != 0 && bytes.size() > limits.max_module_bytes) {
    return OverModuleLimit("max_module_bytes", limits.max_module_bytes,
                           bytes.size(), "bytes");
  }
  std::shared_ptr<ModuleState> state;
  // Hashes the bytes: once per Compile.
  const std::string cache_path = cache != nullptr ? cache->PathFor(bytes) : "";
  if (cache != nullptr) {
    if (std::optional<CacheEntry> entry = cache->Load(cache_path, bytes)) {
      absl::StatusOr<std::shared_ptr<ModuleState>> loaded =
          LoadCachedModule(bytes, *entry, limits);
      if (loaded.ok()) {
        cache->CountHit();
        state = *std::move(loaded);
      } else if (absl::IsResourceExhausted(loaded.status())) {
        return loaded.status();
      } else {
        cache->CountRejected();
      }
    }
  }
  if (state == nullptr) {
    WASMHOST_ASSIGN_OR_RETURN(AnalyzedModule analyzed, AnalyzeModule(bytes));
    // Before any rewrite: an invalid module could otherwise name the
    // globals, functions and exports the rewrites append (e.g. refill its
    // own fuel). Validating costs time linear in the size, already bounded.
    WASMHOST_RETURN_IF_ERROR(v8backend::ValidateModule(bytes));
    // After validation, so an invalid module is InvalidArgument whatever
    // its shape; before compilation, whose cost the limits bound.
    WASMHOST_RETURN_IF_ERROR(
        CheckModuleLimits(analyzed.info, analyzed.code, limits));
    prepared_modules.fetch_add(1, std::memory_order_relaxed);
    WASMHOST_ASSIGN_OR_RETURN(PreparedModule prepared,
                              PrepareModule(bytes, analyzed, consume_fuel));
    state = std::move(prepared.state);
    WASMHOST_ASSIGN_OR_RETURN(state->code,
                              v8backend::CompileModule(prepared.bytes));
    if (cache != nullptr) {
      // At once when V8 has optimised code, else once it has; the cache
      // never makes Compile fail.
      cache->Store(cache_path, bytes, EncodeModuleRecord(analyzed.code, *state),
                   state->code);
    }
  }
  WASMHOST_RETURN_IF_ERROR(PlanImportCalls(*state));
  state->self = state;
  RegisterFrameTag(state);
  return state;
}

std::shared_ptr<const ModuleState> ModuleState::FrameModule(
    absl::string_view tag) const {
  if (tag.empty()) return nullptr;
  if (tag == frame_tag) return self.lock();
  FrameTagRegistry& registry = Registry();
  MutexLock lock(&registry.mutex);
  auto it = registry.modules.find(tag);
  return it == registry.modules.end() ? nullptr : it->second.lock();
}

std::optional<Frame> ModuleState::LocateFrame(uint32_t compiled_offset) const {
  if (fuel.has_value()) compiled_offset = fuel->OriginalOffset(compiled_offset);
  Frame frame;
  frame.module_name = name;
  frame.module_offset = compiled_offset;
  // The last body starting at or before the offset holds it.
  auto body = std::upper_bound(compiled_body_offsets.begin(),
                               compiled_body_offsets.end(), compiled_offset);
  if (body == compiled_body_offsets.begin()) return frame;
  const size_t defined = (body - compiled_body_offsets.begin()) - 1;
  // Past the module's own functions: one a rewrite appended.
  if (defined >= original_body_offsets.size()) return std::nullopt;
  frame.function_index =
      imported_function_count + static_cast<uint32_t>(defined);
  frame.module_offset = original_body_offsets[defined] +
                        (compiled_offset - compiled_body_offsets[defined]);
  if (bulk.has_value()) {
    frame.module_offset = bulk->OriginalOffset(frame.module_offset);
  }
  auto function_name = function_names.find(frame.function_index);
  if (function_name != function_names.end()) {
    frame.function_name = function_name->second;
  }
  return frame;
}

}  // namespace internal
}  // namespace wasmhost
