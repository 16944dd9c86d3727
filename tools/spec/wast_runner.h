// tools/spec/wast_runner.h: runs the commands of one .wast file against the
// public API and classifies each.
//
//   Mode          which engine and instance limits a run uses
//   RunnerOptions the mode and the bounds put on every call
//   Counts        passed / failed / unsupported / skipped commands
//   FileReport    the counts of one file, its failures and missing features
//   RunCommands   runs one file
//
// Functions only; a run is thread-affine (its instances live on the calling
// thread).

#ifndef WASMHOST_TOOLS_SPEC_WAST_RUNNER_H_
#define WASMHOST_TOOLS_SPEC_WAST_RUNNER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tools/spec/wast_command.h"
#include "wasmhost/engine.h"

namespace wasmhost::spec {

enum class Mode : uint8_t {
  kDefault,   // default engine and instance options
  kFuel,      // EngineOptions::consume_fuel, every call with a fuel budget
  kMemLimit,  // every instance with Limits::max_memory_bytes
};

// "default", "fuel", "memlimit".
absl::string_view ModeName(Mode mode);
std::optional<Mode> ParseMode(absl::string_view name);

struct RunnerOptions {
  Mode mode = Mode::kDefault;
  // Every call and start function is stopped after this, so a bug cannot
  // hang CI. Default 10 s.
  absl::Duration call_timeout = absl::Seconds(10);
  // kFuel: the fuel of every call and start function. Default 10^9.
  uint64_t fuel = 1'000'000'000;
  // kMemLimit: every instance's Limits::max_memory_bytes. Default 64 MiB.
  uint64_t max_memory_bytes = uint64_t{64} << 20;
};

// The engine options a process running `mode` needs (V8 is set up once per
// process, so one process runs one mode).
EngineOptions EngineOptionsFor(Mode mode);

struct Counts {
  int passed = 0;
  int failed = 0;
  int unsupported = 0;  // the API cannot express the command yet
  int skipped = 0;      // text-format modules (for text parsers)

  Counts& operator+=(const Counts& other);
};

struct FileReport {
  Counts counts;
  // "LINE: reason", in command order.
  std::vector<std::string> failures;
  // Unsupported commands by the feature they need, e.g. "v128 value".
  std::map<std::string, int> unsupported;
};

// Runs `commands` in order on the calling thread. Module files are read
// from `module_dir`. `engine` must have been made with
// EngineOptionsFor(options.mode). A command's failure is counted in the
// report; the run itself fails only if the spectest host cannot be
// defined.
absl::StatusOr<FileReport> RunCommands(const Engine& engine,
                                       const RunnerOptions& options,
                                       absl::Span<const Command> commands,
                                       const std::string& module_dir);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_WAST_RUNNER_H_
