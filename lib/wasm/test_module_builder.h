// lib/wasm/test_module_builder.h: hand-assembled modules and status checks
// shared by the lib/wasm unit tests (test-only).
//
//   Bytes                  a module or a piece of one
//   Cat                    concatenates pieces
//   Body                   a function body without locals
//   FunctionModule         a module of () -> () functions, one per body
//   ApplyPlans             planned rewrites applied as the SDK applies them
//   ExpectInvalidArgument  asserts the code and a message substring

#ifndef WASMHOST_LIB_WASM_TEST_MODULE_BUILDER_H_
#define WASMHOST_LIB_WASM_TEST_MODULE_BUILDER_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/section_rewriter.h"

namespace wasmhost::wasm::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A body without locals: `instructions`, then the final end.
inline Bytes Body(const Bytes& instructions) {
  return Cat({{0x00}, instructions, {0x0b}});
}

// A module with type 0 `types` (the type section's payload; default one
// type () -> ()), `imports` imported functions env.f<i> of type 0, and one
// defined function of type 0 per body (each a complete body: locals, then
// instructions). Bodies are not validated by ReadModule, so any bytes do.
inline Bytes FunctionModule(std::initializer_list<Bytes> bodies,
                            uint32_t imports = 0,
                            const Bytes& types = {0x01, 0x60, 0x00, 0x00}) {
  BinaryWriter import_section;
  import_section.U32(imports);
  for (uint32_t i = 0; i < imports; ++i) {
    import_section.Name("env").Name(absl::StrCat("f", i)).Byte(0x00).U32(0);
  }
  BinaryWriter functions;
  functions.U32(static_cast<uint32_t>(bodies.size()));
  BinaryWriter code;
  code.U32(static_cast<uint32_t>(bodies.size()));
  for (const Bytes& body : bodies) {
    functions.U32(0);
    code.U32(static_cast<uint32_t>(body.size())).Bytes(body);
  }
  BinaryWriter w;
  w.Header().Section(1, types);
  if (imports > 0) w.Section(2, import_section.bytes());
  return w.Section(3, functions.bytes()).Section(10, code.bytes()).Release();
}

// `bytes` with `functions` (through AddFunctions) and `additions` applied
// in one RewriteSections pass, as lib/runtime/module.cc applies the plans
// of rewriter.h and boundary.h. InvalidArgument if `info` is not
// ReadModule(bytes).
inline absl::StatusOr<Bytes> ApplyPlans(
    absl::Span<const uint8_t> bytes, const ModuleInfo& info,
    std::vector<SectionAddition> additions,
    absl::Span<const AddedFunction> functions = {}) {
  if (!functions.empty()) AddFunctions(info, functions, &additions);
  MappedBytes out;
  absl::Status rewritten = RewriteSections(bytes, info, additions, &out);
  if (!rewritten.ok()) return rewritten;
  return out.Release();
}

// Expects `status` to be InvalidArgument with `substr` in its message.
inline void ExpectInvalidArgument(const absl::Status& status,
                                  const std::string& substr) {
  ASSERT_FALSE(status.ok()) << "expected error containing: " << substr;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), substr))
      << status.message() << "\n  does not contain: " << substr;
}

}  // namespace wasmhost::wasm::testing

#endif  // WASMHOST_LIB_WASM_TEST_MODULE_BUILDER_H_
