// lib/wasm/fuel_test.cc: InjectFuel on hand-assembled modules: the checks'
// bytes and costs, indices, sections kept, offsets, and errors.

#include "lib/wasm/fuel.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
using testing::FunctionModule;

constexpr uint8_t kEnd = 0x0b, kVoid = 0x40, kI32 = 0x7f, kI64 = 0x7e;
constexpr uint8_t kLoop = 0x03, kBlock = 0x02, kIf = 0x04, kBrIf = 0x0d;
constexpr uint8_t kI32Const = 0x41, kDrop = 0x1a, kNop = 0x01;

// The check InjectFuel emits, for indices and costs below 64.
Bytes Check(uint8_t global, uint8_t cost, uint8_t tmp) {
  return {0x23, global, 0x42, cost, 0x7d, 0x22, tmp,  0x24, global,
          0x20, tmp,    0x42, 0x00, 0x53, 0x04, 0x40, 0x00, kEnd};
}
constexpr size_t kUnreachableInCheck = 16;

absl::StatusOr<FuelRewrite> Inject(const Bytes& module,
                                   const FuelOptions& options = {}) {
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  if (!info.ok()) return info.status();
  return InjectFuel(module, *info, options);
}

void ExpectError(const absl::StatusOr<FuelRewrite>& result,
                 const std::string& substr) {
  ExpectInvalidArgument(result.status(), substr);
}

// The instrumented body of defined function `i`, locals included.
Bytes BodyOf(const Bytes& module, const ModuleInfo& info, size_t i) {
  absl::StatusOr<std::vector<FunctionBody>> bodies =
      ReadFunctionBodies(module, info);
  EXPECT_TRUE(bodies.ok()) << bodies.status();
  if (!bodies.ok() || i >= bodies->size()) return {};
  return Bytes(module.begin() + (*bodies)[i].offset,
               module.begin() + (*bodies)[i].end);
}

// Reads and scans the output; returns its info.
ModuleInfo Reread(const FuelRewrite& rewrite) {
  absl::StatusOr<ModuleInfo> info = ReadModule(rewrite.bytes);
  EXPECT_TRUE(info.ok()) << info.status();
  if (!info.ok()) return {};
  absl::StatusOr<CodeSummary> summary = ScanCode(rewrite.bytes, *info);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return *std::move(info);
}

const Export* FindExport(const ModuleInfo& info, const std::string& name) {
  for (const Export& e : info.exports) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void ExpectOutOfFuelOffsetsValid(const FuelRewrite& rewrite) {
  EXPECT_TRUE(std::is_sorted(rewrite.out_of_fuel_offsets.begin(),
                             rewrite.out_of_fuel_offsets.end()));
  for (uint32_t at : rewrite.out_of_fuel_offsets) {
    ASSERT_LT(at, rewrite.bytes.size());
    EXPECT_EQ(rewrite.bytes[at], 0x00) << "at " << at;  // unreachable
    EXPECT_EQ(rewrite.bytes[at + 1], kEnd) << "at " << at;
    EXPECT_TRUE(rewrite.IsOutOfFuelOffset(at));
    EXPECT_FALSE(rewrite.IsOutOfFuelOffset(at + 1));
  }
}

// i32.const 0; drop; loop; i32.const 1; br_if 0; end: the function region
// costs 4 (i32.const, drop, loop, final end), the loop 3.
Bytes OneLoopBody() {
  return Body(
      {kI32Const, 0, kDrop, kLoop, kVoid, kI32Const, 1, kBrIf, 0, kEnd});
}

TEST(InjectFuelTest, ChecksAtEntryAndLoopHeaderWithStaticCosts) {
  const Bytes module = FunctionModule({OneLoopBody()});
  absl::StatusOr<FuelRewrite> rewrite = Inject(module);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  // Global 0 (none before), temporary local 0 (no params or locals).
  const Bytes expected = Cat({
      {0x01, 0x01, kI64},  // One locals group more: 1 x i64.
      Check(0, 4, 0),
      {kI32Const, 0, kDrop, kLoop, kVoid},
      Check(0, 3, 0),
      {kI32Const, 1, kBrIf, 0, kEnd, kEnd},
  });
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 0), expected);
  ASSERT_EQ(rewrite->out_of_fuel_offsets.size(), 2u);
  ExpectOutOfFuelOffsetsValid(*rewrite);
  const size_t body = info.function_body_offsets[0];
  EXPECT_EQ(rewrite->out_of_fuel_offsets[0], body + 3 + kUnreachableInCheck);
  EXPECT_EQ(rewrite->out_of_fuel_offsets[1],
            body + 3 + 18 + 5 + kUnreachableInCheck);
}

