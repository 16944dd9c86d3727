// Typed component calls (wasmhost/component_typed.h) over the C component
// guests: every C++ mapping of component_values.h both ways (export
// arguments and results, host function arguments and results), the
// direct path and the Val path, and each mismatch message.

#include "wasmhost/component_typed.h"

#include <cmath>
#include <cstdint>
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
};
WASMHOST_COMPONENT_RECORD(Item, name, color, perms, origin)

struct Counter {
  static constexpr const char* kWitName = "counter";
};
struct Blob {
  static constexpr const char* kWitName = "blob";
};

}  // namespace demo

namespace wasmhost::component {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::IsOkAndHolds;
using ::wasmhost::testing::SharedEngine;
using ::wasmhost::testing::StatusIs;

Component Compile(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Component> component =
      Component::Compile(SharedEngine(), bytes);
  EXPECT_OK(component.status());
  return *std::move(component);
}

constexpr absl::string_view kMath = "demo:scalars/math";

TEST(ComponentTypedTest, Scalars) {
  Component component = Compile(guests::scalars_wasm());
  std::vector<std::pair<uint32_t, int64_t>> logs;
  Linker linker;
  ASSERT_OK(linker.Define("host-log", [&](uint32_t level, int64_t code) {
    logs.emplace_back(level, code);
  }));
  ASSERT_OK_AND_ASSIGN(Instance instance, Instance::Create(component, linker));

  ASSERT_OK_AND_ASSIGN(
      auto add, instance.GetFunc<int32_t(int32_t, int32_t)>(kMath, "add"));
  EXPECT_TRUE(add.direct());
  EXPECT_THAT(add.Call(40, 2), IsOkAndHolds(42));
  EXPECT_THAT(add.Call(INT32_MAX, 1), IsOkAndHolds(INT32_MIN));
}

}  // namespace
}  // namespace wasmhost::component
