// component::Instance over the C component guests (guests/components):
// instantiation, export calls with every WIT type, host functions,
// resources, post-return, and the errors of each.

#include "wasmhost/component_instance.h"

#include <cstdint>
#include <string>
#include <thread>  // NOLINT(build/c++11)
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "tests/component_fixtures.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"

namespace wasmhost::component {
namespace {

using ::wasmhost::testing::SharedEngine;

Component Compile(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), bytes);
  EXPECT_OK(component.status());
  return *std::move(component);
}

// Host functions of the scalars world, recording host-log's arguments.
struct ScalarsHost {
  std::vector<std::pair<uint32_t, int64_t>> logs;
  Linker linker;
  ScalarsHost() {
    EXPECT_OK(linker.Define("host-log",
                            [this](Caller&, absl::Span<const Val> args,
                                   std::vector<Val>&) -> absl::Status {
                              logs.emplace_back(args[0].u32(), args[1].s64());
                              return absl::OkStatus();
                            }));
  }

  // An instance of the scalars component granted these host functions.
  absl::StatusOr<Instance> Instantiate() const {
    return Instance::Create(Compile(guests::scalars_wasm()), linker);
  }
};

TEST(ComponentInstanceTest, ScalarsRoundTrip) {
  ScalarsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance, host.Instantiate());
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("demo:scalars/math", "add"));
  EXPECT_EQ(add.type().ToString(), "func(a: s32, b: s32) -> s32");
  ASSERT_OK_AND_ASSIGN(std::vector<Val> sum,
                       add.Call({Val::S32(40), Val::S32(2)}));
  ASSERT_EQ(sum.size(), 1u);
  EXPECT_EQ(sum[0], Val::S32(42));
  ASSERT_OK_AND_ASSIGN(Func answer, instance.GetFunc("answer"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> got, answer.Call({}));
  EXPECT_EQ(got, std::vector<Val>{Val::U32(42)});
  // answer() calls host-log(1, -42): u32 and s64 lifted from the guest.
  EXPECT_EQ(host.logs, (std::vector<std::pair<uint32_t, int64_t>>{{1, -42}}));

  auto call = [&](absl::string_view name, std::vector<Val> args) {
    absl::StatusOr<Func> func = instance.GetFunc("demo:scalars/math", name);
    EXPECT_OK(func.status());
    absl::StatusOr<std::vector<Val>> results = func->Call(args);
    EXPECT_OK(results.status());
    return results.ok() && results->size() == 1 ? (*results)[0] : Val();
  };
  EXPECT_EQ(call("mul-wide", {Val::U64(1ull << 40), Val::U64(1 << 20)}),
            Val::U64(1ull << 60));
  EXPECT_EQ(call("scale", {Val::F64(2.5), Val::F32(4)}), Val::F64(10));
  EXPECT_EQ(call("negate", {Val::Bool(true)}), Val::Bool(false));
  EXPECT_EQ(call("next-char", {Val::Char(U'\u00e9')}), Val::Char(U'\u00ea'));
  // u8 255 + s8 -1 + u16 65535 + s16 -1 + u32 4294967295 + s64 -10.
  EXPECT_EQ(
      call("narrow", {Val::U8(255), Val::S8(-1), Val::U16(65535), Val::S16(-1),
                      Val::U32(4294967295u), Val::S64(-10)}),
      Val::S64(255 - 1 + 65535 - 1 + 4294967295ll - 10));
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
  ASSERT_OK(linker.Define(
      "log", [&](Caller&, absl::Span<const Val> args, std::vector<Val>&) {
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
  EXPECT_EQ(out[0].string(), "hello, bob (3 bytes fetched)");
  EXPECT_EQ(logged, std::vector<std::string>{"bob"});

  const std::string iface = "demo:strings/text";
  ASSERT_OK_AND_ASSIGN(Func split, instance.GetFunc(iface, "split"));
  ASSERT_OK_AND_ASSIGN(out, split.Call({Val::String("a,bc,"), Val::Char(',')}));
  EXPECT_EQ(out.at(0),
            Val::List({Val::String("a"), Val::String("bc"), Val::String("")}));
  ASSERT_OK_AND_ASSIGN(Func join, instance.GetFunc(iface, "join"));
  ASSERT_OK_AND_ASSIGN(
      out, join.Call({Val::List({Val::String("x"), Val::String("yz")}),
                      Val::String("--")}));
  EXPECT_EQ(out.at(0), Val::String("x--yz"));
  ASSERT_OK_AND_ASSIGN(Func sum, instance.GetFunc(iface, "sum"));
  ASSERT_OK_AND_ASSIGN(out,
                       sum.Call({Val::List({Val::F64(1.5), Val::F64(2.25)})}));
  EXPECT_EQ(out.at(0), Val::F64(3.75));
  ASSERT_OK_AND_ASSIGN(Func iota, instance.GetFunc(iface, "iota"));
  ASSERT_OK_AND_ASSIGN(out, iota.Call({Val::U32(3)}));
  EXPECT_EQ(out.at(0), Val::List({Val::U8(0), Val::U8(1), Val::U8(2)}));
}

// Records, variants, enums, flags, options, results and tuples, as
// export arguments and results, and through the validate import.
TEST(ComponentInstanceTest, TypesRoundTrip) {
  Component component = Compile(guests::types_wasm());
  Linker linker;
  std::vector<Val> validated;
  ASSERT_OK(linker.Define("validate", [&](Caller&, absl::Span<const Val> args,
                                          std::vector<Val>& results) {
    validated.push_back(args[0]);
    const Val& x = args[0].elements()[0];
    if (x.s32() < 0) {
      results.push_back(Val::Err(Val::String("negative")));
    } else {
      results.push_back(Val::Ok(args[0]));
    }
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  const std::string iface = "demo:types/shapes";
  auto call = [&](absl::string_view name,
                  std::vector<Val> args) -> absl::StatusOr<Val> {
    absl::StatusOr<Func> func = instance.GetFunc(iface, name);
    if (!func.ok()) return func.status();
    absl::StatusOr<std::vector<Val>> results = func->Call(args);
    if (!results.ok()) return results.status();
    if (results->size() != 1) return absl::InternalError("not one result");
    return (*results)[0];
  };
  auto point = [](int32_t x, int32_t y) {
    return Val::Record({{"x", Val::S32(x)}, {"y", Val::S32(y)}});
  };
  EXPECT_THAT(call("area", {Val::Variant(1, point(3, 4))}),
              ::wasmhost::testing::IsOkAndHolds(Val::F32(12)));
  EXPECT_THAT(call("area", {Val::Variant(1, point(-3, 4))}),
              ::wasmhost::testing::IsOkAndHolds(Val::F32(-1)));
  EXPECT_EQ(validated, (std::vector<Val>{point(3, 4), point(-3, 4)}));
  EXPECT_THAT(call("area", {Val::Variant(2, std::nullopt)}),
              ::wasmhost::testing::IsOkAndHolds(Val::F32(0)));
  EXPECT_THAT(call("mix", {Val::Enum(1), Val::Enum(2)}),
              ::wasmhost::testing::IsOkAndHolds(Val::Enum(0)));
  EXPECT_THAT(call("grant", {Val::Flags(1), Val::Flags(4)}),
              ::wasmhost::testing::IsOkAndHolds(Val::Flags(5)));
  EXPECT_THAT(call("divide", {Val::S32(7), Val::S32(2)}),
              ::wasmhost::testing::IsOkAndHolds(Val::Ok(Val::S32(3))));
  EXPECT_THAT(call("divide", {Val::S32(7), Val::S32(0)}),
              ::wasmhost::testing::IsOkAndHolds(
                  Val::Err(Val::String("division by zero"))));
  EXPECT_THAT(call("swap", {Val::Tuple({Val::U8(9), Val::F64(0.5)})}),
              ::wasmhost::testing::IsOkAndHolds(
                  Val::Tuple({Val::F64(0.5), Val::U8(9)})));
  EXPECT_THAT(call("check", {Val::U32(3)}),
              ::wasmhost::testing::IsOkAndHolds(Val::Err()));
  EXPECT_THAT(call("check", {Val::U32(4)}),
              ::wasmhost::testing::IsOkAndHolds(Val::Ok()));
  auto item = [&](std::string name, uint32_t color, std::optional<Val> at) {
    return Val::Record(
        {{"name", Val::String(std::move(name))},
         {"color", Val::Enum(color)},
         {"perms", Val::Flags(3)},
         {"origin", at.has_value() ? Val::Some(*at) : Val::None()}});
  };
  // types.c's item struct is 20 bytes where the canonical ABI lays an item
  // out in 24 (origin's option is 4-aligned at 12), so only the first
  // item, without an origin, reads back right (guests/components is being
  // moved to generated bindings).
  const Val items =
      Val::List({item("a", 1, std::nullopt), item("b", 2, point(5, 6))});
  EXPECT_THAT(
      call("find", {items, Val::String("a")}),
      ::wasmhost::testing::IsOkAndHolds(Val::Some(item("a", 1, std::nullopt))));
  EXPECT_THAT(call("find", {items, Val::String("zz")}),
              ::wasmhost::testing::IsOkAndHolds(Val::None()));
  // A case index the variant does not have is the host's error.
  EXPECT_STATUS(call("area", {Val::Variant(7, std::nullopt)}).status(),
                absl::StatusCode::kInvalidArgument, "");
  EXPECT_FALSE(instance.poisoned());
}

// The guest's counter resource from the host, and the host's blob
// resource from the guest, destructor included.
TEST(ComponentInstanceTest, Resources) {
  Component component = Compile(guests::resource_wasm());
  Linker linker;
  std::vector<std::string> blobs;  // By rep.
  std::vector<uint32_t> dropped;
  LinkerInstance host = linker.Instance("demo:res/host");
  ASSERT_OK(host.DefineResource("blob", [&](uint32_t rep) {
    dropped.push_back(rep);
    return absl::OkStatus();
  }));
  ASSERT_OK(host.Define(
      "[constructor]blob",
      [&](Caller&, absl::Span<const Val> args, std::vector<Val>& results) {
        blobs.emplace_back(args[0].bytes());  // list<u8>: a Val::Bytes
        results.push_back(Val::Own(static_cast<uint32_t>(blobs.size() - 1)));
        return absl::OkStatus();
      }));
  ASSERT_OK(host.Define(
      "[method]blob.size",
      [&](Caller&, absl::Span<const Val> args, std::vector<Val>& results) {
        results.push_back(Val::U32(blobs.at(args[0].rep()).size()));
        return absl::OkStatus();
      }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  const std::string iface = "demo:res/counters";
  ASSERT_OK_AND_ASSIGN(Func make,
                       instance.GetFunc(iface, "[constructor]counter"));
  ASSERT_OK_AND_ASSIGN(Func inc,
                       instance.GetFunc(iface, "[method]counter.inc"));
  ASSERT_OK_AND_ASSIGN(Func merge,
                       instance.GetFunc(iface, "[static]counter.merge"));
  ASSERT_OK_AND_ASSIGN(Func take, instance.GetFunc(iface, "take"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> a, make.Call({Val::U32(5)}));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].kind(), ValKind::kOwn);
  ASSERT_OK_AND_ASSIGN(std::vector<Val> b, make.Call({Val::U32(10)}));
  ASSERT_OK_AND_ASSIGN(
      std::vector<Val> n,
      inc.Call({Val::Borrow(a[0].guest_handle()), Val::U32(2)}));
  EXPECT_EQ(n.at(0), Val::U32(7));
  // merge makes a 2-byte blob, reads its size and drops it.
  ASSERT_OK_AND_ASSIGN(std::vector<Val> m,
                       merge.Call({Val::Borrow(a[0].guest_handle()),
                                   Val::Borrow(b[0].guest_handle())}));
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(dropped, std::vector<uint32_t>{0});
  ASSERT_OK_AND_ASSIGN(std::vector<Val> taken, take.Call({m.at(0)}));
  EXPECT_EQ(taken.at(0), Val::U32(7 + 10 + 2));
  EXPECT_OK(instance.DropResource(a[0].guest_handle()));
  EXPECT_OK(instance.DropResource(b[0].guest_handle()));
  EXPECT_STATUS(instance.DropResource(GuestHandle()),
                absl::StatusCode::kInvalidArgument, "needs a handle");
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
  ASSERT_OK_AND_ASSIGN(Func merge, instance.GetFunc("demo:res/counters",
                                                    "[static]counter.merge"));
  ASSERT_OK_AND_ASSIGN(
      Func make, instance.GetFunc("demo:res/counters", "[constructor]counter"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> a, make.Call({Val::U32(1)}));
  EXPECT_STATUS(merge
                    .Call({Val::Borrow(a[0].guest_handle()),
                           Val::Borrow(a[0].guest_handle())})
                    .status(),
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
      "host-log", wrong, [](Caller&, absl::Span<const Val>, std::vector<Val>&) {
        return absl::OkStatus();
      }));
  EXPECT_STATUS(Instance::Create(component, linker).status(),
                absl::StatusCode::kInvalidArgument,
                "func(level: u32, code: s64)");

  // The right types under other parameter names match.
  Linker renamed;
  FuncType right;
  right.params = {{"a", Type::U32()}, {"b", Type::S64()}};
  ASSERT_OK(renamed.Root().Define(
      "host-log", right, [](Caller&, absl::Span<const Val>, std::vector<Val>&) {
        return absl::OkStatus();
      }));
  EXPECT_OK(Instance::Create(component, renamed).status());
}

TEST(ComponentInstanceTest, WrongArgumentsAreInvalidArgument) {
  ScalarsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance, host.Instantiate());
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("demo:scalars/math", "add"));
  EXPECT_STATUS(add.Call({Val::S32(1)}).status(),
                absl::StatusCode::kInvalidArgument, "takes 2 arguments");
  EXPECT_STATUS(instance.GetFunc("demo:scalars/math", "nope").status(),
                absl::StatusCode::kNotFound, "nope");
  EXPECT_FALSE(instance.poisoned());
}

TEST(ComponentInstanceTest, OtherThreadIsFailedPrecondition) {
  ScalarsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance, host.Instantiate());
  ASSERT_OK_AND_ASSIGN(Func add, instance.GetFunc("demo:scalars/math", "add"));
  absl::Status status;
  std::thread([&] {
    status = add.Call({Val::S32(1), Val::S32(2)}).status();
  }).join();
  EXPECT_STATUS(status, absl::StatusCode::kFailedPrecondition,
                "another thread");
}

// One nested component calling another's lifted function: the string is
// lifted from the caller's memory and lowered into the callee's.
TEST(ComponentInstanceTest, NestedComponentsCallEachOther) {
  Component component = Compile(wasmhost::testing::composed_wasm());
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, Linker()));
  EXPECT_EQ(component.num_core_instances(), 3u);
  ASSERT_OK_AND_ASSIGN(Func run, instance.GetFunc("run"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out, run.Call({}));
  EXPECT_EQ(out, std::vector<Val>{Val::U32(3 * 1000 + 'A')});
}

// A nested component given the root's imported instance drops a host
// resource through its own alias of the resource type: the same type.
TEST(ComponentInstanceTest, NestedComponentDropsImportedResource) {
  Component component = Compile(wasmhost::testing::nested_resource_wasm());
  Linker linker;
  std::vector<uint32_t> dropped;
  LinkerInstance api = linker.Instance("demo:res/api");
  ASSERT_OK(api.DefineResource("thing", [&](uint32_t rep) {
    dropped.push_back(rep);
    return absl::OkStatus();
  }));
  ASSERT_OK(api.Define(
      "make", [](Caller&, absl::Span<const Val>, std::vector<Val>& results) {
        results.push_back(Val::Own(42));
        return absl::OkStatus();
      }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(Func run, instance.GetFunc("run"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> out, run.Call({}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(dropped, std::vector<uint32_t>{42});
  EXPECT_FALSE(instance.poisoned());
}

// Each instantiation of a component defining a resource makes a new
// resource type: tests/components/generative.wat instantiates one twice.
using ::wasmhost::testing::IsOkAndHolds;

class GenerativeResourceTest : public ::testing::Test {
 protected:
  static absl::StatusOr<uint32_t> Call(Instance& instance,
                                       absl::string_view name,
                                       std::vector<Val> args = {}) {
    absl::StatusOr<Func> func = instance.GetFunc(name);
    if (!func.ok()) return func.status();
    absl::StatusOr<std::vector<Val>> out = func->Call(args);
    if (!out.ok()) return out.status();
    return out->at(0).u32();
  }
  Component component_ = Compile(wasmhost::testing::generative_wasm());
};

TEST_F(GenerativeResourceTest, EachInstantiationUsesItsOwnHandles) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component_, Linker()));
  // get(h) + 100 * take(h): the rep both ways, and the destructor ran in
  // the instance that made the handle.
  EXPECT_THAT(Call(instance, "same-a", {Val::U32(7)}), IsOkAndHolds(707u));
  EXPECT_THAT(Call(instance, "same-b", {Val::U32(9)}), IsOkAndHolds(909u));
  EXPECT_THAT(Call(instance, "dropped-a"), IsOkAndHolds(7u));
  EXPECT_THAT(Call(instance, "dropped-b"), IsOkAndHolds(9u));
}

TEST_F(GenerativeResourceTest, BorrowOfTheOtherInstantiationTraps) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component_, Linker()));
  EXPECT_STATUS(Call(instance, "borrow-across", {Val::U32(7)}).status(),
                absl::StatusCode::kAborted, "has resource type");
  EXPECT_TRUE(instance.poisoned());
}

TEST_F(GenerativeResourceTest, HostHandleOfTheOtherInstantiationIsRefused) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component_, Linker()));
  ASSERT_OK_AND_ASSIGN(Func make_a, instance.GetFunc("a", "make"));
  ASSERT_OK_AND_ASSIGN(Func get_a, instance.GetFunc("a", "get"));
  ASSERT_OK_AND_ASSIGN(Func get_b, instance.GetFunc("b", "get"));
  ASSERT_OK_AND_ASSIGN(Func take_b, instance.GetFunc("b", "take"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> h, make_a.Call({Val::U32(7)}));
  const Val borrow = Val::Borrow(h.at(0).guest_handle());
  EXPECT_STATUS(get_b.Call({borrow}).status(),
                absl::StatusCode::kInvalidArgument,
                "borrow<r of b> given a handle of r of a");
  EXPECT_STATUS(take_b.Call({h.at(0)}).status(),
                absl::StatusCode::kInvalidArgument,
                "own<r of b> given a handle of r of a");
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(get_a.Call({borrow}),
              IsOkAndHolds(std::vector<Val>{Val::U32(7)}));
}

