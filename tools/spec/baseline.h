// tools/spec/baseline.h: the per-file results CI holds the runner to.
//
//   BaselineEntry  passed / failed / unsupported of one mode and file
//   Baseline       every mode's entries, as in tools/spec/baseline.txt
//   Comparison     regressions and improvements of a run against it
//
// The file has one line per mode and file, "MODE FILE PASSED FAILED
// UNSUPPORTED", and '#' comments. It is a ratchet: written by the runner
// (--write_baseline), never by hand. Plain values: thread-compatible.

#ifndef WASMHOST_TOOLS_SPEC_BASELINE_H_
#define WASMHOST_TOOLS_SPEC_BASELINE_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/spec/wast_runner.h"

namespace wasmhost::spec {

struct BaselineEntry {
  int passed = 0;
  int failed = 0;
  int unsupported = 0;
};

// By (mode name, file name), e.g. ("fuel", "i32.wast").
using Baseline = std::map<std::pair<std::string, std::string>, BaselineEntry>;

// Parses a baseline file's text. Returns InvalidArgument naming the line
// that is not "MODE FILE PASSED FAILED UNSUPPORTED".
absl::StatusOr<Baseline> ParseBaseline(absl::string_view text);

// The baseline's text, sorted by mode and file, with a header comment.
std::string FormatBaseline(const Baseline& baseline);

// Replaces `mode`'s entries of `baseline` with `results` (by file name).
void SetMode(Baseline& baseline, absl::string_view mode,
             const std::map<std::string, Counts>& results);

struct Comparison {
  // One line each: "FILE: passed 3 -> 2, failed 0 -> 1".
  std::vector<std::string> regressions;
  std::vector<std::string> improvements;
};

// Compares `mode`'s `results` with `baseline`. A file regresses when it has
// fewer passed, or more failed or unsupported commands than its line; a
// file without a line is held to 0 failed and 0 unsupported. It improves
// when it differs otherwise.
Comparison Compare(const Baseline& baseline, absl::string_view mode,
                   const std::map<std::string, Counts>& results);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_BASELINE_H_
