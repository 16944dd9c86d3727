// lib/wasm/bounded_bulk.h: splits the bulk memory and table instructions
// into chunks, so a deadline can stop them part way.
//
//   BoundedBulkOptions     the chunk sizes
//   BoundedBulk            the rewritten module and its offset map
//   BoundBulkInstructions  the rewrite
//
// Why. V8 runs `memory.fill`, `memory.copy`, `memory.init`, `table.fill`,
// `table.copy` and `table.init` as one runtime call that never looks for a
// termination request: a 1 GiB `memory.fill` runs ~0.5 s past a 10 ms
// deadline. V8 does check for termination at every loop back edge, so the
// rewrite replaces each of these instructions with a `call` to a helper
// that does the same work one chunk per loop iteration.
//
// The helpers. One per instruction kind and immediates (memory, table and
// segment indices) the code uses, appended after every existing function,
// unexported (no guest can name them: the module was validated before).
// Each has the instruction's stack signature, [i32 i32 i32] -> [] (with the
// table's reference type as the second parameter of `table.fill`), and:
//
//   * if the length is at most one chunk, or the destination or source
//     range is out of bounds (computed in i64, so i32 wrap-around cannot
//     hide it), executes the original instruction itself: the cheap path,
//     and out of bounds the very trap the original raises, before anything
//     is written;
//   * for `memory.init` and `table.init`, checks the segment range with the
//     same instruction at length 0 on [s + n, s + n), which traps exactly
//     when the segment (dropped: length 0) is shorter than s + n;
//   * then does the work in chunks: forward, or for a copy whose
//     destination is above its source, backward, so overlapping ranges are
//     copied as by the original (memmove).
//
// A termination between chunks leaves part of the work done; the runtime
// poisons an instance whose call was terminated, so that is never seen.
// Traps keep their kind and message; the helper's frame is the innermost
// one, above the caller's frame at the `call`, which the offset map maps to
// the original instruction (hide the helper's frame: IsHelper()).
//
// `table.grow` (when BoundedBulkOptions::table_budget_export is set) gets a
// helper too, [ref i32] -> [i32], which returns -1, as growth past a
// table's maximum does, if a growth by more than 0 would make the tables
// the module defines (and the grown one, if imported) hold more elements
// than a budget: a new
// mutable i32 global (read unsigned) the host sets per instance through
// the new export. Growth within the budget and the table's maximum (or
// V8's 10,000,000) runs in chunks, like the other helpers; any other
// growth is the original instruction's.
//
// Every other byte is kept: the helpers' types are appended after every
// existing type, the budget global after every global, its export after
// every export; no index moves, and other sections are copied byte for
// byte.

#ifndef WASMHOST_LIB_WASM_BOUNDED_BULK_H_
#define WASMHOST_LIB_WASM_BOUNDED_BULK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {

// How BoundBulkInstructions splits the work. Plain value:
// thread-compatible.
struct BoundedBulkOptions {
  // Bytes one memory chunk covers: the work between two termination
  // checks. Default 1 MiB (~0.5 ms of `memory.fill`); 1 to 2^30.
  uint32_t memory_chunk_bytes = 1 << 20;
  // Table elements one table chunk covers. Default 65,536; 1 to 2^30.
  uint32_t table_chunk_elements = 1 << 16;

  // The export name of the table budget global; empty (the default):
  // `table.grow` is left as it is. Must not be an export of the module.
  std::string table_budget_export;
  // The budget's value at instantiation, before the host sets it: what a
  // start function's `table.grow` is held to. 0xffffffff: no budget.
  uint32_t initial_table_budget = 0xffffffff;
};

// The result of BoundBulkInstructions. Plain value: thread-compatible.
struct BoundedBulk {
  // The rewritten module; a copy of the input if helper_count is 0.
  std::vector<uint8_t> bytes;
  // The helpers are functions [first_helper, first_helper + helper_count):
  // first_helper is the original function count.
  uint32_t first_helper = 0;
  uint32_t helper_count = 0;
  // The table budget global's index (the original global count), if a
  // `table.grow` was rewritten; exported as table_budget_export.
  std::optional<uint32_t> table_budget_global;
  // Covers all of `bytes`, sorted; empty if helper_count is 0. Use
  // OriginalOffset() rather than reading it.
  std::vector<OffsetRun> offset_map;

  // The original module offset of `offset` in `bytes`: inside copied code
  // the same byte, at a `call` to a helper the instruction it replaced.
  [[nodiscard]] uint32_t OriginalOffset(uint32_t offset) const;

  // True if `function_index` is one of the helpers.
  [[nodiscard]] bool IsHelper(uint32_t function_index) const {
    return function_index >= first_helper &&
           function_index - first_helper < helper_count;
  }
};

// Returns `bytes` with every `memory.fill`, `memory.copy`, `memory.init`,
// `table.fill`, `table.copy` and `table.init` replaced by a call to a
// chunked helper as described at the top of this file. Does not retain
// `bytes`; `info` must be ReadModule(bytes) of a module V8 validated (the
// rewrite trusts index immediates and types).
//
// Returns InvalidArgument "at offset <n>: ..." for a malformed function body
// (as InstructionReader::Next), InvalidArgument if a chunk size is out of
// range, if an instruction names a table the module lacks, if the module
// already exports table_budget_export, if the module would exceed 4 GiB, or
// if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<BoundedBulk> BoundBulkInstructions(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    const BoundedBulkOptions& options = {});

// The same, rewriting the instructions summary.bulk_sites lists
// (`summary` is ScanCode(bytes, info)) without decoding any body, so a
// module's code is decoded once in all; bodies without sites are copied
// whole. Returns InvalidArgument as above, and if a site does not lie
// inside its function's body, in code order, on a 0xfc instruction of its
// opcode.
[[nodiscard]] absl::StatusOr<BoundedBulk> BoundBulkInstructions(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    const CodeSummary& summary, const BoundedBulkOptions& options = {});

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_BOUNDED_BULK_H_
