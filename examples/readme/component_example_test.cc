// The README's component example (component_example.cc, extracted from
// README.md) on guests/components/strings: the greeting, the host's log,
// and the errors it passes on.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "wasmhost/wasmhost.h"

// Defined by the README's example.
absl::StatusOr<std::string> Greet(const wasmhost::Engine& engine,
                                  absl::Span<const uint8_t> bytes,
                                  std::string_view name,
                                  std::vector<std::string>& log);

namespace {

TEST(ComponentExampleTest, GreetsThroughTheGrantedImports) {
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::vector<std::string> log;
  absl::StatusOr<std::string> greeting =
      Greet(*engine, wasmhost::guests::strings_wasm(), "ada", log);
  ASSERT_TRUE(greeting.ok()) << greeting.status();
  EXPECT_EQ(*greeting, "hello, ada (3 bytes fetched)");
  EXPECT_EQ(log, std::vector<std::string>{"ada"});
}

TEST(ComponentExampleTest, ErrorsReachTheCaller) {
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::vector<std::string> log;
  // Not a component.
  const uint8_t not_wasm[] = {'n', 'o', 't'};
  EXPECT_EQ(Greet(*engine, not_wasm, "ada", log).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A component whose imports the example does not grant.
  absl::Status unlinked =
      Greet(*engine, wasmhost::guests::scalars_wasm(), "ada", log).status();
  EXPECT_EQ(unlinked.code(), absl::StatusCode::kNotFound) << unlinked;
  EXPECT_TRUE(log.empty());
}

}  // namespace
