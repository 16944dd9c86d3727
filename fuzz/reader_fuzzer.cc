// fuzz/reader_fuzzer.cc: ReadModule on arbitrary bytes, then ScanCode (and
// every body through InstructionReader) when the module parses. Any crash,
// leak, UB or unbounded allocation is a finding; errors are fine. Also
// checks properties the reader documents (offsets inside the input,
// sections in order), and that BoundBulkInstructions from the scan's
// bulk sites gives what it gives decoding every body itself.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "fuzz/sanitizer_options.h"
#include "lib/wasm/bounded_bulk.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"

namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "reader_fuzzer: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wasmhost::wasm;
  absl::Span<const uint8_t> bytes(data, size);
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  if (!info.ok()) {
    Check(!info.status().message().empty(), "error without a message");
    return 0;
  }
  int last_rank = 0;
  for (const SectionInfo& s : info->sections) {
    Check(s.offset < s.payload_offset, "section payload before its id");
    Check(s.payload_offset <= size && s.payload_size <= size - s.payload_offset,
          "section outside the input");
    int rank = SectionOrder(s.id);
    if (rank != 0) {
      Check(rank > last_rank, "sections out of order");
      last_rank = rank;
    }
  }
  Check(
      info->function_body_offsets.size() == info->function_type_indices.size(),
      "body count differs from function count");
  for (size_t off : info->function_body_offsets) {
    Check(off <= size, "function body offset outside the input");
  }
  for (uint32_t f = 0; f < info->function_count(); ++f) {
    Check(info->FunctionType(f) != nullptr, "function without a type");
  }
  Check(info->FunctionType(info->function_count()) == nullptr,
        "type for a function past the end");

  absl::StatusOr<CodeSummary> summary = ScanCode(bytes, *info);
  absl::StatusOr<std::vector<FunctionBody>> bodies =
      ReadFunctionBodies(bytes, *info);
  if (!bodies.ok()) {
    Check(!summary.ok(), "ScanCode accepted what ReadFunctionBodies rejected");
    return 0;
  }
  uint64_t instructions = 0;
  bool all_ok = true;
  for (const FunctionBody& body : *bodies) {
    Check(body.offset <= body.code_offset && body.code_offset <= body.end &&
              body.end <= size,
          "function body bounds");
    InstructionReader reader(bytes, body);
    size_t last = 0;
    while (!reader.done()) {
      Instruction insn;
      if (!reader.Next(&insn).ok()) {
        all_ok = false;
        break;
      }
      Check(insn.offset >= body.code_offset && insn.offset < body.end,
            "instruction outside its body");
      Check(instructions == 0 || insn.offset > last ||
                insn.offset == body.code_offset,
            "instructions do not advance");
      Check(
          insn.immediates.empty() ||
              (insn.immediates.data() >= data &&
               insn.immediates.data() + insn.immediates.size() <= data + size),
          "immediates outside the input");
      last = insn.offset;
      ++instructions;
    }
    if (!all_ok) break;
  }
  Check(summary.ok() == all_ok, "ScanCode and InstructionReader disagree");
  if (summary.ok()) {
    Check(summary->instruction_count == instructions,
          "ScanCode counted a different number of instructions");
    BoundedBulkOptions options;
    options.table_budget_export = "budget";
    absl::StatusOr<BoundedBulk> decoded =
        BoundBulkInstructions(bytes, *info, options);
    absl::StatusOr<BoundedBulk> from_sites =
        BoundBulkInstructions(bytes, *info, *summary, options);
    Check(decoded.ok() == from_sites.ok(),
          "BoundBulkInstructions from the sites and decoding disagree");
    if (decoded.ok()) {
      Check(decoded->bytes == from_sites->bytes &&
                decoded->helper_count == from_sites->helper_count,
            "BoundBulkInstructions from the sites gave other bytes");
    }
  }
  return 0;
}
