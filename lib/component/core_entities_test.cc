// Core entity types from a module and the core subtyping of imports.

#include "lib/component/core_entities.h"

#include <vector>

#include "gtest/gtest.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::testing::ExpectInvalidArgument;

CoreEntity Table(ValType element, uint64_t min, std::optional<uint64_t> max) {
  CoreEntity e;
  e.kind = 1;
  e.known = true;
  e.table.element = element;
  e.table.limits.min = min;
  e.table.limits.max = max;
  return e;
}

CoreEntity Memory(uint64_t min, std::optional<uint64_t> max, bool shared) {
  CoreEntity e;
  e.kind = 2;
  e.known = true;
  e.memory.min = min;
  e.memory.max = max;
  e.memory.shared = shared;
  return e;
}

TEST(CheckCoreEntity, Funcs) {
  const CoreEntity nullary = FuncEntity({});
  const CoreEntity takes_i32 = FuncEntity({{ValType::kI32}, {}});
  EXPECT_TRUE(CheckCoreEntity(nullary, nullary).ok());
  ExpectInvalidArgument(CheckCoreEntity(takes_i32, nullary),
                        "expected func () -> (), found (i32) -> ()");
  CoreEntity unknown;  // An untyped func passes.
  EXPECT_TRUE(CheckCoreEntity(unknown, takes_i32).ok());
  ExpectInvalidArgument(CheckCoreEntity(Memory(1, {}, false), takes_i32),
                        "mismatch in the sort of the import");
}

TEST(CheckCoreEntity, TablesMemoriesGlobals) {
  EXPECT_TRUE(CheckCoreEntity(Table(ValType::kFuncRef, 2, 3),
                              Table(ValType::kFuncRef, 1, 4))
                  .ok());
  ExpectInvalidArgument(CheckCoreEntity(Table(ValType::kExternRef, 2, {}),
                                        Table(ValType::kFuncRef, 1, {})),
                        "expected table element type funcref, found externref");
  ExpectInvalidArgument(CheckCoreEntity(Table(ValType::kFuncRef, 1, {}),
                                        Table(ValType::kFuncRef, 2, {})),
                        "mismatch in table limits");
  ExpectInvalidArgument(CheckCoreEntity(Table(ValType::kFuncRef, 2, {}),
                                        Table(ValType::kFuncRef, 2, 2)),
                        "mismatch in table limits");
  ExpectInvalidArgument(
      CheckCoreEntity(Memory(1, 2, false), Memory(1, 2, true)),
      "mismatch in the shared flag for memories");
  ExpectInvalidArgument(
      CheckCoreEntity(Memory(0, {}, false), Memory(1, {}, false)),
      "mismatch in memory limits");
  CoreEntity i32, i64;
  i32.kind = i64.kind = 3;
  i32.known = i64.known = true;
  i32.global = {ValType::kI32, false};
  i64.global = {ValType::kI64, false};
  ExpectInvalidArgument(CheckCoreEntity(i64, i32),
                        "expected global type i32, found i64");
}

TEST(EntitiesOf, ImportsFirstThenDefinitions) {
  wasm::ModuleInfo info;
  info.types = {FuncType{{ValType::kI32}, {}}, FuncType{{}, {ValType::kF64}}};
  wasm::Import f;
  f.module = "env";
  f.name = "f";
  f.kind = wasm::ExternKind::kFunc;
  f.func_type_index = 0;
  info.imports = {f};
  info.function_type_indices = {1};
  info.memories = {wasm::Limits{1, 2, false}};
  info.exports = {{"g", wasm::ExternKind::kFunc, 1},
                  {"m", wasm::ExternKind::kMemory, 0}};
  const ModuleEntities m = EntitiesOf(info);
  ASSERT_EQ(m.imports.size(), 1u);
  EXPECT_EQ(m.imports[0].entity.func.params,
            std::vector<ValType>{ValType::kI32});
  const CoreEntity& g = m.exports.at("g");
  EXPECT_TRUE(g.known);
  EXPECT_EQ(g.func.results, std::vector<ValType>{ValType::kF64});
  EXPECT_EQ(m.exports.at("m").memory.max, std::optional<uint64_t>(2));
}

}  // namespace
}  // namespace wasmhost::component
