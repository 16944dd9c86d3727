// tests/wasi_commands.h: running real WASI guests with captured stdio, as
// preview-1 modules and as WASI 0.2 components, so the same program's
// results can be compared.
//
//   Guest               a module instantiated with its own WasiContext
//   InstantiateWithWasi      makes one
//   CommandResult       a command's exit code, stdout and stderr
//   RunGuest            runs a preview-1 command module
//   RunComponentGuest   runs a WASI 0.2 command component (wasi:cli/run)

#ifndef WASMHOST_TESTS_WASI_COMMANDS_H_
#define WASMHOST_TESTS_WASI_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/instance.h"
#include "wasmhost/wasi.h"

namespace wasmhost::testing {

// A guest instantiated with its own WASI context and captured stdio.
struct Guest {
  std::string out;
  std::string err;
  std::unique_ptr<wasi::WasiContext> context;
  std::optional<Instance> instance;
};

// Instantiates module `bytes` with WASI granted by `options`; stdout and
// stderr go to guest->out and guest->err. Fails the test (and returns
// nullptr) if it cannot.
std::unique_ptr<Guest> InstantiateWithWasi(absl::Span<const uint8_t> bytes,
                                           wasi::WasiOptions options);

struct CommandResult {
  absl::StatusOr<int> exit_code;
  std::string out;
  std::string err;
};

// Runs command module `bytes` with `args` (args[0] is the program name)
// and the rest of `options`; stdout and stderr captured.
CommandResult RunGuest(absl::Span<const uint8_t> bytes,
                       std::vector<std::string> args,
                       wasi::WasiOptions options = {});

// The same for command component `bytes`, through
// wasi::AddToComponentLinker and wasi::RunComponentCommand.
CommandResult RunComponentGuest(absl::Span<const uint8_t> bytes,
                                std::vector<std::string> args,
                                wasi::WasiOptions options = {});

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_WASI_COMMANDS_H_
