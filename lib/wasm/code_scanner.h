// lib/wasm/code_scanner.h: decodes the instructions of a module's function
// bodies, for analyses (ScanCode) and, later, rewrites such as fuel metering.
//
//   FunctionBody       where one body's locals and instructions lie
//   ReadFunctionBodies finds every body and decodes its locals declarations
//   Instruction        one decoded instruction: opcode and raw immediates
//   InstructionReader  yields a body's instructions one at a time
//   CodeSummary        what ScanCode found
//   ScanCode           decodes every body and summarizes it
//
// Decoding covers the encoding of every instruction V8 accepts from these
// proposals: the MVP, sign extension, non-trapping float-to-int, bulk memory,
// reference types, multi-value, SIMD (with relaxed SIMD), tail calls,
// threads (atomics) and exception handling (try/catch/delegate). Typing and
// index ranges are left to V8, which validates bodies when it compiles them;
// the decoder only guarantees that instruction boundaries are right, that no
// input makes it read out of bounds, and that it allocates nothing per
// instruction.

#ifndef WASMHOST_LIB_WASM_CODE_SCANNER_H_
#define WASMHOST_LIB_WASM_CODE_SCANNER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/wasm/binary_reader.h"
#include "lib/wasm/reader.h"

namespace wasmhost::wasm {

// Where one function body lies in the module bytes. Offsets count from the
// first byte of the module. Plain value: thread-compatible.
struct FunctionBody {
  uint32_t function_index = 0;  // In the function index space (imports first).
  size_t offset = 0;            // First byte of the locals declarations.
  size_t code_offset = 0;       // First instruction.
  size_t end = 0;  // One past the body's last byte (its final `end`).
  // Locals declared by the body, parameters excluded. At most 2^32 entries
  // of 2^32 each, so it cannot overflow.
  uint64_t local_count = 0;
};

// Finds every defined function's body through the code section in
// `info.sections`, checks it against `info.function_body_offsets`, and
// decodes its locals declarations (counts and value types). One entry per
// defined function, in order. `info` must be ReadModule(bytes).
//
// Returns InvalidArgument "at offset <n>: ..." if a locals declaration is
// truncated, has an oversized count or an unknown value type, and
// InvalidArgument if `info` does not describe `bytes`.
[[nodiscard]] absl::StatusOr<std::vector<FunctionBody>> ReadFunctionBodies(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info);

// Opcode prefixes; single-byte opcodes have prefix kNoPrefix.
inline constexpr uint8_t kNoPrefix = 0x00;
inline constexpr uint8_t kMiscPrefix = 0xfc;    // Saturating, bulk, tables.
inline constexpr uint8_t kSimdPrefix = 0xfd;    // SIMD and relaxed SIMD.
inline constexpr uint8_t kAtomicPrefix = 0xfe;  // Threads.

// One instruction as it appears in the bytes. Plain value; `immediates`
// points into the module bytes the reader was given.
struct Instruction {
  size_t offset = 0;  // Of the first byte (the prefix, if any).
  uint8_t prefix = kNoPrefix;
  // The opcode byte, or after a prefix the LEB128 sub-opcode (0xfd 12 is
  // v128.const).
  uint32_t opcode = 0;
  // The encoded immediates, exactly as in the module: everything after the
  // opcode up to the next instruction. Empty for most instructions.
  absl::Span<const uint8_t> immediates;
};

// Yields the instructions of one function body in order, checking each
// one's encoding. The last instruction it yields is the body's final `end`;
// after it done() is true.
//
// Usage:
//   InstructionReader reader(bytes, body);
//   while (!reader.done()) {
//     Instruction insn;
//     WASMHOST_RETURN_IF_ERROR(reader.Next(&insn));
//     ...
//   }
//
// Borrows `bytes`, which must outlive the reader. Neither copyable nor
// movable: its cursor refers to its own error context. Thread-compatible.
class InstructionReader {
 public:
  // Reads the instructions of `body` (from ReadFunctionBodies(bytes, ...)).
  InstructionReader(absl::Span<const uint8_t> bytes, const FunctionBody& body);

  InstructionReader(const InstructionReader&) = delete;
  InstructionReader& operator=(const InstructionReader&) = delete;

  // True once the body's final `end` has been read, or after an error.
  [[nodiscard]] bool done() const { return done_; }

