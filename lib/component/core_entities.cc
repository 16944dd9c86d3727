#include "lib/component/core_entities.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace wasmhost::component {
namespace {

// The text format's names. (ValTypeName lives in the public API's library,
// which links V8; the reader does not.)
absl::string_view Name(ValType type) {
  static constexpr absl::string_view kNames[] = {
      "i32", "i64", "f32", "f64", "v128", "funcref", "externref"};
  return kNames[static_cast<size_t>(type)];
}

uint8_t Code(wasm::ExternKind kind) { return static_cast<uint8_t>(kind); }

CoreFuncType FromFuncType(const FuncType& t) { return {t.params, t.results}; }

// The entity at `index` of `kind`'s index space (imports first).
CoreEntity EntityAt(const wasm::ModuleInfo& info, wasm::ExternKind kind,
                    uint32_t index) {
  CoreEntity e;
  e.kind = Code(kind);
  for (const wasm::Import& i : info.imports) {
    if (i.kind != kind) continue;
    if (index-- == 0) {
      e.known = kind != wasm::ExternKind::kTag &&
                (kind != wasm::ExternKind::kFunc ||
                 i.func_type_index < info.types.size());
      if (kind == wasm::ExternKind::kFunc && e.known) {
        e.func = FromFuncType(info.types[i.func_type_index]);
      }
      e.table = i.table;
      e.memory = i.memory;
      e.global = i.global;
      return e;
    }
  }
  switch (kind) {
    case wasm::ExternKind::kFunc:
      if (index < info.function_type_indices.size() &&
          info.function_type_indices[index] < info.types.size()) {
        e.known = true;
        e.func = FromFuncType(info.types[info.function_type_indices[index]]);
      }
      break;
    case wasm::ExternKind::kTable:
      if (index < info.tables.size()) {
        e.known = true;
        e.table = info.tables[index];
      }
      break;
    case wasm::ExternKind::kMemory:
      if (index < info.memories.size()) {
        e.known = true;
        e.memory = info.memories[index];
      }
      break;
    case wasm::ExternKind::kGlobal:
      if (index < info.globals.size()) {
        e.known = true;
        e.global = info.globals[index];
      }
      break;
    case wasm::ExternKind::kTag:
      break;
  }
  return e;
}

// Core limits subtyping: at least the expected minimum, and a maximum
// within the expected one when it has one.
bool LimitsMatch(const wasm::Limits& given, const wasm::Limits& expected) {
  if (given.min < expected.min) return false;
  if (!expected.max.has_value()) return true;
  return given.max.has_value() && *given.max <= *expected.max;
}

}  // namespace

CoreEntity FuncEntity(CoreFuncType func) {
  CoreEntity e;
  e.kind = 0;
  e.known = true;
  e.func = std::move(func);
  return e;
}

ModuleEntities EntitiesOf(const wasm::ModuleInfo& info) {
  ModuleEntities m;
  uint32_t next[5] = {};
  for (const wasm::Import& i : info.imports) {
    m.imports.push_back(
        {i.module, i.name,
         EntityAt(info, i.kind, next[static_cast<int>(i.kind)]++)});
  }
  for (const wasm::Export& e : info.exports) {
    m.exports.emplace(e.name, EntityAt(info, e.kind, e.index));
  }
  return m;
}

std::string CoreFuncTypeString(const CoreFuncType& type) {
  auto list = [](const std::vector<ValType>& types) {
    return absl::StrCat("(",
                        absl::StrJoin(types, ", ",
                                      [](std::string* out, ValType t) {
                                        absl::StrAppend(out, Name(t));
                                      }),
                        ")");
  };
  return absl::StrCat(list(type.params), " -> ", list(type.results));
}

absl::Status CheckCoreEntity(const CoreEntity& given,
                             const CoreEntity& expected) {
  if (given.kind != expected.kind) {
    return absl::InvalidArgumentError("mismatch in the sort of the import");
  }
  if (!given.known || !expected.known) return absl::OkStatus();
  switch (expected.kind) {
    case 0:
      if (given.func.params != expected.func.params ||
          given.func.results != expected.func.results) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected func ", CoreFuncTypeString(expected.func),
                         ", found ", CoreFuncTypeString(given.func)));
      }
      break;
    case 1:
      if (given.table.element != expected.table.element) {
        return absl::InvalidArgumentError(absl::StrCat(
            "expected table element type ", Name(expected.table.element),
            ", found ", Name(given.table.element)));
      }
      if (!LimitsMatch(given.table.limits, expected.table.limits)) {
        return absl::InvalidArgumentError("mismatch in table limits");
      }
      break;
    case 2:
      if (given.memory.shared != expected.memory.shared) {
        return absl::InvalidArgumentError(
            "mismatch in the shared flag for memories");
      }
      if (!LimitsMatch(given.memory, expected.memory)) {
        return absl::InvalidArgumentError("mismatch in memory limits");
      }
      break;
    case 3:
      if (given.global.type != expected.global.type ||
          given.global.is_mutable != expected.global.is_mutable) {
        return absl::InvalidArgumentError(absl::StrCat(
            "expected global type ", expected.global.is_mutable ? "mut " : "",
            Name(expected.global.type), ", found ",
            given.global.is_mutable ? "mut " : "", Name(given.global.type)));
      }
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::component
