// wasmhost/errors.h: how failures are reported.
//
// Every fallible call returns absl::Status or absl::StatusOr<T>. The code
// says what the caller should do next; GetErrorInfo(status) says what
// happened (an ErrorKind and, for a limit, which LimitKind), read from a
// payload every status of the API carries, never from the text. The table
// below lists every code the API returns (tests/errors_test.cc provokes
// each row and checks code, kind and limit; the README's table is checked
// against it):
//
//   code               kind            limit
//       when
//   InvalidArgument    kInvalidModule  -
//       Engine::Compile: the bytes are not a valid module
//   ResourceExhausted  kLimit          kModuleLimits
//       Engine::Compile: over EngineOptions::module_limits
//   ResourceExhausted  kLimit          kEngineLimits
//       the host's rewrites would take a module past V8's fixed limits;
//       Table::Create past V8's table size
//   NotFound           kLinkError      -
//       Instance::Create: an import the linker does not grant
//   InvalidArgument    kLinkError      -
//       Instance::Create: the linker's definition has another kind or type than
//       the import
//   NotFound           kUsage          -
//       no export has that name
//   InvalidArgument    kUsage          -
//       a handle or argument of another kind, type or signature; contradictory
//       options
//   AlreadyExists      kUsage          -
//       Linker: the name is already defined
//   OutOfRange         kUsage          -
//       Memory or Table access outside its bounds
//   FailedPrecondition kUsage          -
//       the operation does not apply in this state (immutable global, no fuel
//       set yet, ...)
//   FailedPrecondition kPoisoned       -
//       the instance is poisoned by an earlier failure
//   FailedPrecondition kWrongThread    -
//       used off its thread, or its thread's isolate is gone
//   Aborted            kTrap           -
//       the guest trapped; GetTrapInfo() gives the details
//   Aborted            kTrap           kStack
//       the guest overflowed its stack (Limits::max_stack_bytes or the
//       thread's)
//   DeadlineExceeded   kLimit          kDeadline
//       CallOptions::deadline or timeout passed (also an enclosing call's)
//   ResourceExhausted  kLimit          kFuel
//       the guest used all of CallOptions::fuel
//   ResourceExhausted  kLimit          kMemory
//       memory over Limits::max_memory_bytes, or it cannot grow to a pool's
//       image
//   ResourceExhausted  kLimit          kTableElements
//       tables over Limits::max_table_elements; Table::Grow past its maximum
//   ResourceExhausted  kLimit          kHeap
//       the guest or instantiation exhausted V8's heap
//   ResourceExhausted  kLimit          kAddressSpace
//       no address space left for a memory's reservation
//   ResourceExhausted  kLimit          kPoolInstances
//       PoolOptions::max_instances leased past acquire_timeout
//   ResourceExhausted  kLimit          kPoolThreadInstances
//       PoolOptions::max_instances_per_thread leased on this thread
//   Cancelled          kGuestExit      -
//       the guest ended its program (GuestExitStatus, WASI proc_exit)
//   any                kHostError      -
//       a host function or pool hook failed; its own code and message
//   Unimplemented      kUnsupported    -
//       a feature V8 or the SDK lacks (a value type, type reflection)
//   Internal           kInternal       -
//       V8 failed where it should not; a bug to report
//
// Codes that mean several kinds are kept rather than split: callers
// already branch on them correctly (FailedPrecondition: do not retry the
// same call; ResourceExhausted: a budget ran out, retry with more or
// later), and gRPC-style mappings of them stay right. GetErrorInfo tells
// them apart when the caller should act differently (replace a poisoned
// instance; move to the instance's thread; raise fuel or wait for the pool).
//
// A host function's status reaches the outer caller with the host's own
// code and message, marked kHostError whatever kind it had before: it can
// never be taken for a trap, deadline or poisoned instance of the outer
// call. A nested call's trap that the host function passed on keeps its
// details (GetTrapInfo: the backtrace through both modules). The exception
// is GuestExitStatus, which a host function returns to end the guest's
// program: it stays kGuestExit. A pool hook's status (PoolOptions::
// setup_instance, ...) is kHostError unless the API classified it (a trap
// in initialize_instance's call stays kTrap).
//
//   ErrorKind  what kind of failure a status is
//   LimitKind  which limit a kLimit (or stack overflow) status hit
//   TrapKind   what kind of trap stopped the guest
//   Frame      one frame of a Wasm backtrace
//   TrapInfo   the details of a trap
//   ErrorInfo  everything GetErrorInfo reads from a status

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

