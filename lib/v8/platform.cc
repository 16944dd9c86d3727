// Process-wide V8 set-up: flags, the platform (worker threads) and the Wasm
// trap handler.

#include "lib/v8/platform.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/util/error_status.h"
#include "lib/v8/backend.h"
#include "libplatform/libplatform.h"
#include "v8.h"

namespace wasmhost::v8backend {
namespace {

std::vector<std::string> FlagsFor(const EngineOptions& options) {
  // WebAssembly.Function.type: the signature of a funcref the host reads
  // from a table or global. It only adds to the JS API, which guests never
  // reach. Extended constant expressions (i32/i64 add, sub, mul in global,
  // data and element initialisers) are standard Wasm that V8 10.2 keeps
  // behind a flag; position-independent guests need them (componentize-qjs
  // output computes addresses from imported __memory_base globals), and
  // wasm::ReadModule accepts them already.
  std::vector<std::string> flags = {"--experimental-wasm-type-reflection",
                                    "--experimental-wasm-extended-const"};
  switch (options.compile_tier) {
    case CompileTier::kTiered:
      break;
    case CompileTier::kBaseline:
      flags.insert(flags.end(), {"--liftoff", "--no-wasm-tier-up"});
      break;
    case CompileTier::kOptimized:
      flags.push_back("--no-liftoff");
      break;
  }
  if (options.lazy_compilation) flags.push_back("--wasm-lazy-compilation");
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
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("unknown V8 flags: ", absl::StrJoin(unknown, " ")));
  }
  return absl::OkStatus();
}

// Set once by InitializeV8; read-only afterwards.
std::string* engine_fingerprint = nullptr;
v8::Platform* platform = nullptr;

}  // namespace

std::string EngineFingerprint() { return *engine_fingerprint; }

v8::Platform* V8Platform() { return platform; }

bool V8Initialized() { return engine_fingerprint != nullptr; }

absl::Status InitializeV8(const EngineOptions& options) {
  if (options.worker_threads < 0) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("worker_threads must be >= 0, got ",
                     options.worker_threads));
  }
  const std::vector<std::string> flags = FlagsFor(options);
  absl::Status flags_set = SetFlags(flags);
  if (!flags_set.ok()) return flags_set;

  // The trap handler must be enabled before the first isolate exists.
  if (options.trap_handler &&
      !v8::V8::EnableWebAssemblyTrapHandler(options.install_signal_handler)) {
    return internal::InternalError("V8 could not enable its Wasm trap handler");
  }
  v8::V8::InitializeICU();
  // Never destroyed: V8 cannot be re-initialised after disposal, and
  // thread-exit destructors of isolates may run during process exit.
  platform = v8::platform::NewDefaultPlatform(options.worker_threads).release();
  v8::V8::InitializePlatform(platform);
  if (!v8::V8::Initialize()) {
    return internal::InternalError("V8 failed to initialise");
  }
  engine_fingerprint = new std::string(absl::StrCat(
      "V8 ", v8::V8::GetVersion(), "; flags ", absl::StrJoin(flags, " "),
      options.trap_handler ? " (trap handler)" : " (bounds checks)"));
  return absl::OkStatus();
}

}  // namespace wasmhost::v8backend
