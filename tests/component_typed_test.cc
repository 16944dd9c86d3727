// Typed component calls (wasmhost/component_typed.h) over the C component
// guests: every C++ mapping of component_values.h both ways (export
// arguments and results, host function arguments and results), the
// direct path and the Val path, and each mismatch message.

#include "wasmhost/component_typed.h"

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "guests/components/typed_components.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_values.h"

namespace demo {

// demo:types/shapes, in C++.
struct Point {
  int32_t x = 0;
  int32_t y = 0;
  friend bool operator==(const Point& a, const Point& b) {
    return a.x == b.x && a.y == b.y;
  }
};
WASMHOST_COMPONENT_RECORD(Point, x, y)

struct Shape : std::variant<float, Point, std::monostate> {
  using variant::variant;
};
WASMHOST_COMPONENT_VARIANT(Shape, circle, rect, empty)

enum class Color { kRed, kGreen, kBlue };
WASMHOST_COMPONENT_ENUM(Color, red, green, blue)

WASMHOST_COMPONENT_FLAGS(Perms, read, write, exec)

struct Item {
  std::string name;
  Color color = Color::kRed;
  Perms perms;
  std::optional<Point> origin;
  friend bool operator==(const Item& a, const Item& b) {
    return a.name == b.name && a.color == b.color && a.perms == b.perms &&
           a.origin == b.origin;
  }
};
WASMHOST_COMPONENT_RECORD(Item, name, color, perms, origin)

struct Counter {
  static constexpr const char* kWitName = "counter";
};
struct Gadget {
  static constexpr const char* kWitName = "gadget";
};
struct Blob {
  static constexpr const char* kWitName = "blob";
};

// Types shaped like demo:types/shapes' but named otherwise.
struct Spot {
  int32_t x = 0;
  int32_t z = 0;
};
WASMHOST_COMPONENT_RECORD(Spot, x, z)

struct Figure : std::variant<float, Point, std::monostate> {
  using variant::variant;
};
WASMHOST_COMPONENT_VARIANT(Figure, circle, square, empty)

enum class Hue { kRed, kGreen, kCyan };
WASMHOST_COMPONENT_ENUM(Hue, red, green, cyan)

WASMHOST_COMPONENT_FLAGS(Rights, read, write, run)

}  // namespace demo

namespace wasmhost::component {
namespace {

using ::wasmhost::testing::IsOkAndHolds;
using ::wasmhost::testing::SharedEngine;

Component Compile(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), bytes);
  EXPECT_OK(component.status());
  return *std::move(component);
}

constexpr absl::string_view kMath = "demo:scalars/math";

constexpr absl::string_view kStrings = "demo:strings/text";
constexpr absl::string_view kShapes = "demo:types/shapes";
constexpr absl::string_view kCounters = "demo:res/counters";

