// lib/wasm/bounded_bulk_test.cc: BoundBulkInstructions on hand-assembled
// modules: which instructions become calls, one helper per instruction and
// immediates, the helpers' types, the offset map, the table budget global
// and export, and errors. What the helpers compute is tested against V8 in
// tests/bulk_deadline_test.cc.

#include "lib/wasm/bounded_bulk.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::wasm {
namespace {

using testing::Body;
using testing::Bytes;
using testing::Cat;
using testing::ExpectInvalidArgument;

constexpr uint8_t kLocalGet = 0x20, kCall = 0x10, kDrop = 0x1a;
const Bytes kArgs3 = {kLocalGet, 0, kLocalGet, 1, kLocalGet, 2};
const Bytes kMemoryFill = {0xfc, 0x0b, 0x00};
const Bytes kMemoryCopy = {0xfc, 0x0a, 0x00, 0x00};

// A module with type 0 = (i32 i32 i32) -> (), a memory, `tables` (element
// type codes), and one function of type 0 per body.
Bytes Module(const std::vector<Bytes>& bodies,
             const std::vector<uint8_t>& tables = {},
             const std::string& export_name = "") {
  BinaryWriter types;
  types.U32(2).Byte(0x60).U32(3).Byte(0x7f).Byte(0x7f).Byte(0x7f).U32(0);
  types.Byte(0x60).U32(2).Byte(0x7f).Byte(0x7f).U32(1).Byte(0x7f);
  BinaryWriter functions, code, table_section, exports;
  functions.U32(static_cast<uint32_t>(bodies.size()));
  code.U32(static_cast<uint32_t>(bodies.size()));
  for (const Bytes& body : bodies) {
    functions.U32(0);
    code.U32(static_cast<uint32_t>(body.size())).Bytes(body);
  }
  table_section.U32(static_cast<uint32_t>(tables.size()));
  for (uint8_t element : tables) table_section.Byte(element).Byte(0).U32(1);
  BinaryWriter w;
  w.Header().Section(1, types.bytes()).Section(3, functions.bytes());
  if (!tables.empty()) w.Section(4, table_section.bytes());
  w.Section(5, BinaryWriter().U32(1).Byte(0).U32(1).bytes());
  if (!export_name.empty()) {
    w.Section(7,
              BinaryWriter().U32(1).Name(export_name).Byte(0).U32(0).bytes());
  }
  return w.Section(10, code.bytes()).Release();
}

absl::StatusOr<BoundedBulk> Bound(const Bytes& module,
                                  const BoundedBulkOptions& options = {}) {
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  if (!info.ok()) return info.status();
  return BoundBulkInstructions(module, *info, options);
}

// Defined function `i`'s instructions (after its locals) in `module`.
Bytes Code(const Bytes& module, size_t i) {
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  EXPECT_TRUE(info.ok()) << info.status();
  if (!info.ok()) return {};
  absl::StatusOr<std::vector<FunctionBody>> bodies =
      ReadFunctionBodies(module, *info);
  EXPECT_TRUE(bodies.ok()) << bodies.status();
  if (!bodies.ok() || i >= bodies->size()) return {};
  const FunctionBody& body = (*bodies)[i];
  return Bytes(module.begin() + body.code_offset, module.begin() + body.end);
}

size_t Find(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(),
                     needle.end()) -
         haystack.begin();
}

TEST(BoundBulkInstructionsTest, ModuleWithoutBulkInstructionsIsUnchanged) {
  const Bytes module = Module({Body({0x01})});
  absl::StatusOr<BoundedBulk> result_or = Bound(module);
  ASSERT_TRUE(result_or.ok()) << result_or.status();
  BoundedBulk& result = *result_or;
  EXPECT_EQ(result.helper_count, 0u);
  EXPECT_EQ(result.bytes, module);
  EXPECT_TRUE(result.offset_map.empty());
  EXPECT_FALSE(result.table_budget_global.has_value());
}

TEST(BoundBulkInstructionsTest, WithTheScanRewritesItsSitesAlike) {
  const Bytes module = Module(
      {Body({0x01}), Body(Cat({kArgs3, kMemoryFill, kArgs3, kMemoryCopy})),
       Body({0x01, 0x01}), Body(Cat({kArgs3, kMemoryFill}))});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(module, *info);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->bulk_sites.size(), 3u);
  absl::StatusOr<BoundedBulk> all = BoundBulkInstructions(module, *info);
  absl::StatusOr<BoundedBulk> listed =
      BoundBulkInstructions(module, *info, *summary);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->bytes, all->bytes);
  EXPECT_EQ(listed->helper_count, 2u);
  EXPECT_EQ(Code(listed->bytes, 0), Bytes({0x01, 0x0b}));
  EXPECT_EQ(Code(listed->bytes, 3), Cat({kArgs3, {kCall, 4}, {0x0b}}));
  for (uint32_t offset = 0; offset < listed->bytes.size(); ++offset) {
    ASSERT_EQ(listed->OriginalOffset(offset), all->OriginalOffset(offset));
  }

  // A body without sites is copied as it is.
  CodeSummary partial = *summary;
  partial.bulk_sites.erase(partial.bulk_sites.begin(),
                           partial.bulk_sites.begin() + 2);
  listed = BoundBulkInstructions(module, *info, partial);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(Code(listed->bytes, 1), Code(module, 1));
  EXPECT_EQ(Code(listed->bytes, 3), Cat({kArgs3, {kCall, 4}, {0x0b}}));
}