  // Blocks open after the last instruction read, the function's own
  // included (1 at the start of the body).
  [[nodiscard]] uint64_t depth() const { return depth_; }

  // Decodes the next instruction into `*out`.
  //
  // Returns InvalidArgument "at offset <n>: <reason> in function <index>"
  // if the bytes end inside an instruction or before the final `end`, if
  // instructions follow the final `end`, if an immediate is malformed
  // (oversized LEB128, invalid block or value type, a `delegate` at the
  // function's own level), or for an unknown opcode ("unknown opcode 0x..";
  // after a prefix "unknown opcode 0xfd 0x..."). After an error, done() is true
  // and later calls return FailedPrecondition. Returns FailedPrecondition if
  // called when done() is already true, and InvalidArgument if the body given
  // to the constructor does not lie within the bytes.
  absl::Status Next(Instruction* out) {
    // Most instructions: no status is built until something is unusual.
    if (!done_ && !out_of_range_ && FastDecode(out)) return absl::OkStatus();
    return CheckedNext(out);
  }

 private:
  absl::Status CheckedNext(Instruction* out);
  // Decodes the next instruction if it is a common one and well-formed,
  // without building a status; false (nothing read) sends it to Decode.
  bool FastDecode(Instruction* out);
  absl::Status Decode(Instruction* out);
  absl::Status ReadImmediates(uint8_t prefix, uint32_t opcode, size_t at);
  absl::Status ReadMiscImmediates(uint32_t opcode, size_t at);
  absl::Status ReadSimdImmediates(uint32_t opcode, size_t at);
  absl::Status ReadAtomicImmediates(uint32_t opcode, size_t at);
  absl::Status ReadBlockType();
  absl::Status ReadMemArg();
  absl::Status ReadIndices(int64_t n);
  absl::Status UnknownOpcode(size_t at, uint8_t prefix, uint32_t opcode) const;

  absl::Span<const uint8_t> bytes_;
  std::string context_;  // "function <index>"; r_ refers to it.
  BinaryReader r_;
  // Blocks open around the next instruction, the function's own included:
  // a count, not a stack, so nesting costs no memory. Whether an `else`,
  // `catch` or `delegate` matches its block is V8's to check.
  uint64_t depth_ = 1;
  bool done_ = false;
  bool out_of_range_ = false;  // The body given does not fit the bytes.
};

// One memory.init, memory.copy, memory.fill, table.init, table.copy,
// table.fill or table.grow ScanCode found: what BoundBulkInstructions
// rewrites, so it need not decode the code again. Offsets count from the
// module's first byte. Plain value: thread-compatible.
struct BulkSite {
  uint32_t function = 0;  // Defined function (0: the first one defined).
  uint32_t opcode = 0;    // After the 0xfc prefix.
  size_t offset = 0;      // Of the prefix.
  size_t immediates = 0;  // First byte after the opcode.
  size_t end = 0;         // One past the last immediate.
};

// What ScanCode found in all function bodies together.
struct CodeSummary {
  // table.set, table.grow, table.fill, table.copy, table.init, elem.drop.
  bool mutates_tables = false;
  bool grows_memory = false;       // memory.grow
  bool uses_bulk_memory = false;   // memory.init/copy/fill, data.drop
  bool drops_data = false;         // data.drop
  uint32_t loop_count = 0;         // loop instructions
  uint64_t instruction_count = 0;  // Every instruction, each `end` included.
  // The largest of any one function: blocks (block, loop, if, try) open at
  // once, the function's own not counted; body size in bytes (locals
  // declarations included); declared locals, parameters excluded.
  uint64_t max_nesting_depth = 0;
  uint64_t max_body_bytes = 0;
  uint64_t max_locals = 0;
  // Every bulk instruction (see BulkSite), in code order.
  std::vector<BulkSite> bulk_sites;
};

// Decodes every instruction of every function body of the module.
// `info` must be ReadModule(bytes).
//
// Returns InvalidArgument as ReadFunctionBodies and InstructionReader::Next
// do: "at offset <n>: unknown opcode 0x.. in function <index>" for an
// unknown opcode, and the offset and function of any truncated or malformed
// instruction.
[[nodiscard]] absl::StatusOr<CodeSummary> ScanCode(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_CODE_SCANNER_H_
