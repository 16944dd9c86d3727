// lib/wasm/reader.h: a structural reader for WebAssembly module binaries.
//
//   ExternKind, Limits, TableType, GlobalType  the import/export vocabulary
//   Import, Export                             one import or export
//   SectionInfo                                where one section lies
//   ModuleInfo                                 everything ReadModule learned
//   ReadModule                                 parses a module binary
//   SectionOrder                               where a section id must go
//   ValTypeCode                                a value type's binary code
//
// V8 validates function bodies and typing when it compiles a module; this
// reader checks the structure (magic, version, section order and sizes,
// LEB128 encodings, vector counts, UTF-8 names, indices) so the SDK can
// inspect and rewrite untrusted modules safely before V8 sees them.
// Supported: the MVP, multi-value, reference types, bulk memory, and the
// exception-handling tag section.

#ifndef WASMHOST_LIB_WASM_READER_H_
#define WASMHOST_LIB_WASM_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/wasm/binary_reader.h"
#include "wasmhost/value.h"

namespace wasmhost::wasm {

// Section ids of the binary format.
enum SectionId : uint8_t {
  kCustomSection = 0,
  kTypeSection = 1,
  kImportSection = 2,
  kFunctionSection = 3,
  kTableSection = 4,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kStartSection = 8,
  kElementSection = 9,
  kCodeSection = 10,
  kDataSection = 11,
  kDataCountSection = 12,
  kTagSection = 13,
};

// Magic and version.
inline constexpr size_t kModuleHeaderSize = 8;

// What an import or export refers to: the public wasmhost::ExternKind
// (value.h); its values are not the binary codes.
using ::wasmhost::ExternKind;

// Table sizes in elements, memory sizes in 64 KiB pages.
struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;  // Unset: no maximum.
  bool shared = false;          // Memories only (threads); implies max.
};

struct TableType {
  ValType element;  // kFuncRef or kExternRef.
  Limits limits;
};

struct GlobalType {
  ValType type;
  bool is_mutable;
};

// One import. Only the field matching `kind` is meaningful.
struct Import {
  std::string module;
  std::string name;
  ExternKind kind;
  uint32_t func_type_index = 0;  // kFunc, and kTag (the tag's type index).
  TableType table{};             // kTable
  Limits memory;                 // kMemory
  GlobalType global{};           // kGlobal
};

struct Export {
  std::string name;
  ExternKind kind;
  uint32_t index;  // In the index space of `kind` (imports first).
};

// Where one data segment lies in the module bytes.
struct DataSegment {
  // Active segments are written into memory `memory` at instantiation, at
  // the offset the constant expression bytes [offset_expr_begin,
  // offset_expr_end) compute (through its `end`); passive ones are only
  // read by memory.init.
  bool active = false;
  uint32_t memory = 0;
  size_t offset_expr_begin = 0;
  size_t offset_expr_end = 0;
  size_t data_offset = 0;  // Of the first data byte, after the size.
  uint32_t data_size = 0;
};

// Where one section lies in the module bytes.
struct SectionInfo {
  uint8_t id;
  size_t offset;          // Of the id byte.
  size_t payload_offset;  // First byte after the size.
  size_t payload_size;
  std::string custom_name;         // Custom sections (id 0) only.
  size_t custom_content_size = 0;  // Custom sections: bytes after the name.
};

// The structure of a module as ReadModule found it. Index spaces (functions,
// tables, memories, globals, tags) number imports first, then definitions;
// the vectors below hold definitions only. Plain value: thread-compatible.
struct ModuleInfo {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> function_type_indices;  // Defined functions.
  // Where each defined function's body (its locals, after the size) starts;
  // maps engine-reported code offsets to functions.
  std::vector<size_t> function_body_offsets;
  std::vector<TableType> tables;           // Defined.
  std::vector<Limits> memories;            // Defined.
  std::vector<uint32_t> tag_type_indices;  // Defined (tag section).
  std::vector<GlobalType> globals;         // Defined.
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  uint32_t element_segment_count = 0;
  uint32_t data_segment_count = 0;
  std::vector<DataSegment> data_segments;  // In module order.
  std::optional<uint32_t> data_count;  // The data count section, if present.
  std::string module_name;             // From the "name" section.
  // "name" section subsection 1, by function index (imports first).
  absl::flat_hash_map<uint32_t, std::string> function_names;
  std::vector<SectionInfo> sections;  // Every section, in module order.

  // Imports of each kind (each call scans `imports`).
  [[nodiscard]] uint32_t imported_function_count() const;
  [[nodiscard]] uint32_t imported_table_count() const;
  [[nodiscard]] uint32_t imported_memory_count() const;
  [[nodiscard]] uint32_t imported_global_count() const;
  [[nodiscard]] uint32_t imported_tag_count() const;

  // Sizes of the index spaces: imports plus definitions.
  [[nodiscard]] uint32_t function_count() const;
  [[nodiscard]] uint32_t table_count() const;
  [[nodiscard]] uint32_t memory_count() const;
  [[nodiscard]] uint32_t global_count() const;
  [[nodiscard]] uint32_t tag_count() const;

  // The signature of function `function_index` (imports first), or nullptr
  // if the index is out of range. Points into `types`.
  [[nodiscard]] const FuncType* FunctionType(uint32_t function_index) const;
};

// Parses a version-1 module binary. Does not retain `bytes`.
//
// Returns InvalidArgument, with the message "at offset <n>: <reason>" naming
// the section, if the bytes are not a structurally well-formed module: bad
// magic or version, truncation, unknown or misordered or duplicate sections,
// section contents shorter or longer than the section size, non-canonical or
// oversized LEB128, counts larger than the remaining bytes, invalid UTF-8
// names, unknown type/kind/limits codes, out-of-range type, function, table,
// memory, global and tag indices, duplicate export names, or function and
// code counts (or data count and data segments) that disagree. A malformed
// "name" section is ignored, as engines do.
[[nodiscard]] absl::StatusOr<ModuleInfo> ReadModule(
    absl::Span<const uint8_t> bytes);

// The rank of section `id` in the order the binary format requires: type 1,
// import 2, function 3, table 4, memory 5, tag 6, global 7, export 8, start
// 9, element 10, data count 11, code 12, data 13. 0 for custom sections
// (which may go anywhere) and unknown ids.
[[nodiscard]] int SectionOrder(uint8_t id);

// Decoding pieces shared with the component reader (lib/component), which
// reads core types inside component binaries. Each returns the reader's
// InvalidArgument on truncation or an unknown code.
//   ReadValType  a value type (numeric, v128, funcref, externref)
//   ReadRefType  funcref or externref
//   ReadLimits   limits; `allow_shared`: memories (flags 0x03), not tables
absl::Status ReadValType(BinaryReader& r, ValType* out);
absl::Status ReadRefType(BinaryReader& r, ValType* out);
absl::Status ReadLimits(BinaryReader& r, bool allow_shared, Limits* out);

// The binary format's code of `type` (0x7f for i32, ...).
[[nodiscard]] uint8_t ValTypeCode(ValType type);

// For code that takes a ModuleInfo beside the bytes it claims to describe
// (rewriters, the code scanner): never trust its offsets with memory
// safety. InfoMismatch() is the error; CheckSectionsMatch returns it unless
// info.sections tile the bytes after the header exactly.
[[nodiscard]] absl::Status InfoMismatch();
[[nodiscard]] absl::Status CheckSectionsMatch(absl::Span<const uint8_t> bytes,
                                              const ModuleInfo& info);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_READER_H_
