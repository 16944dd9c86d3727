// BindgenMain: the files it writes, and each error path's exit status and
// message.

#include "lib/bindgen/command.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/bindgen/test_util.h"

namespace wasmhost::bindgen {
namespace {

struct Result {
  int code = 0;
  std::string out;
  std::string err;
};

Result Bindgen(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Result r;
  r.code = BindgenMain(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string TempDir(const std::string& name) {
  const std::string dir =
      std::string(::testing::TempDir()) + "/command_test_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

std::string WriteWit(const std::string& dir, const std::string& text,
                     const std::string& name = "w.wit") {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(BindgenMain, WritesHeaderAndSource) {
  const std::string dir = TempDir("ok");
  const std::string wit = WriteWit(
      dir + "/wit", "package a:b;\nworld my-plugin { export run: func(); }\n");
  const Result r = Bindgen({"c-guest", "--wit", wit, "--out", dir + "/gen"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, dir + "/gen/my_plugin.h\n" + dir + "/gen/my_plugin.c\n");
  EXPECT_TRUE(absl::StrContains(testing::ReadFile(dir + "/gen/my_plugin.h"),
                                "void exports_my_plugin_run(void);"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/gen/my_plugin.c"));
}

TEST(BindgenMain, UsageErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {},
           {"rust-guest"},
           {"c-guest", "--wit"},
           {"c-guest", "--frob", "x"},
           {"c-guest", "--wit", "x.wit"},
       }) {
    const Result r = Bindgen(args);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(absl::StrContains(r.err, "usage: wasmhost bindgen c-guest"))
        << r.err;
  }
  EXPECT_TRUE(absl::StrContains(Bindgen({"c-guest", "--frob", "x"}).err,
                                "unknown option --frob"));
  EXPECT_TRUE(absl::StrContains(Bindgen({"c-guest", "--wit"}).err,
                                "--wit needs a value"));
}

TEST(BindgenMain, BadInputs) {
  const std::string dir = TempDir("bad");
  Result r = Bindgen({"c-guest", "--wit", dir + "/missing.wit", "--out", dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "cannot read " + dir + "/missing.wit"))
      << r.err;

  const std::string bad = WriteWit(dir, "world w { import f: func(x: nope); }");
  r = Bindgen({"c-guest", "--wit", bad, "--out", dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "w.wit:1:29: undefined type nope"))
      << r.err;

  const std::string good =
      WriteWit(dir, "world w { export f: func(); }", "good.wit");
  r = Bindgen({"c-guest", "--wit", good, "--world", "v", "--out", dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "world v not found")) << r.err;

  const std::string streams = WriteWit(
      dir, "world w { export f: func(s: stream<u8>); }", "streams.wit");
  r = Bindgen({"c-guest", "--wit", streams, "--out", dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "C bindings for stream")) << r.err;

  // The output directory is a file.
  r = Bindgen({"c-guest", "--wit", good, "--out", good});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "cannot write")) << r.err;
}

TEST(BindgenMain, CppHostWritesHeaderAndSource) {
  const std::string dir = TempDir("cpp");
  const std::string wit = WriteWit(
      dir + "/wit", "package a:b;\nworld my-plugin { export run: func(); }\n");
  const Result r = Bindgen({"cpp-host", "--wit", wit, "--out", dir + "/gen",
                            "--include-prefix", "x/y/"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            dir + "/gen/my_plugin_host.h\n" + dir + "/gen/my_plugin_host.cc\n");
  EXPECT_TRUE(
      absl::StrContains(testing::ReadFile(dir + "/gen/my_plugin_host.cc"),
                        "#include \"x/y/my_plugin_host.h\""));
  EXPECT_TRUE(std::filesystem::exists(dir + "/gen/my_plugin_host.h"));
}

// --include-prefix is cpp-host's; what cpp-host refuses is exit status 1.
TEST(BindgenMain, CppHostErrors) {
  const std::string dir = TempDir("cpp_errors");
  const std::string wit =
      WriteWit(dir + "/wit", "world w { export run: func(x: stream<u8>); }\n");
  Result r = Bindgen(
      {"c-guest", "--wit", wit, "--out", dir, "--include-prefix", "x/"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(absl::StrContains(r.err, "unknown option --include-prefix"))
      << r.err;
  r = Bindgen({"cpp-host", "--wit", wit, "--out", dir});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(absl::StrContains(r.err, "C++ bindings for stream")) << r.err;
}

}  // namespace
}  // namespace wasmhost::bindgen
