// tests/trap_cases.h: one trap of each kind that a single call into
// traps.wat raises, shared by instance_test (which also checks the offset
// of the trapping instruction) and engine_modes_test (in every engine
// mode).
//
//   kUnreachableIndex ...  traps.wat's function indices
//   TrapCase               a call, and the trap it must end in
//   TrapCases()            every case

#ifndef WASMHOST_TESTS_TRAP_CASES_H_
#define WASMHOST_TESTS_TRAP_CASES_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::testing {

// traps.wat's function indices (it has no imports).
inline constexpr uint32_t kUnreachableIndex = 0, kLoadIndex = 1,
                          kDivideIndex = 2, kTruncateIndex = 3,
                          kCallSlotIndex = 4, kRecurseIndex = 7,
                          kOuterIndex = 8;

struct TrapCase {
  // Names the case in test names and traces.
  const char* name;
  // Calls the export that traps, on an instance of traps.wasm.
  absl::Status (*call)(Instance& instance);
  // The trap: its kind, a substring of its message, and the innermost frame.
  TrapKind kind;
  const char* message;
  const char* function;
  uint32_t function_index;
  // The first byte of the trapping instruction; nullopt: not checked.
  std::optional<uint8_t> opcode;
};

// Every case, in traps.wat's order. A trap poisons its instance, so each
// case needs an instance of its own.
absl::Span<const TrapCase> TrapCases();

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_TRAP_CASES_H_
