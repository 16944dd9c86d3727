// ResolveWorld and PrintWit over the fixtures: the resolved interface types
// and the printed WIT, held against the .wit sources they were built from.

#include "lib/component/world.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "lib/component/reader.h"
#include "lib/component/wit_printer.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::testing::ExpectInvalidArgument;

World Resolve(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Component> c = ReadComponent(bytes);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return World();
  absl::StatusOr<World> w = ResolveWorld(*c);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? *std::move(w) : World();
}

const WorldItem* Find(const std::vector<WorldItem>& items,
                      absl::string_view name) {
  for (const WorldItem& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

const NamedFunc* FindFunc(const Interface& i, absl::string_view name) {
  for (const NamedFunc& f : i.funcs) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The declarations of a .wit source (functions, type headers and members),
// trimmed: each must appear as a line of the printed world. Package, world,
// interface, use lines and imports and exports of interfaces are where the
// printer's layout differs (it names interfaces by their full names), so
// they are skipped.
std::vector<std::string> Declarations(absl::string_view wit_path) {
  std::ifstream in{std::string(wit_path)};
  EXPECT_TRUE(in.good()) << wit_path;
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line == "}" || absl::StartsWith(line, "//")) continue;
    bool skip = false;
    for (absl::string_view prefix :
         {"package ", "world ", "interface ", "import ", "export ", "use "}) {
      skip |= absl::StartsWith(line, prefix);
    }
    // World-level functions are printed as written.
    skip &= !absl::StrContains(line, ": func(");
    if (!skip) out.emplace_back(line);
  }
  EXPECT_FALSE(out.empty()) << wit_path;
  return out;
}

void ExpectPrintsDeclarationsOf(const World& world, absl::string_view wit) {
  const std::string printed = PrintWit(world);
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(printed, '\n')) {
    lines.emplace_back(absl::StripAsciiWhitespace(l));
  }
  for (const std::string& d : Declarations(wit)) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), d), lines.end())
        << "missing: " << d << "\nin:\n"
        << printed;
  }
}

TEST(ParseFuncName, Kinds) {
  absl::StatusOr<FuncName> f = ParseFuncName("[method]counter.inc");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FuncName::Kind::kMethod);
  EXPECT_EQ(f->resource, "counter");
  EXPECT_EQ(f->name, "inc");
  f = ParseFuncName("[constructor]counter");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FuncName::Kind::kConstructor);
  EXPECT_EQ(f->resource, "counter");
  f = ParseFuncName("[static]counter.merge");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FuncName::Kind::kStatic);
  f = ParseFuncName("add");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, FuncName::Kind::kFreestanding);
  EXPECT_EQ(f->name, "add");
  ExpectInvalidArgument(ParseFuncName("[method]counter").status(),
                        "malformed [method] name");
  ExpectInvalidArgument(ParseFuncName("[constructor]").status(),
                        "malformed [constructor] name");
  ExpectInvalidArgument(ParseFuncName("[async]f").status(),
                        "unknown annotation [async]");
  ExpectInvalidArgument(ParseFuncName("[method").status(),
                        "unclosed annotation");
}

TEST(ResolveWorld, Scalars) {
  const World w = Resolve(guests::scalars_wasm());
  ASSERT_EQ(w.imports.size(), 1u);
  EXPECT_EQ(w.imports[0].kind, WorldItem::Kind::kFunc);
  EXPECT_EQ(w.imports[0].name, "host-log");
  const WorldItem* math = Find(w.exports, "demo:scalars/math");
  ASSERT_NE(math, nullptr);
  ASSERT_EQ(math->kind, WorldItem::Kind::kInterface);
  EXPECT_EQ(math->interface.funcs.size(), 6u);
  const NamedFunc* scale = FindFunc(math->interface, "scale");
  ASSERT_NE(scale, nullptr);
  const Type& type = w.types[scale->type];
  ASSERT_EQ(type.fields.size(), 2u);
  EXPECT_EQ(type.fields[1].name, "by");
  EXPECT_EQ(w.types[type.fields[1].type].kind, TypeKind::kF32);
  EXPECT_EQ(w.types[*type.ok].kind, TypeKind::kF64);
  ExpectPrintsDeclarationsOf(w, "guests/components/scalars.wit");
}

TEST(ResolveWorld, Strings) {
  const World w = Resolve(guests::strings_wasm());
  const WorldItem* text = Find(w.exports, "demo:strings/text");
  ASSERT_NE(text, nullptr);
  const NamedFunc* split = FindFunc(text->interface, "split");
  ASSERT_NE(split, nullptr);
  const Type& result = w.types[*w.types[split->type].ok];
  ASSERT_EQ(result.kind, TypeKind::kList);
  EXPECT_EQ(w.types[*result.element].kind, TypeKind::kString);
  ASSERT_NE(Find(w.imports, "fetch"), nullptr);
  ExpectPrintsDeclarationsOf(w, "guests/components/strings.wit");
}

