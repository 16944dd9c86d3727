// GenerateCppHost: the golden files of the kitchen-sink WIT, determinism,
// names (keywords, labels, ambiguous type names), and what it refuses. The
// generated code is compiled with the tree's -Werror flags by
// //lib/bindgen/testdata:sink_host and run against the C guest bindings by
// //tests:cpp_host_test.
//
// After changing the generator, review the difference and update the
// golden files with
//   WASMHOST_UPDATE_GOLDEN=1 bazel run //lib/bindgen:cpp_host_test

#include "lib/bindgen/cpp_host.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/bindgen/test_util.h"

namespace wasmhost::bindgen {
namespace {

constexpr char kPrefix[] = "lib/bindgen/testdata/sink_host/";

absl::StatusOr<CppHostFiles> GenerateFile(const std::string& path) {
  absl::StatusOr<component::ParsedWorld> w = testing::WorldFromFile(path);
  if (!w.ok()) return w.status();
  return GenerateCppHost(*w, kPrefix);
}

absl::StatusOr<CppHostFiles> Generate(const std::string& wit) {
  absl::StatusOr<component::ParsedWorld> w = testing::WorldFromText(wit);
  if (!w.ok()) return w.status();
  return GenerateCppHost(*w, "");
}

TEST(GenerateCppHost, MatchesTheGoldenFiles) {
  absl::StatusOr<CppHostFiles> files =
      GenerateFile("lib/bindgen/testdata/kitchen_sink.wit");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->stem, "sink_host");
  testing::ExpectGolden("lib/bindgen/testdata/golden/sink_host",
                        {{".h", files->header}, {".cc", files->source}});
}

TEST(GenerateCppHost, IsDeterministic) {
  absl::StatusOr<CppHostFiles> a =
      GenerateFile("lib/bindgen/testdata/kitchen_sink.wit");
  absl::StatusOr<CppHostFiles> b =
      GenerateFile("lib/bindgen/testdata/kitchen_sink.wit");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->header, b->header);
  EXPECT_EQ(a->source, b->source);
}

// Labels keep their case with '-' as '_'; C++ keywords get a '_' that the
// record macro drops again; a package-less world is its own namespace.
TEST(GenerateCppHost, Names) {
  absl::StatusOr<CppHostFiles> files = Generate(R"(
    world my-world {
      record opts { max-size: u32, class: bool, %type: string }
      flags perms { read, new }
      enum mode { fast-path, slow }
      import set-opts: func(o: opts, p: perms, m: mode);
      export get: func(options: u32) -> option<opts>;
    })");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->stem, "my_world_host");
  const std::string& h = files->header;
  EXPECT_TRUE(absl::StrContains(h, "namespace my_world {")) << h;
  EXPECT_TRUE(absl::StrContains(
      h, "WASMHOST_COMPONENT_RECORD(Opts, max_size, class_, type)"))
      << h;
  EXPECT_TRUE(
      absl::StrContains(h, "WASMHOST_COMPONENT_FLAGS(Perms, read, new_)"))
      << h;
  EXPECT_TRUE(absl::StrContains(h, "enum class Mode { kFastPath, kSlow };"))
      << h;
  EXPECT_TRUE(absl::StrContains(
      h, "virtual absl::Status SetOpts(const Opts& o, Perms p, Mode m) = 0;"))
      << h;
  // A parameter named `options` leaves the call options `options_`.
  EXPECT_TRUE(absl::StrContains(
      h, "uint32_t options, const ::wasmhost::CallOptions& options_ = {}"))
      << h;
}

// Two interfaces declaring the same name: both types carry their
// interface's name.
TEST(GenerateCppHost, AmbiguousTypeNames) {
  absl::StatusOr<CppHostFiles> files = Generate(R"(
    package a:b;
    interface left { record point { x: s32 } f: func(p: point); }
    interface right { record point { y: s32 } g: func(p: point); }
    world w { import left; import right; })");
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_TRUE(absl::StrContains(files->header, "struct LeftPoint {"));
  EXPECT_TRUE(absl::StrContains(files->header, "struct RightPoint {"));
}

TEST(GenerateCppHost, NameCollision) {
  absl::StatusOr<CppHostFiles> files = Generate(R"(
    package a:b;
    interface host { record host { x: s32 } f: func(p: host); }
    world w { import host; })");
  EXPECT_EQ(files.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(files.status().message(),
                                "C++ name Host stands for both"))
      << files.status();
}

TEST(GenerateCppHost, Unsupported) {
  const struct {
    const char* wit;
    const char* message;
  } cases[] = {
      {"world w { import f: func(x: stream<u8>); }", "C++ bindings for stream"},
      {"world w { import f: func(x: future); }", "C++ bindings for future"},
      {"world w { import f: func(x: error-context); }", "error-context"},
      {"world w { import f: func(x: list<u8, 4>); }",
       "C++ bindings for fixed-length lists"},
      {"world w { export f: async func(); }", "async functions"},
      {"world w { flags f { set, x } import g: func(x: f); }", "flag \"set\""},
      {"world w { record r { a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8,"
       " h: u8, i: u8, j: u8, k: u8, l: u8, m: u8, n: u8, o: u8, p: u8, q: u8 }"
       " import g: func(x: r); }",
       "records of more than 16 fields"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wit);
    const absl::Status s = Generate(c.wit).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), c.message)) << s;
  }
}

}  // namespace
}  // namespace wasmhost::bindgen
