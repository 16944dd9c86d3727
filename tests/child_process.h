// tests/child_process.h: running this test binary again as a second
// process, for what must hold across processes (the same fuel, output or
// snapshot in a fresh V8) and for engine options fixed once per process.
//
//   ChildResult    a child's exit status and stdout
//   RunThisBinary  runs this binary again with some arguments

#ifndef WASMHOST_TESTS_CHILD_PROCESS_H_
#define WASMHOST_TESTS_CHILD_PROCESS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace wasmhost::testing {

struct ChildResult {
  // pclose's status: 0 when the child exited 0; -1 when it did not start.
  int status = -1;
  std::string out;
};

// Runs this binary (/proc/<pid>/exe) with `args`, given to the shell as
// they are, and waits for it; its stdout is captured, its stderr is the
// test's.
ChildResult RunThisBinary(absl::string_view args);

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_CHILD_PROCESS_H_
