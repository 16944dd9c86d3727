// component::Linker: interfaces by name and version, host resources, the
// embedder context, a WASI 0.2 world (issue 12 implements it; here a few
// dynamic host functions stand in), and component::Type.

#include "wasmhost/component_linker.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_type.h"

namespace wasmhost::component {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::SharedEngine;

HostFunc Returns(Val value) {
  return [value](Caller&, absl::Span<const Val>, std::vector<Val>& results) {
    results.push_back(value);
    return absl::OkStatus();
  };
}

absl::StatusOr<std::vector<Val>> RunVersioned(const Linker& linker) {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), wasmhost::testing::versioned_wasm());
  if (!component.ok()) return component.status();
  absl::StatusOr<Instance> instance = Instance::Create(*component, linker);
  if (!instance.ok()) return instance.status();
  absl::StatusOr<Func> run = instance->GetFunc("run");
  if (!run.ok()) return run.status();
  return run->Call({});
}

TEST(ComponentLinkerTest, ExactVersionFirst) {
  Linker linker;
  ASSERT_OK(
      linker.Instance("demo:v/api@0.2.5").Define("get", Returns(Val::U32(25))));
  ASSERT_OK(
      linker.Instance("demo:v/api@0.2.1").Define("get", Returns(Val::U32(21))));
  EXPECT_THAT(RunVersioned(linker), ::wasmhost::testing::IsOkAndHolds(
                                        std::vector<Val>{Val::U32(21)}));
}

TEST(ComponentLinkerTest, HighestCompatibleVersion) {
  Linker linker;
  ASSERT_OK(
      linker.Instance("demo:v/api@0.2.0").Define("get", Returns(Val::U32(20))));
  ASSERT_OK(
      linker.Instance("demo:v/api@0.2.7").Define("get", Returns(Val::U32(27))));
  ASSERT_OK(
      linker.Instance("demo:v/api@0.3.9").Define("get", Returns(Val::U32(39))));
  EXPECT_THAT(RunVersioned(linker), ::wasmhost::testing::IsOkAndHolds(
                                        std::vector<Val>{Val::U32(27)}));
}

TEST(ComponentLinkerTest, IncompatibleVersionIsNotFound) {
  Linker linker;
  ASSERT_OK(
      linker.Instance("demo:v/api@0.3.0").Define("get", Returns(Val::U32(30))));
  ASSERT_OK(linker.Instance("demo:v/api").Define("get", Returns(Val::U32(0))));
  EXPECT_STATUS(RunVersioned(linker).status(), absl::StatusCode::kNotFound,
                "function get of interface demo:v/api@0.2.1");
}

TEST(ComponentLinkerTest, DefinitionsAreUnique) {
  Linker linker;
  ASSERT_OK(linker.Instance("a:b/c").Define("f", Returns(Val::U32(1))));
  EXPECT_STATUS(linker.Instance("a:b/c").Define("f", Returns(Val::U32(1))),
                absl::StatusCode::kAlreadyExists, "function f of a:b/c");
  ASSERT_OK(linker.Instance("a:b/c").DefineResource("r", nullptr));
  EXPECT_STATUS(linker.Instance("a:b/c").DefineResource("r", nullptr),
                absl::StatusCode::kAlreadyExists, "resource r of a:b/c");
  EXPECT_TRUE(linker.Defines("a:b/c", "f"));
  EXPECT_TRUE(linker.Defines("a:b/c", "r"));
  EXPECT_FALSE(linker.Defines("a:b/c", "g"));
  EXPECT_FALSE(linker.Defines("", "f"));
  // Copies are independent.
  Linker copy = linker;
  ASSERT_OK(copy.Define("g", Returns(Val::U32(1))));
  EXPECT_FALSE(linker.Defines("", "g"));
}

// A HostResourceImage is both functions or none.
TEST(ComponentLinkerTest, HalfAHostResourceImageIsRefused) {
  Linker linker;
  HostResourceImage image;
  image.capture =
      [](Caller&, uint32_t rep) -> absl::StatusOr<std::shared_ptr<const void>> {
    return std::make_shared<const uint32_t>(rep);
  };
  EXPECT_STATUS(
      linker.Instance("a:b/c").DefineResourceWithCaller("r", nullptr, image),
      absl::StatusCode::kInvalidArgument,
      "resource r: a HostResourceImage needs both capture and restore");
  EXPECT_FALSE(linker.Defines("a:b/c", "r"));
  image.restore = [](Caller&, uint32_t, const void*) {
    return absl::OkStatus();
  };
  EXPECT_OK(
      linker.Instance("a:b/c").DefineResourceWithCaller("r", nullptr, image));
  EXPECT_TRUE(linker.Defines("a:b/c", "r"));
}

