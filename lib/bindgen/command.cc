// lib/bindgen/command.cc: BindgenMain.

#include "lib/bindgen/command.h"

#include <filesystem>
#include <fstream>

#include "absl/status/statusor.h"
#include "lib/bindgen/c_guest.h"
#include "lib/bindgen/cpp_host.h"
#include "lib/component/wit_parser.h"

namespace wasmhost::bindgen {

const char kBindgenUsage[] =
    "usage: wasmhost bindgen c-guest --wit DIR_OR_FILE [--world NAME] "
    "--out DIR\n"
    "       wasmhost bindgen cpp-host --wit DIR_OR_FILE [--world NAME] "
    "--out DIR\n"
    "                                 [--include-prefix PREFIX]\n"
    "  c-guest  C bindings for a component written in C: NAME.h (types,\n"
    "           imports, the exports to implement) and NAME.c (canonical-ABI\n"
    "           glue, cabi_realloc); NAME is the world's name in snake case\n"
    "  cpp-host C++ host bindings for embedding the component: NAME_host.h\n"
    "           (types, an abstract class per imported interface with\n"
    "           AddToLinker, Exports with a typed method per export) and\n"
    "           NAME_host.cc, which includes PREFIX + NAME_host.h\n"
    "  --wit    a .wit file, or a directory of them with deps/\n"
    "  --world  the world (default: the package's only world)\n"
    "  --out    the directory to write to (created if missing)\n"
    "  --include-prefix  cpp-host: how NAME_host.cc names the header's\n"
    "           directory (\"my/pkg/\"; default: none)\n";

namespace {

bool WriteFile(const std::filesystem::path& path, const std::string& text,
               std::ostream& err) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    err << "wasmhost bindgen: cannot write " << path.string() << "\n";
    return false;
  }
  return true;
}

}  // namespace

int BindgenMain(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err) {
  std::string wit, world, dir, include_prefix;
  if (args.empty() || (args[0] != "c-guest" && args[0] != "cpp-host")) {
    err << kBindgenUsage;
    return 2;
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      err << "wasmhost bindgen: " << args[i] << " needs a value\n"
          << kBindgenUsage;
      return 2;
    }
    if (args[i] == "--wit") {
      wit = args[i + 1];
    } else if (args[i] == "--world") {
      world = args[i + 1];
    } else if (args[i] == "--out") {
      dir = args[i + 1];
    } else if (args[i] == "--include-prefix" && args[0] == "cpp-host") {
      include_prefix = args[i + 1];
    } else {
      err << "wasmhost bindgen: unknown option " << args[i] << "\n"
          << kBindgenUsage;
      return 2;
    }
  }
  if (wit.empty() || dir.empty()) {
    err << "wasmhost bindgen: --wit and --out are required\n" << kBindgenUsage;
    return 2;
  }
  absl::StatusOr<component::WitSources> sources = component::LoadWit(wit);
  absl::StatusOr<component::ParsedWorld> parsed =
      sources.ok() ? component::ParseWit(*sources, world)
                   : absl::StatusOr<component::ParsedWorld>(sources.status());
  // Both generators give a header and a source named after a stem.
  struct Files {
    std::string header_name, header, source_name, source;
  };
  absl::StatusOr<Files> files = absl::UnknownError("not generated");
  if (!parsed.ok()) {
    files = parsed.status();
  } else if (args[0] == "c-guest") {
    absl::StatusOr<CGuestFiles> c = GenerateCGuest(*parsed);
    if (c.ok()) {
      files = Files{c->stem + ".h", c->header, c->stem + ".c", c->source};
    } else {
      files = c.status();
    }
  } else {
    absl::StatusOr<CppHostFiles> cpp = GenerateCppHost(*parsed, include_prefix);
    if (cpp.ok()) {
      files =
          Files{cpp->stem + ".h", cpp->header, cpp->stem + ".cc", cpp->source};
    } else {
      files = cpp.status();
    }
  }
  if (!files.ok()) {
    err << "wasmhost bindgen: " << files.status().message() << "\n";
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path h =
      std::filesystem::path(dir) / files->header_name;
  const std::filesystem::path c =
      std::filesystem::path(dir) / files->source_name;
  if (!WriteFile(h, files->header, err) || !WriteFile(c, files->source, err)) {
    return 1;
  }
  out << h.string() << "\n" << c.string() << "\n";
  return 0;
}

}  // namespace wasmhost::bindgen
