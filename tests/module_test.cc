// Tests of wasmhost/module.h: what a compiled module imports and exports,
// and sharing one Module across threads.

#include "wasmhost/module.h"

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/instance.h"

namespace wasmhost {
namespace {

constexpr ValType kI32 = ValType::kI32, kI64 = ValType::kI64,
                  kF32 = ValType::kF32, kF64 = ValType::kF64;

TEST(ModuleTest, ExternKindNames) {
  EXPECT_EQ(ExternKindName(ExternKind::kFunc), "func");
  EXPECT_EQ(ExternKindName(ExternKind::kTable), "table");
  EXPECT_EQ(ExternKindName(ExternKind::kMemory), "memory");
  EXPECT_EQ(ExternKindName(ExternKind::kGlobal), "global");
  EXPECT_EQ(ExternKindName(ExternKind::kTag), "tag");
}

TEST(ModuleTest, Imports) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::inspect_wasm()));
  const std::vector<ImportType>& imports = module.imports();
  ASSERT_EQ(imports.size(), 3u);
  EXPECT_EQ(imports[0].module, "env");
  EXPECT_EQ(imports[0].name, "log");
  EXPECT_EQ(imports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(imports[0].func_type, (FuncType{{kI32, kI64}, {kF32}}));
  EXPECT_EQ(imports[0].func_type.ToString(), "(i32, i64) -> f32");
  EXPECT_EQ(imports[1].name, "tick");
  EXPECT_EQ(imports[1].kind, ExternKind::kFunc);
  EXPECT_EQ(imports[1].func_type, FuncType{});
  EXPECT_EQ(imports[2].module, "env");
  EXPECT_EQ(imports[2].name, "g");
  EXPECT_EQ(imports[2].kind, ExternKind::kGlobal);
}

TEST(ModuleTest, Exports) {
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::inspect_wasm()));
  const std::vector<ExportType>& exports = module.exports();
  ASSERT_EQ(exports.size(), 5u);
  EXPECT_EQ(exports[0].name, "mem");
  EXPECT_EQ(exports[0].kind, ExternKind::kMemory);
  EXPECT_EQ(exports[0].memory.min_pages, 2u);
  EXPECT_EQ(exports[0].memory.max_pages, std::optional<uint64_t>(10));
  EXPECT_EQ(exports[1].name, "tbl");
  EXPECT_EQ(exports[1].kind, ExternKind::kTable);
  EXPECT_EQ(exports[2].name, "glob");
  EXPECT_EQ(exports[2].kind, ExternKind::kGlobal);
  EXPECT_EQ(exports[3].name, "split");
  EXPECT_EQ(exports[3].kind, ExternKind::kFunc);
  EXPECT_EQ(exports[3].func_type, (FuncType{{kF64}, {kI32, kI64}}));
  EXPECT_EQ(exports[3].func_type.ToString(), "(f64) -> (i32, i64)");
  EXPECT_EQ(exports[4].name, "nothing");
  EXPECT_EQ(exports[4].func_type.ToString(), "() -> ()");
}

TEST(ModuleTest, MemoryLimits) {
  ASSERT_OK_AND_ASSIGN(Module with_max,
                       testing::Compile(fixtures::inspect_wasm()));
  ASSERT_TRUE(with_max.memory().has_value());
  EXPECT_EQ(with_max.memory()->min_pages, 2u);
  EXPECT_EQ(with_max.memory()->max_pages, std::optional<uint64_t>(10));

  ASSERT_OK_AND_ASSIGN(Module no_max,
                       testing::Compile(fixtures::memory_nomax_wasm()));
  ASSERT_TRUE(no_max.memory().has_value());
  EXPECT_EQ(no_max.memory()->min_pages, 1u);
  EXPECT_EQ(no_max.memory()->max_pages, std::nullopt);

  ASSERT_OK_AND_ASSIGN(Module imported,
                       testing::Compile(fixtures::imports_memory_wasm()));
  ASSERT_TRUE(imported.memory().has_value());
  EXPECT_EQ(imported.memory()->min_pages, 1u);

  ASSERT_OK_AND_ASSIGN(Module none,
                       testing::Compile(fixtures::memory_none_wasm()));
  EXPECT_EQ(none.memory(), std::nullopt);
}

