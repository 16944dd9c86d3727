// Tests of linking objects between the host and instances: Linker::Define
// of globals, tables and memories, Linker::DefineInstance, and the
// import-matching rules (the spec's assert_unlinkable cases).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost {
namespace {

constexpr uint64_t kPage = 65536;
constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
const Val kNullFunc = Val::NullRef(ValType::kFuncRef);
constexpr uint8_t kUnreachable = 0x00;
constexpr uint8_t kCall = 0x10;

// link_consumer.wasm instantiated against link_provider.wasm's instance,
// which a Linker defines as "provider".
struct LinkedPair {
  Instance provider;
  Instance consumer;
};
absl::StatusOr<LinkedPair> LinkProviderAndConsumer() {
  absl::StatusOr<Instance> provider =
      testing::Instantiate(fixtures::link_provider_wasm());
  if (!provider.ok()) return provider.status();
  Linker linker;
  if (absl::Status s = linker.DefineInstance("provider", *provider); !s.ok()) {
    return s;
  }
  absl::StatusOr<Instance> consumer =
      testing::Instantiate(fixtures::link_consumer_wasm(), linker);
  if (!consumer.ok()) return consumer.status();
  return LinkedPair{*std::move(provider), *std::move(consumer)};
}

// imports_limits.wasm (env.mem: memory 1..2 pages, env.t: table 1..3
// funcref) instantiated with `memory` and `table` as those imports.
absl::Status InstantiateWithLimits(const Memory& memory, const Table& table,
                                   const InstanceOptions& options = {}) {
  Linker linker;
  if (absl::Status s = linker.Define("env", "mem", memory); !s.ok()) return s;
  if (absl::Status s = linker.Define("env", "t", table); !s.ok()) return s;
  return testing::Instantiate(fixtures::imports_limits_wasm(), linker, options)
      .status();
}

TEST(ExternTest, InstancesShareMemoryTableGlobalAndFunctions) {
  ASSERT_OK_AND_ASSIGN(LinkedPair pair, LinkProviderAndConsumer());
  Instance& provider = pair.provider;
  Instance& consumer = pair.consumer;

  // Memory: the consumer's store is the provider's load.
  ASSERT_OK_AND_ASSIGN(auto write,
                       consumer.GetFunc<void(int32_t, int32_t)>("write"));
  ASSERT_OK_AND_ASSIGN(auto read, provider.GetFunc<int32_t(int32_t)>("read"));
  ASSERT_OK(write.Call(64, 0x12345678));
  EXPECT_THAT(read.Call(64), testing::IsOkAndHolds(0x12345678));
  // Both instances' memory() views see the same bytes.
  EXPECT_EQ(consumer.memory().data().data(), provider.memory().data().data());

  // Global: one variable.
  ASSERT_OK_AND_ASSIGN(auto set_g, consumer.GetFunc<void(int32_t)>("set_g"));
  ASSERT_OK_AND_ASSIGN(auto get_g, provider.GetFunc<int32_t()>("get_g"));
  EXPECT_THAT(get_g.Call(), testing::IsOkAndHolds(10));
  ASSERT_OK(set_g.Call(-3));
  EXPECT_THAT(get_g.Call(), testing::IsOkAndHolds(-3));
  ASSERT_OK_AND_ASSIGN(Global consumer_g, consumer.GetGlobal("g"));
  EXPECT_THAT(consumer_g.Get(), testing::IsOkAndHolds(Val::I32(-3)));

  // Function: a direct Wasm-to-Wasm call.
  ASSERT_OK_AND_ASSIGN(auto call_seven,
                       consumer.GetFunc<int32_t()>("call_seven"));
  EXPECT_THAT(call_seven.Call(), testing::IsOkAndHolds(7));

  // Table: each calls the other's function through call_indirect.
  ASSERT_OK_AND_ASSIGN(auto consumer_call,
                       consumer.GetFunc<int32_t(int32_t)>("call"));
  ASSERT_OK_AND_ASSIGN(auto provider_call,
                       provider.GetFunc<int32_t(int32_t)>("call"));
  EXPECT_THAT(consumer_call.Call(0), testing::IsOkAndHolds(7));
  EXPECT_THAT(provider_call.Call(1), testing::IsOkAndHolds(8));
}

TEST(ExternTest, ReexportedObjectsAreTheImportedOnes) {
  ASSERT_OK_AND_ASSIGN(LinkedPair pair, LinkProviderAndConsumer());
  Instance& provider = pair.provider;
  Instance& consumer = pair.consumer;
  // The consumer re-exports the provider's memory (max 2 pages, although
  // the consumer declares none): a third module importing it with a
  // maximum of 2 links.
  Linker second;
  ASSERT_OK(second.DefineInstance("env", consumer));
  ASSERT_OK_AND_ASSIGN(Memory memory, consumer.GetMemory("mem"));
  EXPECT_EQ(memory.size(), kPage);
  EXPECT_EQ(memory.data().data(), provider.memory().data().data());
  ASSERT_OK_AND_ASSIGN(Table table,
                       Table::Create({ValType::kFuncRef, 1, 3}, kNullFunc));
  ASSERT_OK(second.Define("env", "t", table));
  EXPECT_OK(testing::Instantiate(fixtures::imports_limits_wasm(), second));
}

TEST(ExternTest, LinkerDefinitionsOutliveTheInstance) {
  Linker linker;
  {
    ASSERT_OK_AND_ASSIGN(Instance provider,
                         testing::Instantiate(fixtures::link_provider_wasm()));
    ASSERT_OK(linker.DefineInstance("provider", provider));
  }
  ASSERT_OK_AND_ASSIGN(
      Instance consumer,
      testing::Instantiate(fixtures::link_consumer_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto call, consumer.GetFunc<int32_t(int32_t)>("call"));
  EXPECT_THAT(call.Call(0), testing::IsOkAndHolds(7));
}

TEST(ExternTest, HostFunctionReexportedByAnInstanceFailsCleanly) {
  Linker host;
  ASSERT_OK(
      host.Define("env", "check", [](int32_t x) -> absl::StatusOr<int32_t> {
        if (x < 0) return absl::OutOfRangeError("negative");
        return x * 2;
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance provider,
      testing::Instantiate(fixtures::host_reexport_wasm(), host));
  Linker linker;
  ASSERT_OK(linker.DefineInstance("provider", provider));
  ASSERT_OK_AND_ASSIGN(
      Instance consumer,
      testing::Instantiate(fixtures::host_reimport_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto consumer_call,
                       consumer.GetFunc<int32_t(int32_t)>("call_check"));
  ASSERT_OK_AND_ASSIGN(auto provider_call,
                       provider.GetFunc<int32_t(int32_t)>("call_check"));
  EXPECT_THAT(consumer_call.Call(4), testing::IsOkAndHolds(8));
  // The host's status reaches the instance that called, which is poisoned;
  // the instance that bound the function is not.
  EXPECT_STATUS(consumer_call.Call(-1), absl::StatusCode::kOutOfRange,
                "negative");
  EXPECT_TRUE(consumer.poisoned());
  EXPECT_FALSE(provider.poisoned());
  EXPECT_THAT(provider_call.Call(5), testing::IsOkAndHolds(10));
}

TEST(ExternTest, DefineInstanceRefusesDuplicatesAtomically) {
  ASSERT_OK_AND_ASSIGN(Instance provider,
                       testing::Instantiate(fixtures::link_provider_wasm()));
  Linker linker;
  ASSERT_OK(linker.Define("provider", "tab", []() {}));
  EXPECT_STATUS(linker.DefineInstance("provider", provider),
                absl::StatusCode::kAlreadyExists, "provider.tab");
  // Nothing else was defined.
  EXPECT_FALSE(linker.Defines("provider", "mem"));
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI32, false}, Val::I32(1)));
  EXPECT_STATUS(linker.Define("provider", "tab", global),
                absl::StatusCode::kAlreadyExists, "provider.tab");
}

TEST(ExternTest, MissingImportsAreNotFound) {
  Linker linker;
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_memory_wasm(), linker),
                absl::StatusCode::kNotFound, "env.mem memory 1.. pages");
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_global_wasm(), linker),
                absl::StatusCode::kNotFound, "env.g global (i32)");
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_table_wasm(), linker),
                absl::StatusCode::kNotFound, "env.t table 1.. funcref");
}