enum class ErrorKind : uint8_t {
  kNone,           // the status is OK, or the API did not make it
  kInvalidModule,  // the bytes are not a valid module
  kLinkError,      // an import is not granted, or granted with another type
  kUsage,          // the host called the API wrongly (see the table)
  kTrap,           // the guest trapped
  kGuestExit,      // the guest ended its program (exit_code)
  kLimit,          // a limit stopped the work (limit says which)
  kPoisoned,       // the instance failed earlier and runs no more guest code
  kWrongThread,    // used off its thread, or its thread's isolate is gone
  kHostError,      // a host function or pool hook returned this status
  kUnsupported,    // a feature V8 or the SDK lacks
  kInternal,       // V8 failed unexpectedly
};

// "none", "invalid module", "link error", "usage", "trap", ...
WASMHOST_EXPORT absl::string_view ErrorKindName(ErrorKind kind);

enum class LimitKind : uint8_t {
  kNone,                 // no limit was hit
  kDeadline,             // CallOptions::deadline / timeout
  kFuel,                 // CallOptions::fuel
  kMemory,               // Limits::max_memory_bytes
  kTableElements,        // Limits::max_table_elements, a table's maximum
  kStack,                // Limits::max_stack_bytes, or the thread's stack
  kHeap,                 // V8's heap
  kAddressSpace,         // the process's address space
  kModuleLimits,         // EngineOptions::module_limits
  kEngineLimits,         // V8's fixed limits (imports, exports, table size)
  kPoolInstances,        // PoolOptions::max_instances
  kPoolThreadInstances,  // PoolOptions::max_instances_per_thread
};

// "none", "deadline", "fuel", "memory", "table elements", ...
WASMHOST_EXPORT absl::string_view LimitKindName(LimitKind kind);

enum class TrapKind : uint8_t {
  kUnreachable,           // the `unreachable` instruction
  kMemoryOutOfBounds,     // a load or store outside linear memory
  kIntegerDivideByZero,   // div or rem by zero
  kIntegerOverflow,       // INT_MIN / -1, or a float that does not fit
  kIndirectCallMismatch,  // call_indirect: null entry or wrong signature
  kTableOutOfBounds,      // call_indirect or table access past the end
  kStackOverflow,         // the guest exhausted its stack
  kOther,                 // any other trap; see the message
};

// "unreachable", "memory out of bounds", "integer divide by zero", ...
WASMHOST_EXPORT absl::string_view TrapKindName(TrapKind kind);

// One Wasm frame, innermost first in a backtrace.
struct WASMHOST_EXPORT Frame {
  // From the module's name section; empty when the section does not name
  // the function (then the status message shows "<func INDEX>"). Never
  // made up from export names or indices, as V8's own traces do ("$run",
  // "$func1").
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

struct WASMHOST_EXPORT ErrorInfo {
  ErrorKind kind = ErrorKind::kNone;
  // For kLimit, and for a stack-overflow trap (kStack); kNone otherwise.
  LimitKind limit = LimitKind::kNone;
  // For kTrap, and for kHostError passing on a nested call's trap.
  std::optional<TrapInfo> trap;
  // For kGuestExit.
  std::optional<int32_t> exit_code;
  // For a batch call (TypedFunc::CallBatch) that failed in a row (a trap,
  // a deadline or fuel running out, a host function's error): the index of
  // the row that was running; its message starts "batch row <index>: ".
  std::optional<uint64_t> batch_row;
};

// What `status` is; kind kNone for OK and for a status the API did not
// make (one a host function made, before the API marked it kHostError).
[[nodiscard]] WASMHOST_EXPORT ErrorInfo
GetErrorInfo(const absl::Status& status);

// GetErrorInfo(status).trap for an Aborted status: the details of a trap
// in a guest call or a start function (the outer call's, or one a host
// function passed on); nullopt for any other status.
[[nodiscard]] WASMHOST_EXPORT std::optional<TrapInfo> GetTrapInfo(
    const absl::Status& status);

// The status a host function returns to end the guest's program with
// `exit_code` (as WASI's proc_exit does): Cancelled, "guest exited with
// code N", kind kGuestExit. It poisons the instance like any failure, but a
// pool with PoolOptions::is_normal_exit keeps the instance.
[[nodiscard]] WASMHOST_EXPORT absl::Status GuestExitStatus(int32_t exit_code);

}  // namespace wasmhost

#endif  // WASMHOST_ERRORS_H_
