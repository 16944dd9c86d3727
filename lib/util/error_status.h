// lib/util/error_status.h: builds the statuses the API returns, each with
// its wasmhost.v1.Error payload (read back by GetErrorInfo in errors.h).

#ifndef WASMHOST_LIB_UTIL_ERROR_STATUS_H_
#define WASMHOST_LIB_UTIL_ERROR_STATUS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "wasmhost/errors.h"

namespace wasmhost::internal {

// A status of `code` and `message` classified as `kind` (and `limit`).
absl::Status MakeError(absl::StatusCode code, ErrorKind kind,
                       absl::string_view message,
                       LimitKind limit = LimitKind::kNone);

// The host called the API wrongly: `code` and `message`, kind kUsage.
absl::Status UsageError(absl::StatusCode code, absl::string_view message);

// FailedPrecondition, kind kWrongThread.
absl::Status WrongThreadError(absl::string_view message);

// Internal, kind kInternal: V8 failed where it should not.
absl::Status InternalError(absl::string_view message);

// Kind kLimit: DeadlineExceeded for kDeadline, ResourceExhausted otherwise.
absl::Status LimitError(LimitKind limit, absl::string_view message);

// "trap: <kind>: <message>" followed by the backtrace, one frame per line;
// Aborted, kind kTrap (limit kStack for a stack overflow).
absl::Status TrapStatus(const TrapInfo& info);

// A host function's failure: its code and message, kind kHostError,
// whatever kind it had (a nested trap it passed on keeps its details); a
// GuestExitStatus stays as it is.
absl::Status MarkHostError(absl::Status status);

// `status` classified as `kind` when it has no classification yet (from
// lib/wasm or the code cache, which know no kinds); as it is otherwise.
absl::Status WithDefaultKind(absl::Status status, ErrorKind kind);

// `status` with `prefix` before its message, its code and payloads kept.
absl::Status WithPrefix(absl::string_view prefix, const absl::Status& status);

// `status` of a batch call that failed in row `row`: "batch row <row>: "
// before its message, and the row in its payload (ErrorInfo::batch_row).
absl::Status WithBatchRow(const absl::Status& status, uint64_t row);

// The trap kind of a V8 trap message such as "divide by zero".
TrapKind TrapKindFromMessage(absl::string_view message);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_ERROR_STATUS_H_