TEST(InjectFuelTest, AddsGlobalFunctionsTypesAndExports) {
  const Bytes module = FunctionModule({OneLoopBody(), Body({})});
  absl::StatusOr<FuelRewrite> rewrite = Inject(module);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  EXPECT_EQ(rewrite->set_fuel_export, "wasmhost:fuel:set");
  EXPECT_EQ(rewrite->get_fuel_export, "wasmhost:fuel:get");
  EXPECT_EQ(rewrite->fuel_global_index, 0u);
  EXPECT_EQ(rewrite->set_fuel_function, 2u);
  EXPECT_EQ(rewrite->get_fuel_function, 3u);

  ASSERT_EQ(info.globals.size(), 1u);
  EXPECT_EQ(info.globals[0].type, ValType::kI64);
  EXPECT_TRUE(info.globals[0].is_mutable);
  ASSERT_EQ(info.types.size(), 3u);
  EXPECT_EQ(info.types[1].params, std::vector<ValType>{ValType::kI64});
  EXPECT_TRUE(info.types[1].results.empty());
  EXPECT_TRUE(info.types[2].params.empty());
  EXPECT_EQ(info.types[2].results, std::vector<ValType>{ValType::kI64});
  ASSERT_EQ(info.function_type_indices.size(), 4u);
  EXPECT_EQ(info.function_type_indices[0], 0u);
  EXPECT_EQ(info.function_type_indices[2], 1u);
  EXPECT_EQ(info.function_type_indices[3], 2u);
  const Export* set = FindExport(info, "wasmhost:fuel:set");
  const Export* get = FindExport(info, "wasmhost:fuel:get");
  ASSERT_NE(set, nullptr);
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(set->kind, ExternKind::kFunc);
  EXPECT_EQ(set->index, 2u);
  EXPECT_EQ(get->index, 3u);
  // set stores max(value, 0); get returns the global. Neither is metered.
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 2),
            (Bytes{0x00, 0x20, 0x00, 0x42, 0x00, 0x20, 0x00, 0x42, 0x00, 0x55,
                   0x1b, 0x24, 0x00, kEnd}));
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 3), (Bytes{0x00, 0x23, 0x00, kEnd}));
  // The empty function is still charged for its `end`.
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 1),
            Cat({{0x01, 0x01, kI64}, Check(0, 1, 0), {kEnd}}));
  // Global initializer: INT64_MAX by default.
  const Bytes max_init = BinaryWriter()
                             .Byte(0x42)
                             .S64(std::numeric_limits<int64_t>::max())
                             .Release();
  EXPECT_NE(std::search(rewrite->bytes.begin(), rewrite->bytes.end(),
                        max_init.begin(), max_init.end()),
            rewrite->bytes.end());
}

TEST(InjectFuelTest, InitialFuelOption) {
  FuelOptions options;
  options.initial_fuel = 1234567;
  absl::StatusOr<FuelRewrite> rewrite =
      Inject(FunctionModule({Body({})}), options);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  int global_sections = 0;
  for (const SectionInfo& s : info.sections) {
    if (s.id != 6) continue;
    ++global_sections;
    const Bytes payload(
        rewrite->bytes.begin() + s.payload_offset,
        rewrite->bytes.begin() + s.payload_offset + s.payload_size);
    EXPECT_EQ(payload, Cat({{0x01, kI64, 0x01, 0x42},
                            BinaryWriter().S64(1234567).Release(),
                            {kEnd}}));
  }
  EXPECT_EQ(global_sections, 1);
}

TEST(InjectFuelTest, NestedLoopsAreChargedSeparately) {
  // block; loop; if; loop; nop; end; else; nop; end; br_if 0... costs:
  //   function: block, loop, end(block), end = 4
  //   outer loop: i32.const, if, loop, else, nop, end(if), i32.const,
  //               br_if, end(loop) = 9
  //   inner loop: nop, end = 2
  const Bytes body =
      Body({kBlock, kVoid,     kLoop, kVoid, kI32Const, 1,    kIf,
            kVoid,  kLoop,     kVoid, kNop,  kEnd,      0x05, kNop,
            kEnd,   kI32Const, 0,     kBrIf, 0,         kEnd, kEnd});
  absl::StatusOr<FuelRewrite> rewrite = Inject(FunctionModule({body}));
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  const Bytes expected = Cat({
      {0x01, 0x01, kI64},
      Check(0, 4, 0),
      {kBlock, kVoid, kLoop, kVoid},
      Check(0, 9, 0),
      {kI32Const, 1, kIf, kVoid, kLoop, kVoid},
      Check(0, 2, 0),
      {kNop, kEnd, 0x05, kNop, kEnd, kI32Const, 0, kBrIf, 0, kEnd, kEnd, kEnd},
  });
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 0), expected);
  EXPECT_EQ(rewrite->out_of_fuel_offsets.size(), 3u);
  ExpectOutOfFuelOffsetsValid(*rewrite);
}

