#include "lib/util/error_status.h"

#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "proto/wasmhost/v1/error.pb.h"
#include "wasmhost/errors.h"

namespace wasmhost {
namespace {

// One payload, one URL, for every status the API returns.
constexpr absl::string_view kErrorPayloadUrl =
    "type.googleapis.com/wasmhost.v1.Error";
// Deep recursion gives long backtraces; the payload keeps every frame.
constexpr size_t kMaxFramesInMessage = 16;

std::optional<v1::Error> ReadPayload(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  v1::Error error;
  if (!error.ParseFromString(std::string(*payload))) return std::nullopt;
  return error;
}

void SetPayload(absl::Status& status, const v1::Error& error) {
  status.SetPayload(kErrorPayloadUrl, absl::Cord(error.SerializeAsString()));
}

v1::Error ErrorOf(ErrorKind kind, LimitKind limit) {
  v1::Error error;
  error.set_kind(static_cast<uint32_t>(kind));
  error.set_limit(static_cast<uint32_t>(limit));
  return error;
}

}  // namespace

absl::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone:
      return "none";
    case ErrorKind::kInvalidModule:
      return "invalid module";
    case ErrorKind::kLinkError:
      return "link error";
    case ErrorKind::kUsage:
      return "usage";
    case ErrorKind::kTrap:
      return "trap";
    case ErrorKind::kGuestExit:
      return "guest exit";
    case ErrorKind::kLimit:
      return "limit";
    case ErrorKind::kPoisoned:
      return "poisoned";
    case ErrorKind::kWrongThread:
      return "wrong thread";
    case ErrorKind::kHostError:
      return "host error";
    case ErrorKind::kUnsupported:
      return "unsupported";
    case ErrorKind::kInternal:
      return "internal";
  }
  return "none";
}

absl::string_view LimitKindName(LimitKind kind) {
  switch (kind) {
    case LimitKind::kNone:
      return "none";
    case LimitKind::kDeadline:
      return "deadline";
    case LimitKind::kFuel:
      return "fuel";
    case LimitKind::kMemory:
      return "memory";
    case LimitKind::kTableElements:
      return "table elements";
    case LimitKind::kStack:
      return "stack";
    case LimitKind::kHeap:
      return "heap";
    case LimitKind::kAddressSpace:
      return "address space";
    case LimitKind::kModuleLimits:
      return "module limits";
    case LimitKind::kEngineLimits:
      return "engine limits";
    case LimitKind::kPoolInstances:
      return "pool instances";
    case LimitKind::kPoolThreadInstances:
      return "pool instances per thread";
  }
  return "none";
}

absl::string_view TrapKindName(TrapKind kind) {
  switch (kind) {
    case TrapKind::kUnreachable:
      return "unreachable";
    case TrapKind::kMemoryOutOfBounds:
      return "memory out of bounds";
    case TrapKind::kIntegerDivideByZero:
      return "integer divide by zero";
    case TrapKind::kIntegerOverflow:
      return "integer overflow";
    case TrapKind::kIndirectCallMismatch:
      return "indirect call type mismatch";
    case TrapKind::kTableOutOfBounds:
      return "table out of bounds";
    case TrapKind::kStackOverflow:
      return "stack overflow";
    case TrapKind::kOther:
      return "other";
  }
  return "other";
}

ErrorInfo GetErrorInfo(const absl::Status& status) {
  ErrorInfo info;
  if (status.ok()) return info;
  std::optional<v1::Error> error = ReadPayload(status);
  if (!error.has_value()) return info;
  // Enumerators a newer writer may add read as the nearest we know.
  info.kind = error->kind() <= static_cast<uint32_t>(ErrorKind::kInternal)
                  ? static_cast<ErrorKind>(error->kind())
                  : ErrorKind::kInternal;
  info.limit =
      error->limit() <= static_cast<uint32_t>(LimitKind::kPoolThreadInstances)
          ? static_cast<LimitKind>(error->limit())
          : LimitKind::kNone;
  if (error->has_trap()) {
    const v1::Trap& trap = error->trap();
    TrapInfo& trap_info = info.trap.emplace();
    trap_info.kind = trap.kind() <= static_cast<uint32_t>(TrapKind::kOther)
                         ? static_cast<TrapKind>(trap.kind())
                         : TrapKind::kOther;
    trap_info.message = trap.message();
    for (const v1::Frame& frame : trap.backtrace()) {
      trap_info.backtrace.push_back(
          {frame.function_name(), frame.function_index(), frame.module_offset(),
           frame.module_name()});
    }
  }
  if (info.kind == ErrorKind::kGuestExit && error->has_exit_code()) {
    info.exit_code = error->exit_code();
  }
  if (error->has_batch_row()) info.batch_row = error->batch_row();
  return info;
}

std::optional<TrapInfo> GetTrapInfo(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kAborted) return std::nullopt;
  return GetErrorInfo(status).trap;
}

absl::Status GuestExitStatus(int32_t exit_code) {
  absl::Status status =
      absl::CancelledError(absl::StrCat("guest exited with code ", exit_code));
  v1::Error error = ErrorOf(ErrorKind::kGuestExit, LimitKind::kNone);
  error.set_exit_code(exit_code);
  SetPayload(status, error);
  return status;
}

