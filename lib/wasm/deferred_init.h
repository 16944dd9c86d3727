// lib/wasm/deferred_init.h: moves what instantiation runs after linking
// (writing the active data segments, calling the start function) into one
// exported function, so the host decides per instance whether it runs.
//
//   PlanDeferredInit          the function and section changes, planned
//                             for a caller's one RewriteSections pass
//   PassiveDataPayloadSize    the data section with every segment passive:
//   AppendPassiveDataPayload  its size, and its bytes
//
// Why: a fresh-state pool replaces a discarded instance with a new one whose
// memory is then mapped from the pool's state image. V8 would first copy
// every data segment into that memory (tens of MiB for a language runtime)
// and run the start function again, only for the image to replace their
// work. With the rewrite the replacement skips both.

#ifndef WASMHOST_LIB_WASM_DEFERRED_INIT_H_
#define WASMHOST_LIB_WASM_DEFERRED_INIT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm {

// Plans the rewrite of the module `bytes` (`info` = ReadModule(bytes)) in
// which every active data segment is passive, the start section is gone,
// and one function is appended to `functions`, exported as `export_name`:
//
//   (func (param $full i32)
//     (if (local.get $full) (then
//       <for each formerly active segment i, in order:
//         (memory.init i (offset expr) (i32.const 0) (i32.const size_i))>))
//     <for each formerly active segment i: (data.drop i)>
//     (if (local.get $full) (then (call $start))))
//
// Called with 1 right after instantiation, it does what instantiation would
// have done, in the same order (element segments are still applied by the
// engine before it): the same writes, the same traps (a segment out of
// bounds traps with the earlier ones written), the segments dropped before
// the start function runs. Called with 0 it only drops them, leaving the
// instance's segments as instantiation would but its memory and globals
// untouched: for an instance whose state is about to be replaced. A
// formerly active segment is dropped either way, so the guest sees the
// same segments as before the rewrite.
//
// To `additions` it appends the start section's removal and, when the
// module has active segments and no data count section, a data count
// section (memory.init needs one). The data section itself is the
// caller's to replace, with AppendPassiveDataPayload, in the same pass or
// later (the data section may have been set aside: see module_tail.h).
// The function's body refers to the segments and offset expressions of
// `bytes`, which the rewritten module must keep (every index does).
//
// What PlanDeferredInit planned. Plain value: thread-compatible.
struct DeferredInitPlan {
  // The function was planned (the module has an active data segment or a
  // start function); nothing is planned otherwise.
  bool added = false;
  // The module has active data segments: the caller must replace its data
  // section with AppendPassiveDataPayload's.
  bool data_to_make_passive = false;
};

// Returns InvalidArgument if `export_name` is not valid UTF-8 or is
// already exported, or if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<DeferredInitPlan> PlanDeferredInit(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view export_name, std::vector<AddedFunction>* functions,
    std::vector<SectionAddition>* additions);

// The size of the payload AppendPassiveDataPayload appends.
[[nodiscard]] size_t PassiveDataPayloadSize(const ModuleInfo& info);

// Appends the payload of `info`'s data section with every segment passive
// (flags and sizes written anew, each segment's bytes copied in one piece)
// to `out`. `info` must be ReadModule(bytes) and checked by
// PlanDeferredInit.
void AppendPassiveDataPayload(absl::Span<const uint8_t> bytes,
                              const ModuleInfo& info,
                              std::vector<uint8_t>* out);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_DEFERRED_INIT_H_