TEST(InjectFuelTest, TryDelegateClosesItsBlock) {
  // try; delegate 0 ends the try, so the loop's end is found: the loop
  // region is try, delegate, end = 3; the function loop, end = 2.
  const Bytes body = Body({kLoop, kVoid, 0x06, kVoid, 0x18, 0x00, kEnd});
  absl::StatusOr<FuelRewrite> rewrite = Inject(FunctionModule({body}));
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 0),
            Cat({{0x01, 0x01, kI64},
                 Check(0, 2, 0),
                 {kLoop, kVoid},
                 Check(0, 3, 0),
                 {0x06, kVoid, 0x18, 0x00, kEnd, kEnd}}));
}

TEST(InjectFuelTest, TemporaryLocalFollowsParamsAndLocals) {
  // Type (i32, i64) -> (); locals 2 x i32, 1 x f64: the temporary is local 5.
  // A loop with a type-index block type (type 1: (i32) -> ()).
  const Bytes body = {0x02,      0x02, kI32,  0x01, 0x7c,  // locals
                      kI32Const, 7,    kLoop, 0x01, kDrop, kEnd, kEnd};
  const Bytes module = FunctionModule(
      {body}, 0, {0x02, 0x60, 0x02, kI32, kI64, 0x00, 0x60, 0x01, kI32, 0x00});
  absl::StatusOr<FuelRewrite> rewrite = Inject(module);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 0),
            Cat({{0x03, 0x02, kI32, 0x01, 0x7c, 0x01, kI64},
                 Check(0, 3, 5),
                 {kI32Const, 7, kLoop, 0x01},
                 Check(0, 2, 5),
                 {kDrop, kEnd, kEnd}}));
}

TEST(InjectFuelTest, FunctionAtTheLocalsLimitRereadsTheGlobal) {
  // 50000 locals: no room for a temporary.
  const Bytes module = FunctionModule(
      {BinaryWriter().U32(1).U32(50000).Byte(kI32).Byte(kEnd).Release()});
  absl::StatusOr<FuelRewrite> rewrite = Inject(module);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  // Locals unchanged; the check stores then reloads the global.
  EXPECT_EQ(BodyOf(rewrite->bytes, info, 0),
            Cat({{0x01, 0xd0, 0x86, 0x03, kI32},
                 {0x23, 0, 0x42, 1, 0x7d, 0x24, 0, 0x23, 0, 0x42, 0, 0x53, 0x04,
                  0x40, 0x00, kEnd},
                 {kEnd}}));
  ExpectOutOfFuelOffsetsValid(*rewrite);
}

TEST(InjectFuelTest, OriginalOffsetMapsBackThroughInjections) {
  const Bytes module = FunctionModule({Body({kNop}), OneLoopBody()});
  absl::StatusOr<ModuleInfo> original = ReadModule(module);
  ASSERT_TRUE(original.ok()) << original.status();
  absl::StatusOr<std::vector<FunctionBody>> before =
      ReadFunctionBodies(module, *original);
  ASSERT_TRUE(before.ok());
  absl::StatusOr<FuelRewrite> rewrite = Inject(module);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  absl::StatusOr<std::vector<FunctionBody>> after =
      ReadFunctionBodies(rewrite->bytes, info);
  ASSERT_TRUE(after.ok());

  // In function 1: the first instruction after the entry check is the
  // original first instruction; the one after the loop check is the loop
  // body's first instruction.
  const FunctionBody& b = (*before)[1];
  const FunctionBody& a = (*after)[1];
  const auto first = static_cast<uint32_t>(a.code_offset + 18);
  EXPECT_EQ(rewrite->bytes[first], kI32Const);
  EXPECT_EQ(rewrite->OriginalOffset(first), b.code_offset);
  EXPECT_EQ(rewrite->OriginalOffset(first + 2), b.code_offset + 2);  // drop
  const auto loop_body = static_cast<uint32_t>(first + 5 + 18);
  EXPECT_EQ(rewrite->bytes[loop_body], kI32Const);
  EXPECT_EQ(rewrite->OriginalOffset(loop_body), b.code_offset + 5);
  EXPECT_EQ(rewrite->OriginalOffset(loop_body + 2),
            b.code_offset + 7);  // br_if
  EXPECT_EQ(rewrite->OriginalOffset(static_cast<uint32_t>(a.end - 1)),
            b.end - 1);  // The final end.
  // Injected code maps to the instruction it precedes.
  EXPECT_EQ(rewrite->OriginalOffset(static_cast<uint32_t>(a.code_offset)),
            b.code_offset);
  EXPECT_EQ(rewrite->OriginalOffset(rewrite->out_of_fuel_offsets[2]),
            b.code_offset + 5);
  EXPECT_EQ(rewrite->OriginalOffset(first - 1), b.code_offset);
  // The header maps to itself.
  EXPECT_EQ(rewrite->OriginalOffset(3), 3u);
}