TEST(BoundBulkInstructionsTest, SitesThatDoNotMatchTheBytesAreRefused) {
  const Bytes module = Module(
      {Body(Cat({kArgs3, kMemoryFill})), Body(Cat({kArgs3, kMemoryCopy}))});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(module, *info);
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->bulk_sites.size(), 2u);
  const std::vector<std::function<void(CodeSummary&)>> lies = {
      [](CodeSummary& s) { s.bulk_sites[0].function = 2; },  // no function 2
      [](CodeSummary& s) { s.bulk_sites[1].function = 0; },  // other body
      [](CodeSummary& s) { s.bulk_sites[0].opcode = 10; },   // not the opcode
      [](CodeSummary& s) { s.bulk_sites[0].offset -= 1; },   // not on 0xfc
      [](CodeSummary& s) { s.bulk_sites[0].end += 100; },    // past the body
      [](CodeSummary& s) { s.bulk_sites[0].immediates += 1; },
      [](CodeSummary& s) { std::swap(s.bulk_sites[0], s.bulk_sites[1]); },
  };
  for (size_t i = 0; i < lies.size(); ++i) {
    CodeSummary lie = *summary;
    lies[i](lie);
    absl::StatusOr<BoundedBulk> result =
        BoundBulkInstructions(module, *info, lie);
    SCOPED_TRACE(i);
    ExpectInvalidArgument(result.status(), "does not describe");
  }
}

TEST(BoundBulkInstructionsTest, OneHelperPerInstructionKind) {
  const Bytes module =
      Module({Body(Cat({kArgs3, kMemoryFill, kArgs3, kMemoryCopy})),
              Body(Cat({kArgs3, kMemoryFill}))});
  absl::StatusOr<BoundedBulk> result_or = Bound(module);
  ASSERT_TRUE(result_or.ok()) << result_or.status();
  BoundedBulk& result = *result_or;
  EXPECT_EQ(result.first_helper, 2u);
  EXPECT_EQ(result.helper_count, 2u);
  EXPECT_TRUE(result.IsHelper(2));
  EXPECT_TRUE(result.IsHelper(3));
  EXPECT_FALSE(result.IsHelper(1));
  EXPECT_FALSE(result.IsHelper(4));
  // fill -> helper 2 (first seen), copy -> helper 3; the arguments stay.
  EXPECT_EQ(Code(result.bytes, 0),
            Cat({kArgs3, {kCall, 2}, kArgs3, {kCall, 3}, {0x0b}}));
  EXPECT_EQ(Code(result.bytes, 1), Cat({kArgs3, {kCall, 2}, {0x0b}}));
  absl::StatusOr<ModuleInfo> info_or = ReadModule(result.bytes);
  ASSERT_TRUE(info_or.ok()) << info_or.status();
  ModuleInfo& info = *info_or;
  EXPECT_EQ(info.function_count(), 4u);
  EXPECT_TRUE(info.exports.empty());  // Helpers are not exported.
  ASSERT_EQ(info.types.size(), 4u);
  EXPECT_EQ(*info.FunctionType(2),
            (FuncType{{ValType::kI32, ValType::kI32, ValType::kI32}, {}}));
  // The fill helper runs the instruction itself (cheap path) and calls
  // itself once per chunk (the loop V8 interrupts).
  const Bytes helper = Code(result.bytes, 2);
  EXPECT_LT(Find(helper, kMemoryFill), helper.size());
  EXPECT_LT(Find(helper, {kCall, 2}), helper.size());
}

TEST(BoundBulkInstructionsTest, CallsMapToTheReplacedInstruction) {
  const Bytes module = Module({Body(Cat({kArgs3, kMemoryFill}))});
  absl::StatusOr<BoundedBulk> result_or = Bound(module);
  ASSERT_TRUE(result_or.ok()) << result_or.status();
  BoundedBulk& result = *result_or;
  const size_t original = Find(module, kMemoryFill);
  const size_t rewritten = Find(result.bytes, Cat({kArgs3, {kCall, 1}}));
  ASSERT_LT(rewritten, result.bytes.size());
  const uint32_t call = static_cast<uint32_t>(rewritten + kArgs3.size());
  EXPECT_EQ(result.OriginalOffset(call), original);
  EXPECT_EQ(result.OriginalOffset(call + 1), original);
  // Copied code maps one to one.
  EXPECT_EQ(result.OriginalOffset(call - 1), original - 1);
}