TEST(ResolveWorld, Types) {
  const World w = Resolve(guests::types_wasm());
  // `use shapes.{point}` in the world: the interface is imported for the
  // type, and `point` is a world-level type import.
  const WorldItem* point = Find(w.imports, "point");
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->kind, WorldItem::Kind::kType);
  EXPECT_EQ(w.types[point->type].kind, TypeKind::kRecord);
  const WorldItem* shapes = Find(w.exports, "demo:types/shapes");
  ASSERT_NE(shapes, nullptr);
  ASSERT_EQ(shapes->interface.types.size(), 5u);
  EXPECT_EQ(shapes->interface.types[0].name, "point");
  const NamedFunc* divide = FindFunc(shapes->interface, "divide");
  ASSERT_NE(divide, nullptr);
  const Type& result = w.types[*w.types[divide->type].ok];
  ASSERT_EQ(result.kind, TypeKind::kResult);
  EXPECT_EQ(w.types[*result.ok].kind, TypeKind::kS32);
  EXPECT_EQ(w.types[*result.error].kind, TypeKind::kString);
  ExpectPrintsDeclarationsOf(w, "guests/components/types.wit");
}

TEST(ResolveWorld, Resources) {
  const World w = Resolve(guests::resource_wasm());
  const WorldItem* counters = Find(w.exports, "demo:res/counters");
  ASSERT_NE(counters, nullptr);
  const NamedFunc* merge =
      FindFunc(counters->interface, "[static]counter.merge");
  ASSERT_NE(merge, nullptr);
  EXPECT_EQ(merge->parsed.kind, FuncName::Kind::kStatic);
  EXPECT_EQ(merge->parsed.name, "merge");
  const std::string wit = PrintWit(w);
  EXPECT_TRUE(absl::StrContains(wit, "use host.{blob};")) << wit;
  ExpectPrintsDeclarationsOf(w, "guests/components/resource.wit");
}

TEST(ResolveWorld, WasiReactor) {
  const World w = Resolve(guests::wasi_reactor_wasm());
  const WorldItem* streams = Find(w.imports, "wasi:io/streams@0.2.12");
  ASSERT_NE(streams, nullptr);
  EXPECT_NE(FindFunc(streams->interface, "[method]output-stream.write"),
            nullptr);
  const std::string wit = PrintWit(w);
  EXPECT_TRUE(absl::StrContains(wit, "package wasi:io@0.2.12 {")) << wit;
  EXPECT_TRUE(absl::StrContains(wit, "  import wasi:io/streams@0.2.12;"))
      << wit;
  ExpectPrintsDeclarationsOf(w, "guests/components/wasi_reactor.wit");
}

// Unnamed types sharing parts (tuple<list<t>, list<t>> nested 20 deep)
// print in bounded time, cut short.
TEST(PrintWit, BoundsSharedUnnamedTypes) {
  std::vector<uint8_t> types = {42, 0x6f, 0x02, 0x7d, 0x7d};
  for (uint8_t i = 1; i < 41; ++i) {
    const uint8_t previous = static_cast<uint8_t>(i - 1);
    // tuple<l, l> of l = list<t>: shared like tuple<t, t>, without
    // doubling in byte size (which the 2^28 element-size bound refuses).
    if (i % 2 == 1) {
      types.insert(types.end(), {0x70, previous});
    } else {
      types.insert(types.end(), {0x6f, 0x02, previous, previous});
    }
  }
  types.insert(types.end(), {0x40, 0x00, 0x00, 40});
  std::vector<uint8_t> bytes = {0x00, 0x61, 0x73, 0x6d, 0x0d,
                                0x00, 0x01, 0x00, 0x07};
  ASSERT_LT(types.size(), 1u << 14);  // A two-byte LEB128 size.
  bytes.push_back(static_cast<uint8_t>(0x80 | (types.size() & 0x7f)));
  bytes.push_back(static_cast<uint8_t>(types.size() >> 7));
  bytes.insert(bytes.end(), types.begin(), types.end());
  bytes.insert(bytes.end(), {0x0a, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 41});
  absl::StatusOr<Component> c = ReadComponent(bytes);
  ASSERT_TRUE(c.ok()) << c.status();
  absl::StatusOr<World> w = ResolveWorld(*c);
  ASSERT_TRUE(w.ok()) << w.status();
  const std::string wit = PrintWit(*w);
  EXPECT_TRUE(
      absl::StrContains(wit, "import f: func() -> tuple<list<tuple<list<"));
  EXPECT_TRUE(absl::StrContains(wit, "..."));
}

TEST(ResolveWorld, RejectsWhatWitCannotSay) {
  // A component exporting a nested component.
  const std::vector<uint8_t> bytes = {
      0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,              // preamble
      0x04, 0x08, 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,  // component
      0x0b, 0x07, 0x01, 0x00, 0x01, 'c',  0x04, 0x00, 0x00};       // export "c"
  absl::StatusOr<Component> c = ReadComponent(bytes);
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectInvalidArgument(ResolveWorld(*c).status(),
                        "not a WIT world: export \"c\" is a component");
}

}  // namespace
}  // namespace wasmhost::component
