// spec_runner: runs the official WebAssembly core spec suite (.wast files)
// against wasmhost's public API.
//
//   spec_runner [--mode=default|fuel|memlimit] [--baseline=FILE]
//               [--write_baseline=FILE] [--wast2json=PATH] PATH...
//
// PATH is a .wast file or a directory of them. Each file is converted by
// wabt's wast2json into a temporary directory, and its commands are run in
// order (tools/spec/wast_runner.h). Prints one line per file, the failures
// with file:line and a reason, the unsupported commands by missing feature,
// the totals, and last "N passed, N failed".
//
// Exit status: 0; 1 with --baseline when a file regressed against it, and
// without --baseline when any command failed; 2 on a usage error or a file
// that could not be converted or parsed. --write_baseline replaces this
// mode's lines of FILE with this run's results (exit 0 unless 2).

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "lib/util/status_macros.h"
#include "tools/spec/baseline.h"
#include "tools/spec/wast_command.h"
#include "tools/spec/wast_runner.h"
#include "wasmhost/engine.h"

extern char** environ;

namespace wasmhost::spec {
namespace {

namespace fs = std::filesystem;

constexpr int kExitFailed = 1;
constexpr int kExitError = 2;

constexpr char kUsage[] =
    "usage: spec_runner [--mode=default|fuel|memlimit] [--baseline=FILE]\n"
    "                   [--write_baseline=FILE] [--wast2json=PATH] PATH...\n"
    "  PATH                   a .wast file or a directory of them\n"
    "  --mode                 default; fuel: every call with a fuel budget;\n"
    "                         memlimit: every instance limited to 64 MiB\n"
    "  --baseline=FILE        exit 1 when a file does worse than FILE says\n"
    "  --write_baseline=FILE  store this mode's results in FILE\n"
    "  --wast2json=PATH       wabt's wast2json (default: from PATH)\n";

struct Flags {
  Mode mode = Mode::kDefault;
  std::string baseline;
  std::string write_baseline;
  std::string wast2json = "wast2json";
  std::vector<std::string> paths;
};

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--mode=")) {
      std::optional<Mode> mode = ParseMode(arg);
      if (!mode.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("unknown mode ", arg));
      }
      flags.mode = *mode;
    } else if (absl::ConsumePrefix(&arg, "--baseline=")) {
      flags.baseline = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--write_baseline=")) {
      flags.write_baseline = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--wast2json=")) {
      flags.wast2json = std::string(arg);
    } else if (absl::StartsWith(arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    } else {
      flags.paths.emplace_back(arg);
    }
  }
  if (flags.paths.empty()) {
    return absl::InvalidArgumentError("no .wast file or directory given");
  }
  return flags;
}

// The .wast files named by `paths`, directories expanded, each directory's
// files sorted by name.
absl::StatusOr<std::vector<fs::path>> ListWastFiles(
    const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      if (!fs::is_regular_file(path, error)) {
        return absl::NotFoundError(absl::StrCat("no such file: ", path));
      }
      files.emplace_back(path);
      continue;
    }
    std::vector<fs::path> in_dir;
    for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
      if (entry.path().extension() == ".wast") in_dir.push_back(entry.path());
    }
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  return std::string(std::istreambuf_iterator<char>(file),
                     std::istreambuf_iterator<char>());
}

// A directory under $TMPDIR (or /tmp), removed with everything in it when
// this goes out of scope.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Create() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = absl::StrCat(
        tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/spec_runner.XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot create a temporary directory ", templ));
    }
    return TempDir(templ);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() {
    std::error_code ignored;  // nothing to do about a leftover directory
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Runs `wast2json WAST -o DIR/NAME.json` (it writes the modules beside the
// JSON) and returns the JSON file's path. Returns InvalidArgument with
// wast2json's first error line when it fails.
absl::StatusOr<fs::path> ConvertWast(const std::string& wast2json,
                                     const fs::path& wast,
                                     const std::string& dir) {
  const fs::path json =
      fs::path(dir) / wast.filename().replace_extension(".json");
  const std::string errors = dir + "/wast2json.stderr";
  std::vector<std::string> args = {wast2json, wast.string(), "-o",
                                   json.string()};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  const int spawned = posix_spawnp(&pid, wast2json.c_str(), &actions, nullptr,
                                   argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot run ", wast2json, ": ", std::strerror(spawned)));
  }
  int wait_status = 0;
  if (waitpid(pid, &wait_status, 0) != pid || !WIFEXITED(wait_status) ||
      WEXITSTATUS(wait_status) != 0) {
    absl::StatusOr<std::string> text = ReadText(errors);
    std::string first = text.ok() ? text->substr(0, text->find('\n')) : "";
    return absl::InvalidArgumentError(
        absl::StrCat(wast2json, " failed on ", wast.string(), ": ", first));
  }
  return json;
}

absl::StatusOr<FileReport> RunFile(const Engine& engine,
                                   const RunnerOptions& options,
                                   const std::string& wast2json,
                                   const fs::path& wast) {
  WASMHOST_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create());
  WASMHOST_ASSIGN_OR_RETURN(fs::path json,
                            ConvertWast(wast2json, wast, dir.path()));
  WASMHOST_ASSIGN_OR_RETURN(std::string text, ReadText(json));
  absl::StatusOr<std::vector<Command>> commands = ParseWastJson(text);
  if (!commands.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        json.filename().string(), ": ", commands.status().message()));
  }
  return RunCommands(engine, options, *commands, dir.path());
}

