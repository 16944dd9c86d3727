// lib/wasm/module_tail.h: the sections no rewrite changes, set aside so a
// chain of rewrites copies only the rest of the module.
//
//   TailOffset   where a module's tail starts
//   SplitModule  a module cut in two: what the rewrites see, and the tail
//   SplitTail    sets aside a module's trailing data and custom sections
//   JoinTail     puts them back after the rewritten rest
//
// The data section and custom sections (debug info, names) are most of a
// big program's bytes, and they come last: every rewrite (the memory
// import, boundary wrappers and global accessors of one RewriteSections
// pass, BoundBulkInstructions, InjectFuel, the tag) inserts or changes
// sections before them only, so they can be copied once, at the end,
// instead of once per rewrite.

#ifndef WASMHOST_LIB_WASM_MODULE_TAIL_H_
#define WASMHOST_LIB_WASM_MODULE_TAIL_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/wasm/reader.h"

namespace wasmhost::wasm {

// A module cut before its tail. Borrows the bytes given to SplitTail.
// Thread-compatible.
struct SplitModule {
  // The sections before the tail, then, if the tail holds the data
  // section, `stand_in`: a data section of as many empty passive segments,
  // so the head still reads as a module (its data count, if any, matches).
  std::vector<uint8_t> head;
  std::vector<uint8_t> stand_in;
  // The trailing data and custom sections, exactly as in the module.
  absl::Span<const uint8_t> tail;
  // The whole module SplitTail cut.
  absl::Span<const uint8_t> module;
};

// The offset of the first byte after the last section that is neither
// the data section nor a custom one (the header's end if there is none):
// where the tail starts. `info` is ReadModule of the module.
[[nodiscard]] size_t TailOffset(const ModuleInfo& info);

// Cuts `bytes` after its last section that is neither the data section
// nor a custom one. `info` must be ReadModule(bytes). The tail may be
// empty (then `head` is a copy of `bytes`).
//
// Returns InvalidArgument if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<SplitModule> SplitTail(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info);

// The module `head` (SplitModule::head, rewritten by rewrites that
// insert and change sections before the tail only) with `split`'s tail in
// place of the stand-in. With `passive_data_info` (ReadModule of
// split.module, checked by PlanDeferredInit), the tail's data section is
// written with every segment passive (AppendPassiveDataPayload) as it is
// copied.
//
// Returns InvalidArgument if `head` does not end with split.stand_in.
[[nodiscard]] absl::StatusOr<std::vector<uint8_t>> JoinTail(
    absl::Span<const uint8_t> head, const SplitModule& split,
    const ModuleInfo* passive_data_info = nullptr);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_MODULE_TAIL_H_
