// lib/wasm/code_scanner_test.cc: ReadFunctionBodies, InstructionReader and
// ScanCode on hand-assembled function bodies, valid and malformed.

#include "lib/wasm/code_scanner.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::wasm {
namespace {

using testing::Body;
using testing::Bytes;
using testing::Cat;
using testing::ExpectInvalidArgument;
using testing::FunctionModule;

constexpr uint8_t kEnd = 0x0b, kVoid = 0x40, kI32 = 0x7f;

absl::StatusOr<CodeSummary> Scan(const Bytes& module) {
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  if (!info.ok()) return info.status();
  return ScanCode(module, *info);
}

absl::StatusOr<CodeSummary> ScanBody(const Bytes& instructions) {
  return Scan(FunctionModule({Body(instructions)}));
}

void ExpectScanError(const Bytes& module, const std::string& substr) {
  ExpectInvalidArgument(Scan(module).status(), substr);
}

// The instructions of every category that set no flag, except SIMD: MVP,
// sign extension, saturating truncation, reference types, multi-value,
// tail calls, exceptions. 43 instructions.
Bytes NoFlagInstructions() {
  // One instruction per line.
  // clang-format off
  return Bytes{
      0x01,                            // nop
      0x02, kVoid,                     // block
      0x04, kI32,                      // if (result i32)
      0x41, 0x7f,                      // i32.const -1
      0x05,                            // else
      0x42, 0x80, 0x80, 0x80, 0x80, 0x10,  // i64.const 1 << 32
      0x1a,                            // drop
      0x43, 0, 0, 0x80, 0x3f,          // f32.const 1
      0xa8,                            // i32.trunc_f32_s
      kEnd,                            // end (if)
      0x0d, 0x00,                      // br_if 0
      0x0e, 0x02, 0x00, 0x01, 0x00,    // br_table 0 1 0
      kEnd,                            // end (block)
      0x02, 0x80, 0x01,                // block (type 128): s33 type index
      0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,  // f64.const 1
      0x20, 0x00,                      // local.get 0
      0x28, 0x02, 0x08,                // i32.load align=2 offset=8
      0x36, 0x02, 0x00,                // i32.store
      0x3f, 0x00,                      // memory.size
      0xc0,                            // i32.extend8_s
      0xc4,                            // i64.extend32_s
      0xfc, 0x00,                      // i32.trunc_sat_f32_s
      0xfc, 0x07,                      // i64.trunc_sat_f64_u
      kEnd,                            // end (block)
      0x25, 0x00,                      // table.get 0
      0xfc, 0x10, 0x00,                // table.size 0
      0xd0, 0x70,                      // ref.null func
      0xd1,                            // ref.is_null
      0xd2, 0x00,                      // ref.func 0
      0x1c, 0x01, kI32,                // select (result i32)
      0x1b,                            // select
      0x10, 0x00,                      // call 0
      0x11, 0x00, 0x00,                // call_indirect type 0 table 0
      0x06, kVoid,                     // try
      0x08, 0x00,                      // throw 0
      0x07, 0x00,                      // catch 0
      0x09, 0x00,                      // rethrow 0
      0x19,                            // catch_all
      kEnd,                            // end (try)
      0x06, kVoid,                     // try
      0x18, 0x00,                      // delegate 0
      0x12, 0x00,                      // return_call 0
      0x13, 0x00, 0x00,                // return_call_indirect 0 0
  };
  // clang-format on
}

// SIMD, each immediate kind once; 9 instructions.
Bytes SimdInstructions() {
  // clang-format off
  return Bytes{
      0xfd, 0x0c, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,  // v128.const
      0xfd, 0x0d, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31,  // i8x16.shuffle
      0xfd, 0x15, 0x0f,                // i8x16.extract_lane_s 15
      0xfd, 0x00, 0x04, 0x10,          // v128.load align=4 offset=16
      0xfd, 0x54, 0x00, 0x00, 0x03,    // v128.load8_lane 3
      0xfd, 0x5b, 0x03, 0x00, 0x01,    // v128.store64_lane 1
      0xfd, 0x5d, 0x03, 0x00,          // v128.load64_zero
      0xfd, 0x8e, 0x00,                // i8x16.swizzle, two-byte opcode
      0xfd, 0x80, 0x02,                // i8x16.relaxed_swizzle (0x100)
  };
  // clang-format on
}

TEST(ScanCodeTest, EachFlagIsSetByItsInstructionsOnly) {
  struct Case {
    const char* name;
    Bytes instructions;
    bool mutates_tables, grows_memory, uses_bulk_memory;
  };
  const Case cases[] = {
      {"table.set", {0x26, 0x00}, true, false, false},
      {"table.init", {0xfc, 0x0c, 0x01, 0x00}, true, false, false},
      {"elem.drop", {0xfc, 0x0d, 0x00}, true, false, false},
      {"table.copy", {0xfc, 0x0e, 0x00, 0x00}, true, false, false},
      {"table.grow", {0xfc, 0x0f, 0x00}, true, false, false},
      {"table.fill", {0xfc, 0x11, 0x00}, true, false, false},
      {"memory.grow", {0x40, 0x00}, false, true, false},
      {"memory.init", {0xfc, 0x08, 0x00, 0x00}, false, false, true},
      {"data.drop", {0xfc, 0x09, 0x00}, false, false, true},
      {"memory.copy", {0xfc, 0x0a, 0x00, 0x00}, false, false, true},
      {"memory.fill", {0xfc, 0x0b, 0x00}, false, false, true},
      {"none", NoFlagInstructions(), false, false, false},
      {"simd", SimdInstructions(), false, false, false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CodeSummary> summary = ScanBody(c.instructions);
    ASSERT_TRUE(summary.ok()) << c.name << ": " << summary.status();
    EXPECT_EQ(summary->mutates_tables, c.mutates_tables) << c.name;
    EXPECT_EQ(summary->grows_memory, c.grows_memory) << c.name;
    EXPECT_EQ(summary->uses_bulk_memory, c.uses_bulk_memory) << c.name;
    EXPECT_EQ(summary->drops_data, std::string(c.name) == "data.drop")
        << c.name;
    EXPECT_EQ(summary->loop_count, 0u) << c.name;
  }
}

TEST(ScanCodeTest, CountsInstructionsAndLoops) {
  absl::StatusOr<CodeSummary> summary = ScanBody(NoFlagInstructions());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->instruction_count, 43u + 1);  // The final end too.

  // Two functions: nested loops in one, a loop in the other.
  const Bytes nested =
      Body({0x03, kVoid, 0x03, 0x7f, 0x41, 0x00, kEnd, 0x1a, kEnd});
  const Bytes single = Body({0x03, kVoid, 0x0c, 0x00, kEnd});
  summary = Scan(FunctionModule({nested, single}));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->loop_count, 3u);
  EXPECT_EQ(summary->instruction_count, 6u + 1 + 3 + 1);
  EXPECT_FALSE(summary->mutates_tables);
}

