#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/util/trap_status.h"
#include "proto/wasmhost/v1/trap.pb.h"
#include "wasmhost/errors.h"

namespace wasmhost {
namespace {

constexpr absl::string_view kTrapPayloadUrl =
    "type.googleapis.com/wasmhost.v1.Trap";
// Deep recursion gives long backtraces; the payload keeps every frame.
constexpr size_t kMaxFramesInMessage = 16;

}  // namespace

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

std::optional<TrapInfo> GetTrapInfo(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kAborted) return std::nullopt;
  auto payload = status.GetPayload(kTrapPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  wasmhost::v1::Trap trap;
  if (!trap.ParseFromString(std::string(*payload))) return std::nullopt;
  TrapInfo info;
  info.kind = trap.kind() <= static_cast<uint32_t>(TrapKind::kOther)
                  ? static_cast<TrapKind>(trap.kind())
                  : TrapKind::kOther;
  info.message = trap.message();
  for (const wasmhost::v1::Frame& frame : trap.backtrace()) {
    info.backtrace.push_back({frame.function_name(), frame.function_index(),
                              frame.module_offset(), frame.module_name()});
  }
  return info;
}

namespace internal {

absl::Status TrapStatus(const TrapInfo& info) {
  std::string text =
      absl::StrCat("trap: ", TrapKindName(info.kind), ": ", info.message);
  if (!info.backtrace.empty()) absl::StrAppend(&text, "\nwasm backtrace:");
  wasmhost::v1::Trap trap;
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
    wasmhost::v1::Frame* proto = trap.add_backtrace();
    proto->set_function_name(frame.function_name);
    proto->set_function_index(frame.function_index);
    proto->set_module_offset(frame.module_offset);
    proto->set_module_name(frame.module_name);
  }
  absl::Status status = absl::AbortedError(text);
  status.SetPayload(kTrapPayloadUrl, absl::Cord(trap.SerializeAsString()));
  return status;
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
