// Process-wide V8 set-up: flags, the platform (worker threads) and the Wasm
// trap handler.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/v8/backend.h"
#include "libplatform/libplatform.h"
#include "v8.h"

namespace wasmhost::v8backend {
namespace {

std::vector<std::string> FlagsFor(const EngineOptions& options) {
  std::vector<std::string> flags;
  switch (options.compile_tier) {
    case CompileTier::kTiered:
      break;
    case CompileTier::kBaseline:
      flags = {"--liftoff", "--no-wasm-tier-up"};
      break;
    case CompileTier::kOptimized:
      flags = {"--no-liftoff"};
      break;
  }
  flags.insert(flags.end(), options.v8_flags.begin(), options.v8_flags.end());
  return flags;
}

// Applies `flags`; V8 removes those it knows from argv, so what is left
// was not recognised. (SetFlagsFromString would print to stderr instead.)
absl::Status SetFlags(const std::vector<std::string>& flags) {
  std::vector<std::string> storage = {"wasmhost"};
  storage.insert(storage.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(storage.size());
  v8::V8::SetFlagsFromCommandLine(&argc, argv.data(), /*remove_flags=*/true);
  if (argc > 1) {
    std::vector<std::string> unknown(argv.begin() + 1, argv.begin() + argc);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown V8 flags: ", absl::StrJoin(unknown, " ")));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InitializeV8(const EngineOptions& options) {
  if (options.worker_threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker_threads must be >= 0, got ", options.worker_threads));
  }
  absl::Status flags = SetFlags(FlagsFor(options));
  if (!flags.ok()) return flags;

  // The trap handler must be enabled before the first isolate exists.
  if (options.trap_handler &&
      !v8::V8::EnableWebAssemblyTrapHandler(options.install_signal_handler)) {
    return absl::InternalError("V8 could not enable its Wasm trap handler");
  }
  v8::V8::InitializeICU();
  // Never destroyed: V8 cannot be re-initialised after disposal, and
  // thread-exit destructors of isolates may run during process exit.
  static v8::Platform* platform =
      v8::platform::NewDefaultPlatform(options.worker_threads).release();
  v8::V8::InitializePlatform(platform);
  if (!v8::V8::Initialize()) {
    return absl::InternalError("V8 failed to initialise");
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::v8backend
