// tests/child_process.h's RunThisBinary.

#include "tests/child_process.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"

namespace wasmhost::testing {

ChildResult RunThisBinary(absl::string_view args) {
  // /proc/self would be the shell popen starts.
  const std::string command = absl::StrCat("/proc/", getpid(), "/exe ", args);
  ChildResult result;
  FILE* child = popen(command.c_str(), "r");
  if (child == nullptr) return result;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, child)) {
    result.out.append(buffer, n);
  }
  result.status = pclose(child);
  return result;
}

}  // namespace wasmhost::testing