TEST_F(GenerativeResourceTest, OwnOfTheOtherInstantiationTraps) {
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component_, Linker()));
  EXPECT_STATUS(Call(instance, "own-across", {Val::U32(7)}).status(),
                absl::StatusCode::kAborted, "has resource type");
}

// The host's handles to guest resources have an identity (GuestHandle):
// one of another instance, dropped, moved into the guest, a rep, or of
// another type is the call's error, before the guest runs, and the
// instance carries on.
class HostHandleTest : public ::testing::Test {
 protected:
  static constexpr absl::string_view kCounters = "demo:res/counters";

  HostHandleTest() {
    LinkerInstance host = linker_.Instance("demo:res/host");
    EXPECT_OK(host.DefineResource("blob", nullptr));
    EXPECT_OK(host.Define(
        "[constructor]blob",
        [](Caller&, absl::Span<const Val>, std::vector<Val>& results) {
          results.push_back(Val::Own(0));
          return absl::OkStatus();
        }));
    EXPECT_OK(host.Define(
        "[method]blob.size",
        [](Caller&, absl::Span<const Val>, std::vector<Val>& results) {
          results.push_back(Val::U32(2));
          return absl::OkStatus();
        }));
  }

  absl::StatusOr<Instance> NewInstance() {
    return Instance::Create(component_, linker_);
  }
  // Calls `name` of interface counters with `args`.
  static absl::StatusOr<std::vector<Val>> Call(Instance& instance,
                                               absl::string_view name,
                                               std::vector<Val> args) {
    absl::StatusOr<Func> func = instance.GetFunc(kCounters, name);
    if (!func.ok()) return func.status();
    return func->Call(args);
  }
  static absl::StatusOr<Val> MakeCounter(Instance& instance, uint32_t start) {
    absl::StatusOr<std::vector<Val>> made =
        Call(instance, "[constructor]counter", {Val::U32(start)});
    if (!made.ok()) return made.status();
    return made->at(0);
  }
  static absl::StatusOr<std::vector<Val>> Inc(Instance& instance,
                                              const Val& counter) {
    return Call(instance, "[method]counter.inc",
                {Val::Borrow(counter.guest_handle()), Val::U32(1)});
  }

