// component::Instance over the C component guests (guests/components):
// instantiation, export calls with every WIT type, host functions,
// resources, post-return, and the errors of each.

#include <cstdint>
#include <string>
#include <thread>  // NOLINT(build/c++11)
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"

namespace wasmhost::component {
namespace {

using ::wasmhost::testing::SharedEngine;

Component Compile(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Component> component = Component::Compile(SharedEngine(), bytes);
  EXPECT_OK(component.status());
  return *std::move(component);
}

// Host functions of the scalars world, recording host-log's arguments.
struct ScalarsHost {
  std::vector<std::pair<uint32_t, int64_t>> logs;
  Linker linker;
  ScalarsHost() {
    EXPECT_OK(linker.Define(
        "host-log", [this](Caller&, absl::Span<const Val> args,
                           std::vector<Val>&) -> absl::Status {
          logs.emplace_back(args[0].u32(), args[1].s64());
          return absl::OkStatus();
        }));
  }
};

TEST(ComponentInstanceTest, ScalarsRoundTrip) {
  Component component = Compile(guests::scalars_wasm());
  ScalarsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, host.linker));
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("demo:scalars/math", "add"));
  EXPECT_EQ(add.type().ToString(), "func(a: s32, b: s32) -> s32");
  ASSERT_OK_AND_ASSIGN(std::vector<Val> sum,
                       add.Call({Val::S32(40), Val::S32(2)}));
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0], Val::S32(42));
  ASSERT_OK_AND_ASSIGN(Func answer, instance.GetFunc("answer"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> got, answer.Call({}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind(), ValKind::kU32);
}

TEST(ComponentInstanceTest, MissingImportIsNotFound) {
  Component component = Compile(guests::scalars_wasm());
  EXPECT_STATUS(Instance::Create(component, Linker()).status(),
                absl::StatusCode::kNotFound, "host-log");
}

TEST(ComponentInstanceTest, StringsRoundTrip) {
  Component component = Compile(guests::strings_wasm());
  Linker linker;
  std::vector<std::string> logged;
  ASSERT_OK(linker.Define("log", [&](Caller&, absl::Span<const Val> args,
                                     std::vector<Val>&) {
    logged.push_back(args[0].string());
    return absl::OkStatus();
  }));
  ASSERT_OK(linker.Define("fetch", [&](Caller&, absl::Span<const Val> args,
                                       std::vector<Val>& results) {
    std::vector<Val> bytes;
    for (char c : args[0].string()) bytes.push_back(Val::U8(c));
    results.push_back(Val::List(std::move(bytes)));
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(Func upper,
                       instance.GetFunc("demo:strings/text", "upper"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out,
                       upper.Call({Val::String("hello")}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].string(), "HELLO");
  ASSERT_OK_AND_ASSIGN(Func greet, instance.GetFunc("greet"));
  ASSERT_OK_AND_ASSIGN(out, greet.Call({Val::String("bob")}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(out[0].string(), ::testing::HasSubstr("bob"));
}


// The guest's counter resource from the host, and the host's blob
// resource from the guest, destructor included.
TEST(ComponentInstanceTest, Resources) {
  Component component = Compile(guests::resource_wasm());
  Linker linker;
  std::vector<std::vector<Val>> blobs;  // By rep.
  std::vector<uint32_t> dropped;
  LinkerInstance host = linker.Instance("demo:res/host");
  ASSERT_OK(host.DefineResource("blob", [&](uint32_t rep) {
    dropped.push_back(rep);
    return absl::OkStatus();
  }));
  ASSERT_OK(host.Define("[constructor]blob", [&](Caller&,
                                                 absl::Span<const Val> args,
                                                 std::vector<Val>& results) {
    blobs.emplace_back(args[0].elements().begin(), args[0].elements().end());
    results.push_back(Val::Own(static_cast<uint32_t>(blobs.size() - 1)));
    return absl::OkStatus();
  }));
  ASSERT_OK(host.Define("[method]blob.size", [&](Caller&,
                                                 absl::Span<const Val> args,
                                                 std::vector<Val>& results) {
    results.push_back(Val::U32(blobs.at(args[0].rep()).size()));
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  const std::string iface = "demo:res/counters";
  ASSERT_OK_AND_ASSIGN(Func make, instance.GetFunc(iface, "[constructor]counter"));
  ASSERT_OK_AND_ASSIGN(Func inc, instance.GetFunc(iface, "[method]counter.inc"));
  ASSERT_OK_AND_ASSIGN(Func merge,
                       instance.GetFunc(iface, "[static]counter.merge"));
  ASSERT_OK_AND_ASSIGN(Func take, instance.GetFunc(iface, "take"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> a, make.Call({Val::U32(5)}));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].kind(), ValKind::kOwn);
  ASSERT_OK_AND_ASSIGN(std::vector<Val> b, make.Call({Val::U32(10)}));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> n,
                       inc.Call({Val::Borrow(a[0].rep()), Val::U32(2)}));
  EXPECT_EQ(n.at(0), Val::U32(7));
  // merge makes a 2-byte blob, reads its size and drops it.
  ASSERT_OK_AND_ASSIGN(
      std::vector<Val> m,
      merge.Call({Val::Borrow(a[0].rep()), Val::Borrow(b[0].rep())}));
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(dropped, std::vector<uint32_t>{0});
  ASSERT_OK_AND_ASSIGN(std::vector<Val> taken, take.Call({m.at(0)}));
  EXPECT_EQ(taken.at(0), Val::U32(7 + 10 + 2));
  EXPECT_OK(instance.DropResource(iface, "counter", a[0].rep()));
  EXPECT_OK(instance.DropResource(iface, "counter", b[0].rep()));
  EXPECT_STATUS(instance.DropResource(iface, "nothing", 1),
                absl::StatusCode::kNotFound, "nothing");
  EXPECT_FALSE(instance.poisoned());
}

// A host function's error reaches the caller unchanged and poisons the
// component instance.
TEST(ComponentInstanceTest, HostFunctionErrorPoisons) {
  Component component = Compile(guests::resource_wasm());
  Linker linker;
  LinkerInstance host = linker.Instance("demo:res/host");
  ASSERT_OK(host.DefineResource("blob", nullptr));
  auto unused = [](Caller&, absl::Span<const Val>, std::vector<Val>&) {
    return absl::InternalError("not called");
  };
  ASSERT_OK(host.Define("[constructor]blob", unused));
  ASSERT_OK(host.Define("[method]blob.size", unused));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(Func merge,
                       instance.GetFunc("demo:res/counters",
                                        "[static]counter.merge"));
  ASSERT_OK_AND_ASSIGN(Func make,
                       instance.GetFunc("demo:res/counters",
                                        "[constructor]counter"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> a, make.Call({Val::U32(1)}));
  EXPECT_STATUS(
      merge.Call({Val::Borrow(a[0].rep()), Val::Borrow(a[0].rep())}).status(),
      absl::StatusCode::kInternal, "not called");
  EXPECT_TRUE(instance.poisoned());
  EXPECT_STATUS(make.Call({Val::U32(1)}).status(),
                absl::StatusCode::kFailedPrecondition, "poisoned");
}

TEST(ComponentInstanceTest, MistypedHostFunctionIsInvalidArgument) {
  Component component = Compile(guests::scalars_wasm());
  Linker linker;
  FuncType wrong;
  wrong.params.emplace_back("level", Type::String());
  ASSERT_OK(linker.Root().Define(
      "host-log", wrong,
      [](Caller&, absl::Span<const Val>, std::vector<Val>&) {
        return absl::OkStatus();
      }));
  EXPECT_STATUS(Instance::Create(component, linker).status(),
                absl::StatusCode::kInvalidArgument,
                "func(level: u32, code: s64)");
}

TEST(ComponentInstanceTest, WrongArgumentsAreInvalidArgument) {
  Component component = Compile(guests::scalars_wasm());
  ScalarsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, host.linker));
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("demo:scalars/math", "add"));
  EXPECT_STATUS(add.Call({Val::S32(1)}).status(),
                absl::StatusCode::kInvalidArgument, "takes 2 arguments");
  EXPECT_STATUS(instance.GetFunc("demo:scalars/math", "nope").status(),
                absl::StatusCode::kNotFound, "nope");
  EXPECT_FALSE(instance.poisoned());
}

TEST(ComponentInstanceTest, OtherThreadIsFailedPrecondition) {
  Component component = Compile(guests::scalars_wasm());
  ScalarsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, host.linker));
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("demo:scalars/math", "add"));
  absl::Status status;
  std::thread([&] { status = add.Call({Val::S32(1), Val::S32(2)}).status(); })
      .join();
  EXPECT_STATUS(status, absl::StatusCode::kFailedPrecondition,
                "another thread");
}

}  // namespace
}  // namespace wasmhost::component