TEST(ScanCodeTest, MeasuresTheLargestFunction) {
  // Nesting 3 (block > loop > if) in the first function, 1 in the second,
  // which is the larger one and declares 5 + 2 locals.
  const Bytes nested = Body(
      {0x02, kVoid, 0x03, kVoid, 0x41, 0x00, 0x04, kVoid, kEnd, kEnd, kEnd});
  const Bytes big = Cat(
      {{2, 5, kI32, 2, kI32}, {0x02, kVoid}, Bytes(20, 0x01), {kEnd, kEnd}});
  absl::StatusOr<CodeSummary> summary = Scan(FunctionModule({nested, big}));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->max_nesting_depth, 3u);
  EXPECT_EQ(summary->max_locals, 7u);
  EXPECT_EQ(summary->max_body_bytes, big.size());
}

TEST(ScanCodeTest, ListsTheBulkInstructions) {
  // Two imports: sites count defined functions only.
  const Bytes none = Body({0x01});
  const Bytes fill = Body({0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0b, 0x00});
  const Bytes grow = Body({0xd0, 0x70, 0x41, 0, 0xfc, 0x0f, 0x00, 0x1a});
  const Bytes drop = Body({0xfc, 0x09, 0x00, 0xfc, 0x0d, 0x00});
  const Bytes module = FunctionModule({none, fill, drop, grow, fill}, 2);
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(module, *info);
  ASSERT_TRUE(summary.ok()) << summary.status();
  // data.drop and elem.drop are no bulk work: function 2 has no site.
  ASSERT_EQ(summary->bulk_sites.size(), 3u);
  const uint32_t functions[] = {1, 3, 4};
  const uint32_t opcodes[] = {0x0b, 0x0f, 0x0b};
  for (size_t i = 0; i < 3; ++i) {
    const BulkSite& site = summary->bulk_sites[i];
    EXPECT_EQ(site.function, functions[i]);
    EXPECT_EQ(site.opcode, opcodes[i]);
    EXPECT_EQ(module[site.offset], 0xfc);
    EXPECT_EQ(site.immediates, site.offset + 2);
    EXPECT_EQ(site.end, site.offset + 3);
    EXPECT_EQ(module[site.immediates], 0x00);
    const size_t body = info->function_body_offsets[site.function];
    EXPECT_GT(site.offset, body);
    if (i > 0) {
      EXPECT_GT(site.offset, summary->bulk_sites[i - 1].end);
    }
  }
  summary = Scan(FunctionModule({none}));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_TRUE(summary->bulk_sites.empty());
}

