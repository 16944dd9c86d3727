// Tests of wasmhost/instance.h: instantiation, typed and dynamic calls,
// start functions, traps, deadlines, poisoning and thread affinity.

#include "wasmhost/instance.h"

#include <pthread.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/test_util.h"
#include "tests/trap_cases.h"
#include "wasmhost/errors.h"

namespace wasmhost {
namespace {

using testing::ExpectTrap;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::kDivideIndex;
using testing::kOuterIndex;
using testing::kRecurseIndex;
using testing::kUnreachableIndex;
using ::testing::Not;
using testing::TrapCase;

constexpr absl::StatusCode kAborted = absl::StatusCode::kAborted;
constexpr absl::StatusCode kInvalidArgument =
    absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kFailedPrecondition =
    absl::StatusCode::kFailedPrecondition;

absl::StatusOr<Instance> Types() {
  return testing::Instantiate(fixtures::types_wasm());
}
absl::StatusOr<Instance> Traps() {
  return testing::Instantiate(fixtures::traps_wasm());
}

// The opcode byte at a frame's module offset in traps.wasm.
uint8_t TrapsOpcodeAt(const Frame& frame) {
  absl::Span<const uint8_t> bytes = fixtures::traps_wasm();
  return frame.module_offset < bytes.size() ? bytes[frame.module_offset] : 0;
}

// ---------------------------------------------------------------------------
// Typed and dynamic calls.

TEST(InstanceTest, TypedCallsForEveryValueType) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto add_i32,
                       instance.GetFunc<int32_t(int32_t, int32_t)>("add_i32"));
  ASSERT_OK_AND_ASSIGN(auto add_i64,
                       instance.GetFunc<int64_t(int64_t, int64_t)>("add_i64"));
  ASSERT_OK_AND_ASSIGN(auto mul_f32,
                       instance.GetFunc<float(float, float)>("mul_f32"));
  ASSERT_OK_AND_ASSIGN(auto mul_f64,
                       instance.GetFunc<double(double, double)>("mul_f64"));
  EXPECT_THAT(add_i32.Call(2, 3), IsOkAndHolds(5));
  EXPECT_THAT(add_i32.Call(std::numeric_limits<int32_t>::max(), 1),
              IsOkAndHolds(std::numeric_limits<int32_t>::min()));
  EXPECT_THAT(add_i32.Call(-7, 2), IsOkAndHolds(-5));
  EXPECT_THAT(add_i64.Call(int64_t{1} << 40, -1),
              IsOkAndHolds((int64_t{1} << 40) - 1));
  EXPECT_THAT(add_i64.Call(std::numeric_limits<int64_t>::min(), 0),
              IsOkAndHolds(std::numeric_limits<int64_t>::min()));
  EXPECT_THAT(mul_f32.Call(1.5f, -2.0f), IsOkAndHolds(-3.0f));
  EXPECT_THAT(mul_f64.Call(0.1, 3.0), IsOkAndHolds(0.1 * 3.0));
  // Unsigned C++ types map to the same Wasm types.
  ASSERT_OK_AND_ASSIGN(
      auto add_u32, instance.GetFunc<uint32_t(uint32_t, uint32_t)>("add_i32"));
  EXPECT_THAT(add_u32.Call(0xffffffffu, 2), IsOkAndHolds(1u));
}

TEST(InstanceTest, VoidCall) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto nop, instance.GetFunc<void()>("nop"));
  EXPECT_OK(nop.Call());
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(2));
}

TEST(InstanceTest, MultiValueCall) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(
      auto reverse,
      (instance.GetFunc<std::tuple<double, float, int64_t, int32_t>(
           int32_t, int64_t, float, double)>("reverse")));
  ASSERT_OK_AND_ASSIGN(
      auto result,
      reverse.Call(-1, std::numeric_limits<int64_t>::min(), 2.5f, -0.125));
  EXPECT_EQ(std::get<0>(result), -0.125);
  EXPECT_EQ(std::get<1>(result), 2.5f);
  EXPECT_EQ(std::get<2>(result), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(std::get<3>(result), -1);
}