TEST(InjectFuelTest, ModuleWithoutFunctionsOrSections) {
  const Bytes empty = BinaryWriter().Header().Release();
  absl::StatusOr<FuelRewrite> rewrite = Inject(empty);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);
  EXPECT_EQ(info.types.size(), 2u);
  EXPECT_EQ(info.function_type_indices.size(), 2u);
  EXPECT_EQ(info.globals.size(), 1u);
  EXPECT_EQ(info.exports.size(), 2u);
  EXPECT_EQ(rewrite->set_fuel_function, 0u);
  EXPECT_EQ(rewrite->get_fuel_function, 1u);
  EXPECT_TRUE(rewrite->out_of_fuel_offsets.empty());
  std::vector<uint8_t> ids;
  for (const SectionInfo& s : info.sections) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<uint8_t>{1, 3, 6, 7, 10}));

  // A custom section, a memory and data, still no functions: new sections
  // go right after the last section that must precede them (or first).
  const Bytes with_memory = BinaryWriter()
                                .Header()
                                .Section(0, BinaryWriter().Name("x").Release())
                                .Section(5, {0x01, 0x00, 0x01})
                                .Section(11, {0x00})
                                .Release();
  rewrite = Inject(with_memory);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info2 = Reread(*rewrite);
  ids.clear();
  for (const SectionInfo& s : info2.sections) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<uint8_t>{1, 3, 0, 5, 6, 7, 10, 11}));
}

// Imported function and global, a table, a memory, a defined global, a
// start function, an element segment with ref.func, data count and data,
// and a name section naming the functions.
Bytes FullModule() {
  BinaryWriter types;
  types.U32(1).Byte(0x60).U32(0).U32(0);
  BinaryWriter imports;
  imports.U32(2);
  imports.Name("env").Name("host").Byte(0x00).U32(0);
  imports.Name("env").Name("g").Byte(0x03).Byte(kI32).Byte(0x00);
  BinaryWriter globals;
  globals.U32(1).Byte(kI32).Byte(0x01).Byte(kI32Const).S64(5).Byte(kEnd);
  BinaryWriter exports;
  exports.U32(1).Name("run").Byte(0x00).U32(1);
  // Element segment, flags 1 (passive, elemkind funcref): functions 1, 2.
  BinaryWriter elements;
  elements.U32(1).U32(1).Byte(0x00).U32(2).U32(1).U32(2);
  BinaryWriter code;
  const Bytes run = Body({0x10, 0x00, kLoop, kVoid, 0x10, 0x02, kEnd});
  const Bytes other = Body({0xd2, 0x01, kDrop});  // ref.func 1
  code.U32(2);
  code.U32(static_cast<uint32_t>(run.size())).Bytes(run);
  code.U32(static_cast<uint32_t>(other.size())).Bytes(other);
  BinaryWriter data;
  data.U32(1).U32(1).U32(3).Bytes({'a', 'b', 'c'});  // Passive.
  BinaryWriter function_names;
  function_names.U32(3).U32(0).Name("host").U32(1).Name("run").U32(2).Name(
      "other");
  BinaryWriter names;
  names.Name("name")
      .Byte(1)
      .U32(static_cast<uint32_t>(function_names.bytes().size()))
      .Bytes(function_names.bytes());
  return BinaryWriter()
      .Header()
      .Section(1, types.bytes())
      .Section(2, imports.bytes())
      .Section(3, {0x02, 0x00, 0x00})
      .Section(4, {0x01, 0x70, 0x00, 0x02})
      .Section(5, {0x01, 0x00, 0x01})
      .Section(6, globals.bytes())
      .Section(7, exports.bytes())
      .Section(8, {0x01})  // start: function 1
      .Section(9, elements.bytes())
      .Section(12, {0x01})  // data count
      .Section(10, code.bytes())
      .Section(11, data.bytes())
      .Section(0, names.bytes())
      .Release();
}

