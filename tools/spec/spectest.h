// tools/spec/spectest.h: the "spectest" host module the spec suite imports.
//
//   DefineSpectest      its print functions, on a Linker
//   DefineSpectestExterns  its globals, table and memory, on a Linker
//
// Functions only: thread-safe.

#ifndef WASMHOST_TOOLS_SPEC_SPECTEST_H_
#define WASMHOST_TOOLS_SPEC_SPECTEST_H_

#include "absl/status/status.h"
#include "wasmhost/linker.h"

namespace wasmhost::spec {

// The module name the suite imports from.
inline constexpr char kSpectest[] = "spectest";

// Defines spectest's print, print_i32, print_i64, print_f32, print_f64,
// print_i32_f32 and print_f64_f64 on `linker`. They print nothing: the
// suite checks results, not output.
// Returns AlreadyExists if `linker` defines one of them already.
absl::Status DefineSpectest(Linker& linker);

// Defines spectest's globals, table and memory on `linker`: global_i32 =
// 666, global_i64 = 666, global_f32 = 666.6, global_f64 = 666.6
// (immutable), table (10..20 funcref) and memory (1..2 pages), made in the
// calling thread's isolate. Every module of a file shares them, as the
// suite expects.
// Returns AlreadyExists if `linker` defines one of them already.
absl::Status DefineSpectestExterns(Linker& linker);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_SPECTEST_H_
