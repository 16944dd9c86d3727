// lib/util/status_macros.h: early-return helpers. Debian's Abseil
// (20220623) has no public RETURN_IF_ERROR / ASSIGN_OR_RETURN.

#ifndef WASMHOST_LIB_UTIL_STATUS_MACROS_H_
#define WASMHOST_LIB_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WASMHOST_CONCAT_INNER_(a, b) a##b
#define WASMHOST_CONCAT_(a, b) WASMHOST_CONCAT_INNER_(a, b)

// A name of its own per use (__COUNTER__), so one used inside another's
// expression (in a lambda) shadows nothing.
#define WASMHOST_RETURN_IF_ERROR(expr) \
  WASMHOST_RETURN_IF_ERROR_IMPL_(      \
      WASMHOST_CONCAT_(wasmhost_status_, __COUNTER__), expr)
#define WASMHOST_RETURN_IF_ERROR_IMPL_(status, expr) \
  do {                                               \
    ::absl::Status status = (expr);                  \
    if (!status.ok()) return status;                 \
  } while (false)

// WASMHOST_ASSIGN_OR_RETURN(auto x, MakeX()); declares or assigns `x` from
// an absl::StatusOr, returning its status on error.
#define WASMHOST_ASSIGN_OR_RETURN(lhs, expr) \
  WASMHOST_ASSIGN_OR_RETURN_IMPL_(           \
      WASMHOST_CONCAT_(wasmhost_statusor_, __LINE__), lhs, expr)
#define WASMHOST_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = *std::move(statusor)

#endif  // WASMHOST_LIB_UTIL_STATUS_MACROS_H_