// Every primitive both ways: export parameters and results on the direct
// path, host function parameters on the Val path.
TEST(ComponentTypedTest, Scalars) {
  Component component = Compile(guests::scalars_wasm());
  std::vector<std::pair<uint32_t, int64_t>> logs;
  Linker linker;
  ASSERT_OK(linker.Define("host-log", [&](uint32_t level, int64_t code) {
    logs.emplace_back(level, code);
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));

  ASSERT_OK_AND_ASSIGN(
      auto add, (instance.GetFunc<int32_t(int32_t, int32_t)>(kMath, "add")));
  EXPECT_TRUE(add.direct());
  EXPECT_THAT(add.Call(40, 2), IsOkAndHolds(42));
  EXPECT_THAT(add.Call(INT32_MAX, 1), IsOkAndHolds(INT32_MIN));
  ASSERT_OK_AND_ASSIGN(
      auto mul,
      (instance.GetFunc<uint64_t(uint64_t, uint64_t)>(kMath, "mul-wide")));
  EXPECT_THAT(mul.Call(uint64_t{1} << 40, 3), IsOkAndHolds(uint64_t{3} << 40));
  EXPECT_THAT(mul.Call(UINT64_MAX, 2), IsOkAndHolds(UINT64_MAX - 1));
  ASSERT_OK_AND_ASSIGN(
      auto scale, (instance.GetFunc<double(double, float)>(kMath, "scale")));
  EXPECT_THAT(scale.Call(1.5, 4.0f), IsOkAndHolds(6.0));
  ASSERT_OK_AND_ASSIGN(auto negate,
                       (instance.GetFunc<bool(bool)>(kMath, "negate")));
  EXPECT_THAT(negate.Call(true), IsOkAndHolds(false));
  EXPECT_THAT(negate.Call(false), IsOkAndHolds(true));
  ASSERT_OK_AND_ASSIGN(
      auto next, (instance.GetFunc<char32_t(char32_t)>(kMath, "next-char")));
  EXPECT_THAT(next.Call(U'a'), IsOkAndHolds(U'b'));
  EXPECT_THAT(next.Call(U'\U0001F600'), IsOkAndHolds(U'\U0001F601'));
  ASSERT_OK_AND_ASSIGN(
      auto narrow,
      (instance.GetFunc<int64_t(uint8_t, int8_t, uint16_t, int16_t, uint32_t,
                                int64_t)>(kMath, "narrow")));
  EXPECT_THAT(narrow.Call(255, -1, 65535, -2, 4000000000u, -10),
              IsOkAndHolds(int64_t{255} - 1 + 65535 - 2 + 4000000000 - 10));
  // absl::StatusOr<T> as the result stands for T.
  ASSERT_OK_AND_ASSIGN(
      auto answer, (instance.GetFunc<absl::StatusOr<uint32_t>()>("answer")));
  EXPECT_THAT(answer.Call(), IsOkAndHolds(42u));
  EXPECT_EQ(logs, (std::vector<std::pair<uint32_t, int64_t>>{{1, -42}}));
  EXPECT_FALSE(instance.poisoned());
}

// A char the guest returns that is not a Unicode scalar value is the
// spec's trap on the direct path too, and poisons.
TEST(ComponentTypedTest, InvalidCharResultTraps) {
  Component component = Compile(guests::scalars_wasm());
  Linker linker;
  ASSERT_OK(linker.Define("host-log", [](uint32_t, int64_t) {}));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(
      auto next, (instance.GetFunc<char32_t(char32_t)>(kMath, "next-char")));
  ASSERT_TRUE(next.direct());
  // A host char that is no scalar value is refused before the call.
  EXPECT_STATUS(next.Call(char32_t{0xd800}), absl::StatusCode::kInvalidArgument,
                "invalid char");
  EXPECT_FALSE(instance.poisoned());
  EXPECT_STATUS(next.Call(char32_t{0xd7ff}), absl::StatusCode::kAborted,
                "invalid char 0xd800");
  EXPECT_TRUE(instance.poisoned());
  EXPECT_STATUS(next.Call(U'a'), absl::StatusCode::kFailedPrecondition,
                "poisoned");
}

struct StringsHost {
  std::vector<std::string> logged;
  Linker linker;
  StringsHost() {
    EXPECT_OK(linker.Define(
        "log", [this](std::string_view msg) { logged.emplace_back(msg); }));
    EXPECT_OK(linker.Define(
        "fetch", [](Caller&, std::string_view key) -> std::vector<uint8_t> {
          return std::vector<uint8_t>(key.size() * 2, 7);
        }));
  }
};

// Strings and lists both ways: std::string, std::string_view, std::vector
// and absl::Span, direct where they hold numbers.
TEST(ComponentTypedTest, Strings) {
  Component component = Compile(guests::strings_wasm());
  StringsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, host.linker));
  ASSERT_OK_AND_ASSIGN(
      auto upper,
      (instance.GetFunc<std::string(std::string_view)>(kStrings, "upper")));
  EXPECT_TRUE(upper.direct());
  EXPECT_THAT(upper.Call("hello, wörld"), IsOkAndHolds("HELLO, WöRLD"));
  ASSERT_OK_AND_ASSIGN(
      auto upper_owned,
      (instance.GetFunc<std::string(const std::string&)>(kStrings, "upper")));
  EXPECT_THAT(upper_owned.Call(std::string(3000, 'x')),
              IsOkAndHolds(std::string(3000, 'X')));
  ASSERT_OK_AND_ASSIGN(
      auto split,
      (instance.GetFunc<std::vector<std::string>(std::string, char32_t)>(
          kStrings, "split")));
  EXPECT_FALSE(split.direct());  // a list of strings goes through Vals
  EXPECT_THAT(split.Call("a,bc,", U','),
              IsOkAndHolds(std::vector<std::string>{"a", "bc", ""}));
  ASSERT_OK_AND_ASSIGN(
      auto join,
      (instance.GetFunc<std::string(absl::Span<const std::string>,
                                    std::string_view)>(kStrings, "join")));
  const std::vector<std::string> parts = {"x", "yy", "z"};
  EXPECT_THAT(join.Call(parts, "--"), IsOkAndHolds("x--yy--z"));
  ASSERT_OK_AND_ASSIGN(
      auto sum,
      (instance.GetFunc<double(absl::Span<const double>)>(kStrings, "sum")));
  EXPECT_TRUE(sum.direct());
  const std::vector<double> xs = {0.5, 1.25, -3};
  EXPECT_THAT(sum.Call(xs), IsOkAndHolds(-1.25));
  ASSERT_OK_AND_ASSIGN(
      auto sum_vector,
      (instance.GetFunc<double(std::vector<double>)>(kStrings, "sum")));
  EXPECT_THAT(sum_vector.Call({1, 2, 3}), IsOkAndHolds(6.0));
  ASSERT_OK_AND_ASSIGN(
      auto iota,
      (instance.GetFunc<std::vector<uint8_t>(uint32_t)>(kStrings, "iota")));
  EXPECT_TRUE(iota.direct());
  EXPECT_THAT(iota.Call(4), IsOkAndHolds(std::vector<uint8_t>{0, 1, 2, 3}));
  EXPECT_THAT(iota.Call(0), IsOkAndHolds(std::vector<uint8_t>{}));
  ASSERT_OK_AND_ASSIGN(
      auto greet, (instance.GetFunc<std::string(std::string_view)>("greet")));
  EXPECT_THAT(greet.Call("bob"), IsOkAndHolds("hello, bob (6 bytes fetched)"));
  EXPECT_EQ(host.logged, std::vector<std::string>{"bob"});
  EXPECT_FALSE(instance.poisoned());
}