TEST(BoundBulkInstructionsTest, TableHelpersTakeTheTablesReferenceType) {
  // table.fill 1 on an externref table, table.copy 0 1, table.init 0 0.
  const Bytes module = Module({Body(Cat({kArgs3,
                                         {0xfc, 0x11, 0x01},
                                         kArgs3,
                                         {0xfc, 0x0e, 0x00, 0x01},
                                         kArgs3,
                                         {0xfc, 0x0c, 0x00, 0x00}}))},
                              {0x70, 0x6f});
  absl::StatusOr<BoundedBulk> result_or = Bound(module);
  ASSERT_TRUE(result_or.ok()) << result_or.status();
  BoundedBulk& result = *result_or;
  EXPECT_EQ(result.helper_count, 3u);
  absl::StatusOr<ModuleInfo> info_or = ReadModule(result.bytes);
  ASSERT_TRUE(info_or.ok()) << info_or.status();
  ModuleInfo& info = *info_or;
  EXPECT_EQ(
      *info.FunctionType(1),
      (FuncType{{ValType::kI32, ValType::kExternRef, ValType::kI32}, {}}));
  EXPECT_EQ(*info.FunctionType(2),
            (FuncType{{ValType::kI32, ValType::kI32, ValType::kI32}, {}}));
  // table.copy checks both tables' sizes (table.size 0 and 1).
  const Bytes copy = Code(result.bytes, 2);
  EXPECT_LT(Find(copy, {0xfc, 0x10, 0x00}), copy.size());
  EXPECT_LT(Find(copy, {0xfc, 0x10, 0x01}), copy.size());
}

TEST(BoundBulkInstructionsTest, TableGrowNeedsABudgetExport) {
  const Bytes grow = {kLocalGet, 0,    0xd0, 0x70, kLocalGet,
                      1,         0xfc, 0x0f, 0x00, kDrop};
  const Bytes module = Module({Body(grow)}, {0x70});
  absl::StatusOr<BoundedBulk> untouched_or = Bound(module);
  ASSERT_TRUE(untouched_or.ok()) << untouched_or.status();
  BoundedBulk& untouched = *untouched_or;
  EXPECT_EQ(untouched.helper_count, 0u);

  BoundedBulkOptions options;
  options.table_budget_export = "budget";
  options.initial_table_budget = 100;
  absl::StatusOr<BoundedBulk> result_or = Bound(module, options);
  ASSERT_TRUE(result_or.ok()) << result_or.status();
  BoundedBulk& result = *result_or;
  EXPECT_EQ(result.helper_count, 1u);
  ASSERT_TRUE(result.table_budget_global.has_value());
  EXPECT_EQ(*result.table_budget_global, 0u);
  absl::StatusOr<ModuleInfo> info_or = ReadModule(result.bytes);
  ASSERT_TRUE(info_or.ok()) << info_or.status();
  ModuleInfo& info = *info_or;
  ASSERT_EQ(info.globals.size(), 1u);
  EXPECT_EQ(info.globals[0].type, ValType::kI32);
  EXPECT_TRUE(info.globals[0].is_mutable);
  ASSERT_EQ(info.exports.size(), 1u);
  EXPECT_EQ(info.exports[0].name, "budget");
  EXPECT_EQ(info.exports[0].kind, ExternKind::kGlobal);
  EXPECT_EQ(*info.FunctionType(1),
            (FuncType{{ValType::kFuncRef, ValType::kI32}, {ValType::kI32}}));
  // The global starts at the initial budget: i32.const 100 (0xe4 0x00).
  EXPECT_LT(Find(result.bytes, {0x7f, 0x01, 0x41, 0xe4, 0x00, 0x0b}),
            result.bytes.size());
}

TEST(BoundBulkInstructionsTest, Errors) {
  const Bytes module = Module({Body(Cat({kArgs3, kMemoryFill}))});
  BoundedBulkOptions zero;
  zero.memory_chunk_bytes = 0;
  ExpectInvalidArgument(Bound(module, zero).status(),
                        "memory_chunk_bytes is 0");
  BoundedBulkOptions huge;
  huge.table_chunk_elements = (1u << 30) + 1;
  ExpectInvalidArgument(Bound(module, huge).status(),
                        "table_chunk_elements is 1073741825");

  ExpectInvalidArgument(
      Bound(Module({Body(Cat({kArgs3, {0xfc, 0x11, 0x03}}))}, {0x70})).status(),
      "table 3 does not exist");
  // Truncated immediates: the bytes end inside the instruction.
  ExpectInvalidArgument(
      Bound(Module({Cat({{0x00}, kArgs3, {0xfc, 0x0a}})})).status(),
      "at offset");

  BoundedBulkOptions clash;
  clash.table_budget_export = "taken";
  const Bytes grow = Module(
      {Body({kLocalGet, 0, 0xd0, 0x70, kLocalGet, 1, 0xfc, 0x0f, 0x00, kDrop})},
      {0x70}, "taken");
  ExpectInvalidArgument(Bound(grow, clash).status(),
                        "already exports \"taken\"");
}

}  // namespace
}  // namespace wasmhost::wasm