TEST(ScanCodeTest, ModuleWithoutCode) {
  const Bytes module = BinaryWriter().Header().Release();
  absl::StatusOr<CodeSummary> summary = Scan(module);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->instruction_count, 0u);
  EXPECT_EQ(summary->loop_count, 0u);
}

TEST(InstructionReaderTest, YieldsOpcodesAndImmediates) {
  const Bytes module = FunctionModule(
      {Cat({{0x02, 0x01, kI32, 0x03, 0x7e},  // locals: 1 i32, 3 i64
            {0x41, 0x7f},                    // i32.const -1
            {0x0e, 0x02, 0x00, 0x01, 0x00},  // br_table 0 1 0
            {0x10, 0x85, 0x01},              // call 133
            {0xfc, 0x0b, 0x00},              // memory.fill
            {0xfd, 0x8e, 0x00},              // i8x16.swizzle, padded LEB
            {0xfe, 0x03, 0x00},              // atomic.fence
            {kEnd}})},
      /*imports=*/2);
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<std::vector<FunctionBody>> bodies =
      ReadFunctionBodies(module, *info);
  ASSERT_TRUE(bodies.ok()) << bodies.status();
  ASSERT_EQ(bodies->size(), 1u);
  const FunctionBody& body = (*bodies)[0];
  EXPECT_EQ(body.function_index, 2u);
  EXPECT_EQ(body.offset, info->function_body_offsets[0]);
  EXPECT_EQ(body.code_offset, body.offset + 5);
  EXPECT_EQ(body.end, module.size());
  EXPECT_EQ(body.local_count, 4u);

  struct Expected {
    size_t offset;
    uint8_t prefix;
    uint32_t opcode;
    Bytes immediates;
  };
  const size_t at = body.code_offset;
  const Expected expected[] = {
      {at, kNoPrefix, 0x41, {0x7f}},
      {at + 2, kNoPrefix, 0x0e, {0x02, 0x00, 0x01, 0x00}},
      {at + 7, kNoPrefix, 0x10, {0x85, 0x01}},
      {at + 10, kMiscPrefix, 11, {0x00}},
      {at + 13, kSimdPrefix, 0x0e, {}},
      {at + 16, kAtomicPrefix, 3, {0x00}},
      {at + 19, kNoPrefix, kEnd, {}},
  };
  InstructionReader reader(module, body);
  for (const Expected& e : expected) {
    ASSERT_FALSE(reader.done());
    Instruction insn;
    ASSERT_TRUE(reader.Next(&insn).ok());
    EXPECT_EQ(insn.offset, e.offset);
    EXPECT_EQ(insn.prefix, e.prefix);
    EXPECT_EQ(insn.opcode, e.opcode);
    EXPECT_EQ(Bytes(insn.immediates.begin(), insn.immediates.end()),
              e.immediates)
        << "at " << e.offset;
  }
  EXPECT_TRUE(reader.done());
  Instruction insn;
  absl::Status status = reader.Next(&insn);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(status.message(), "no instructions left"));
}