// Ill-formed UTF-8 from the host is refused before the guest runs, on
// either path, and does not poison.
TEST(ComponentTypedTest, IllFormedUtf8IsInvalidArgument) {
  Component component = Compile(guests::strings_wasm());
  StringsHost host;
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, host.linker));
  ASSERT_OK_AND_ASSIGN(
      auto upper,
      (instance.GetFunc<std::string(std::string_view)>(kStrings, "upper")));
  EXPECT_STATUS(upper.Call("\xff"), absl::StatusCode::kInvalidArgument,
                "UTF-8");
  ASSERT_OK_AND_ASSIGN(
      auto split,
      (instance.GetFunc<std::vector<std::string>(std::string, char32_t)>(
          kStrings, "split")));
  EXPECT_STATUS(split.Call("\xc0\x80", U','),
                absl::StatusCode::kInvalidArgument, "UTF-8");
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(upper.Call("ok"), IsOkAndHolds("OK"));
}

// Records, variants, enums, flags, options, results and tuples both ways.
TEST(ComponentTypedTest, DefinedTypes) {
  using demo::Color;
  using demo::Item;
  using demo::Perms;
  using demo::Point;
  using demo::Shape;
  Component component = Compile(guests::types_wasm());
  Linker linker;
  std::vector<Point> validated;
  ASSERT_OK(linker.Define(
      "validate", [&](const Point& p) -> Result<Point, std::string> {
        validated.push_back(p);
        if (p.x < 0) return Result<Point, std::string>::Err("negative");
        return Result<Point, std::string>::Ok(p);
      }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(auto area,
                       (instance.GetFunc<float(Shape)>(kShapes, "area")));
  EXPECT_FALSE(area.direct());
  EXPECT_THAT(area.Call(Shape(Point{3, 4})), IsOkAndHolds(12.0f));
  EXPECT_THAT(area.Call(Shape(Point{-3, 4})), IsOkAndHolds(-1.0f));
  EXPECT_EQ(validated, (std::vector<Point>{{3, 4}, {-3, 4}}));
  EXPECT_THAT(area.Call(Shape(std::monostate())), IsOkAndHolds(0.0f));
  EXPECT_THAT(area.Call(Shape(2.0f)),
              IsOkAndHolds(::testing::FloatNear(3.14159f * 4, 0.01f)));
  ASSERT_OK_AND_ASSIGN(auto mix,
                       (instance.GetFunc<Color(Color, Color)>(kShapes, "mix")));
  EXPECT_THAT(mix.Call(Color::kGreen, Color::kBlue), IsOkAndHolds(Color::kRed));
  ASSERT_OK_AND_ASSIGN(
      auto grant, (instance.GetFunc<Perms(Perms, Perms)>(kShapes, "grant")));
  ASSERT_OK_AND_ASSIGN(Perms granted,
                       grant.Call(Perms{Perms::read}, Perms{Perms::exec}));
  EXPECT_EQ(granted, (Perms{Perms::read, Perms::exec}));
  EXPECT_TRUE(granted.test(Perms::exec));
  EXPECT_FALSE(granted.test(Perms::write));
  ASSERT_OK_AND_ASSIGN(
      auto divide,
      (instance.GetFunc<Result<int32_t, std::string>(int32_t, int32_t)>(
          kShapes, "divide")));
  EXPECT_TRUE(divide.direct());  // read from the return area
  EXPECT_THAT(divide.Call(7, 2),
              IsOkAndHolds(Result<int32_t, std::string>::Ok(3)));
  EXPECT_THAT(
      divide.Call(7, 0),
      IsOkAndHolds(Result<int32_t, std::string>::Err("division by zero")));
  ASSERT_OK_AND_ASSIGN(auto swap,
                       (instance.GetFunc<std::tuple<double, uint8_t>(
                            std::tuple<uint8_t, double>)>(kShapes, "swap")));
  EXPECT_THAT(swap.Call({9, 0.5}),
              IsOkAndHolds(std::tuple<double, uint8_t>(0.5, 9)));
  ASSERT_OK_AND_ASSIGN(
      auto check,
      (instance.GetFunc<Result<void, void>(uint32_t)>(kShapes, "check")));
  EXPECT_THAT(check.Call(3), IsOkAndHolds(Result<void, void>::Err()));
  EXPECT_THAT(check.Call(4), IsOkAndHolds(Result<void, void>::Ok()));
  // types.c reads only the first item right (see component_instance_test).
  ASSERT_OK_AND_ASSIGN(
      auto find,
      (instance.GetFunc<std::optional<Item>(
           absl::Span<const Item>, std::string_view)>(kShapes, "find")));
  const std::vector<Item> items = {
      {"a", Color::kGreen, Perms{Perms::read, Perms::write}, std::nullopt}};
  ASSERT_OK_AND_ASSIGN(std::optional<Item> found, find.Call(items, "a"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "a");
  EXPECT_EQ(found->color, Color::kGreen);
  EXPECT_EQ(found->perms, (Perms{Perms::read, Perms::write}));
  EXPECT_FALSE(found->origin.has_value());
  EXPECT_THAT(find.Call(items, "zz"), IsOkAndHolds(std::nullopt));
  EXPECT_FALSE(instance.poisoned());
}

// Own and borrow handles both ways: the guest's counter, the host's blob.
TEST(ComponentTypedTest, Resources) {
  using demo::Blob;
  using demo::Counter;
  Component component = Compile(guests::resource_wasm());
  Linker linker;
  std::vector<std::vector<uint8_t>> blobs;  // By rep.
  std::vector<uint32_t> dropped;
  LinkerInstance host = linker.Instance("demo:res/host");
  ASSERT_OK(host.DefineResource("blob", [&](uint32_t rep) {
    dropped.push_back(rep);
    return absl::OkStatus();
  }));
  ASSERT_OK(host.Define("[constructor]blob",
                        [&](absl::Span<const uint8_t> init) -> Own<Blob> {
                          blobs.emplace_back(init.begin(), init.end());
                          return Own<Blob>(blobs.size() - 1);
                        }));
  ASSERT_OK(host.Define("[method]blob.size", [&](Borrow<Blob> self) {
    return static_cast<uint32_t>(blobs.at(self.rep()).size());
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(auto make, (instance.GetFunc<Own<Counter>(uint32_t)>(
                                      kCounters, "[constructor]counter")));
  ASSERT_OK_AND_ASSIGN(auto inc,
                       (instance.GetFunc<uint32_t(Borrow<Counter>, uint32_t)>(
                           kCounters, "[method]counter.inc")));
  ASSERT_OK_AND_ASSIGN(
      auto merge,
      (instance.GetFunc<Own<Counter>(Borrow<Counter>, Borrow<Counter>)>(
          kCounters, "[static]counter.merge")));
  ASSERT_OK_AND_ASSIGN(
      auto take, (instance.GetFunc<uint32_t(Own<Counter>)>(kCounters, "take")));
  ASSERT_OK_AND_ASSIGN(Own<Counter> a, make.Call(5));
  ASSERT_OK_AND_ASSIGN(Own<Counter> b, make.Call(10));
  EXPECT_TRUE(a.handle().valid());
  EXPECT_THAT(inc.Call(Borrow<Counter>(a), 2), IsOkAndHolds(7u));
  // merge makes a 2-byte blob, reads its size and drops it.
  ASSERT_OK_AND_ASSIGN(Own<Counter> m,
                       merge.Call(Borrow<Counter>(a), Borrow<Counter>(b)));
  EXPECT_EQ(blobs.size(), 1u);
  EXPECT_EQ(dropped, std::vector<uint32_t>{0});
  EXPECT_THAT(take.Call(m), IsOkAndHolds(7u + 10 + 2));
  // The typed handles are checked as the dynamic ones: m moved into the
  // guest, a rep is not a handle, a is dropped.
  EXPECT_STATUS(take.Call(m).status(), absl::StatusCode::kFailedPrecondition,
                "moved into the component");
  EXPECT_STATUS(inc.Call(Borrow<Counter>(a.rep()), 1).status(),
                absl::StatusCode::kInvalidArgument, "needs a handle");
  EXPECT_OK(instance.DropResource(a.handle()));
  EXPECT_STATUS(inc.Call(Borrow<Counter>(a), 1).status(),
                absl::StatusCode::kFailedPrecondition, "was dropped");
  EXPECT_OK(instance.DropResource(b.handle()));
  EXPECT_FALSE(instance.poisoned());
}

// The benchmark's component: a string and a list lowered directly, a
// result<f64, string> read from the return area and freed by post-return.
TEST(ComponentTypedTest, Score) {
  Component component = Compile(guests::score_wasm());
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(component, Linker()));
  ASSERT_OK_AND_ASSIGN(
      auto score, (instance.GetFunc<Result<double, std::string>(
                       std::string_view, absl::Span<const double>)>("score")));
  EXPECT_TRUE(score.direct());
  const std::vector<double> xs = {1, 2, 3, 6};
  // The mean plus a hundredth of the name's byte sum ('a' + 'b' = 195).
  EXPECT_THAT(score.Call("ab", xs),
              IsOkAndHolds(Result<double, std::string>::Ok(3 + 1.95)));
  EXPECT_THAT(score.Call("ab", {}),
              IsOkAndHolds(Result<double, std::string>::Err("empty list")));
  // Many calls: each frees what the last one's post-return left.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK(score.Call(std::string(100, 'x'), xs).status());
  }
  // The dynamic call agrees.
  ASSERT_OK_AND_ASSIGN(Func dynamic, instance.GetFunc("score"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<Val> results,
      dynamic.Call({Val::String("ab"), Val::List({Val::F64(1), Val::F64(2),
                                                  Val::F64(3), Val::F64(6)})}));
  EXPECT_EQ(results.at(0), Val::Ok(Val::F64(3 + 1.95)));
}

// Each C++ signature that does not match the WIT type is InvalidArgument
// at GetFunc, naming both types.
TEST(ComponentTypedTest, ExportMismatchNamesBothTypes) {
  Component component = Compile(guests::types_wasm());
  Linker linker;
  ASSERT_OK(linker.Define("validate", [](demo::Point p) {
    return Result<demo::Point, std::string>::Ok(p);
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  EXPECT_STATUS(
      (instance.GetFunc<int32_t(int32_t)>(kShapes, "divide").status()),
      absl::StatusCode::kInvalidArgument,
      "export \"demo:types/shapes#divide\" is func(a: s32, b: s32) "
      "-> result<s32, string>, the C++ signature says func(s32) -> "
      "s32");
  EXPECT_STATUS((instance
                     .GetFunc<Result<int32_t, std::string>(int32_t, uint32_t)>(
                         kShapes, "divide")
                     .status()),
                absl::StatusCode::kInvalidArgument,
                "the C++ signature says func(s32, u32)");
  EXPECT_STATUS(
      (instance
           .GetFunc<Result<demo::Point, std::string>(int32_t, int32_t)>(
               kShapes, "divide")
           .status()),
      absl::StatusCode::kInvalidArgument,
      "says func(s32, s32) -> result<record { x: s32, y: "
      "s32 }, string>");
  // Field, label and case names are part of the type.
  EXPECT_STATUS(
      (instance.GetFunc<float(demo::Figure)>(kShapes, "area").status()),
      absl::StatusCode::kInvalidArgument,
      "says func(variant { circle(f32), square(record { x: "
      "s32, y: s32 }), empty }) -> f32");
  EXPECT_STATUS(
      (instance.GetFunc<demo::Hue(demo::Hue, demo::Hue)>(kShapes, "mix")
           .status()),
      absl::StatusCode::kInvalidArgument,
      "says func(enum { red, green, cyan }, enum { red, "
      "green, cyan }) -> enum { red, green, cyan }");
  EXPECT_STATUS(
      (instance
           .GetFunc<demo::Rights(demo::Rights, demo::Rights)>(kShapes, "grant")
           .status()),
      absl::StatusCode::kInvalidArgument, "flags { read, write, run }");
  EXPECT_STATUS((instance
                     .GetFunc<Result<demo::Spot, std::string>(demo::Spot)>(
                         kShapes, "divide")
                     .status()),
                absl::StatusCode::kInvalidArgument,
                "says func(record { x: s32, z: s32 })");
  // A Result is not an option, nor a tuple a record.
  EXPECT_STATUS(
      (instance
           .GetFunc<std::optional<int32_t>(int32_t, int32_t)>(kShapes, "divide")
           .status()),
      absl::StatusCode::kInvalidArgument, "-> option<s32>");
  EXPECT_STATUS(
      (instance
           .GetFunc<std::tuple<double, uint8_t>(std::tuple<uint8_t, float>)>(
               kShapes, "swap")
           .status()),
      absl::StatusCode::kInvalidArgument, "says func(tuple<u8, f32>)");
  EXPECT_STATUS((instance.GetFunc<float(float)>(kShapes, "nope").status()),
                absl::StatusCode::kNotFound, "nope");
}

// demo:res/host's blob, doing nothing, with a constructor that returns
// Own<Made> (Own<demo::Blob> where the types match).
template <typename Made>
Linker StubBlobHost() {
  Linker linker;
  LinkerInstance host = linker.Instance("demo:res/host");
  EXPECT_OK(host.DefineResource("blob", nullptr));
  EXPECT_OK(host.Define("[constructor]blob", [](absl::Span<const uint8_t>) {
    return Own<Made>(0);
  }));
  EXPECT_OK(host.Define("[method]blob.size",
                        [](Borrow<demo::Blob>) { return uint32_t{0}; }));
  return linker;
}

TEST(ComponentTypedTest, HandleMismatchNamesTheResource) {
  Component component = Compile(guests::resource_wasm());
  // A host function typed with another resource fails instantiation.
  const Linker linker = StubBlobHost<demo::Gadget>();
  EXPECT_STATUS(Instance::Create(component, linker).status(),
                absl::StatusCode::kInvalidArgument,
                "but the linker defines it as func(list<u8>) -> "
                "own<gadget>");
}

TEST(ComponentTypedTest, ExportHandleMismatch) {
  Component component = Compile(guests::resource_wasm());
  const Linker linker = StubBlobHost<demo::Blob>();
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  EXPECT_STATUS(
      (instance.GetFunc<uint32_t(Own<demo::Gadget>)>(kCounters, "take")
           .status()),
      absl::StatusCode::kInvalidArgument, "says func(own<gadget>) -> u32");
  EXPECT_STATUS(
      (instance.GetFunc<uint32_t(Borrow<demo::Counter>)>(kCounters, "take")
           .status()),
      absl::StatusCode::kInvalidArgument, "says func(borrow<counter>) -> u32");
}

// A typed host function whose C++ signature is not the import's fails
// Instance::Create, naming both.
TEST(ComponentTypedTest, HostMismatchNamesBothTypes) {
  Component component = Compile(guests::scalars_wasm());
  Linker linker;
  ASSERT_OK(linker.Define("host-log", [](std::string_view) {}));
  EXPECT_STATUS(Instance::Create(component, linker).status(),
                absl::StatusCode::kInvalidArgument,
                "import function host-log of the world has type "
                "func(level: u32, code: s64) but the linker defines it "
                "as func(string)");
  Linker wrong_result;
  ASSERT_OK(
      wrong_result.Define("host-log", [](uint32_t, int64_t) { return 1; }));
  EXPECT_STATUS(Instance::Create(component, wrong_result).status(),
                absl::StatusCode::kInvalidArgument, "func(u32, s64) -> s32");
}

// A typed host function's error status traps the guest, reaches the
// caller unchanged and poisons the instance.
TEST(ComponentTypedTest, HostErrorPassesThrough) {
  Component component = Compile(guests::strings_wasm());
  Linker linker;
  ASSERT_OK(linker.Define("log", [](std::string_view) {
    return absl::PermissionDeniedError("no logging today");
  }));
  ASSERT_OK(linker.Define(
      "fetch", [](std::string_view) -> absl::StatusOr<std::vector<uint8_t>> {
        return std::vector<uint8_t>{};
      }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(
      auto greet, (instance.GetFunc<std::string(std::string_view)>("greet")));
  EXPECT_STATUS(greet.Call("x"), absl::StatusCode::kPermissionDenied,
                "no logging today");
  EXPECT_TRUE(instance.poisoned());
}

// Host functions may be move-only callables.
TEST(ComponentTypedTest, MoveOnlyHostFunction) {
  Component component = Compile(guests::scalars_wasm());
  Linker linker;
  auto seen = std::make_unique<int>(0);
  int* count = seen.get();
  ASSERT_OK(linker.Define("host-log",
                          [seen = std::move(seen)](uint32_t, int64_t code) {
                            *seen += static_cast<int>(code);
                          }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));
  ASSERT_OK_AND_ASSIGN(auto answer, (instance.GetFunc<uint32_t()>("answer")));
  EXPECT_THAT(answer.Call(), IsOkAndHolds(42u));
  EXPECT_EQ(*count, -42);
}

}  // namespace
}  // namespace wasmhost::component
