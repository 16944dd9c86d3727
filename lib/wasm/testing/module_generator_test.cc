#include "lib/wasm/testing/module_generator.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::wasm::testing {
namespace {

// One engine for the binary, with fuel so every rewrite runs.
const Engine& FuelEngine() {
  static const Engine* const engine = [] {
    EngineOptions options;
    options.consume_fuel = true;
    absl::StatusOr<Engine> e = Engine::Create(options);
    if (!e.ok()) std::abort();
    return new Engine(*std::move(e));
  }();
  return *engine;
}

// A scaled-down module of `base`'s shape (the full ones take seconds).
GeneratorOptions Small(GeneratorOptions base) {
  base.code_bytes /= 40;
  base.data_bytes /= 40;
  base.custom_bytes /= 40;
  return base;
}

size_t SectionSize(const ModuleInfo& info, uint8_t id) {
  size_t total = 0;
  for (const SectionInfo& s : info.sections) {
    if (s.id == id) total += s.payload_size;
  }
  return total;
}

class GeneratedModuleTest : public ::testing::TestWithParam<int> {
 protected:
  GeneratorOptions Options() const {
    return Small(GetParam() == 0 ? DataHeavyOptions(7) : CodeHeavyOptions(7));
  }
};

TEST_P(GeneratedModuleTest, HasTheRequestedShape) {
  const GeneratorOptions options = Options();
  const std::vector<uint8_t> bytes = GenerateModule(options);
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  const size_t code = SectionSize(*info, kCodeSection);
  const size_t data = SectionSize(*info, kDataSection);
  EXPECT_GE(code, options.code_bytes);
  EXPECT_LE(code, options.code_bytes + 40 * 1024);
  EXPECT_GE(data, options.data_bytes);
  EXPECT_LE(data, options.data_bytes + options.data_bytes / 50 + 64);
  EXPECT_GE(SectionSize(*info, kCustomSection), options.custom_bytes);
  EXPECT_EQ(info->function_names.at(0), "run");
  EXPECT_EQ(info->module_name, "generated");

  absl::StatusOr<CodeSummary> summary = ScanCode(bytes, *info);
  ASSERT_TRUE(summary.ok()) << summary.status();
  // Realistic bodies: loops, nesting, bulk memory, many functions.
  EXPECT_GT(info->function_type_indices.size(), options.code_bytes / 4000);
  EXPECT_GT(summary->loop_count, 10u);
  EXPECT_GE(summary->max_nesting_depth, 4u);
  EXPECT_TRUE(summary->uses_bulk_memory);
  EXPECT_GT(summary->max_locals, 4u);
}

// The decoder's instruction boundaries tile every body exactly (its fast
// path and its checked path agree on where each instruction ends).
TEST_P(GeneratedModuleTest, InstructionsTileEveryBody) {
  const std::vector<uint8_t> bytes = GenerateModule(Options());
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<std::vector<FunctionBody>> bodies =
      ReadFunctionBodies(bytes, *info);
  ASSERT_TRUE(bodies.ok()) << bodies.status();
  uint64_t instructions = 0;
  for (const FunctionBody& body : *bodies) {
    InstructionReader reader(bytes, body);
    size_t cursor = body.code_offset;
    while (!reader.done()) {
      Instruction insn;
      ASSERT_TRUE(reader.Next(&insn).ok());
      ASSERT_EQ(insn.offset, cursor);
      const size_t opcode_bytes = insn.prefix == kNoPrefix ? 1 : 2;
      ASSERT_GE(insn.immediates.data(), bytes.data() + cursor + opcode_bytes);
      cursor = (insn.immediates.data() - bytes.data()) + insn.immediates.size();
      ++instructions;
    }
    EXPECT_EQ(cursor, body.end);
  }
  absl::StatusOr<CodeSummary> summary = ScanCode(bytes, *info);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(instructions, summary->instruction_count);
}

TEST_P(GeneratedModuleTest, CompilesInstantiatesAndRuns) {
  const std::vector<uint8_t> bytes = GenerateModule(Options());
  absl::StatusOr<Module> module = FuelEngine().Compile(bytes);
  ASSERT_TRUE(module.ok()) << module.status();
  absl::StatusOr<Instance> instance = Instance::Create(*module, Linker());
  ASSERT_TRUE(instance.ok()) << instance.status();
  absl::StatusOr<TypedFunc<int32_t()>> run =
      instance->GetFunc<int32_t()>("run");
  ASSERT_TRUE(run.ok()) << run.status();
  CallOptions call;
  call.fuel = 1000;
  absl::StatusOr<int32_t> result = run->Call(call);
  ASSERT_TRUE(result.ok()) << result.status();
  // run = the i32 at address 0 (the first data segment) + global 7 (700).
  absl::StatusOr<Memory> memory = instance->GetMemory("memory");
  ASSERT_TRUE(memory.ok()) << memory.status();
  absl::Span<uint8_t> view = memory->data();
  ASSERT_GE(view.size(), 4u);
  const int32_t first =
      static_cast<int32_t>(view[0] | view[1] << 8 | view[2] << 16 |
                           static_cast<uint32_t>(view[3]) << 24);
  EXPECT_EQ(*result, static_cast<int32_t>(static_cast<uint32_t>(first) + 700));
}

INSTANTIATE_TEST_SUITE_P(Kinds, GeneratedModuleTest, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return p.param == 0 ? "DataHeavy" : "CodeHeavy";
                         });

TEST(GenerateModuleTest, IsDeterministic) {
  GeneratorOptions options;
  options.seed = 42;
  options.code_bytes = 100 * 1024;
  const std::vector<uint8_t> a = GenerateModule(options);
  EXPECT_EQ(a, GenerateModule(options));
  options.seed = 43;
  EXPECT_NE(a, GenerateModule(options));
}

TEST(GenerateModuleTest, ManySeedsCompile) {
  for (uint64_t seed = 100; seed < 110; ++seed) {
    GeneratorOptions options;
    options.seed = seed;
    options.code_bytes = 20 * 1024;
    options.data_bytes = seed % 2 == 0 ? 0 : 1000;
    absl::StatusOr<Module> module =
        FuelEngine().Compile(GenerateModule(options));
    EXPECT_TRUE(module.ok()) << "seed " << seed << ": " << module.status();
  }
}

}  // namespace
}  // namespace wasmhost::wasm::testing