TEST(ModuleTest, Name) {
  ASSERT_OK_AND_ASSIGN(Module named,
                       testing::Compile(fixtures::inspect_wasm()));
  EXPECT_EQ(named.name(), "inspect");
  ASSERT_OK_AND_ASSIGN(Module unnamed,
                       testing::Compile(fixtures::memory_none_wasm()));
  EXPECT_EQ(unnamed.name(), "");
}

TEST(ModuleTest, CopiesShareTheModule) {
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(fixtures::types_wasm()));
  Module copy = module;
  EXPECT_EQ(&copy.exports(), &module.exports());
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(copy, Linker()));
  EXPECT_EQ(&instance.module().exports(), &module.exports());
}

TEST(ModuleTest, InstantiateAndCallOnFourThreads) {
  // Compiled once here; instantiated and called on each thread.
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(fixtures::types_wasm()));
  constexpr int kThreads = 4;
  constexpr int kCalls = 200;
  std::vector<absl::Status> errors(kThreads);
  std::vector<int64_t> sums(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<Instance> instance = Instance::Create(module, Linker());
      if (!instance.ok()) {
        errors[t] = instance.status();
        return;
      }
      auto add = instance->GetFunc<int32_t(int32_t, int32_t)>("add_i32");
      auto bump = instance->GetFunc<int32_t()>("bump");
      if (!add.ok() || !bump.ok()) {
        errors[t] = add.ok() ? bump.status() : add.status();
        return;
      }
      for (int i = 0; i < kCalls; ++i) {
        absl::StatusOr<int32_t> sum = add->Call(t * 1000, i);
        if (!sum.ok()) {
          errors[t] = sum.status();
          return;
        }
        sums[t] += *sum;
        // Each instance has its own globals.
        absl::StatusOr<int32_t> count = bump->Call();
        if (!count.ok() || *count != i + 1) {
          errors[t] =
              count.ok() ? absl::InternalError("wrong count") : count.status();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_OK(errors[t]) << "thread " << t;
    EXPECT_EQ(sums[t], int64_t{t} * 1000 * kCalls + kCalls * (kCalls - 1) / 2)
        << "thread " << t;
  }
}

TEST(ModuleTest, TableAndGlobalTypesOfImportsAndExports) {
  ASSERT_OK_AND_ASSIGN(Module limits,
                       testing::Compile(fixtures::imports_limits_wasm()));
  ASSERT_EQ(limits.imports().size(), 2u);
  const ImportType& table = limits.imports()[1];
  EXPECT_EQ(table.kind, ExternKind::kTable);
  EXPECT_EQ(table.table.element, ValType::kFuncRef);
  EXPECT_EQ(table.table.min_size, 1u);
  EXPECT_EQ(table.table.max_size, std::optional<uint64_t>(3));
  ASSERT_OK_AND_ASSIGN(Module global,
                       testing::Compile(fixtures::imports_global_mut_wasm()));
  EXPECT_EQ(global.imports()[0].global.type, ValType::kI64);
  EXPECT_TRUE(global.imports()[0].global.is_mutable);

  ASSERT_OK_AND_ASSIGN(Module externs,
                       testing::Compile(fixtures::externs_wasm()));
  std::vector<std::string> seen;
  for (const ExportType& exported : externs.exports()) {
    if (exported.name == "const64") {
      EXPECT_EQ(exported.kind, ExternKind::kGlobal);
      EXPECT_EQ(exported.global.type, ValType::kI64);
      EXPECT_FALSE(exported.global.is_mutable);
      seen.push_back(exported.name);
    } else if (exported.name == "refs") {
      EXPECT_EQ(exported.kind, ExternKind::kTable);
      EXPECT_EQ(exported.table.element, ValType::kExternRef);
      EXPECT_EQ(exported.table.min_size, 2u);
      EXPECT_EQ(exported.table.max_size, std::optional<uint64_t>(10));
      seen.push_back(exported.name);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"const64", "refs"}));
}

}  // namespace
}  // namespace wasmhost