TEST(InstanceTest, GetFuncWithWrongSignatureIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  auto wrong = instance.GetFunc<int64_t(int64_t)>("add_i32");
  EXPECT_STATUS(wrong, kInvalidArgument, "(i32, i32) -> i32");
  EXPECT_STATUS(wrong, kInvalidArgument, "(i64) -> i64");
  EXPECT_STATUS(wrong, kInvalidArgument, "add_i32");
  // Only the result differs.
  EXPECT_STATUS(instance.GetFunc<void(int32_t, int32_t)>("add_i32"),
                kInvalidArgument, "(i32, i32) -> ()");
}

TEST(InstanceTest, GetFuncOfUnknownExportIsNotFound) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  EXPECT_STATUS(instance.GetFunc<void()>("no_such_export"),
                absl::StatusCode::kNotFound, "no_such_export");
  EXPECT_STATUS(instance.GetFunc("no_such_export"), absl::StatusCode::kNotFound,
                "no export named 'no_such_export'");
}

TEST(InstanceTest, GetFuncOfNonFunctionExportIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  EXPECT_STATUS(instance.GetFunc<void()>("memory"), kInvalidArgument,
                "is a memory, not a function");
  EXPECT_STATUS(instance.GetFunc("answer"), kInvalidArgument,
                "is a global, not a function");
  EXPECT_STATUS(instance.GetFunc("table"), kInvalidArgument,
                "is a table, not a function");
}

TEST(InstanceTest, DynamicCall) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("add_i64"));
  EXPECT_EQ(add.type().ToString(), "(i64, i64) -> i64");
  ASSERT_OK_AND_ASSIGN(std::vector<Val> sum,
                       add.Call({Val::I64(-10), Val::I64(int64_t{1} << 50)}));
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0], Val::I64((int64_t{1} << 50) - 10));

  ASSERT_OK_AND_ASSIGN(Func reverse, instance.GetFunc("reverse"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> reversed,
                       reverse.Call({Val::I32(-2), Val::I64(3), Val::F32(4.5f),
                                     Val::F64(-6.0)}));
  EXPECT_EQ(reversed, (std::vector<Val>{Val::F64(-6.0), Val::F32(4.5f),
                                        Val::I64(3), Val::I32(-2)}));

  ASSERT_OK_AND_ASSIGN(Func nop, instance.GetFunc("nop"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> none, nop.Call({}));
  EXPECT_TRUE(none.empty());
}

TEST(InstanceTest, DynamicCallWithWrongArgumentsIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("add_i32"));
  EXPECT_STATUS(add.Call({Val::I32(1)}), kInvalidArgument,
                "arguments (i32) -> () do not match (i32, i32) -> i32");
  EXPECT_STATUS(add.Call({Val::I32(1), Val::I32(2), Val::I32(3)}),
                kInvalidArgument, "do not match (i32, i32) -> i32");
  EXPECT_STATUS(add.Call({Val::I32(1), Val::I64(2)}), kInvalidArgument,
                "(i32, i64)");
  EXPECT_STATUS(add.Call({Val::F32(1), Val::F32(2)}), kInvalidArgument,
                "(f32, f32)");
  // A rejected call does not poison the instance.
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(add.Call({Val::I32(1), Val::I32(2)}),
              IsOkAndHolds(std::vector<Val>{Val::I32(3)}));
}

