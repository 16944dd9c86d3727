// The public half of wasmhost/wasi_component.h: the linker entry point and
// running a wasi:cli/run command.

#include "wasmhost/wasi_component.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/component_wasi.h"
#include "lib/wasi/pool_hooks.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi {

absl::Status AddToComponentLinker(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(p2::AddIo(linker));
  WASMHOST_RETURN_IF_ERROR(p2::AddCli(linker));
  WASMHOST_RETURN_IF_ERROR(p2::AddClocksAndRandom(linker));
  WASMHOST_RETURN_IF_ERROR(p2::AddFilesystem(linker));
  WASMHOST_RETURN_IF_ERROR(p2::AddSockets(linker));
  return absl::OkStatus();
}

absl::Status ConfigurePool(component::PoolOptions& options,
                           WasiOptions wasi_options) {
  return SetWasiPoolHooks(options, std::move(wasi_options));
}

absl::StatusOr<int> RunComponentCommand(component::Instance& instance,
                                        const CallOptions& options) {
  const std::string* run_interface = nullptr;
  for (const component::ComponentFunc& func :
       instance.component().exported_funcs()) {
    if (func.name == "run" &&
        absl::StartsWith(func.interface, "wasi:cli/run@0.2.")) {
      run_interface = &func.interface;
      break;
    }
  }
  if (run_interface == nullptr) {
    return absl::NotFoundError(
        "the component exports no wasi:cli/run@0.2 (not a command)");
  }
  WASMHOST_ASSIGN_OR_RETURN(component::Func run,
                            instance.GetFunc(*run_interface, "run"));
  absl::StatusOr<std::vector<component::Val>> result = run.Call(options, {});
  if (!result.ok()) {
    if (std::optional<int> code = GetExitCode(result.status())) return *code;
    return result.status();
  }
  return result->at(0).case_index() == 0 ? 0 : 1;
}

}  // namespace wasmhost::wasi
