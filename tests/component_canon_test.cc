// The canonical ABI at the component runtime's boundary, on the
// hand-written tests/components/canon.wat: each of the spec's traps
// reaching the host as Aborted with its reason, post-return, host imports
// lowered with memory and realloc, a trapping realloc, poisoning, memory
// limits, deadlines, and the seam typed calls use; and on
// tests/components/bytes.wat, host functions' list<u8> as Val::Bytes.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/internal/component_call.h"

namespace wasmhost::component {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::SharedEngine;

// canon.wat's host: log and fetch (whose answer the test sets).
struct Host {
  std::vector<std::string> logs;
  Val answer = Val::String("value");
  Linker linker;
  Host() {
    EXPECT_OK(linker.Define(
        "log", [this](Caller&, absl::Span<const Val> args, std::vector<Val>&) {
          logs.push_back(args[0].string());
          return absl::OkStatus();
        }));
    EXPECT_OK(linker.Define("fetch", [this](Caller&, absl::Span<const Val>,
                                            std::vector<Val>& results) {
      results.push_back(answer);
      return absl::OkStatus();
    }));
  }
};

class ComponentCanonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        component_,
        Component::Compile(SharedEngine(), wasmhost::testing::canon_wasm()));
    ASSERT_OK_AND_ASSIGN(instance_, Instance::Create(*component_, host_.linker,
                                                     instance_options_));
  }

  absl::StatusOr<std::vector<Val>> Call(absl::string_view name,
                                        std::vector<Val> args = {},
                                        const CallOptions& options = {}) {
    absl::StatusOr<Func> func = instance_->GetFunc(name);
    if (!func.ok()) return func.status();
    return func->Call(options, args);
  }

  // The call must trap with Aborted and `reason`, and poison the instance.
  void ExpectTrap(absl::string_view name, absl::string_view reason) {
    EXPECT_STATUS(Call(name).status(), absl::StatusCode::kAborted, reason);
    EXPECT_TRUE(instance_->poisoned());
    EXPECT_STATUS(Call("post-count").status(),
                  absl::StatusCode::kFailedPrecondition, "poisoned");
  }

  Host host_;
  InstanceOptions instance_options_;
  std::optional<Component> component_;
  std::optional<Instance> instance_;
};

TEST_F(ComponentCanonTest, PostReturnRunsAfterEachCall) {
  ASSERT_OK_AND_ASSIGN(std::vector<Val> count, Call("post-count"));
  EXPECT_EQ(count.at(0), Val::U32(0));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> echoed,
                       Call("echo", {Val::String("héllo")}));
  EXPECT_EQ(echoed.at(0), Val::String("héllo"));
  ASSERT_OK(Call("echo", {Val::String("")}).status());
  ASSERT_OK_AND_ASSIGN(count, Call("post-count"));
  EXPECT_EQ(count.at(0), Val::U32(2));
}

TEST_F(ComponentCanonTest, InvalidUtf8FromTheGuestTraps) {
  ExpectTrap("bad-utf8", "invalid UTF-8");
}

TEST_F(ComponentCanonTest, InvalidUtf8ToTheHostTraps) {
  ExpectTrap("log-bad", "invalid UTF-8");
  EXPECT_TRUE(host_.logs.empty());
}

TEST_F(ComponentCanonTest, UnalignedReturnPointerTraps) {
  ExpectTrap("unaligned", "unaligned pointer 0x11 for alignment 4");
}

TEST_F(ComponentCanonTest, ReturnPointerOutOfBoundsTraps) {
  ExpectTrap("out-of-bounds", "out of bounds");
}

TEST_F(ComponentCanonTest, StringOutOfBoundsTraps) {
  ExpectTrap("string-out-of-bounds", "out of bounds");
}

TEST_F(ComponentCanonTest, DiscriminantOutOfRangeTraps) {
  ExpectTrap("bad-enum", "discriminant 7 out of range");
}

TEST_F(ComponentCanonTest, UnknownHandleTraps) {
  ExpectTrap("bad-handle", "unknown handle 99");
}

TEST_F(ComponentCanonTest, DroppedHandleTraps) {
  ExpectTrap("drop-twice", "unknown handle 1");
}

TEST_F(ComponentCanonTest, GuestTrapIsAborted) {
  ExpectTrap("trap", "unreachable");
}