TEST(InstanceTest, InstanceIsMovable) {
  ASSERT_OK_AND_ASSIGN(Instance original, Types());
  ASSERT_OK_AND_ASSIGN(auto bump, original.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
  Instance moved = std::move(original);
  // The handle made before the move still works, and so do new ones.
  EXPECT_THAT(bump.Call(), IsOkAndHolds(2));
  ASSERT_OK_AND_ASSIGN(auto bump2, moved.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump2.Call(), IsOkAndHolds(3));
  ASSERT_OK_AND_ASSIGN(Instance other, Types());
  other = std::move(moved);
  ASSERT_OK_AND_ASSIGN(auto bump3, other.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump3.Call(), IsOkAndHolds(4));
  EXPECT_EQ(other.module().name(), "types");
}

// The host reaches the contexts it set, as host functions do through
// Caller::context<T>().
TEST(InstanceTest, ContextIsTheOneSetInOptions) {
  struct HostState {
    int value = 0;
  };
  struct NeverSet {};
  HostState state;
  InstanceOptions options;
  options.SetContext(&state);
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::types_wasm(), Linker(), options));
  EXPECT_EQ(instance.context<HostState>(), &state);
  EXPECT_EQ(instance.context<NeverSet>(), nullptr);
  Instance moved = std::move(instance);
  EXPECT_EQ(moved.context<HostState>(), &state);
  ASSERT_OK_AND_ASSIGN(Instance without, Types());
  EXPECT_EQ(without.context<HostState>(), nullptr);
}

// A context given as a shared_ptr is owned by the instance: it lives
// while the instance does (the host's own reference may go), and goes with
// it; options used for two instances share it.
TEST(InstanceTest, OwnedContextLivesAsLongAsTheInstance) {
  struct HostState {
    int value = 0;
  };
  auto state = std::make_shared<HostState>();
  std::weak_ptr<HostState> watch = state;
  InstanceOptions options;
  options.SetContext(std::move(state));
  std::optional<Instance> first;
  {
    ASSERT_OK_AND_ASSIGN(
        Instance made,
        testing::Instantiate(fixtures::types_wasm(), Linker(), options));
    first.emplace(std::move(made));
  }
  ASSERT_OK_AND_ASSIGN(
      Instance second,
      testing::Instantiate(fixtures::types_wasm(), Linker(), options));
  options = InstanceOptions();  // the options' reference goes
  ASSERT_FALSE(watch.expired());
  EXPECT_EQ(first->context<HostState>(), watch.lock().get());
  EXPECT_EQ(second.context<HostState>(), first->context<HostState>());
  first->context<HostState>()->value = 7;
  EXPECT_EQ(second.context<HostState>()->value, 7);
  first.reset();
  EXPECT_FALSE(watch.expired());  // the second instance holds it
  {
    Instance gone = std::move(second);
  }
  EXPECT_TRUE(watch.expired());
}

// ---------------------------------------------------------------------------
// Start functions.

TEST(InstanceTest, StartFunctionRuns) {
  Linker linker;
  std::vector<int32_t> started;
  ASSERT_OK(linker.Define("env", "started",
                          [&](int32_t value) { started.push_back(value); }));
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::start_ok_wasm(), linker));
  EXPECT_EQ(started, std::vector<int32_t>{7});
  ASSERT_OK_AND_ASSIGN(auto get, instance.GetFunc<int32_t()>("get"));
  EXPECT_THAT(get.Call(), IsOkAndHolds(99));
}

// A host function called from the start function sees the instance through
// its Caller: the memory the data segment initialised, and the exports.
TEST(InstanceTest, StartFunctionHostCallUsesCaller) {
  Linker linker;
  std::string seen;
  int32_t doubled = 0;
  ASSERT_OK(linker.Define(
      "env", "started", [&](Caller& caller, int32_t ptr) -> absl::Status {
        Memory memory = caller.memory();
        absl::StatusOr<std::string> text = memory.ReadString(ptr, 2);
        if (!text.ok()) return text.status();
        seen = *text;
        const uint8_t changed = 'H';
        absl::Status written =
            memory.Write(ptr, absl::MakeConstSpan(&changed, 1));
        if (!written.ok()) return written;
        auto twice = caller.GetFunc<int32_t(int32_t)>("twice");
        if (!twice.ok()) return twice.status();
        absl::StatusOr<int32_t> result = twice->Call(21);
        if (!result.ok()) return result.status();
        doubled = *result;
        return absl::OkStatus();
      }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::start_caller_wasm(), linker));
  EXPECT_EQ(seen, "hi");
  EXPECT_EQ(doubled, 42);
  ASSERT_OK_AND_ASSIGN(auto get, instance.GetFunc<int32_t()>("get"));
  EXPECT_THAT(get.Call(), IsOkAndHolds('H'));
}