TEST(ExternTest, KindMismatchIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI32, false}, Val::I32(1)));
  Linker linker;
  ASSERT_OK(linker.Define("env", "mem", global));
  ASSERT_OK(linker.Define("env", "g", []() {}));
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_memory_wasm(), linker),
                kInvalid,
                "import env.mem is memory 1.. pages but the linker "
                "defines a global");
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_global_wasm(), linker),
                kInvalid,
                "import env.g is global (i32) but the linker "
                "defines a func");
}

TEST(ExternTest, GlobalTypeAndMutabilityMustMatch) {
  struct Case {
    GlobalType type;
    Val value;
    const char* defined;
  };
  for (const Case& c :
       {Case{{ValType::kI32, true}, Val::I32(0), "global (mut i32)"},
        Case{{ValType::kI64, false}, Val::I64(0), "global (i64)"}}) {
    ASSERT_OK_AND_ASSIGN(Global global, Global::Create(c.type, c.value));
    Linker linker;
    ASSERT_OK(linker.Define("env", "g", global));
    EXPECT_STATUS(testing::Instantiate(fixtures::imports_global_wasm(), linker),
                  kInvalid,
                  std::string("env.g is global (i32) but the linker defines ") +
                      c.defined);
  }
  ASSERT_OK_AND_ASSIGN(Global good,
                       Global::Create({ValType::kI32, false}, Val::I32(0)));
  Linker linker;
  ASSERT_OK(linker.Define("env", "g", good));
  EXPECT_OK(testing::Instantiate(fixtures::imports_global_wasm(), linker));
}