TEST(InstructionReaderTest, DecodesSimdImmediates) {
  const Bytes module = FunctionModule({Body(SimdInstructions())});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<std::vector<FunctionBody>> bodies =
      ReadFunctionBodies(module, *info);
  ASSERT_TRUE(bodies.ok()) << bodies.status();
  InstructionReader reader(module, (*bodies)[0]);
  std::vector<std::pair<uint32_t, size_t>> seen;  // Opcode, immediate size.
  while (!reader.done()) {
    Instruction insn;
    absl::Status status = reader.Next(&insn);
    ASSERT_TRUE(status.ok()) << status;
    if (insn.prefix == kSimdPrefix) {
      seen.emplace_back(insn.opcode, insn.immediates.size());
    }
    if (insn.opcode == 0x0d && insn.prefix == kSimdPrefix) {
      EXPECT_EQ(insn.immediates[1], 17);
      EXPECT_EQ(insn.immediates[15], 31);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::pair<uint32_t, size_t>>{{0x0c, 16},
                                                            {0x0d, 16},
                                                            {0x15, 1},
                                                            {0x00, 2},
                                                            {0x54, 3},
                                                            {0x5b, 3},
                                                            {0x5d, 2},
                                                            {0x0e, 0},
                                                            {0x100, 0}}));
}

TEST(ScanCodeTest, EveryTruncationIsAnError) {
  const Bytes instructions =
      Cat({NoFlagInstructions(),
           SimdInstructions(),
           {0x26, 0x00, 0xfc, 0x0c, 0x01, 0x00, 0x40, 0x00, 0x03, kVoid, kEnd,
            0xfe, 0x48, 0x02, 0x00}});
  const Bytes full = Body(instructions);
  ASSERT_TRUE(Scan(FunctionModule({full})).ok());
  // Every strict prefix of the body, the locals count included.
  for (size_t size = 0; size < full.size(); ++size) {
    const Bytes module =
        FunctionModule({Bytes(full.begin(), full.begin() + size)});
    absl::StatusOr<CodeSummary> summary = Scan(module);
    ASSERT_FALSE(summary.ok()) << "body of " << size << " bytes";
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(summary.status().message(), "at offset "))
        << summary.status().message();
    EXPECT_TRUE(absl::StrContains(summary.status().message(), "function 0"))
        << summary.status().message();
  }
}

TEST(ScanCodeTest, TruncatedLocals) {
  ExpectScanError(FunctionModule({{0x01, 0x80, 0x80}}),
                  "unexpected end of input in the locals of function 0");
  ExpectScanError(FunctionModule({{0x02, 0x01, 0x7f}}),
                  "count 2 too large for the 2 bytes remaining in the locals");
  ExpectScanError(FunctionModule({{0x80}}), "in the locals of function 0");
  ExpectScanError(FunctionModule({{0x01, 0x01, 0x7a, kEnd}}),
                  "invalid value type 0x7a in the locals of function 0");
}