// The api_fuzzer's finding: a start function's host call reading the
// Caller's memory when the module has none.
TEST(InstanceTest, StartFunctionHostCallWithoutMemory) {
  Linker linker;
  absl::Status read;
  ASSERT_OK(linker.Define("env", "started", [&](Caller& caller, int32_t ptr) {
    uint8_t byte = 0;
    read = caller.memory().Read(ptr, absl::MakeSpan(&byte, 1));
  }));
  ASSERT_OK(testing::Instantiate(fixtures::start_ok_wasm(), linker).status());
  EXPECT_THAT(read, testing::StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(InstanceTest, StartFunctionHostErrorPassesThrough) {
  Linker linker;
  ASSERT_OK(linker.Define("env", "started", [](int32_t) -> absl::Status {
    return absl::PermissionDeniedError("start refused");
  }));
  absl::StatusOr<Instance> instance =
      testing::Instantiate(fixtures::start_ok_wasm(), linker);
  EXPECT_THAT(instance, testing::StatusIs(absl::StatusCode::kPermissionDenied,
                                          ::testing::Eq("start refused")));
}

// A start function that traps: see instance_start_trap_test.cc (a binary
// of its own, because it currently crashes the process).

TEST(InstanceTest, StartFunctionDeadline) {
  InstanceOptions options;
  options.start_call = CallOptions::WithTimeout(absl::Milliseconds(50));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(
      testing::Instantiate(fixtures::start_loop_wasm(), Linker(), options),
      absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // The thread's isolate is usable afterwards.
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto nop, instance.GetFunc<void()>("nop"));
  EXPECT_OK(nop.Call());
}

// ---------------------------------------------------------------------------
// Traps.

// Each trap of tests/trap_cases.h, with the offset of the trapping
// instruction in the module's own bytes (which are rewritten before
// compilation).
class InstanceTrapTest : public ::testing::TestWithParam<TrapCase> {};

TEST_P(InstanceTrapTest, StatusFrameAndOffset) {
  const TrapCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(Instance instance, Traps());
  const absl::Status status = c.call(instance);
  ExpectTrap(status, c.kind, c.message, c.function, c.function_index);
  if (!c.opcode.has_value()) return;
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value() && !info->backtrace.empty());
  EXPECT_EQ(TrapsOpcodeAt(info->backtrace[0]), *c.opcode);
}

INSTANTIATE_TEST_SUITE_P(Traps, InstanceTrapTest,
                         ::testing::ValuesIn(testing::TrapCases()),
                         [](const ::testing::TestParamInfo<TrapCase>& test) {
                           return std::string(test.param.name);
                         });

// Without a name section, a frame's function_name is empty (errors.h),
// not the name V8 makes up; the message names the function by index.
TEST(InstanceTest, TrapFramesOfAModuleWithoutNamesHaveOnlyIndices) {
  Linker linker;
  ASSERT_OK(linker.Define("host", "nothing", [](int32_t) {}));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::unnamed_trap_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto run, instance.GetFunc<int32_t()>("run"));
  absl::Status status = run.Call().status();
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value()) << status;
  ASSERT_EQ(info->backtrace.size(), 2u) << status;
  EXPECT_EQ(info->backtrace[0].function_name, "");
  EXPECT_EQ(info->backtrace[0].function_index, 1u);
  EXPECT_EQ(info->backtrace[1].function_name, "");
  EXPECT_EQ(info->backtrace[1].function_index, 2u);
  EXPECT_THAT(std::string(status.message()), HasSubstr("<func 1>"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("<func 2>"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("$func")));
}

