#include "tests/test_util.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace wasmhost::testing {

namespace {

// Engine::Create(options), aborting the binary when it fails.
const Engine* CreateEngineOrDie(const EngineOptions& options) {
  absl::StatusOr<Engine> created = Engine::Create(options);
  if (!created.ok()) {
    std::fprintf(stderr, "Engine::Create() failed: %s\n",
                 created.status().ToString().c_str());
    std::abort();
  }
  return new Engine(*std::move(created));
}

}  // namespace

const Engine& SharedEngine() {
  static const Engine* engine = CreateEngineOrDie(EngineOptions());
  return *engine;
}

const Engine& MeteredEngine() {
  static const Engine* engine = [] {
    EngineOptions options;
    options.consume_fuel = true;
    return CreateEngineOrDie(options);
  }();
  return *engine;
}

absl::StatusOr<Module> Compile(absl::Span<const uint8_t> bytes) {
  return SharedEngine().Compile(bytes);
}

absl::StatusOr<Instance> Instantiate(absl::Span<const uint8_t> bytes,
                                     const Linker& linker,
                                     const InstanceOptions& options) {
  absl::StatusOr<Module> module = Compile(bytes);
  if (!module.ok()) return module.status();
  return Instance::Create(*module, linker, options);
}

std::string MakeTempDir() {
  std::string path = ::testing::TempDir() + "/wasmhost_XXXXXX";
  EXPECT_NE(mkdtemp(path.data()), nullptr) << path;
  return path;
}

void WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  EXPECT_TRUE(file.flush()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file),
                     std::istreambuf_iterator<char>());
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

SandboxLayout MakeSandboxLayout() {
  SandboxLayout layout;
  layout.root = MakeTempDir();
  layout.sandbox = layout.root + "/sandbox";
  EXPECT_EQ(mkdir(layout.sandbox.c_str(), 0755), 0) << layout.sandbox;
  WriteFile(layout.root + "/secret", "top secret\n");
  return layout;
}

void ExpectTrap(const absl::Status& status, TrapKind kind,
                absl::string_view message, absl::string_view function_name,
                uint32_t function_index) {
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted,
                               ::testing::HasSubstr(std::string(message))));
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr(absl::StrCat("trap: ", TrapKindName(kind))));
  std::optional<TrapInfo> info = GetTrapInfo(status);
  ASSERT_TRUE(info.has_value()) << "no TrapInfo in " << status;
  EXPECT_EQ(info->kind, kind) << "got " << TrapKindName(info->kind);
  EXPECT_THAT(info->message, ::testing::HasSubstr(std::string(message)));
  ASSERT_FALSE(info->backtrace.empty()) << status;
  EXPECT_EQ(info->backtrace[0].function_name, function_name) << status;
  EXPECT_EQ(info->backtrace[0].function_index, function_index) << status;
  EXPECT_GT(info->backtrace[0].module_offset, 0u) << status;
}

}  // namespace wasmhost::testing
