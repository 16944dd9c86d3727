// lib/wasi/carry.h: the part of a WasiContext a resident instance's
// snapshot carries to another process (include/wasmhost/resident.h): the
// virtual clock's reading, the seeded random stream's position, and which
// WASI 0.2 stdio streams a component holds. Stdio's bytes are the
// resident's own buffers; descriptors must be as Create made them.

#ifndef WASMHOST_LIB_WASI_CARRY_H_
#define WASMHOST_LIB_WASI_CARRY_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi {

struct CarriedWasiState {
  // The virtual clock's next reading; nullopt on the host's clocks.
  std::optional<uint64_t> virtual_now;
  // The seeded stream's generator state; nullopt for host randomness.
  std::optional<std::array<uint64_t, 4>> random_state;
};

// What `context` carries. Returns FailedPrecondition when the guest holds a
// descriptor no snapshot can carry: a file or directory it opened (host
// state that cannot move), or stdio or a preopen moved, closed, or with
// changed rights or flags (the message names the descriptor).
absl::StatusOr<CarriedWasiState> CarryWasiState(const WasiContext& context);

// Puts `carried` into `context`, made by WasiContext::Create from the same
// clock and randomness options. Returns InvalidArgument when they do not
// match (a virtual clock reading for a context on the host's clock, or
// the reverse; the same for the random stream).
absl::Status ResumeWasiState(WasiContext& context,
                             const CarriedWasiState& carried);

// A WASI 0.2 stdio stream (get-stdin, get-stdout or get-stderr) a
// component holds a handle to: what a snapshot carries of it (its bytes are
// the resident's stdio buffers).
struct CarriedStdioStream {
  enum class Kind { kStdin, kStdout, kStderr };
  Kind kind = Kind::kStdout;
  // Whether the stream is done (end of input, or a failed write).
  bool closed = false;
};

// The stdio stream at `rep` of `context`'s WASI 0.2 resources; nullopt when
// the object there is anything else (a file's stream, a pollable, none).
std::optional<CarriedStdioStream> StdioStreamAt(const WasiContext& context,
                                                uint32_t rep);

// Adds `stream` to `context`'s WASI 0.2 resources and returns its rep.
// Returns ResourceExhausted when they are full.
absl::StatusOr<uint32_t> AddStdioStream(WasiContext& context,
                                        const CarriedStdioStream& stream);

}  // namespace wasmhost::wasi

#endif  // WASMHOST_LIB_WASI_CARRY_H_