TEST(InstanceTest, TrapBacktraceHasEveryFrame) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Traps());
  ASSERT_OK_AND_ASSIGN(auto outer,
                       instance.GetFunc<int32_t(int32_t, int32_t)>("outer"));
  absl::Status status = outer.Call(1, 0).status();
  ExpectTrap(status, TrapKind::kIntegerDivideByZero, "divide by zero", "divide",
             kDivideIndex);
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value());
  ASSERT_EQ(info->backtrace.size(), 2u) << status;
  EXPECT_EQ(info->backtrace[1].function_name, "outer");
  EXPECT_EQ(info->backtrace[1].function_index, kOuterIndex);
  EXPECT_EQ(TrapsOpcodeAt(info->backtrace[1]), 0x10);  // call
  // The message lists the frames too.
  EXPECT_THAT(std::string(status.message()), HasSubstr("wasm backtrace"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("outer"));
}

TEST(InstanceTest, IndirectCallThroughGoodSlotWorks) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Traps());
  ASSERT_OK_AND_ASSIGN(auto call_slot,
                       instance.GetFunc<int32_t(int32_t)>("call_slot"));
  EXPECT_THAT(call_slot.Call(1), IsOkAndHolds(8));
}

TEST(InstanceTest, TrapStackOverflow) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Traps());
  ASSERT_OK_AND_ASSIGN(auto recurse,
                       instance.GetFunc<int32_t(int32_t)>("recurse"));
  absl::Status status = recurse.Call(1).status();
  ExpectTrap(status, TrapKind::kStackOverflow,
             "Maximum call stack size exceeded", "recurse", kRecurseIndex);
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(info->backtrace.size(), 10u);
  for (const Frame& frame : info->backtrace) {
    EXPECT_EQ(frame.function_name, "recurse");
  }
}

TEST(InstanceTest, StackOverflowOnSmallThreadStack) {
  struct Shared {
    Module module;
    absl::Status status;
    bool created = false;
  };
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(fixtures::traps_wasm()));
  Shared shared{module, absl::OkStatus()};
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* arg) -> void* {
                  auto* state = static_cast<Shared*>(arg);
                  absl::StatusOr<Instance> instance =
                      Instance::Create(state->module, Linker());
                  if (!instance.ok()) {
                    state->status = instance.status();
                    return nullptr;
                  }
                  state->created = true;
                  auto recurse = instance->GetFunc<int32_t(int32_t)>("recurse");
                  state->status = recurse.ok() ? recurse->Call(1).status()
                                               : recurse.status();
                  return nullptr;
                },
                &shared),
            0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attr);
  ASSERT_TRUE(shared.created) << shared.status;
  ExpectTrap(shared.status, TrapKind::kStackOverflow,
             "Maximum call stack size exceeded", "recurse", kRecurseIndex);
}

TEST(InstanceTest, BacktraceLocatesEachFrameInItsOwnModule) {
  // reentry.wat's "outer" calls the host, which calls traps.wat's
  // "unreachable": one V8 stack, frames of two modules.
  ASSERT_OK_AND_ASSIGN(Instance trapper, Traps());
  ASSERT_OK_AND_ASSIGN(auto unreachable,
                       trapper.GetFunc<void()>("unreachable"));
  Linker linker;
  ASSERT_OK(linker.Define(
      "host", "reenter", [&]() -> absl::Status { return unreachable.Call(); }));
  ASSERT_OK_AND_ASSIGN(Instance caller,
                       testing::Instantiate(fixtures::reentry_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto outer, caller.GetFunc<void()>("outer"));
  absl::Status status = outer.Call();
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value()) << status;
  ASSERT_EQ(info->backtrace.size(), 2u) << status;
  const Frame& inner = info->backtrace[0];
  EXPECT_EQ(inner.module_name, "traps");
  EXPECT_EQ(inner.function_index, kUnreachableIndex);
  EXPECT_EQ(TrapsOpcodeAt(inner), 0x00);  // unreachable
  const Frame& outer_frame = info->backtrace[1];
  EXPECT_EQ(outer_frame.module_name, "reentry");
  EXPECT_EQ(outer_frame.function_index, 1u);  // after the import
  absl::Span<const uint8_t> reentry = fixtures::reentry_wasm();
  ASSERT_LT(outer_frame.module_offset, reentry.size());
  EXPECT_EQ(reentry[outer_frame.module_offset], 0x10);  // call $reenter
  EXPECT_NE(status.message().find("reentry!"), std::string::npos) << status;
}