  Component component_ = Compile(guests::resource_wasm());
  Linker linker_;
};

TEST_F(HostHandleTest, HandleOfAnotherInstanceIsRefused) {
  ASSERT_OK_AND_ASSIGN(Instance first, NewInstance());
  ASSERT_OK_AND_ASSIGN(Instance second, NewInstance());
  ASSERT_OK_AND_ASSIGN(Val a, MakeCounter(first, 5));
  ASSERT_OK_AND_ASSIGN(Val b, MakeCounter(second, 10));
  EXPECT_TRUE(a.guest_handle().valid());
  EXPECT_EQ(a.guest_handle().rep(), a.rep());
  EXPECT_STATUS(Inc(second, a).status(), absl::StatusCode::kFailedPrecondition,
                "belongs to another component instance");
  EXPECT_STATUS(Call(second, "take", {a}).status(),
                absl::StatusCode::kFailedPrecondition,
                "own<counter of demo:res/counters>: the handle belongs to "
                "another component instance");
  EXPECT_STATUS(second.DropResource(a.guest_handle()),
                absl::StatusCode::kFailedPrecondition, "another");
  EXPECT_FALSE(second.poisoned());
  // Both instances carry on with their own handles.
  EXPECT_THAT(Inc(second, b), ::wasmhost::testing::IsOkAndHolds(
                                  std::vector<Val>{Val::U32(11)}));
  EXPECT_THAT(Inc(first, a),
              ::wasmhost::testing::IsOkAndHolds(std::vector<Val>{Val::U32(6)}));
}