TEST(ExternTest, TableElementAndLimitsMustMatch) {
  ASSERT_OK_AND_ASSIGN(Memory memory, Memory::Create({1, 2}));
  struct Case {
    TableType type;
    const char* defined;
  };
  const Case cases[] = {
      {{ValType::kExternRef, 1, 3}, "table 1..3 externref"},
      {{ValType::kFuncRef, 0, 3}, "table 0..3 funcref"},            // too small
      {{ValType::kFuncRef, 1, std::nullopt}, "table 1.. funcref"},  // no max
      {{ValType::kFuncRef, 1, 4}, "table 1..4 funcref"},  // max too big
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(Table table,
                         Table::Create(c.type, Val::NullRef(c.type.element)));
    EXPECT_STATUS(InstantiateWithLimits(memory, table), kInvalid,
                  std::string("env.t is table 1..3 funcref but the linker "
                              "defines ") +
                      c.defined);
  }
  // A table grown past the import's minimum matches on its current size.
  ASSERT_OK_AND_ASSIGN(Table grown,
                       Table::Create({ValType::kFuncRef, 0, 2}, kNullFunc));
  ASSERT_OK(grown.Grow(1, kNullFunc).status());
  EXPECT_OK(InstantiateWithLimits(memory, grown));
}

TEST(ExternTest, MemoryLimitsMustMatch) {
  ASSERT_OK_AND_ASSIGN(Table table,
                       Table::Create({ValType::kFuncRef, 1, 3}, kNullFunc));
  const MemoryType cases[] = {{0, 2}, {1, std::nullopt}, {1, 3}};
  const char* defined[] = {"memory 0..2 pages", "memory 1.. pages",
                           "memory 1..3 pages"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Memory memory, Memory::Create(cases[i]));
    EXPECT_STATUS(InstantiateWithLimits(memory, table), kInvalid,
                  std::string("env.mem is memory 1..2 pages but the linker "
                              "defines ") +
                      defined[i]);
  }
}

TEST(ExternTest, ImportedMemoryIsBoundByTheInstanceLimit) {
  ASSERT_OK_AND_ASSIGN(Memory unbounded, Memory::Create({1, std::nullopt}));
  ASSERT_OK_AND_ASSIGN(Memory two_pages, Memory::Create({1, 2}));
  Linker unbounded_linker;
  ASSERT_OK(unbounded_linker.Define("env", "mem", unbounded));
  Linker bounded_linker;
  ASSERT_OK(bounded_linker.Define("env", "mem", two_pages));

  InstanceOptions options;
  options.limits.max_memory_bytes = 2 * kPage;
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_memory_wasm(),
                                     unbounded_linker, options),
                absl::StatusCode::kResourceExhausted,
                "imported memory env.mem may grow to 4294967296 bytes, past "
                "the instance's limit of 131072 bytes");
  EXPECT_OK(testing::Instantiate(fixtures::imports_memory_wasm(),
                                 bounded_linker, options));
  options.limits.max_memory_bytes = kPage;
  EXPECT_STATUS(testing::Instantiate(fixtures::imports_memory_wasm(),
                                     bounded_linker, options),
                absl::StatusCode::kResourceExhausted, "131072 bytes");
  // Without a limit, anything goes.
  EXPECT_OK(
      testing::Instantiate(fixtures::imports_memory_wasm(), unbounded_linker));
}

