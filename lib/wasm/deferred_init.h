// lib/wasm/deferred_init.h: moves what instantiation runs after linking
// (writing the active data segments, calling the start function) into one
// exported function, so the host decides per instance whether it runs.
//
//   DeferredInit         what DeferInitialization did
//   DeferInitialization  the rewrite
//
// Why: a fresh-state pool replaces a discarded instance with a new one whose
// memory is then mapped from the pool's state image. V8 would first copy
// every data segment into that memory (tens of MiB for a language runtime)
// and run the start function again, only for the image to replace their
// work. With the rewrite the replacement skips both.

#ifndef WASMHOST_LIB_WASM_DEFERRED_INIT_H_
#define WASMHOST_LIB_WASM_DEFERRED_INIT_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/wasm/reader.h"

namespace wasmhost::wasm {

// The result of DeferInitialization. Plain value: thread-compatible.
struct DeferredInit {
  // The rewritten module, or an unchanged copy if not `added`.
  std::vector<uint8_t> bytes;
  // Whether the init function was added (the module has an active data
  // segment or a start function).
  bool added = false;
};

// Returns a copy of `bytes` in which every active data segment is passive,
// the start section is gone, and one function is appended and exported as
// `export_name`:
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
// same segments as before the rewrite (a dropped segment and a passive one
// of size 0 behave alike, but its size is not 0 until the call). The data
// count section the bulk instructions need is added if missing. Passive
// segments are kept; every other section is copied byte for byte and no
// index moves. Returns an unchanged copy (`added` false) if the module has
// neither active data segments nor a start function.
//
// `info` must be ReadModule(bytes).
//
// Returns InvalidArgument if `export_name` is not valid UTF-8 or is
// already exported, or if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<DeferredInit> DeferInitialization(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::string_view export_name);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_DEFERRED_INIT_H_