TEST(ComponentLinkerTest, MissingHostResourceIsNotFound) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), guests::resource_wasm()));
  Linker linker;
  ASSERT_OK(linker.Instance("demo:res/host")
                .Define("[constructor]blob", Returns(Val::Own(0))));
  ASSERT_OK(linker.Instance("demo:res/host")
                .Define("[method]blob.size", Returns(Val::U32(0))));
  EXPECT_STATUS(Instance::Create(component, linker).status(),
                absl::StatusCode::kNotFound,
                "resource blob of interface demo:res/host");
}

TEST(ComponentLinkerTest, HostFunctionsSeeTheContext) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), wasmhost::testing::canon_wasm()));
  struct Requests {
    int count = 0;
  };
  Linker linker;
  ASSERT_OK(linker.Define(
      "log", [](Caller& caller, absl::Span<const Val>, std::vector<Val>&) {
        ++caller.context<Requests>()->count;
        return absl::OkStatus();
      }));
  ASSERT_OK(linker.Define("fetch", [](Caller& caller, absl::Span<const Val>,
                                      std::vector<Val>& results) {
    const int n = ++caller.context<Requests>()->count;
    EXPECT_EQ(caller.context<int>(), nullptr);
    results.push_back(Val::String(std::string(n, 'x')));
    return absl::OkStatus();
  }));
  Requests requests;
  InstanceOptions options;
  options.SetContext(&requests);
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, linker, options));
  EXPECT_EQ(instance.context<Requests>(), &requests);
  ASSERT_OK_AND_ASSIGN(Func fetch_len, instance.GetFunc("fetch-len"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out, fetch_len.Call({}));
  EXPECT_EQ(out.at(0), Val::U32(1));
  ASSERT_OK_AND_ASSIGN(out, fetch_len.Call({}));
  EXPECT_EQ(out.at(0), Val::U32(2));
  EXPECT_EQ(requests.count, 2);
}

TEST(ComponentLinkerTest, WasiReactorNeedsWasiInterfaces) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), guests::wasi_reactor_wasm()));
  EXPECT_STATUS(Instance::Create(component, Linker()).status(),
                absl::StatusCode::kNotFound, "of interface wasi:");
}

// The preview-1 adapter's imports, granted by dynamic host functions:
// shout() prints through wasi:cli/stdout and the adapter's memory import
// of the main module's memory works.
TEST(ComponentLinkerTest, WasiReactorRunsOnDynamicHostFunctions) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), guests::wasi_reactor_wasm()));
  std::string stdout_text;
  Linker linker;
  for (const ComponentResource& resource : component.imported_resources()) {
    ASSERT_OK(linker.Instance(resource.interface)
                  .DefineResource(resource.name, nullptr));
  }
  for (const ComponentFunc& func : component.imported_funcs()) {
    const std::string& name = func.name;
    HostFunc host;
    if (name == "get-environment" || name == "get-directories") {
      host = Returns(Val::List({}));
    } else if (name == "get-stdout" || name == "get-stderr" ||
               name == "get-stdin") {
      host = Returns(Val::Own(1));
    } else if (absl::StartsWith(name, "get-terminal-")) {
      host = Returns(Val::None());
    } else if (name == "[method]output-stream.check-write") {
      host = Returns(Val::Ok(Val::U64(1 << 20)));
    } else if (name == "[method]output-stream.write" ||
               name == "[method]output-stream.blocking-write-and-flush") {
      host = [&](Caller&, absl::Span<const Val> args,
                 std::vector<Val>& results) {
        EXPECT_TRUE(args[1].is_bytes());
        stdout_text.append(args[1].bytes().data(), args[1].bytes().size());
        results.push_back(Val::Ok());
        return absl::OkStatus();
      };
    } else if (name == "[method]output-stream.blocking-flush") {
      host = Returns(Val::Ok());
    } else if (name == "now" &&
               func.interface.find("monotonic") != std::string::npos) {
      host = Returns(Val::U64(123));
    } else {
      host = [name](Caller&, absl::Span<const Val>, std::vector<Val>&) {
        return absl::InternalError(absl::StrCat("unexpected call of ", name));
      };
    }
    ASSERT_OK(linker.Instance(func.interface).Define(name, host));
  }
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(Func shout, instance.GetFunc("shout"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out, shout.Call({Val::String("hi")}));
  EXPECT_EQ(stdout_text, "hi! \n");
  EXPECT_EQ(out.at(0), Val::U32(5));
}

