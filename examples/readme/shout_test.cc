// Runs the README's "Write a plugin in C" plugin, shout.wasm, built from the
// README's shout.wit and shout.c by its BUILD snippet: a capitalised reply
// and the host's log, and the plugin's error for empty text.
// Usage: shout_test SHOUT_WASM

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "wasmhost/wasmhost.h"

namespace {

namespace component = wasmhost::component;

const char* shout_path = nullptr;

TEST(ShoutTest, ShoutsLogsAndRefusesEmptyText) {
  std::ifstream file(shout_path, std::ios::binary);
  ASSERT_TRUE(file) << shout_path;
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  absl::StatusOr<component::Component> compiled =
      component::Component::Compile(*engine, bytes);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  std::vector<std::string> log;
  component::Linker linker;
  ASSERT_TRUE(
      linker
          .Define("log",
                  [&log](std::string_view msg) { log.emplace_back(msg); })
          .ok());
  absl::StatusOr<component::Instance> instance =
      component::Instance::Create(*compiled, linker);
  ASSERT_TRUE(instance.ok()) << instance.status();
  auto shout = instance->GetFunc<component::Result<std::string, std::string>(
      std::string_view)>("shout");
  ASSERT_TRUE(shout.ok()) << shout.status();

  auto loud = shout->Call("hello, plugin 1");
  ASSERT_TRUE(loud.ok()) << loud.status();
  ASSERT_TRUE(loud->ok()) << loud->error();
  EXPECT_EQ(loud->value(), "HELLO, PLUGIN 1");
  EXPECT_EQ(log, std::vector<std::string>{"HELLO, PLUGIN 1"});

  auto empty = shout->Call("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  ASSERT_FALSE(empty->ok());
  EXPECT_EQ(empty->error(), "nothing to shout");
  EXPECT_EQ(log.size(), 1u);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: shout_test SHOUT_WASM\n");
    return 2;
  }
  shout_path = argv[1];
  return RUN_ALL_TESTS();
}
