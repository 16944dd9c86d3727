// fuzz/wit_fuzzer.cc: ParseWit on arbitrary text as one file, then
// PrintWit when it parses. Any crash, leak, UB or unbounded allocation is a
// finding; errors are fine if they are InvalidArgument with the file's
// "path:line:column: " position.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "fuzz/sanitizer_options.h"
#include "lib/component/wit_parser.h"
#include "lib/component/wit_printer.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "wit_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wasmhost::component;
  WitSources sources;
  sources.main.push_back(
      {"f.wit", std::string(reinterpret_cast<const char*>(data), size)});
  absl::StatusOr<ParsedWorld> parsed = ParseWit(sources, "");
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument,
          "an error other than InvalidArgument");
    Check(absl::StartsWith(parsed.status().message(), "f.wit:"),
          "an error without a position");
    return 0;
  }
  for (const auto* items : {&parsed->world.imports, &parsed->world.exports}) {
    for (const WorldItem& item : *items) {
      Check(item.type < parsed->world.types.size(),
            "a world item's type outside the arena");
    }
  }
  Check(!PrintWit(parsed->world).empty(), "an empty WIT world");
  return 0;
}