absl::StatusOr<Baseline> LoadBaseline(const std::string& path) {
  WASMHOST_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  absl::StatusOr<Baseline> baseline = ParseBaseline(text);
  if (!baseline.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", baseline.status().message()));
  }
  return baseline;
}

// Replaces `mode`'s lines of the baseline at `path` (which need not exist
// yet) with `results`, keeping the other modes' lines.
absl::Status WriteBaseline(const std::string& path, absl::string_view mode,
                           const std::map<std::string, Counts>& results) {
  Baseline baseline;
  if (fs::exists(path)) {
    WASMHOST_ASSIGN_OR_RETURN(baseline, LoadBaseline(path));
  }
  SetMode(baseline, mode, results);
  std::ofstream out(path, std::ios::trunc);
  out << FormatBaseline(baseline);
  if (!out.flush()) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

std::string FormatCounts(const Counts& counts) {
  return absl::StrCat(counts.passed, " passed, ", counts.failed, " failed, ",
                      counts.unsupported, " unsupported, ", counts.skipped,
                      " skipped");
}

int Main(int argc, char** argv) {
  absl::StatusOr<Flags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "spec_runner: " << flags.status().message() << "\n" << kUsage;
    return kExitError;
  }
  absl::StatusOr<std::vector<fs::path>> files = ListWastFiles(flags->paths);
  if (!files.ok()) {
    std::cerr << "spec_runner: " << files.status().message() << "\n";
    return kExitError;
  }
  Baseline baseline;
  if (!flags->baseline.empty()) {
    absl::StatusOr<Baseline> loaded = LoadBaseline(flags->baseline);
    if (!loaded.ok()) {
      std::cerr << "spec_runner: " << loaded.status().message() << "\n";
      return kExitError;
    }
    baseline = *std::move(loaded);
  }
  absl::StatusOr<Engine> engine = Engine::Create(EngineOptionsFor(flags->mode));
  if (!engine.ok()) {
    std::cerr << "spec_runner: " << engine.status() << "\n";
    return kExitError;
  }

  RunnerOptions options;
  options.mode = flags->mode;
  const std::string mode(ModeName(flags->mode));
  std::cout << "spec_runner: mode " << mode << ", " << files->size()
            << " files\n";
  Counts total;
  std::map<std::string, Counts> results;
  std::map<std::string, int> unsupported;
  int errors = 0;
  for (const fs::path& file : *files) {
    const std::string name = file.filename().string();
    absl::StatusOr<FileReport> report =
        RunFile(*engine, options, flags->wast2json, file);
    if (!report.ok()) {
      std::cout << name << ": error: " << report.status().message() << "\n";
      ++errors;
      continue;
    }
    for (const std::string& failure : report->failures) {
      std::cout << name << ":" << failure << "\n";
    }
    std::cout << name << ": " << FormatCounts(report->counts);
    if (!report->unsupported.empty()) {
      std::cout << " (unsupported: "
                << absl::StrJoin(report->unsupported, ", ",
                                 absl::PairFormatter(" "))
                << ")";
    }
    std::cout << "\n" << std::flush;
    total += report->counts;
    results[name] = report->counts;
    for (const auto& [feature, count] : report->unsupported) {
      unsupported[feature] += count;
    }
  }

  std::cout << "unsupported by missing feature:";
  if (unsupported.empty()) std::cout << " none";
  for (const auto& [feature, count] : unsupported) {
    std::cout << "\n  " << feature << ": " << count;
  }
  std::cout << "\ntotal (" << mode << "): " << FormatCounts(total)
            << " (skipped: text-format modules)\n";
  if (errors > 0) std::cout << errors << " file(s) could not be run\n";

  int exit_code = total.failed > 0 ? kExitFailed : 0;
  if (!flags->baseline.empty()) {
    Comparison comparison = Compare(baseline, mode, results);
    for (const std::string& line : comparison.regressions) {
      std::cout << "baseline: REGRESSION " << line << "\n";
    }
    for (const std::string& line : comparison.improvements) {
      std::cout << "baseline: improved " << line << "\n";
    }
    if (!comparison.improvements.empty()) {
      std::cout << "baseline: record the improvements with --write_baseline="
                << flags->baseline << " (./x spec --write_baseline)\n";
    }
    exit_code = comparison.regressions.empty() ? 0 : kExitFailed;
  }
  if (!flags->write_baseline.empty() && errors == 0) {
    absl::Status written = WriteBaseline(flags->write_baseline, mode, results);
    if (!written.ok()) {
      std::cerr << "spec_runner: " << written.message() << "\n";
      return kExitError;
    }
    std::cout << "baseline: wrote mode " << mode << " to "
              << flags->write_baseline << "\n";
    exit_code = 0;
  }
  std::cout << total.passed << " passed, " << total.failed << " failed\n";
  return errors > 0 ? kExitError : exit_code;
}

}  // namespace
}  // namespace wasmhost::spec

int main(int argc, char** argv) { return wasmhost::spec::Main(argc, argv); }
