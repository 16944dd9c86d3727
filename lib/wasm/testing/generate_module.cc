// generate_module: writes a module from lib/wasm/testing/module_generator.h
// to a file.
//
//   generate_module --kind=data|code|small [--seed=N] [--code_bytes=N]
//                   [--data_bytes=N] [--custom_bytes=N] --out=FILE
//
// --kind picks the defaults (DataHeavyOptions, CodeHeavyOptions, or
// GeneratorOptions{}); the size flags override them. Exit code 0 on
// success, 2 on a usage error, 1 if the file cannot be written.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "lib/wasm/testing/module_generator.h"

namespace {

int Usage(absl::string_view why) {
  std::fprintf(stderr,
               "generate_module: %.*s\nusage: generate_module "
               "--kind=data|code|small [--seed=N] [--code_bytes=N] "
               "[--data_bytes=N] [--custom_bytes=N] --out=FILE\n",
               static_cast<int>(why.size()), why.data());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using wasmhost::wasm::testing::GeneratorOptions;
  std::string kind;
  std::string out;
  uint64_t seed = 1;
  // Unset sizes keep the kind's defaults.
  int64_t code_bytes = -1, data_bytes = -1, custom_bytes = -1;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    auto value = [&](absl::string_view flag, absl::string_view* v) {
      if (!absl::StartsWith(arg, flag)) return false;
      *v = arg.substr(flag.size());
      return true;
    };
    absl::string_view v;
    if (value("--kind=", &v)) {
      kind = std::string(v);
    } else if (value("--out=", &v)) {
      out = std::string(v);
    } else if (value("--seed=", &v)) {
      if (!absl::SimpleAtoi(v, &seed)) return Usage("bad --seed");
    } else if (value("--code_bytes=", &v)) {
      if (!absl::SimpleAtoi(v, &code_bytes) || code_bytes < 0) {
        return Usage("bad --code_bytes");
      }
    } else if (value("--data_bytes=", &v)) {
      if (!absl::SimpleAtoi(v, &data_bytes) || data_bytes < 0) {
        return Usage("bad --data_bytes");
      }
    } else if (value("--custom_bytes=", &v)) {
      if (!absl::SimpleAtoi(v, &custom_bytes) || custom_bytes < 0) {
        return Usage("bad --custom_bytes");
      }
    } else {
      return Usage(std::string("unknown argument ") + argv[i]);
    }
  }
  GeneratorOptions options;
  if (kind == "data") {
    options = wasmhost::wasm::testing::DataHeavyOptions(seed);
  } else if (kind == "code") {
    options = wasmhost::wasm::testing::CodeHeavyOptions(seed);
  } else if (kind != "small") {
    return Usage("--kind must be data, code or small");
  }
  if (out.empty()) return Usage("--out is required");
  options.seed = seed;
  if (code_bytes >= 0) options.code_bytes = static_cast<size_t>(code_bytes);
  if (data_bytes >= 0) options.data_bytes = static_cast<size_t>(data_bytes);
  if (custom_bytes >= 0) {
    options.custom_bytes = static_cast<size_t>(custom_bytes);
  }
  const std::vector<uint8_t> bytes =
      wasmhost::wasm::testing::GenerateModule(options);
  FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr) {
    std::perror(out.c_str());
    return 1;
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) {
    std::perror(out.c_str());
    return 1;
  }
  return 0;
}