// ---------------------------------------------------------------------------
// Deadlines.

TEST(InstanceTest, DeadlineStopsInfiniteLoop) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto spin, instance.GetFunc<void()>("spin"));
  const absl::Duration timeout = absl::Milliseconds(50);
  const absl::Time start = absl::Now();
  absl::Status status = spin.Call(CallOptions::WithTimeout(timeout));
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_STATUS(status, absl::StatusCode::kDeadlineExceeded,
                "stopped at its deadline");
  EXPECT_EQ(GetTrapInfo(status), std::nullopt);
  EXPECT_GE(elapsed, timeout);
  EXPECT_LT(elapsed, timeout + absl::Milliseconds(100));
}

TEST(InstanceTest, DeadlineAlreadyPassedDoesNotRunTheGuest) {
  Linker linker;
  int calls = 0;
  ASSERT_OK(linker.Define("env", "f", [&] { ++calls; }));
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      testing::Instantiate(fixtures::host_void_wasm(), linker));
  ASSERT_OK_AND_ASSIGN(auto call, instance.GetFunc<void()>("call"));
  CallOptions options;
  options.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_STATUS(call.Call(options), absl::StatusCode::kDeadlineExceeded,
                "deadline passed before the guest started");
  EXPECT_EQ(calls, 0);
}

TEST(InstanceTest, DeadlineNotReachedIsHarmless) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  for (int i = 1; i <= 3; ++i) {
    EXPECT_THAT(bump.Call(CallOptions::WithTimeout(absl::Seconds(10))),
                IsOkAndHolds(i));
  }
  EXPECT_FALSE(instance.poisoned());
}

// A timeout counts from each call's start, so one CallOptions serves calls
// made long after it was built.
TEST(InstanceTest, TimeoutCountsFromEachCallsStart) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  CallOptions options;
  options.timeout = absl::Milliseconds(50);
  EXPECT_THAT(bump.Call(options), IsOkAndHolds(1));
  absl::SleepFor(absl::Milliseconds(100));  // past an absolute deadline
  EXPECT_THAT(bump.Call(options), IsOkAndHolds(2));
  ASSERT_OK_AND_ASSIGN(auto spin, instance.GetFunc<void()>("spin"));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(spin.Call(options), absl::StatusCode::kDeadlineExceeded,
                "stopped at its deadline");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(150));
}

TEST(InstanceTest, EarlierOfDeadlineAndTimeoutApplies) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto spin, instance.GetFunc<void()>("spin"));
  CallOptions options;
  options.deadline = absl::Now() + absl::Milliseconds(30);
  options.timeout = absl::Seconds(10);
  const absl::Time start = absl::Now();
  EXPECT_STATUS(spin.Call(options), absl::StatusCode::kDeadlineExceeded,
                "stopped at its deadline");
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST(InstanceTest, ZeroTimeoutDoesNotRunTheGuest) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  CallOptions options;
  options.timeout = absl::ZeroDuration();
  EXPECT_STATUS(bump.Call(options), absl::StatusCode::kDeadlineExceeded,
                "deadline passed before the guest started");
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
}

TEST(InstanceTest, StartFunctionTimeoutCountsFromInstantiation) {
  InstanceOptions options;
  options.start_call.timeout = absl::Milliseconds(50);
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  EXPECT_STATUS(
      testing::Instantiate(fixtures::start_loop_wasm(), Linker(), options),
      absl::StatusCode::kDeadlineExceeded, "stopped at its deadline");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
}