TEST(ComponentTypeTest, BuiltTypes) {
  const Type point = Type::Record({{"x", Type::S32()}, {"y", Type::S32()}});
  EXPECT_EQ(point.kind(), ValKind::kRecord);
  EXPECT_EQ(point.ToString(), "record { x: s32, y: s32 }");
  ASSERT_EQ(point.fields().size(), 2u);
  EXPECT_EQ(point.fields()[1].name, "y");
  EXPECT_EQ(point.fields()[1].type, Type::S32());
  EXPECT_EQ(Type::List(point),
            Type::List(Type::Record({{"x", Type::S32()}, {"y", Type::S32()}})));
  EXPECT_NE(Type::List(point),
            Type::List(Type::Record({{"x", Type::S32()}, {"z", Type::S32()}})));
  EXPECT_EQ(Type::List(point).element(), point);
  const Type shape = Type::Variant({{"circle", Type::F32()}, {"empty", {}}});
  EXPECT_EQ(shape.ToString(), "variant { circle(f32), empty }");
  EXPECT_EQ(shape.cases().size(), 2u);
  EXPECT_FALSE(shape.cases()[1].type.has_value());
  EXPECT_EQ(Type::Enum({"a", "b"}).labels(),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(Type::Enum({"a"}), Type::Flags({"a"}));
  const Type result = Type::Result(Type::U8(), std::nullopt);
  EXPECT_EQ(result.ToString(), "result<u8>");
  EXPECT_EQ(result.ok(), Type::U8());
  EXPECT_FALSE(result.err().has_value());
  EXPECT_EQ(Type::Result(std::nullopt, std::nullopt).ToString(), "result");
  EXPECT_EQ(Type::Tuple({Type::U8(), Type::String()}).ToString(),
            "tuple<u8, string>");
  EXPECT_EQ(Type::Option(Type::Char()).ToString(), "option<char>");
  const Type blob = Type::Own("blob");
  EXPECT_EQ(blob.resource_name(), "blob");
  EXPECT_TRUE(blob.SameResource(Type::Borrow("blob")));
  EXPECT_FALSE(blob.SameResource(Type::Own("other")));
  EXPECT_NE(blob, Type::Borrow("blob"));
  EXPECT_EQ(Type().kind(), ValKind::kBool);
}

TEST(ComponentTypeTest, TypesOfAComponent) {
  ASSERT_OK_AND_ASSIGN(
      Component component,
      Component::Compile(SharedEngine(), guests::resource_wasm()));
  const ComponentFunc* inc = nullptr;
  const ComponentFunc* merge = nullptr;
  for (const ComponentFunc& func : component.exported_funcs()) {
    if (func.name == "[method]counter.inc") inc = &func;
    if (func.name == "[static]counter.merge") merge = &func;
  }
  ASSERT_NE(inc, nullptr);
  ASSERT_NE(merge, nullptr);
  EXPECT_EQ(inc->interface, "demo:res/counters");
  EXPECT_EQ(inc->type.ToString(),
            "func(self: borrow<counter>, by: u32) -> u32");
  EXPECT_EQ(inc->type.params[0].second.kind(), ValKind::kBorrow);
  // The same resource in two functions of the component.
  EXPECT_TRUE(inc->type.params[0].second.SameResource(*merge->type.result));
  FuncType expected;
  expected.params = {{"self", Type::Borrow("counter")}, {"by", Type::U32()}};
  expected.result = Type::U32();
  EXPECT_EQ(inc->type, expected);
  ASSERT_EQ(component.exported_resources().size(), 1u);
  EXPECT_EQ(component.exported_resources()[0].name, "counter");
  ASSERT_EQ(component.imported_resources().size(), 1u);
  EXPECT_EQ(component.imported_resources()[0].interface, "demo:res/host");
  EXPECT_THAT(component.WitText(), HasSubstr("resource counter"));
}

}  // namespace
}  // namespace wasmhost::component
