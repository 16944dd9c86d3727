// wasmhost/wasi_component.h: WASI 0.2 for components, on the capabilities
// wasi.h configures.
//
//   AddToComponentLinker  defines the WASI 0.2 interfaces on a
//                         component::Linker
//   ConfigurePool         a WasiContext per instance of a component pool,
//                         reset on every release
//   RunComponentCommand   runs a component's wasi:cli/run and returns its
//                         exit code
//
// A component instance gets WASI the way a module instance does: a
// WasiContext (wasi.h) made from the same WasiOptions (args, env, stdio
// sinks and source, preopens with their read-only rule, virtual clock,
// seeded random), given with InstanceOptions::SetContext. Its streams,
// descriptors and pollables live in that context, so WasiContext::Reset
// drops all of them along with the preview-1 descriptors. In a
// fresh-state component pool, those the component held handles to when
// the pool took its image (e.g. the stdout stream and preopens a warmed
// guest keeps) come back after every reset, at their handles, as they were
// then: a file stream at its offset, a preopen as its directory.

#ifndef WASMHOST_WASI_COMPONENT_H_
#define WASMHOST_WASI_COMPONENT_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_pool.h"
#include "wasmhost/export.h"
#include "wasmhost/limits.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi {

// Defines on `linker`, at version 0.2.12 (so an import of any 0.2.x
// version links): wasi:cli/{environment, exit, stdin, stdout, stderr,
// terminal-input, terminal-output, terminal-stdin, terminal-stdout,
// terminal-stderr}, wasi:io/{error, poll, streams},
// wasi:clocks/{monotonic-clock, wall-clock},
// wasi:random/{random, insecure, insecure-seed},
// wasi:filesystem/{types, preopens} and wasi:sockets/{network,
// instance-network, tcp, tcp-create-socket, udp, udp-create-socket,
// ip-name-lookup}.
//
// What the guest sees: stdio streams over the context's sinks and source
// (never a terminal); the preopens as descriptors with their guest names,
// every path opened by the kernel beneath its directory (an escape is
// `not-permitted`, a change below a read-only preopen `read-only`);
// directories listed sorted by name; set-times, set-times-at and link-at
// `unsupported`; streams and pollables never block except on clocks
// (which the virtual clock jumps instead); every socket operation
// `access-denied`. Host functions find the caller's WasiContext through
// Caller::context<WasiContext>(); in an instance without one, every call
// but wasi:cli/exit traps with FailedPrecondition. wasi:cli/exit ends the
// call with GuestExitStatus (0 for ok, 1 for err; GetExitCode reads it):
// WASI 0.2 carries no other code, so a C program's exit(7) is 1 here
// (exit-with-code, unstable in 0.2, gives its code when a guest imports
// it).
// Returns AlreadyExists if `linker` already defines one of them.
// (component::api:: spelled out: lib/component's internal types share the
// component namespace, and tools include both.)
WASMHOST_EXPORT absl::Status AddToComponentLinker(
    component::api::Linker& linker);

// Gives every instance of a component pool its own WASI state, as the
// module pool's ConfigurePool (wasi.h) does, with the same hooks but
// initialize_instance (a component has no _initialize): setup_instance
// makes a WasiContext per instance from a copy of `wasi_options`,
// reset_instance calls WasiContext::Reset, is_normal_exit accepts
// wasi:cli/exit. Hooks `options` already has run after WASI's part.
// A guest may be called in initialize_instance (warming it: its first
// WASI calls, which the preview-1 adapter makes to set itself up and which
// grow its memory, are then in the image): the streams and descriptors it
// keeps handles to then are captured with the image
// (component::HostResourceImage) and put back, as they were, after every
// reset and in every new instance, whose contexts are its own. Without
// that warming, a guest whose first call grows its memory is replaced on
// every lease. Returns what WasiContext::Create returns for
// `wasi_options`; `options` is unchanged then. The linker still needs
// AddToComponentLinker.
WASMHOST_EXPORT absl::Status ConfigurePool(component::api::PoolOptions& options,
                                           WasiOptions wasi_options);

// Runs the `run` function of the instance's exported wasi:cli/run (any 0.2
// version). Returns the exit code: 0 when it returns ok, 1 for err, the
// code given to wasi:cli/exit otherwise. Errors are those of
// component::Func::Call, plus NotFound when the component exports no
// wasi:cli/run.
WASMHOST_EXPORT absl::StatusOr<int> RunComponentCommand(
    component::api::Instance& instance, const CallOptions& options = {});

}  // namespace wasmhost::wasi

#endif  // WASMHOST_WASI_COMPONENT_H_