// ---------------------------------------------------------------------------
// Poisoning and thread affinity.

TEST(InstanceTest, TrapPoisonsOnlyThatInstance) {
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(fixtures::types_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance bad, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(Instance good, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto trap, bad.GetFunc<void()>("trap"));
  ASSERT_OK_AND_ASSIGN(auto bad_nop, bad.GetFunc<void()>("nop"));
  EXPECT_FALSE(bad.poisoned());
  EXPECT_STATUS(trap.Call(), kAborted, "unreachable");
  EXPECT_TRUE(bad.poisoned());
  EXPECT_STATUS(bad_nop.Call(), kFailedPrecondition, "poisoned");
  // The poison names the first failure.
  EXPECT_STATUS(bad_nop.Call(), kFailedPrecondition, "unreachable");
  ASSERT_OK_AND_ASSIGN(Func dynamic, bad.GetFunc("nop"));
  EXPECT_STATUS(dynamic.Call({}), kFailedPrecondition, "poisoned");

  EXPECT_FALSE(good.poisoned());
  ASSERT_OK_AND_ASSIGN(auto good_bump, good.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(good_bump.Call(), IsOkAndHolds(1));
}

TEST(InstanceTest, DeadlinePoisonsOnlyThatInstance) {
  ASSERT_OK_AND_ASSIGN(Module module, testing::Compile(fixtures::types_wasm()));
  ASSERT_OK_AND_ASSIGN(Instance stopped, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(Instance other, Instance::Create(module, Linker()));
  ASSERT_OK_AND_ASSIGN(auto spin, stopped.GetFunc<void()>("spin"));
  ASSERT_OK_AND_ASSIGN(auto nop, stopped.GetFunc<void()>("nop"));
  EXPECT_STATUS(spin.Call(CallOptions::WithTimeout(absl::Milliseconds(20))),
                absl::StatusCode::kDeadlineExceeded, "deadline");
  EXPECT_TRUE(stopped.poisoned());
  EXPECT_STATUS(nop.Call(), kFailedPrecondition, "poisoned");
  ASSERT_OK_AND_ASSIGN(auto bump, other.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
  EXPECT_FALSE(other.poisoned());
}

TEST(InstanceTest, CallFromAnotherThreadIsFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(Instance instance, Types());
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  ASSERT_OK_AND_ASSIGN(Func dynamic, instance.GetFunc("bump"));
  absl::Status typed_status, dynamic_status;
  std::thread([&] {
    typed_status = bump.Call().status();
    dynamic_status = dynamic.Call({}).status();
  }).join();
  EXPECT_STATUS(typed_status, kFailedPrecondition, "another thread");
  EXPECT_STATUS(dynamic_status, kFailedPrecondition, "another thread");
  // The guest did not run, and the owner thread can still call it.
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(bump.Call(), IsOkAndHolds(1));
}

TEST(InstanceStartTrapTest, StartFunctionTrapIsAborted) {
  absl::StatusOr<Instance> instance =
      testing::Instantiate(fixtures::start_trap_wasm());
  ASSERT_FALSE(instance.ok());
  // $init is function 1 ($helper is 0).
  testing::ExpectTrap(instance.status(), TrapKind::kUnreachable, "unreachable",
                      "init", 1);
}

TEST(InstanceStartTrapTest, ThreadStillUsableAfterStartTrap) {
  EXPECT_STATUS(testing::Instantiate(fixtures::start_trap_wasm()),
                absl::StatusCode::kAborted, "unreachable");
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::types_wasm()));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  EXPECT_THAT(bump.Call(), testing::IsOkAndHolds(1));
}

// A fuel limit the engine cannot enforce is refused, not ignored.
TEST(InstanceTest, FuelWithoutMeteringIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::types_wasm()));
  ASSERT_OK_AND_ASSIGN(auto bump, instance.GetFunc<int32_t()>("bump"));
  CallOptions options;
  options.fuel = 1000;
  EXPECT_STATUS(bump.Call(options), absl::StatusCode::kInvalidArgument,
                "consume_fuel");
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(instance.remaining_fuel().status(),
              testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(bump.Call(), testing::IsOkAndHolds(1));
}

TEST(InstanceTest, DynamicCallPassesExternRefsWithIdentity) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Func id, instance.GetFunc("id_ref"));
  auto host_value = std::make_shared<std::string>("mine");
  ASSERT_OK_AND_ASSIGN(std::vector<Val> results,
                       id.Call({Val::ExternRef(host_value)}));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].type(), ValType::kExternRef);
  EXPECT_EQ(results[0].externref().get(), host_value.get());
  ASSERT_OK_AND_ASSIGN(results, id.Call({Val::NullRef(ValType::kExternRef)}));
  EXPECT_TRUE(results[0].is_null());
  EXPECT_STATUS(
      id.Call({Val::NullRef(ValType::kFuncRef)}),
      absl::StatusCode::kInvalidArgument,
      "arguments (funcref) -> () do not match (externref) -> externref");
}