TEST_F(ComponentCanonTest, HostResultLoweredThroughRealloc) {
  host_.answer = Val::String("twelve bytes");
  ASSERT_OK_AND_ASSIGN(std::vector<Val> length, Call("fetch-len"));
  EXPECT_EQ(length.at(0), Val::U32(12));
}

TEST_F(ComponentCanonTest, HostResultOfTheWrongKindPoisons) {
  host_.answer = Val::U32(1);
  EXPECT_STATUS(Call("fetch-len").status(), absl::StatusCode::kInvalidArgument,
                "string");
  EXPECT_TRUE(instance_->poisoned());
}

TEST_F(ComponentCanonTest, IllFormedHostArgumentIsRefusedWithoutPoisoning) {
  EXPECT_STATUS(Call("echo", {Val::String("\xff")}).status(),
                absl::StatusCode::kInvalidArgument, "UTF-8");
  EXPECT_STATUS(Call("echo", {Val::U32(1)}).status(),
                absl::StatusCode::kInvalidArgument, "");
  EXPECT_FALSE(instance_->poisoned());
  ASSERT_OK(Call("echo", {Val::String("fine")}).status());
}

// The guest's realloc traps for over 1 MiB: lowering the argument fails
// with the trap, which poisons the instance.
TEST_F(ComponentCanonTest, TrapInReallocWhileLoweringPoisons) {
  EXPECT_STATUS(Call("echo", {Val::String(std::string(2 << 20, 'x'))}).status(),
                absl::StatusCode::kAborted, "unreachable");
  EXPECT_TRUE(instance_->poisoned());
}

TEST_F(ComponentCanonTest, DeadlineStopsTheCall) {
  EXPECT_STATUS(
      Call("spin", {}, CallOptions::WithTimeout(absl::Milliseconds(50)))
          .status(),
      absl::StatusCode::kDeadlineExceeded, "");
  EXPECT_TRUE(instance_->poisoned());
}

// The seam typed calls are built on (wasmhost/internal/component_call.h):
// echo called with flat core values, the string lowered by hand through
// the export's realloc and memory, the result read from the return area,
// then post-return, as Func::Call does.
TEST_F(ComponentCanonTest, TypedCallSeam) {
  namespace seam = ::wasmhost::component::internal;
  ASSERT_OK_AND_ASSIGN(Func echo, instance_->GetFunc("echo"));
  const seam::ExportState& e = seam::FuncExport(echo);
  seam::InstanceState& s = seam::FuncInstance(echo);
  EXPECT_EQ(seam::CoreExportName(e), "echo");
  EXPECT_EQ(seam::StringEncodingOf(e), seam::CallStringEncoding::kUtf8);
  EXPECT_TRUE(seam::HasPostReturn(e));
  ASSERT_OK_AND_ASSIGN(auto core,
                       seam::CoreInstance(e).GetFunc<int32_t(int32_t, int32_t)>(
                           seam::CoreExportName(e)));
  ASSERT_OK(seam::BeginCall(s));
  const std::string text = "typed";
  ASSERT_OK_AND_ASSIGN(uint32_t ptr, seam::Realloc(e, 0, 0, 1, text.size()));
  std::memcpy(seam::MemoryBytes(e).data() + ptr, text.data(), text.size());
  ASSERT_OK_AND_ASSIGN(
      int32_t area,
      core.Call(static_cast<int32_t>(ptr), static_cast<int32_t>(text.size())));
  absl::Span<uint8_t> memory = seam::MemoryBytes(e);
  uint32_t out_ptr = 0, out_len = 0;
  std::memcpy(&out_ptr, memory.data() + area, 4);
  std::memcpy(&out_len, memory.data() + area + 4, 4);
  EXPECT_EQ(
      std::string(reinterpret_cast<char*>(memory.data()) + out_ptr, out_len),
      "typed");
  const wasmhost::Val flat[] = {wasmhost::Val::I32(area)};
  ASSERT_OK(seam::PostReturn(e, flat));
  ASSERT_OK(seam::EndCall(s, absl::OkStatus(), true));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> count, Call("post-count"));
  EXPECT_EQ(count.at(0), Val::U32(1));

  // A failure after the guest ran poisons, one before it does not.
  EXPECT_STATUS(
      seam::EndCall(s, absl::InvalidArgumentError("bad value"), false),
      absl::StatusCode::kInvalidArgument, "bad value");
  EXPECT_FALSE(instance_->poisoned());
  EXPECT_STATUS(seam::EndCall(s, absl::AbortedError("trap"), true),
                absl::StatusCode::kAborted, "trap");
  EXPECT_TRUE(instance_->poisoned());
  EXPECT_STATUS(seam::BeginCall(s), absl::StatusCode::kFailedPrecondition,
                "poisoned");
}