TEST(InjectFuelTest, ImportsStartElementsDataAndNamesKeepTheirIndices) {
  const Bytes module = FullModule();
  absl::StatusOr<ModuleInfo> original = ReadModule(module);
  ASSERT_TRUE(original.ok()) << original.status();
  absl::StatusOr<FuelRewrite> rewrite = Inject(module);
  ASSERT_TRUE(rewrite.ok()) << rewrite.status();
  const ModuleInfo info = Reread(*rewrite);

  // One imported + two defined functions; one imported + one defined global.
  EXPECT_EQ(rewrite->set_fuel_function, 3u);
  EXPECT_EQ(rewrite->get_fuel_function, 4u);
  EXPECT_EQ(rewrite->fuel_global_index, 2u);
  EXPECT_EQ(info.function_count(), 5u);
  EXPECT_EQ(info.global_count(), 3u);
  ASSERT_TRUE(info.start.has_value());
  EXPECT_EQ(*info.start, 1u);
  EXPECT_EQ(info.function_names.at(1), "run");
  EXPECT_EQ(info.function_names.at(2), "other");
  EXPECT_EQ(info.data_count, original->data_count);
  ASSERT_NE(FindExport(info, "run"), nullptr);
  EXPECT_EQ(FindExport(info, "run")->index, 1u);
  EXPECT_EQ(FindExport(info, "wasmhost:fuel:set")->index, 3u);
  EXPECT_EQ(FindExport(info, "wasmhost:fuel:get")->index, 4u);

  // Sections other than type, function, global, export and code are
  // byte-identical, in the same order.
  ASSERT_EQ(info.sections.size(), original->sections.size());
  for (size_t i = 0; i < info.sections.size(); ++i) {
    const SectionInfo& a = original->sections[i];
    const SectionInfo& b = info.sections[i];
    ASSERT_EQ(a.id, b.id);
    if (a.id == 1 || a.id == 3 || a.id == 6 || a.id == 7 || a.id == 10) {
      continue;
    }
    EXPECT_TRUE(
        std::equal(module.begin() + a.offset,
                   module.begin() + a.payload_offset + a.payload_size,
                   rewrite->bytes.begin() + b.offset,
                   rewrite->bytes.begin() + b.payload_offset + b.payload_size))
        << "section " << static_cast<int>(a.id);
    // Copied sections map one to one.
    EXPECT_EQ(rewrite->OriginalOffset(static_cast<uint32_t>(b.payload_offset)),
              a.payload_offset);
  }
  // The fuel global is global 2: `global.get 2` in the checks.
  const Bytes run = BodyOf(rewrite->bytes, info, 0);
  EXPECT_EQ(run, Cat({{0x01, 0x01, kI64},
                      Check(2, 3, 0),
                      {0x10, 0x00, kLoop, kVoid},
                      Check(2, 2, 0),
                      {0x10, 0x02, kEnd, kEnd}}));
  EXPECT_EQ(rewrite->out_of_fuel_offsets.size(), 3u);
  ExpectOutOfFuelOffsetsValid(*rewrite);
}

TEST(InjectFuelTest, MalformedBodyIsInvalidArgumentWithOffset) {
  const Bytes module = FunctionModule({Body({0xff})});
  ExpectError(Inject(module), "unknown opcode 0xff in function 0");
  ExpectError(Inject(module), "at offset ");
  // Truncated immediate.
  ExpectError(Inject(FunctionModule({{0x00, kI32Const, 0x80}})), "at offset ");
}

TEST(InjectFuelTest, AlreadyMeteredIsInvalidArgument) {
  absl::StatusOr<FuelRewrite> once = Inject(FunctionModule({Body({})}));
  ASSERT_TRUE(once.ok()) << once.status();
  ExpectError(Inject(once->bytes), "already exports \"wasmhost:fuel:set\"");
}

TEST(InjectFuelTest, InfoThatDoesNotDescribeTheBytes) {
  const Bytes module = FunctionModule({Body({})});
  absl::StatusOr<ModuleInfo> other =
      ReadModule(FunctionModule({Body({}), Body({})}));
  ASSERT_TRUE(other.ok());
  ExpectError(InjectFuel(module, *other), "does not describe these bytes");
}

TEST(InjectFuelTest, SameInputSameOutput) {
  const Bytes module = FullModule();
  absl::StatusOr<FuelRewrite> a = Inject(module);
  absl::StatusOr<FuelRewrite> b = Inject(module);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->bytes, b->bytes);
  EXPECT_EQ(a->out_of_fuel_offsets, b->out_of_fuel_offsets);
}

}  // namespace
}  // namespace wasmhost::wasm