TEST_F(HostHandleTest, BorrowAfterDropIsRefused) {
  ASSERT_OK_AND_ASSIGN(Instance instance, NewInstance());
  ASSERT_OK_AND_ASSIGN(Val a, MakeCounter(instance, 5));
  ASSERT_OK(instance.DropResource(a.guest_handle()));
  EXPECT_STATUS(Inc(instance, a).status(),
                absl::StatusCode::kFailedPrecondition,
                "borrow<counter of demo:res/counters>: the handle was dropped");
  EXPECT_STATUS(instance.DropResource(a.guest_handle()),
                absl::StatusCode::kFailedPrecondition, "was dropped");
  EXPECT_FALSE(instance.poisoned());
  ASSERT_OK_AND_ASSIGN(Val b, MakeCounter(instance, 1));
  EXPECT_THAT(Inc(instance, b),
              ::wasmhost::testing::IsOkAndHolds(std::vector<Val>{Val::U32(2)}));
}

TEST_F(HostHandleTest, OwnUsedTwiceIsRefused) {
  ASSERT_OK_AND_ASSIGN(Instance instance, NewInstance());
  ASSERT_OK_AND_ASSIGN(Val a, MakeCounter(instance, 5));
  EXPECT_THAT(Call(instance, "take", {a}),
              ::wasmhost::testing::IsOkAndHolds(std::vector<Val>{Val::U32(5)}));
  EXPECT_STATUS(Call(instance, "take", {a}).status(),
                absl::StatusCode::kFailedPrecondition,
                "moved into the component");
  EXPECT_STATUS(Inc(instance, a).status(),
                absl::StatusCode::kFailedPrecondition, "moved");
  EXPECT_STATUS(instance.DropResource(a.guest_handle()),
                absl::StatusCode::kFailedPrecondition, "moved");
  EXPECT_FALSE(instance.poisoned());
}

TEST_F(HostHandleTest, RepsAndOtherTypesAreRefused) {
  ASSERT_OK_AND_ASSIGN(Instance instance, NewInstance());
  ASSERT_OK_AND_ASSIGN(Val a, MakeCounter(instance, 5));
  // A rep is not a handle of a guest resource.
  EXPECT_STATUS(
      Call(instance, "[method]counter.inc", {Val::Borrow(a.rep()), Val::U32(1)})
          .status(),
      absl::StatusCode::kInvalidArgument,
      "borrow<counter of demo:res/counters> of the component needs "
      "a handle");
  EXPECT_STATUS(Call(instance, "take", {Val::Own(a.rep())}).status(),
                absl::StatusCode::kInvalidArgument, "needs a handle");
  // A counter where the host's blob is expected.
  EXPECT_STATUS(
      Call(instance, "[method]counter.add-blob",
           {Val::Borrow(a.guest_handle()), Val::Borrow(a.guest_handle())})
          .status(),
      absl::StatusCode::kInvalidArgument,
      "borrow<blob of demo:res/host> of the host given a handle of "
      "the component's");
  EXPECT_FALSE(instance.poisoned());
}

}  // namespace
}  // namespace wasmhost::component
