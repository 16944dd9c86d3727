// wasmhost/errors.h: how failures are reported.
//
// Every fallible call returns absl::Status or absl::StatusOr<T>. The code
// says what the caller should do next:
//
//   InvalidArgument    bytes are not a valid module; a host function or typed
//                      handle does not match the guest's signature
//   NotFound           an import the linker did not grant; an unknown export
//   Aborted            the guest trapped; GetTrapInfo() gives the details
//   DeadlineExceeded   the call's deadline passed and the guest was stopped
//   ResourceExhausted  a memory limit was hit
//   FailedPrecondition the instance is poisoned by an earlier trap or
//                      termination, or is used from a thread it does not
//                      belong to
//   any other code     a host function's own status, passed through unchanged
//
//   TrapKind   what kind of trap stopped the guest
//   Frame      one frame of a Wasm backtrace
//   TrapInfo   the payload attached to a trap status

#ifndef WASMHOST_ERRORS_H_
#define WASMHOST_ERRORS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "wasmhost/export.h"

namespace wasmhost {

enum class TrapKind : uint8_t {
  kUnreachable,             // the `unreachable` instruction
  kMemoryOutOfBounds,       // a load or store outside linear memory
  kIntegerDivideByZero,     // div or rem by zero
  kIntegerOverflow,         // INT_MIN / -1, or a float that does not fit
  kIndirectCallMismatch,    // call_indirect: null entry or wrong signature
  kTableOutOfBounds,        // call_indirect or table access past the end
  kStackOverflow,           // the guest exhausted its stack
  kOther,                   // any other trap; see the message
};

// "unreachable", "memory out of bounds", "integer divide by zero", ...
WASMHOST_EXPORT absl::string_view TrapKindName(TrapKind kind);

// One Wasm frame, innermost first in a backtrace.
struct WASMHOST_EXPORT Frame {
  // From the module's name section; empty when the module has none.
  std::string function_name;
  // Index in the module's function index space (imports first).
  uint32_t function_index = 0;
  // Byte offset of the executing instruction from the start of the module.
  uint32_t module_offset = 0;
  // The module's name from its name section; empty when it has none. A
  // backtrace through several instances (one calling another's exports
  // through an import or a table) has frames of several modules, each
  // located in its own module.
  std::string module_name;
};

struct WASMHOST_EXPORT TrapInfo {
  TrapKind kind = TrapKind::kOther;
  // The engine's description, e.g. "memory access out of bounds".
  std::string message;
  std::vector<Frame> backtrace;
};

// The trap details carried by an Aborted status returned from a guest call
// or an instantiation whose start function trapped; nullopt for any other
// status.
[[nodiscard]] WASMHOST_EXPORT std::optional<TrapInfo> GetTrapInfo(
    const absl::Status& status);

}  // namespace wasmhost

#endif  // WASMHOST_ERRORS_H_
