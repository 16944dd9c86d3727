// lib/bindgen/test_util.h: what the generators' tests share: a WIT world
// from a file or from text, a file's text, and generated files compared
// with golden files (rewritten on request).
//
//   WorldFromFile   ParseWit of a .wit file
//   WorldFromText   ParseWit of inline WIT
//   ReadFile        a file's whole text
//   ExpectGolden    generated files equal their golden files

#ifndef WASMHOST_LIB_BINDGEN_TEST_UTIL_H_
#define WASMHOST_LIB_BINDGEN_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/component/wit_parser.h"

namespace wasmhost::bindgen::testing {

// The world of the .wit file (or WIT directory) at `path`, relative to the
// runfiles root. Returns LoadWit's and ParseWit's errors.
[[nodiscard]] absl::StatusOr<component::ParsedWorld> WorldFromFile(
    const std::string& path);

// The world of `wit`, one file's text. Returns ParseWit's errors.
[[nodiscard]] absl::StatusOr<component::ParsedWorld> WorldFromText(
    const std::string& wit);

// The text of the file at `path`; a failed expectation and "" when it
// cannot be read.
[[nodiscard]] std::string ReadFile(const std::string& path);

// Expects each generated file {suffix, text} to equal the golden file
// `golden` + suffix + ".golden" (relative to the workspace). Under `bazel
// run` with WASMHOST_UPDATE_GOLDEN set, writes the texts into the source
// tree's golden files instead and skips the test.
void ExpectGolden(
    const std::string& golden,
    const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace wasmhost::bindgen::testing

#endif  // WASMHOST_LIB_BINDGEN_TEST_UTIL_H_
