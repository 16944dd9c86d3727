// spec_runner: the Component Model reference tests, as far as a binary
// reader can run them. Reads the manifest tools/component/wast_split.mjs
// wrote (one command a line: "<where> <expect> <file> <note>") and checks
// each binary with ReadComponent: a `valid` one must parse, an `invalid`
// or `malformed` one must be rejected. Commands the splitter could not turn
// into binaries are counted as unsupported.
//
//   spec_runner DIR      prints each failure, then
//                        "N passed, N failed, N unsupported"
//   spec_runner -v DIR   also lists the unsupported commands
//
// Exit status: 0 when it ran (failures are reported, not fatal: the
// reader does not validate everything yet), 2 on a usage or I/O error.

#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "lib/component/reader.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool verbose = !args.empty() && args[0] == "-v";
  if (verbose) args.erase(args.begin());
  if (args.size() != 1) {
    std::cerr << "usage: spec_runner [-v] DIR\n";
    return 2;
  }
  const std::string dir = args[0];
  std::ifstream manifest(dir + "/manifest.txt");
  if (!manifest) {
    std::cerr << "spec_runner: cannot open " << dir << "/manifest.txt\n";
    return 2;
  }
  int passed = 0, failed = 0, unsupported = 0;
  std::map<std::string, int> failed_by_expectation;
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(' ', 3));
    if (f.size() < 3) {
      std::cerr << "spec_runner: bad manifest line: " << line << "\n";
      return 2;
    }
    const std::string& where = f[0];
    const std::string& expect = f[1];
    if (expect == "unsupported") {
      ++unsupported;
      if (verbose) std::cout << "unsupported: " << line << "\n";
      continue;
    }
    std::ifstream file(dir + "/" + f[2], std::ios::binary);
    if (!file) {
      std::cerr << "spec_runner: cannot open " << dir << "/" << f[2] << "\n";
      return 2;
    }
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
    const absl::Status status =
        wasmhost::component::ReadComponent(bytes).status();
    const bool want_ok = expect == "valid";
    if (status.ok() == want_ok) {
      ++passed;
      continue;
    }
    ++failed;
    ++failed_by_expectation[expect];
    std::cout << "FAIL " << where << ": expected " << expect;
    if (f.size() > 3 && !f[3].empty()) std::cout << " (\"" << f[3] << "\")";
    std::cout << ", got "
              << (status.ok() ? std::string("OK") : status.ToString()) << "\n";
  }
  for (const auto& [expect, n] : failed_by_expectation) {
    std::cout << "failed, expected " << expect << ": " << n << "\n";
  }
  std::cout << passed << " passed, " << failed << " failed, " << unsupported
            << " unsupported\n";
  return 0;
}
