#include "tests/trap_cases.h"

#include <cstdint>
#include <limits>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::testing {
namespace {

// Calls `instance`'s export `name` as a Sig; the status of the lookup or
// the call.
template <typename Sig, typename... Args>
absl::Status Call(Instance& instance, const char* name, Args... args) {
  absl::StatusOr<TypedFunc<Sig>> func = instance.GetFunc<Sig>(name);
  if (!func.ok()) return func.status();
  auto result = func->Call(args...);  // Status for void(), else StatusOr
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    return result;
  } else {
    return result.status();
  }
}

const TrapCase kTrapCases[] = {
    {"Unreachable",
     [](Instance& inst) { return Call<void()>(inst, "unreachable"); },
     TrapKind::kUnreachable, "unreachable", "unreachable", kUnreachableIndex,
     0x00},
    // 4 bytes from 3 before the end.
    {"MemoryOutOfBounds",
     [](Instance& inst) { return Call<int32_t(int32_t)>(inst, "load", 65535); },
     TrapKind::kMemoryOutOfBounds, "memory access out of bounds", "load",
     kLoadIndex, 0x28 /* i32.load */},
    {"IntegerDivideByZero",
     [](Instance& inst) {
       return Call<int32_t(int32_t, int32_t)>(inst, "divide", 1, 0);
     },
     TrapKind::kIntegerDivideByZero, "divide by zero", "divide", kDivideIndex,
     0x6d /* i32.div_s */},
    {"IntegerOverflowOnDivision",
     [](Instance& inst) {
       return Call<int32_t(int32_t, int32_t)>(
           inst, "divide", std::numeric_limits<int32_t>::min(), -1);
     },
     TrapKind::kIntegerOverflow, "divide result unrepresentable", "divide",
     kDivideIndex, std::nullopt},
    {"IntegerOverflowOnTruncation",
     [](Instance& inst) {
       return Call<int32_t(float)>(inst, "truncate", 3e9f);
     },
     TrapKind::kIntegerOverflow, "float unrepresentable in integer range",
     "truncate", kTruncateIndex, 0xa8 /* i32.trunc_f32_s */},
    {"IndirectCallSignatureMismatch",
     [](Instance& inst) {
       return Call<int32_t(int32_t)>(inst, "call_slot", 0);
     },
     TrapKind::kIndirectCallMismatch, "function signature mismatch",
     "call_slot", kCallSlotIndex, 0x11 /* call_indirect */},
    // errors.h: kIndirectCallMismatch is "call_indirect: null entry or wrong
    // signature". V8 says "null function or function signature mismatch".
    {"IndirectCallNullEntry",
     [](Instance& inst) {
       return Call<int32_t(int32_t)>(inst, "call_slot", 2);
     },
     TrapKind::kIndirectCallMismatch, "null function", "call_slot",
     kCallSlotIndex, std::nullopt},
    {"TableOutOfBounds",
     [](Instance& inst) {
       return Call<int32_t(int32_t)>(inst, "call_slot", 3);
     },
     TrapKind::kTableOutOfBounds, "table index is out of bounds", "call_slot",
     kCallSlotIndex, std::nullopt},
};

}  // namespace

absl::Span<const TrapCase> TrapCases() { return kTrapCases; }

}  // namespace wasmhost::testing