TEST(InstanceTest, FuncRefsCrossBothWays) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  // A funcref result is callable.
  ASSERT_OK_AND_ASSIGN(Func five_ref, instance.GetFunc("five_ref"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> results, five_ref.Call({}));
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].type(), ValType::kFuncRef);
  ASSERT_FALSE(results[0].is_null());
  ASSERT_OK_AND_ASSIGN(Func five, Func::FromRef(results[0]));
  EXPECT_EQ(five.type(), (FuncType{{}, {ValType::kI32}}));
  EXPECT_THAT(five.Call({}), IsOkAndHolds(std::vector<Val>{Val::I32(5)}));

  // An export passed as a funcref argument, stored and called by the guest.
  ASSERT_OK_AND_ASSIGN(Instance other,
                       testing::Instantiate(fixtures::link_provider_wasm()));
  ASSERT_OK_AND_ASSIGN(Func seven, other.GetFunc("seven"));
  ASSERT_OK_AND_ASSIGN(Func call_ref, instance.GetFunc("call_ref"));
  EXPECT_THAT(call_ref.Call({Val::FuncRef(seven)}),
              IsOkAndHolds(std::vector<Val>{Val::I32(7)}));
  // And back: a funcref of an export is that export.
  ASSERT_OK_AND_ASSIGN(Func again, Func::FromRef(Val::FuncRef(seven)));
  EXPECT_THAT(again.Call({}), IsOkAndHolds(std::vector<Val>{Val::I32(7)}));
  EXPECT_STATUS(call_ref.Call({Val::NullRef(ValType::kFuncRef)}),
                absl::StatusCode::kAborted, "");
}

TEST(InstanceTest, FromRefRejectsOtherValues) {
  EXPECT_STATUS(Func::FromRef(Val::I32(1)), absl::StatusCode::kInvalidArgument,
                "i32:1 is not a function");
  EXPECT_STATUS(Func::FromRef(Val::NullRef(ValType::kFuncRef)),
                absl::StatusCode::kInvalidArgument,
                "funcref:null is not a function");
}

// v128 crosses as two i64 halves (more in value_bits_test).
TEST(InstanceTest, V128CallsRoundTrip) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       testing::Instantiate(fixtures::externs_wasm()));
  ASSERT_OK_AND_ASSIGN(Func id, instance.GetFunc("v128_id"));
  const Val value = Val::V128(0xfff4000000000001ull, 0x00000000ff800001ull);
  EXPECT_THAT(id.Call({value}), testing::IsOkAndHolds(std::vector<Val>{value}));
  // A v128 argument is not an i64, nor a v128 with other high bits.
  EXPECT_STATUS(id.Call({Val::I64(1)}), absl::StatusCode::kInvalidArgument,
                "arguments (i64) -> () do not match (v128) -> v128");
  EXPECT_NE(Val::V128(1, 2), Val::V128(1, 3));
  EXPECT_FALSE(instance.poisoned());
}

}  // namespace
}  // namespace wasmhost
