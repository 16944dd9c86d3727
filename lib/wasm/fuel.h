// lib/wasm/fuel.h: deterministic fuel metering injected into a module's
// code, so the host can bound the work a guest call does.
//
//   kSetFuelExport, kGetFuelExport  the default names of the two exports
//   FuelOptions                     how the rewrite is configured
//   FuelOffsetRun                   one run of the offset map
//   FuelRewrite                     the instrumented module and its metadata
//   InjectFuel                      the rewrite
//
// The model. The rewrite adds one mutable i64 global holding the fuel left,
// and charges it at every function entry and every `loop` header (the only
// place control flows backwards in WebAssembly):
//
//   * A region is a function body or a loop body. Its cost is the number of
//     its instructions, counting every instruction of the original code once
//     (`end`, `else` and the like included) and excluding the bodies of
//     nested loops, which are regions of their own. A `loop` instruction
//     belongs to the enclosing region; its body, up to and including the
//     matching `end`, to the loop's region. Injected code costs nothing.
//   * On entry to a region (function entry, each loop iteration) its whole
//     cost is subtracted before any of it runs. Code outside loops runs at
//     most once per call and loop code at most once per iteration, so the
//     charge is an upper bound of the instructions executed (untaken `if`
//     arms and code skipped by a branch are charged anyway), and it depends
//     only on the path the guest takes: the same module with the same inputs
//     uses the same fuel in every run, process and tier.
//   * After subtracting, if the fuel is negative the guest executes an
//     `unreachable` (see FuelRewrite::out_of_fuel_offsets), so the region
//     that overdraws never runs. The fuel left is then negative (at least
//     -cost of that region); treat it as zero.
//
// The check is, with $tmp a new i64 local appended to the function's locals:
//
//   global.get $fuel  i64.const <cost>  i64.sub  local.tee $tmp
//   global.set $fuel  local.get $tmp  i64.const 0  i64.lt_s
//   if  unreachable  end
//
// A function that already has V8's maximum of 50000 locals (parameters
// included) gets `global.set $fuel  global.get $fuel` instead of the local.
//
// No index moves: the global is appended to the global section, the two
// accessor functions and their types are appended after every existing
// function and type, the exports after the existing exports. Every section
// other than type, function, global, export and code is copied byte for
// byte (element segments, start, data count and the name section remain
// valid); missing ones of those five are inserted in canonical order.

#ifndef WASMHOST_LIB_WASM_FUEL_H_
#define WASMHOST_LIB_WASM_FUEL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {

// `(param i64) -> ()`: sets the fuel left. Negative values are stored as 0.
inline constexpr absl::string_view kSetFuelExport = "wasmhost:fuel:set";
// `() -> i64`: the fuel left; negative after an out-of-fuel trap.
inline constexpr absl::string_view kGetFuelExport = "wasmhost:fuel:get";

// How InjectFuel instruments a module. Plain value: thread-compatible.
struct FuelOptions {
  // The fuel global's value at instantiation, before the host can call the
  // set export: it is what the start function (and any call made without
  // setting fuel) runs with. Default INT64_MAX: effectively unmetered, so
  // instantiation and un-metered calls work; a runtime that meters calls
  // sets the fuel before each one. 0 makes a start function, and any call
  // made before setting fuel, trap at its first check. Any value is allowed.
  int64_t initial_fuel = std::numeric_limits<int64_t>::max();

  // Names of the two added exports. A host picks names no export of the
  // module uses (the rewrite refuses a clash).
  std::string set_fuel_export = std::string(kSetFuelExport);
  std::string get_fuel_export = std::string(kGetFuelExport);
};

// One run of the offset map (see OffsetRun).
using FuelOffsetRun = OffsetRun;

// The result of InjectFuel. Plain value: thread-compatible.
struct FuelRewrite {
  std::vector<uint8_t> bytes;      // The instrumented module.
  std::string set_fuel_export;     // FuelOptions::set_fuel_export
  std::string get_fuel_export;     // FuelOptions::get_fuel_export
  uint32_t fuel_global_index = 0;  // The original global count.
  uint32_t set_fuel_function = 0;  // The original function count.
  uint32_t get_fuel_function = 0;  // set_fuel_function + 1.
  // Module offsets, in `bytes`, of the `unreachable` each check executes
  // when the fuel runs out: a trap at one of these means "out of fuel".
  // Sorted ascending, no duplicates.
  std::vector<uint32_t> out_of_fuel_offsets;
  // Covers all of `bytes`, sorted by instrumented_offset; the first run
  // starts at 0. Use OriginalOffset() rather than reading it.
  std::vector<FuelOffsetRun> offset_map;

  // The original module offset of `instrumented_offset`: inside copied
  // code, the same byte of the original; inside injected code (a check,
  // a rewritten locals declaration or body size), the offset of the
  // original instruction or body it precedes. Offsets in rewritten or added
  // sections map to the original section's offset (or the next one's).
  // Offsets past the end extrapolate from the last run.
  [[nodiscard]] uint32_t OriginalOffset(uint32_t instrumented_offset) const;

  // True if `offset` is one of out_of_fuel_offsets (binary search).
  [[nodiscard]] bool IsOutOfFuelOffset(uint32_t offset) const;
};

// Returns `bytes` instrumented with fuel metering as described at the top
// of this file. Does not retain `bytes`; `info` must be ReadModule(bytes).
// The instrumented module is valid if the original is; the rewrite is not
// idempotent (a second one fails on the export names).
//
// Returns InvalidArgument "at offset <n>: ... in function <index>" for a
// malformed function body (as InstructionReader::Next), InvalidArgument if
// the module already exports one of the FuelOptions export names, if the input
// or the instrumented module would exceed 4 GiB (offsets are 32-bit), or if
// `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<FuelRewrite> InjectFuel(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    const FuelOptions& options = {});

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_FUEL_H_