TEST(ScanCodeTest, UnknownOpcodesNameOffsetAndFunction) {
  struct Case {
    Bytes instructions;
    std::string opcode;
  };
  const Case cases[] = {
      {{0x27}, "0x27"},
      {{0x14, 0x00}, "0x14"},  // call_ref: typed references
      {{0xd3}, "0xd3"},        // ref.as_non_null
      {{0xfb, 0x00}, "0xfb"},  // GC prefix
      {{0xfc, 0x12}, "0xfc 0x12"},
      {{0xfd, 0x9a, 0x01}, "0xfd 0x9a"},
      {{0xfd, 0xee, 0x01}, "0xfd 0xee"},
      {{0xfd, 0x94, 0x02}, "0xfd 0x114"},
      {{0xfe, 0x04}, "0xfe 0x04"},
      {{0xfe, 0x4f}, "0xfe 0x4f"},
  };
  for (const Case& c : cases) {
    // Function 3 (after 2 imports and one good body) at a known offset.
    const Bytes module = FunctionModule(
        {Body({}), Body(Cat({{0x41, 0x00, 0x1a}, c.instructions}))}, 2);
    absl::StatusOr<ModuleInfo> info = ReadModule(module);
    ASSERT_TRUE(info.ok()) << info.status();
    const size_t at = info->function_body_offsets[1] + 1 + 3;
    ExpectScanError(module, absl::StrCat("at offset ", at, ": unknown opcode ",
                                         c.opcode, " in function 3"));
  }
}

TEST(ScanCodeTest, MalformedInstructions) {
  ExpectScanError(FunctionModule({Cat({Body({}), {0x01}})}),
                  "1 bytes after the body's final end in function 0");
  ExpectScanError(FunctionModule({{0x00, 0x02, kVoid, kEnd}}),
                  "unexpected end of the body (no final end) in function 0");
  ExpectScanError(FunctionModule({Body({0x02, 0x7a, kEnd})}),
                  "invalid block type -6");
  // A valid s33 of -1 in two bytes is not a block type.
  ExpectScanError(FunctionModule({Body({0x02, 0xff, 0x7f, kEnd})}),
                  "invalid block type -1");
  ExpectScanError(
      FunctionModule({Body({0x02, 0x80, 0x80, 0x80, 0x80, 0x80, kEnd})}),
      "integer representation too long");
  ExpectScanError(FunctionModule({Body({0x18, 0x00})}),
                  "delegate outside a block");
  ExpectScanError(FunctionModule({Body({0xd0, 0x7f})}),
                  "invalid reference type 0x7f");
  ExpectScanError(FunctionModule({Body({0x1c, 0x01, 0x40})}),
                  "invalid value type 0x40");
  ExpectScanError(FunctionModule({Body({0x0e, 0xff, 0xff, 0x03})}),
                  "count 65535 too large");
  ExpectScanError(FunctionModule({Body({0x41, 0x80, 0x80, 0x80, 0x80, 0x70})}),
                  "integer too large");
}

TEST(ScanCodeTest, RejectsInfoOfAnotherModule) {
  const Bytes module = FunctionModule({Body({0x01})});
  const Bytes other = FunctionModule({Body({0x01, 0x01, 0x01})});
  absl::StatusOr<ModuleInfo> info = ReadModule(other);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(module, *info);
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(summary.status().message(),
                                "does not describe these bytes"))
      << summary.status().message();

  // A body outside the bytes is reported, not read.
  FunctionBody body;
  body.function_index = 7;
  body.code_offset = 4;
  body.end = module.size() + 1;
  InstructionReader reader(module, body);
  Instruction insn;
  absl::Status status = reader.Next(&insn);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(status.message(), "function 7 lies outside the bytes"));
  EXPECT_TRUE(reader.done());
}

}  // namespace
}  // namespace wasmhost::wasm
