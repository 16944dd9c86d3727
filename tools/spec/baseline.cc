#include "tools/spec/baseline.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace wasmhost::spec {
namespace {

// "passed 3 -> 2" when the count changed.
void AppendChange(std::vector<std::string>& changes, absl::string_view what,
                  int before, int after) {
  if (before != after) {
    changes.push_back(absl::StrCat(what, " ", before, " -> ", after));
  }
}

}  // namespace

absl::StatusOr<Baseline> ParseBaseline(absl::string_view text) {
  Baseline baseline;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    BaselineEntry entry;
    if (fields.size() != 5 || !absl::SimpleAtoi(fields[2], &entry.passed) ||
        !absl::SimpleAtoi(fields[3], &entry.failed) ||
        !absl::SimpleAtoi(fields[4], &entry.unsupported)) {
      return absl::InvalidArgumentError(
          absl::StrCat("baseline line ", line_number, " is not \"MODE FILE ",
                       "PASSED FAILED UNSUPPORTED\": ", line));
    }
    baseline[{std::string(fields[0]), std::string(fields[1])}] = entry;
  }
  return baseline;
}

std::string FormatBaseline(const Baseline& baseline, absl::string_view header) {
  std::string text(header);
  for (const auto& [key, entry] : baseline) {
    absl::StrAppend(&text, key.first, " ", key.second, " ", entry.passed, " ",
                    entry.failed, " ", entry.unsupported, "\n");
  }
  return text;
}

void SetMode(Baseline& baseline, absl::string_view mode,
             const std::map<std::string, Counts>& results) {
  for (auto it = baseline.begin(); it != baseline.end();) {
    it = it->first.first == mode ? baseline.erase(it) : std::next(it);
  }
  for (const auto& [file, counts] : results) {
    baseline[{std::string(mode), file}] = {counts.passed, counts.failed,
                                           counts.unsupported};
  }
}

Comparison Compare(const Baseline& baseline, absl::string_view mode,
                   const std::map<std::string, Counts>& results) {
  Comparison comparison;
  for (const auto& [file, counts] : results) {
    auto it = baseline.find({std::string(mode), file});
    const BaselineEntry before =
        it == baseline.end() ? BaselineEntry{counts.passed, 0, 0} : it->second;
    std::vector<std::string> changes;
    AppendChange(changes, "passed", before.passed, counts.passed);
    AppendChange(changes, "failed", before.failed, counts.failed);
    AppendChange(changes, "unsupported", before.unsupported,
                 counts.unsupported);
    if (changes.empty()) continue;
    std::string line = absl::StrCat(file, ": ", absl::StrJoin(changes, ", "));
    if (counts.passed < before.passed || counts.failed > before.failed ||
        counts.unsupported > before.unsupported) {
      comparison.regressions.push_back(std::move(line));
    } else {
      comparison.improvements.push_back(std::move(line));
    }
  }
  return comparison;
}

}  // namespace wasmhost::spec