// Limits::max_table_elements counts the tables an instance defines: an
// imported table was bounded when it was made, and importing allocates
// nothing.
TEST(ExternTest, ImportedTablesDoNotCountTowardsTheTableLimit) {
  ASSERT_OK_AND_ASSIGN(Memory memory, Memory::Create({1, 2}));
  ASSERT_OK_AND_ASSIGN(Table table,
                       Table::Create({ValType::kFuncRef, 3, 3}, kNullFunc));
  InstanceOptions options;
  options.limits.max_table_elements = 1;
  EXPECT_OK(InstantiateWithLimits(memory, table, options));
}

// At run time a table.grow counts the tables the instance defines plus the
// imported table it grows: the growth allocates for this instance. The
// host's own Table::Grow is not held to any instance's limit.
TEST(ExternTest, GrowingAnImportedTableCountsItTowardsTheTableLimit) {
  ASSERT_OK_AND_ASSIGN(Table table,
                       Table::Create({ValType::kFuncRef, 3}, kNullFunc));
  Linker linker;
  ASSERT_OK(linker.Define("env", "t", table));
  InstanceOptions options;
  options.limits.max_table_elements = 6;  // own 2 + imported 3 now
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::imports_table_grow_wasm(),
                                            linker, options));
  ASSERT_OK_AND_ASSIGN(auto grow_imported,
                       instance.GetFunc<int32_t(int32_t)>("grow_imported"));
  ASSERT_OK_AND_ASSIGN(auto grow_own,
                       instance.GetFunc<int32_t(int32_t)>("grow_own"));
  EXPECT_THAT(grow_imported.Call(1), testing::IsOkAndHolds(3));   // 2 + 4
  EXPECT_THAT(grow_imported.Call(1), testing::IsOkAndHolds(-1));  // 2 + 5
  EXPECT_EQ(table.size(), 4u);
  // Its own tables alone are within the limit.
  EXPECT_THAT(grow_own.Call(4), testing::IsOkAndHolds(2));
  EXPECT_THAT(grow_own.Call(1), testing::IsOkAndHolds(-1));
  EXPECT_THAT(table.Grow(10, kNullFunc), testing::IsOkAndHolds(4));
  EXPECT_THAT(grow_imported.Call(1), testing::IsOkAndHolds(-1));
}

// A trap in instance B's function, called by instance A through an import
// (Wasm to Wasm), has a backtrace with each frame located in its own
// module.
TEST(ExternTest, BacktraceThroughAnImportedFunctionLocatesEachFrame) {
  ASSERT_OK_AND_ASSIGN(Instance callee,
                       testing::Instantiate(fixtures::trap_callee_wasm()));
  Linker linker;
  ASSERT_OK(linker.DefineInstance("callee", callee));
  ASSERT_OK_AND_ASSIGN(
      Instance caller,
      testing::Instantiate(fixtures::trap_caller_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto run, caller.GetFunc<void()>("run"));
  const absl::Status status = run.Call();
  ASSERT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  const std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->kind, TrapKind::kUnreachable);
  ASSERT_EQ(info->backtrace.size(), 3u) << status;
  const Frame& inner = info->backtrace[0];
  const Frame& boom = info->backtrace[1];
  const Frame& outer = info->backtrace[2];
  EXPECT_EQ(inner.module_name, "trap_callee");
  EXPECT_EQ(inner.function_name, "inner");
  EXPECT_EQ(inner.function_index, 0u);
  EXPECT_EQ(boom.module_name, "trap_callee");
  EXPECT_EQ(boom.function_name, "boom");
  EXPECT_EQ(boom.function_index, 1u);
  EXPECT_EQ(outer.module_name, "trap_caller");
  EXPECT_EQ(outer.function_name, "run");
  EXPECT_EQ(outer.function_index, 1u);  // after the import
  // Offsets are in each frame's own (original) module: at B's
  // `unreachable` and A's `call`, and B's the same as when B is called
  // directly.
  ASSERT_LT(inner.module_offset, fixtures::trap_callee_wasm().size());
  EXPECT_EQ(fixtures::trap_callee_wasm()[inner.module_offset], kUnreachable);
  ASSERT_LT(outer.module_offset, fixtures::trap_caller_wasm().size());
  EXPECT_EQ(fixtures::trap_caller_wasm()[outer.module_offset], kCall);
  ASSERT_OK_AND_ASSIGN(auto boom_directly,
                       callee.GetFunc<void(int32_t)>("boom"));
  const std::optional<TrapInfo> direct = GetTrapInfo(boom_directly.Call(1));
  ASSERT_TRUE(direct.has_value());
  ASSERT_EQ(direct->backtrace.size(), 2u);
  EXPECT_EQ(direct->backtrace[0].module_offset, inner.module_offset);
  // The caller is poisoned (its call failed).
  EXPECT_TRUE(caller.poisoned());
}

