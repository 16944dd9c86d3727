// Engine::Create with bad options, in a process where no engine exists yet
// (V8 is initialised once per process, so these must come first; gtest runs
// them in the order they are written).

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/global.h"
#include "wasmhost/memory.h"
#include "wasmhost/table.h"

namespace wasmhost {
namespace {

TEST(EngineFlagsTest, ObjectsNeedAnEngine) {
  EXPECT_STATUS(Global::Create({ValType::kI32, false}, Val::I32(1)),
                absl::StatusCode::kFailedPrecondition, "Engine::Create first");
  EXPECT_STATUS(Table::Create({ValType::kFuncRef, 1, std::nullopt},
                              Val::NullRef(ValType::kFuncRef)),
                absl::StatusCode::kFailedPrecondition, "Engine::Create first");
  EXPECT_STATUS(Memory::Create({1, std::nullopt}),
                absl::StatusCode::kFailedPrecondition, "Engine::Create first");
}

TEST(EngineFlagsTest, UnknownV8FlagIsInvalidArgument) {
  EngineOptions options;
  options.v8_flags = {"--wasmhost-no-such-flag"};
  EXPECT_STATUS(Engine::Create(options), absl::StatusCode::kInvalidArgument,
                "unknown V8 flags: --wasmhost-no-such-flag");
}

TEST(EngineFlagsTest, NegativeWorkerThreadsIsInvalidArgument) {
  EngineOptions options;
  options.worker_threads = -1;
  EXPECT_STATUS(Engine::Create(options), absl::StatusCode::kInvalidArgument,
                "worker_threads");
}

TEST(EngineFlagsTest, FailedCreateLeavesV8Uninitialised) {
  // The failures above did not initialise V8, so default options still
  // work, and later calls share that engine.
  ASSERT_OK_AND_ASSIGN(Engine engine, Engine::Create());
  EXPECT_EQ(&engine.options(), &testing::SharedEngine().options());
  EXPECT_EQ(engine.options().v8_flags.size(), 0u);
  EngineOptions options;
  options.v8_flags = {"--wasmhost-no-such-flag"};
  EXPECT_STATUS(Engine::Create(options), absl::StatusCode::kFailedPrecondition,
                "different");
}

}  // namespace
}  // namespace wasmhost
