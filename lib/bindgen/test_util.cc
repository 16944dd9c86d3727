// lib/bindgen/test_util.cc: the generators' shared test helpers.

#include "lib/bindgen/test_util.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace wasmhost::bindgen::testing {

absl::StatusOr<component::ParsedWorld> WorldFromFile(const std::string& path) {
  absl::StatusOr<component::WitSources> sources = component::LoadWit(path);
  if (!sources.ok()) return sources.status();
  return component::ParseWit(*sources, "");
}

absl::StatusOr<component::ParsedWorld> WorldFromText(const std::string& wit) {
  component::WitSources sources;
  sources.main.push_back({"t.wit", wit});
  return component::ParseWit(sources, "");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectGolden(
    const std::string& golden,
    const std::vector<std::pair<std::string, std::string>>& files) {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  if (workspace != nullptr &&
      std::getenv("WASMHOST_UPDATE_GOLDEN") != nullptr) {
    for (const auto& [suffix, text] : files) {
      std::ofstream(absl::StrCat(workspace, "/", golden, suffix, ".golden"))
          << text;
    }
    GTEST_SKIP() << "golden files written under " << workspace;
  }
  for (const auto& [suffix, text] : files) {
    EXPECT_EQ(text, ReadFile(absl::StrCat(golden, suffix, ".golden")))
        << golden << suffix;
  }
}

}  // namespace wasmhost::bindgen::testing