TEST(ExternTest, HostMemoryIsTheInstanceMemory) {
  ASSERT_OK_AND_ASSIGN(Memory memory, Memory::Create({1, 1}));
  ASSERT_OK(memory.Write(8, {1, 2, 3}));
  Linker linker;
  ASSERT_OK(linker.Define("env", "mem", memory));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::imports_memory_wasm(), linker));
  EXPECT_EQ(instance.memory().size(), kPage);
  EXPECT_EQ(instance.memory().data().data(), memory.data().data());
  ASSERT_OK_AND_ASSIGN(std::string bytes, instance.memory().ReadString(8, 3));
  EXPECT_EQ(bytes, "\x01\x02\x03");
}

TEST(ExternTest, MemoryCreateErrors) {
  EXPECT_STATUS(Memory::Create({3, 2}), kInvalid, "minimum 3 pages, maximum 2");
  EXPECT_STATUS(Memory::Create({1, 65537}), kInvalid, "at most 65536");
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  Linker linker;
  EXPECT_STATUS(linker.Define("env", "mem", instance.memory()), kInvalid,
                "Instance::memory() view cannot be shared");
  EXPECT_STATUS(instance.GetMemory("counter"), kInvalid,
                "'counter' is a global, not a memory");
  EXPECT_STATUS(instance.GetMemory("nope"), absl::StatusCode::kNotFound,
                "'nope'");
}

TEST(ExternTest, ObjectsOfAnotherThreadAreRefused) {
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI32, false}, Val::I32(1)));
  ASSERT_OK_AND_ASSIGN(Instance provider,
                       testing::Instantiate(fixtures::link_provider_wasm()));
  Linker linker;
  ASSERT_OK(linker.Define("env", "g", global));
  ASSERT_OK_AND_ASSIGN(Module module,
                       testing::Compile(fixtures::imports_global_wasm()));
  absl::Status instantiate, define, get_global;
  std::thread other([&] {
    instantiate = Instance::Create(module, linker).status();
    Linker local;
    define = local.DefineInstance("provider", provider);
    get_global = provider.GetGlobal("g").status();
  });
  other.join();
  EXPECT_STATUS(instantiate, absl::StatusCode::kFailedPrecondition,
                "the object defined as env.g belongs to another thread's "
                "isolate");
  EXPECT_STATUS(define, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_STATUS(get_global, absl::StatusCode::kFailedPrecondition,
                "another thread's isolate");
  EXPECT_OK(Instance::Create(module, linker));
}

TEST(ExternTest, LastHandleDroppedOnAnotherThreadIsSafe) {
  ASSERT_OK_AND_ASSIGN(Global global,
                       Global::Create({ValType::kI32, true}, Val::I32(1)));
  Linker linker;
  ASSERT_OK(linker.Define("env", "g", global));
  std::optional<Global> moved(std::move(global));
  std::thread other([&] {
    // The engine handle is left to the isolate, not reset from here.
    moved.reset();
    Linker dropped = std::move(linker);
  });
  other.join();
  // The owner thread's isolate is intact.
  ASSERT_OK_AND_ASSIGN(Global again,
                       Global::Create({ValType::kI32, true}, Val::I32(2)));
  EXPECT_THAT(again.Get(), testing::IsOkAndHolds(Val::I32(2)));
}

}  // namespace
}  // namespace wasmhost