TEST(ComponentLimitsTest, MemoryLimitCoversTheComponent) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), wasmhost::testing::canon_wasm()));
  Host host;
  InstanceOptions options;
  options.limits.max_memory_bytes = 3 * 65536;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, host.linker, options));
  ASSERT_OK_AND_ASSIGN(Func grow, instance.GetFunc("grow"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> old, grow.Call({Val::U32(2)}));
  EXPECT_EQ(old.at(0), Val::S32(1));
  ASSERT_OK_AND_ASSIGN(old, grow.Call({Val::U32(1)}));
  EXPECT_EQ(old.at(0), Val::S32(-1));

  options.limits.max_memory_bytes = 65535;
  EXPECT_STATUS(Instance::Create(component, host.linker, options).status(),
                absl::StatusCode::kResourceExhausted, "max_memory_bytes");
}

TEST(ComponentTypesTest, WorldOfTheComponent) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), wasmhost::testing::canon_wasm()));
  ASSERT_EQ(component.imported_funcs().size(), 2u);
  EXPECT_EQ(component.imported_funcs()[1].name, "fetch");
  EXPECT_EQ(component.imported_funcs()[1].type.ToString(),
            "func(key: string) -> string");
  EXPECT_EQ(component.num_core_modules(), 2u);
  EXPECT_EQ(component.num_core_instances(), 2u);
  EXPECT_THAT(component.WitText(), HasSubstr("import fetch"));
}

TEST(ComponentTypesTest, MalformedComponentIsInvalidArgument) {
  const uint8_t bytes[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 0xff};
  EXPECT_STATUS(Component::Compile(SharedEngine(), bytes).status(),
                absl::StatusCode::kInvalidArgument, "");
}

// tests/components/bytes.wat: a host function's list<u8> argument arrives
// as one Val::Bytes and its Val::Bytes result is lowered into the guest.
class ComponentBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        Component component,
        Component::Compile(SharedEngine(), wasmhost::testing::bytes_wasm()));
    ASSERT_OK(linker_.Define(
        "reverse",
        [this](Caller&, absl::Span<const Val> args, std::vector<Val>& results) {
          seen_.push_back(args[0]);
          std::string bytes(args[0].bytes());
          std::reverse(bytes.begin(), bytes.end());
          results.push_back(Val::Bytes(std::move(bytes)));
          return absl::OkStatus();
        }));
    ASSERT_OK_AND_ASSIGN(instance_, Instance::Create(component, linker_));
  }
  absl::StatusOr<std::vector<Val>> Call(absl::string_view name) {
    absl::StatusOr<Func> func = instance_->GetFunc(name);
    if (!func.ok()) return func.status();
    return func->Call({});
  }

  Linker linker_;
  std::vector<Val> seen_;
  std::optional<Instance> instance_;
};

TEST_F(ComponentBytesTest, HostFunctionsTakeAndGiveByteLists) {
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out, Call("reverse-hello"));
  EXPECT_EQ(out.at(0), Val::U32(5 * 256 + 'o'));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_TRUE(seen_[0].is_bytes());
  EXPECT_EQ(seen_[0].bytes(), "hello");
}

TEST_F(ComponentBytesTest, RangeOutsideMemoryTrapsBeforeTheHostRuns) {
  EXPECT_STATUS(Call("reverse-out-of-bounds").status(),
                absl::StatusCode::kAborted, "pointer out of bounds");
  EXPECT_TRUE(instance_->poisoned());
  EXPECT_TRUE(seen_.empty());
}

TEST_F(ComponentBytesTest, ListLongerThanTheMaximumTraps) {
  EXPECT_STATUS(Call("reverse-too-long").status(), absl::StatusCode::kAborted,
                "longer than the maximum");
  EXPECT_TRUE(seen_.empty());
}

}  // namespace
}  // namespace wasmhost::component
