// GenerateCGuest: the golden files of a WIT with every type kind, the
// component built from them having the WIT's world, determinism, and the
// unsupported types. The generated C is also compiled with -Wall -Werror
// by the build (lib/bindgen/testdata, guests/components) and run under jco
// (//tools/component:smoke_components_test).
//
// After changing the generator, review the difference and update the
// golden files (named *.golden so that the tree's clang-format check leaves
// the generator's own layout alone) with
//   WASMHOST_UPDATE_GOLDEN=1 bazel run //lib/bindgen:c_guest_test

#include "lib/bindgen/c_guest.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/bindgen/test_util.h"
#include "lib/bindgen/testdata/sink.h"
#include "lib/component/reader.h"
#include "lib/component/wit_printer.h"

namespace wasmhost::bindgen {
namespace {

component::ParsedWorld KitchenSink() {
  absl::StatusOr<component::ParsedWorld> w =
      testing::WorldFromFile("lib/bindgen/testdata/kitchen_sink.wit");
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? *std::move(w) : component::ParsedWorld();
}

absl::Status Generate(const std::string& wit) {
  absl::StatusOr<component::ParsedWorld> w = testing::WorldFromText(wit);
  if (!w.ok()) return w.status();
  return GenerateCGuest(*w).status();
}

TEST(GenerateCGuest, MatchesTheGoldenFiles) {
  absl::StatusOr<CGuestFiles> files = GenerateCGuest(KitchenSink());
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->stem, "sink");
  testing::ExpectGolden("lib/bindgen/testdata/golden/sink",
                        {{".h", files->header}, {".c", files->source}});
}

TEST(GenerateCGuest, IsDeterministic) {
  absl::StatusOr<CGuestFiles> a = GenerateCGuest(KitchenSink());
  absl::StatusOr<CGuestFiles> b = GenerateCGuest(KitchenSink());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->header, b->header);
  EXPECT_EQ(a->source, b->source);
}

// A value type spelled out in full (named types expanded, resources by
// name): equal for a WIT and a component whatever their type identities.
std::string Structure(const component::TypeArena& types, component::TypeId id) {
  using component::TypeKind;
  const component::Type& t = types[id];
  if (component::IsPrimitive(t.kind)) {
    return std::string(component::TypeKindName(t.kind));
  }
  std::vector<std::string> parts;
  switch (t.kind) {
    case TypeKind::kRecord:
    case TypeKind::kTuple:
    case TypeKind::kFunc:
      for (const component::Field& f : t.fields) {
        parts.push_back(absl::StrCat(f.name, ":", Structure(types, f.type)));
      }
      break;
    case TypeKind::kVariant:
      for (const component::Case& c : t.cases) {
        parts.push_back(absl::StrCat(
            c.name, "(", c.type ? Structure(types, *c.type) : "", ")"));
      }
      break;
    case TypeKind::kEnum:
    case TypeKind::kFlags:
      parts = t.labels;
      break;
    case TypeKind::kResource:
      // A component's own resources have no name in its binary; the
      // interfaces' type names say which resource is which.
      return "resource";
    default:
      break;
  }
  for (const auto& member : {t.element, t.ok, t.error}) {
    parts.push_back(member ? Structure(types, *member) : "_");
  }
  return absl::StrCat(component::TypeKindName(t.kind), "{",
                      absl::StrJoin(parts, ","), "}");
}

// Every import and export of `w`, and every type and function of its
// interfaces, with its structure, sorted: what a component must agree on
// with the WIT it was made from, whatever the order wit-component chose.
std::vector<std::string> Describe(const component::World& w) {
  std::vector<std::string> out;
  for (const auto* items : {&w.imports, &w.exports}) {
    const char* dir = items == &w.imports ? "import " : "export ";
    for (const component::WorldItem& item : *items) {
      if (item.kind != component::WorldItem::Kind::kInterface) {
        out.push_back(
            absl::StrCat(dir, item.name, ": ", Structure(w.types, item.type)));
        continue;
      }
      for (const component::NamedType& t : item.interface.types) {
        out.push_back(absl::StrCat(dir, item.name, " type ", t.name, ": ",
                                   Structure(w.types, t.type)));
      }
      for (const component::NamedFunc& f : item.interface.funcs) {
        out.push_back(absl::StrCat(dir, item.name, " func ", f.name, ": ",
                                   Structure(w.types, f.type)));
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The component made from the generated glue (and jco's embedding of the
// same WIT) has the world the WIT says: every item, type and function.
TEST(GenerateCGuest, ComponentHasTheWitsWorld) {
  absl::StatusOr<component::Component> c =
      component::ReadComponent(testdata::kitchen_sink_wasm());
  ASSERT_TRUE(c.ok()) << c.status();
  absl::StatusOr<component::World> built = component::ResolveWorld(*c);
  ASSERT_TRUE(built.ok()) << built.status();
  const std::vector<std::string> want = Describe(KitchenSink().world);
  EXPECT_EQ(Describe(*built), want);
  EXPECT_EQ(want.size(), 36u);  // Not vacuous.
}

TEST(GenerateCGuest, NamesAndShapes) {
  absl::StatusOr<CGuestFiles> files = GenerateCGuest(KitchenSink());
  ASSERT_TRUE(files.ok());
  const std::string& h = files->header;
  // Flags of nine labels are 16 bits; enums and variants carry a byte tag.
  EXPECT_TRUE(absl::StrContains(h, "typedef uint16_t test_sink_host_many_t;"));
  EXPECT_TRUE(absl::StrContains(h, "#define TEST_SINK_HOST_MANY_I (1U << 8)"));
  EXPECT_TRUE(absl::StrContains(h, "typedef uint8_t test_sink_host_level_t;"));
  // Docs become comments.
  EXPECT_TRUE(absl::StrContains(h,
                                "// Opens `path`.\ntest_sink_host_own_file_t "
                                "test_sink_host_constructor_file("));
  // An exported resource's representation is the author's struct.
  EXPECT_TRUE(
      absl::StrContains(h,
                        "typedef struct exports_test_sink_guest_session_t "
                        "exports_test_sink_guest_session_t;"));
  // Seventeen u64s spill to memory; the import passes a pointer.
  EXPECT_TRUE(absl::StrContains(
      files->source,
      "extern int64_t __wasm_import_test_sink_host_wide(int32_t);"));
  // A borrowed host handle given to an export is dropped after it returns.
  EXPECT_TRUE(absl::StrContains(
      files->source,
      "  uint64_t _ret = exports_test_sink_guest_peek(_p0);\n"
      "  __wasm_import_test_sink_host_file_drop(_p0.__handle);\n"));
  // What an export's result allocated is freed after the host read it.
  EXPECT_TRUE(absl::StrContains(
      files->source,
      "__export_name__(\"cabi_post_test:sink/guest@0.1.0#process\")"));
}

TEST(GenerateCGuest, Unsupported) {
  const struct {
    const char* type;
    const char* message;
  } cases[] = {
      {"stream<u8>", "C bindings for stream"},
      {"future", "C bindings for future"},
      {"error-context", "error-context"},
      {"list<u8, 4>", "C bindings for fixed-length lists"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    const absl::Status s =
        Generate(absl::StrCat("world w { import f: func(x: ", c.type, "); }"));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), c.message)) << s;
  }
  const absl::Status async = Generate("world w { export f: async func(); }");
  EXPECT_EQ(async.code(), absl::StatusCode::kUnimplemented) << async;
  EXPECT_TRUE(absl::StrContains(async.message(), "async functions")) << async;
}

}  // namespace
}  // namespace wasmhost::bindgen
