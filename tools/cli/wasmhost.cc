// wasmhost: the command-line tool.
//
//   wasmhost inspect FILE   imports, exports with signatures, memory limits
//                           and custom sections of a module
//
// Later: `wasmhost run` (WASI).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "wasmhost/engine.h"
#include "wasmhost/module.h"

namespace {

constexpr char kUsage[] =
    "usage: wasmhost inspect FILE\n"
    "  inspect  print a module's imports, exports with signatures, memory\n"
    "           limits and custom sections\n";

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>());
}

std::string Limits(const wasmhost::MemoryType& memory) {
  std::string text = absl::StrCat("min ", memory.min_pages, " pages (",
                                   memory.min_pages * 64, " KiB)");
  if (memory.max_pages.has_value()) {
    absl::StrAppend(&text, ", max ", *memory.max_pages, " pages (",
                    *memory.max_pages * 64, " KiB)");
  } else {
    absl::StrAppend(&text, ", no max");
  }
  return text;
}

template <typename ExternType>
std::string Describe(const ExternType& type) {
  switch (type.kind) {
    case wasmhost::ExternKind::kFunc:
      return absl::StrCat("func ", type.func_type.ToString());
    case wasmhost::ExternKind::kMemory:
      return absl::StrCat("memory ", Limits(type.memory));
    default:
      return std::string(wasmhost::ExternKindName(type.kind));
  }
}

int Inspect(const std::string& path) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(path);
  if (!bytes.ok()) {
    std::cerr << "wasmhost: " << bytes.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  if (!engine.ok()) {
    std::cerr << "wasmhost: " << engine.status() << "\n";
    return 1;
  }
  absl::StatusOr<wasmhost::Module> module = engine->Compile(*bytes);
  if (!module.ok()) {
    std::cerr << "wasmhost: " << path << ": " << module.status() << "\n";
    return 1;
  }
  std::cout << path << ": " << bytes->size() << " bytes";
  if (!module->name().empty()) std::cout << ", module $" << module->name();
  std::cout << "\n";

  std::cout << "imports (" << module->imports().size() << "):\n";
  for (const wasmhost::ImportType& import : module->imports()) {
    std::cout << "  " << import.module << "." << import.name << ": "
              << Describe(import) << "\n";
  }
  std::cout << "exports (" << module->exports().size() << "):\n";
  for (const wasmhost::ExportType& exported : module->exports()) {
    std::cout << "  " << exported.name << ": " << Describe(exported) << "\n";
  }
  std::cout << "memory: "
            << (module->memory().has_value() ? Limits(*module->memory())
                                             : "none")
            << "\n";
  std::cout << "custom sections (" << module->custom_sections().size()
            << "):\n";
  for (const wasmhost::CustomSection& section : module->custom_sections()) {
    std::cout << "  \"" << section.name << "\": " << section.size
              << " bytes\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "inspect") return Inspect(args[1]);
  std::cerr << kUsage;
  return 2;
}
