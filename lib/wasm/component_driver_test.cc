// CheckComponentDriver's refusals, and the drivers BuildComponentDriver
// makes read, scanned and compiled through the public pipeline.

#include "lib/wasm/component_driver.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::wasm {
namespace {

// score(name_ptr, name_len, xs_ptr, xs_len) -> retptr, as wit-component
// lifts `score: func(name: string, xs: list<f64>) -> result<f64, string>`.
ComponentDriverSpec Score() {
  ComponentDriverSpec spec;
  spec.callee =
      FuncType{{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32},
               {ValType::kI32}};
  spec.allocations = {{0, 1}, {2, 8}};
  spec.post_return = true;
  return spec;
}

void ExpectValid(const ComponentDriverSpec& spec) {
  ASSERT_TRUE(CheckComponentDriver(spec).ok()) << spec.Key();
  const std::vector<uint8_t> bytes = BuildComponentDriver(spec);
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(ScanCode(bytes, *info).ok());
  absl::StatusOr<Engine> engine = Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  absl::StatusOr<Module> module = engine->Compile(bytes);
  ASSERT_TRUE(module.ok()) << spec.Key() << ": " << module.status();
}

TEST(BuildComponentDriverTest, CompilesForAllocationsAndPostReturn) {
  ExpectValid(Score());
}

TEST(BuildComponentDriverTest, CompilesForFloatsWithoutResult) {
  ComponentDriverSpec spec;
  spec.callee = FuncType{
      {ValType::kF64, ValType::kI32, ValType::kI32, ValType::kF32}, {}};
  spec.allocations = {{1, 4}};
  ExpectValid(spec);
  spec.post_return = true;
  ExpectValid(spec);
}

TEST(BuildComponentDriverTest, CompilesWithoutAllocations) {
  ComponentDriverSpec spec;
  spec.callee = FuncType{{ValType::kI64}, {ValType::kI32}};
  spec.post_return = true;
  ExpectValid(spec);
}

TEST(ComponentDriverSpecTest, KeyNamesEveryPart) {
  EXPECT_EQ(Score().Key(),
            "(i32, i32, i32, i32) -> i32 alloc 0/1 alloc 2/8 post");
}

void ExpectRefused(const ComponentDriverSpec& spec, const std::string& what) {
  const absl::Status status = CheckComponentDriver(spec);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(what), std::string::npos) << status;
}

TEST(CheckComponentDriverTest, RefusesWhatItCannotDrive) {
  ComponentDriverSpec spec = Score();
  spec.callee.results = {ValType::kF64};
  ExpectRefused(spec, "lifts no result or one i32");
  spec = Score();
  spec.callee.params[1] = ValType::kExternRef;
  ExpectRefused(spec, "cannot pass");
  spec = Score();
  spec.allocations[1].param = 4;
  ExpectRefused(spec, "cannot allocate for parameter 4");
  spec = Score();
  spec.allocations[1].align = 3;
  ExpectRefused(spec, "(alignment 3)");
  spec = Score();
  spec.callee.params[2] = ValType::kI64;
  ExpectRefused(spec, "cannot allocate for parameter 2");
}

}  // namespace
}  // namespace wasmhost::wasm
