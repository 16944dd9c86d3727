// tests/wasi_commands.h: running real WASI guests with captured stdio, as
// preview-1 modules and as WASI 0.2 components, so the same program's
// results can be compared.
//
//   Guest                          a module instantiated with its own
//                                  WasiContext
//   InstantiateWithWasi            makes one
//   InstantiateComponentWithWasi   a component instantiated on a given
//                                  WasiContext
//   CommandResult                  a command's exit code, stdout and stderr
//   RunGuest                       runs a preview-1 command module
//   RunComponentGuest              runs a WASI 0.2 command component
//                                  (wasi:cli/run)
//   MakeWalkTree, kWalkTreeListing the tree walk.c lists, and its listing

#ifndef WASMHOST_TESTS_WASI_COMMANDS_H_
#define WASMHOST_TESTS_WASI_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/component_instance.h"
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

// Instantiates component `bytes` on a linker granting WASI 0.2
// (wasi::AddToComponentLinker), with `context` as its WasiContext (none when
// nullptr; else it must outlive the instance). The first failing step's
// status otherwise.
absl::StatusOr<component::Instance> InstantiateComponentWithWasi(
    absl::Span<const uint8_t> bytes, wasi::WasiContext* context);

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

// Makes a new temporary directory holding, made in an order unlike the
// sorted one, the tree whose walk.c listing is kWalkTreeListing: files,
// directories and a symlink. Returns its path.
std::string MakeWalkTree();
inline constexpr char kWalkTreeListing[] =
    "a/\n"
    "a/b.txt 3\n"
    "a/c/\n"
    "a/c/d.txt 5\n"
    "link -> a/c\n"
    "m/\n"
    "z.txt 0\n";

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_WASI_COMMANDS_H_
