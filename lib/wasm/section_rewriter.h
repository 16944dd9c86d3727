// lib/wasm/section_rewriter.h: the machinery the rewrites share to copy a
// module while appending entries to its vector sections, so that no existing
// index moves.
//
//   MappedBytes       bytes under construction, mapped back to the original
//   SectionAddition   what one section gains (or that it is removed)
//   AddedFunction     a function to append with its type and export
//   AddFunctions      the type, function, export and code additions for them
//   RewriteCode       the code section with every body rewritten
//   RewriteSections   copies a module, applying the additions
//   WriteFuncType     a type section entry
//   OffsetRun         one run of an offset map back to the original
//   ToOffsetMap       a MappedBytes' runs as an offset map
//   OriginalOffset    looks an offset up in an offset map
//
// Internal to lib/wasm and the runtime's rewrite pass: the plans of
// rewriter.h and boundary.h, InjectFuel and BoundBulkInstructions are
// built on it.

#ifndef WASMHOST_LIB_WASM_SECTION_REWRITER_H_
#define WASMHOST_LIB_WASM_SECTION_REWRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "wasmhost/value.h"

namespace wasmhost::wasm {

// Bytes under construction with a map back to the original module's offsets
// and a list of marked offsets, all relative to the first byte, so pieces
// nest (a body inside the code section's payload inside the module) before
// final offsets are known. Thread-compatible.
class MappedBytes {
 public:
  // From `at` on (up to the next run) the bytes are copied from original
  // offset `original` (injected false) or added by the rewrite and mapped
  // as a whole to `original` (injected true).
  struct Run {
    size_t at;
    size_t original;
    bool injected;
  };

  [[nodiscard]] size_t size() const { return w_.bytes().size(); }
  [[nodiscard]] const std::vector<uint8_t>& bytes() const { return w_.bytes(); }
  [[nodiscard]] const std::vector<Run>& runs() const { return runs_; }
  [[nodiscard]] const std::vector<size_t>& marks() const { return marks_; }

  // Empties it, keeping its allocations for reuse.
  void Clear() {
    w_.Clear();
    runs_.clear();
    marks_.clear();
  }

  // Makes room for `n` bytes in all (BinaryWriter::Reserve).
  void Reserve(size_t n) { w_.Reserve(n); }

  // Copies module bytes [from, to).
  void Copy(absl::Span<const uint8_t> module, size_t from, size_t to);

  // Starts bytes of the rewrite's own, mapped to original offset `anchor`.
  BinaryWriter& Inject(size_t anchor);

  // Remembers the offset of the next byte written (InjectFuel: an
  // out-of-fuel `unreachable`).
  void Mark() { marks_.push_back(size()); }

  // Appends `other`, its runs and marks shifted to where it lands.
  void Append(const MappedBytes& other);

  // A section: id and size mapped to `anchor`, then the payload.
  void AppendSection(uint8_t id, const MappedBytes& payload, size_t anchor);

  [[nodiscard]] std::vector<uint8_t> Release() { return w_.Release(); }

 private:
  BinaryWriter w_;
  std::vector<Run> runs_;
  std::vector<size_t> marks_;
};

// What one section gains. Plain value: thread-compatible.
struct SectionAddition {
  // A vector section's id, or kCustomSection: a new custom section right
  // after the header, `entries` its whole payload (name and contents).
  uint8_t id = 0;
  // The section's entry count according to the ModuleInfo; the rewrite
  // checks the bytes agree.
  uint32_t expected_count = 0;
  uint32_t added = 0;            // Entries in `entries`.
  std::vector<uint8_t> entries;  // Encoded, appended after the old ones.
  // Not null: the section's whole new payload (count included), replacing
  // the above; must outlive RewriteSections. InjectFuel's code section.
  const MappedBytes* payload = nullptr;
  // Drop the section (ImportDefinedMemory's memory section).
  bool remove = false;
};

// A function to append after every existing one, with a new type appended
// after every existing type and an export. Plain value: thread-compatible.
struct AddedFunction {
  FuncType type;
  // Valid UTF-8, not yet exported; empty: not exported (a helper only the
  // rewritten code calls).
  std::string export_name;
  // The body without its size: locals declarations, instructions, `end`.
  std::vector<uint8_t> body;
};

// Appends to `additions` the type, function, export and code section
// additions that give the module `functions` in order: function i gets
// index info.function_count() + i and type index info.types.size() + i.
// Does not check the export names.
void AddFunctions(const ModuleInfo& info,
                  absl::Span<const AddedFunction> functions,
                  std::vector<SectionAddition>* additions);

// Appends one body's rewritten size and bytes to `*code`.
using BodyRewriter =
    std::function<absl::Status(const FunctionBody& body, MappedBytes* code)>;

// Builds in `*code` the code section's new payload: the count, every body
// of `bodies` (ReadFunctionBodies(bytes, info)) through `rewrite`, then the
// bodies AddFunctions put in `*additions`, whose code section addition then
// points at `*code` (which must outlive RewriteSections).
//
// Returns what `rewrite` returns, and InvalidArgument if the payload would
// exceed 4 GiB (offset maps are 32-bit) or `*additions` has no code section
// addition.
[[nodiscard]] absl::Status RewriteCode(absl::Span<const uint8_t> bytes,
                                       const ModuleInfo& info,
                                       absl::Span<const FunctionBody> bodies,
                                       const BodyRewriter& rewrite,
                                       std::vector<SectionAddition>* additions,
                                       MappedBytes* code);

// Copies `bytes` into `*out` (empty) with `additions` (at most one per
// section id) applied: a custom section addition goes right after the
// header; a present section's count grows and its entries are
// copied byte for byte before the new ones; a missing one is inserted
// right after the last non-custom section that must precede it (or the
// header). Every other section is copied byte for byte. `info` must be
// ReadModule(bytes).
//
// Returns InvalidArgument if `info` does not describe `bytes`.
[[nodiscard]] absl::Status RewriteSections(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    absl::Span<const SectionAddition> additions, MappedBytes* out);

// Appends `type` as a type section entry: 0x60, parameters, results.
void WriteFuncType(const FuncType& type, BinaryWriter& w);

// From `instrumented_offset` on (up to the next run), the rewritten bytes
// are either copied from the original starting at `original_offset`
// (injected false: offsets map one to one) or added by the rewrite
// (injected true: every offset maps to `original_offset`, the original
// offset of what the added bytes precede or replace).
struct OffsetRun {
  uint32_t instrumented_offset = 0;
  uint32_t original_offset = 0;
  bool injected = false;
};

// `bytes`' runs as 32-bit offset runs; the caller has checked the size.
[[nodiscard]] std::vector<OffsetRun> ToOffsetMap(const MappedBytes& bytes);

// The original offset of `offset` according to `map` (sorted, covering
// the rewritten bytes from 0): inside copied bytes the same byte of the
// original, inside added bytes the run's anchor. Offsets past the end
// extrapolate from the last run.
[[nodiscard]] uint32_t OriginalOffset(absl::Span<const OffsetRun> map,
                                      uint32_t offset);

// InvalidArgument "the module already exports \"<name>\"" if an export of
// `info` is named `name`.
[[nodiscard]] absl::Status CheckNotExported(const ModuleInfo& info,
                                            absl::string_view name);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_SECTION_REWRITER_H_
