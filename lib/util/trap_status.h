// lib/util/trap_status.h: builds the Aborted status of a trap with its
// TrapInfo payload (read back by GetTrapInfo in errors.h).

#ifndef WASMHOST_LIB_UTIL_TRAP_STATUS_H_
#define WASMHOST_LIB_UTIL_TRAP_STATUS_H_

#include "absl/status/status.h"
#include "wasmhost/errors.h"

namespace wasmhost::internal {

// "trap: <kind>: <message>" followed by the backtrace, one frame per line.
absl::Status TrapStatus(const TrapInfo& info);

// The trap kind of a V8 trap message such as "divide by zero".
TrapKind TrapKindFromMessage(absl::string_view message);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_TRAP_STATUS_H_
