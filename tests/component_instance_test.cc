// component::Instance over the C component guests (guests/components):
// instantiation, export calls with every WIT type, host functions,
// resources, post-return, and the errors of each.

#include <cstdint>
#include <string>
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

}  // namespace
}  // namespace wasmhost::component