namespace internal {

absl::Status MakeError(absl::StatusCode code, ErrorKind kind,
                       absl::string_view message, LimitKind limit) {
  absl::Status status(code, message);
  SetPayload(status, ErrorOf(kind, limit));
  return status;
}

absl::Status UsageError(absl::StatusCode code, absl::string_view message) {
  return MakeError(code, ErrorKind::kUsage, message);
}

absl::Status WrongThreadError(absl::string_view message) {
  return MakeError(absl::StatusCode::kFailedPrecondition,
                   ErrorKind::kWrongThread, message);
}

absl::Status InternalError(absl::string_view message) {
  return MakeError(absl::StatusCode::kInternal, ErrorKind::kInternal, message);
}

absl::Status LimitError(LimitKind limit, absl::string_view message) {
  return MakeError(limit == LimitKind::kDeadline
                       ? absl::StatusCode::kDeadlineExceeded
                       : absl::StatusCode::kResourceExhausted,
                   ErrorKind::kLimit, message, limit);
}

absl::Status TrapStatus(const TrapInfo& info) {
  std::string text =
      absl::StrCat("trap: ", TrapKindName(info.kind), ": ", info.message);
  if (!info.backtrace.empty()) absl::StrAppend(&text, "\nwasm backtrace:");
  v1::Error error =
      ErrorOf(ErrorKind::kTrap, info.kind == TrapKind::kStackOverflow
                                    ? LimitKind::kStack
                                    : LimitKind::kNone);
  v1::Trap& trap = *error.mutable_trap();
  trap.set_kind(static_cast<uint32_t>(info.kind));
  trap.set_message(info.message);
  for (size_t i = 0; i < info.backtrace.size(); ++i) {
    const Frame& frame = info.backtrace[i];
    if (i < kMaxFramesInMessage) {
      absl::StrAppendFormat(
          &text, "\n  %2d: %#8x - %s%s", i, frame.module_offset,
          frame.module_name.empty() ? "" : absl::StrCat(frame.module_name, "!"),
          frame.function_name.empty()
              ? absl::StrCat("<func ", frame.function_index, ">")
              : frame.function_name);
    } else if (i == kMaxFramesInMessage) {
      absl::StrAppend(&text, "\n  ... ", info.backtrace.size() - i,
                      " more frames");
    }
    v1::Frame* proto = trap.add_backtrace();
    proto->set_function_name(frame.function_name);
    proto->set_function_index(frame.function_index);
    proto->set_module_offset(frame.module_offset);
    proto->set_module_name(frame.module_name);
  }
  absl::Status status = absl::AbortedError(text);
  SetPayload(status, error);
  return status;
}

absl::Status MarkHostError(absl::Status status) {
  if (status.ok()) return status;
  v1::Error error = ReadPayload(status).value_or(v1::Error());
  if (error.kind() == static_cast<uint32_t>(ErrorKind::kGuestExit)) {
    return status;
  }
  // A nested call's trap the host function passed on keeps its details.
  error.set_kind(static_cast<uint32_t>(ErrorKind::kHostError));
  error.set_limit(static_cast<uint32_t>(LimitKind::kNone));
  error.clear_exit_code();
  SetPayload(status, error);
  return status;
}

absl::Status WithDefaultKind(absl::Status status, ErrorKind kind) {
  if (status.ok() || ReadPayload(status).has_value()) return status;
  SetPayload(status, ErrorOf(kind, LimitKind::kNone));
  return status;
}

absl::Status WithPrefix(absl::string_view prefix, const absl::Status& status) {
  absl::Status prefixed(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload(
      [&prefixed](absl::string_view url, const absl::Cord& payload) {
        prefixed.SetPayload(url, payload);
      });
  return prefixed;
}

absl::Status WithBatchRow(const absl::Status& status, uint64_t row) {
  absl::Status marked =
      WithPrefix(absl::StrCat("batch row ", row, ": "), status);
  v1::Error error = ReadPayload(marked).value_or(v1::Error());
  error.set_batch_row(row);
  SetPayload(marked, error);
  return marked;
}

TrapKind TrapKindFromMessage(absl::string_view message) {
  struct Known {
    absl::string_view text;
    TrapKind kind;
  };
  // V8's wasm trap messages (message-template.h) and its stack overflow.
  static constexpr Known kKnown[] = {
      {"unreachable", TrapKind::kUnreachable},
      {"memory access out of bounds", TrapKind::kMemoryOutOfBounds},
      {"divide by zero", TrapKind::kIntegerDivideByZero},
      {"remainder by zero", TrapKind::kIntegerDivideByZero},
      {"divide result unrepresentable", TrapKind::kIntegerOverflow},
      {"float unrepresentable in integer range", TrapKind::kIntegerOverflow},
      {"function signature mismatch", TrapKind::kIndirectCallMismatch},
      {"table index is out of bounds", TrapKind::kTableOutOfBounds},
      {"invalid index into function table", TrapKind::kTableOutOfBounds},
      {"Maximum call stack size exceeded", TrapKind::kStackOverflow},
  };
  for (const Known& known : kKnown) {
    if (absl::StrContains(message, known.text)) return known.kind;
  }
  return TrapKind::kOther;
}

}  // namespace internal
}  // namespace wasmhost
