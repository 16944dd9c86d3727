// lib/wasm/rewriter_test.cc: the memory import, global accessors and tag
// plans on hand-assembled modules, applied as the SDK applies them
// (testing::ApplyPlans).

#include "lib/wasm/rewriter.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/boundary.h"
#include "lib/wasm/code_scanner.h"
#include "lib/wasm/fuel.h"
#include "lib/wasm/reader.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::wasm {
namespace {

using testing::Bytes;
using testing::ExpectInvalidArgument;

constexpr uint8_t kEnd = 0x0b;

const Bytes kTypes = {0x01, 0x60, 0x00, 0x01, 0x7f};  // () -> i32
const Bytes kFunctions = {0x01, 0x00};
const Bytes kCode = {0x01, 0x04, 0x00, 0x41, 0x07, kEnd};
const Bytes kData = {0x01, 0x00, 0x41, 0x10, kEnd, 0x02, 'h', 'i'};

// Exports memory 0 and function `run`.
Bytes Exports(uint32_t run) {
  // One entry per line.
  // clang-format off
  return BinaryWriter()
      .U32(2)
      .Name("memory").Byte(0x02).U32(0)
      .Name("run").Byte(0x00).U32(run)
      .Release();
  // clang-format on
}

Bytes Names() {
  return BinaryWriter()
      .Name("name")
      .Section(1, BinaryWriter().U32(1).U32(1).Name("run").Release())
      .Release();
}

// One function import, a defined function and a memory with `limits` (the
// binary limits encoding), exported, with a data segment.
Bytes ModuleWithMemory(const Bytes& limits) {
  Bytes imports =
      BinaryWriter().U32(1).Name("env").Name("f").Byte(0x00).U32(0).Release();
  Bytes memories = BinaryWriter().U32(1).Bytes(limits).Release();
  return BinaryWriter()
      .Header()
      .Section(1, kTypes)
      .Section(2, imports)
      .Section(3, kFunctions)
      .Section(5, memories)
      .Section(7, Exports(1))
      .Section(10, kCode)
      .Section(11, kData)
      .Section(0, Names())
      .Release();
}

// `bytes` with MemoryImportAdditions applied.
absl::StatusOr<Bytes> ImportMemory(const Bytes& bytes, const ModuleInfo& info,
                                   absl::string_view import_module,
                                   absl::string_view import_name) {
  std::vector<SectionAddition> additions;
  absl::Status planned =
      MemoryImportAdditions(info, import_module, import_name, &additions);
  if (!planned.ok()) return planned;
  return testing::ApplyPlans(bytes, info, std::move(additions));
}

absl::StatusOr<Bytes> Rewrite(const Bytes& bytes) {
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  if (!info.ok()) return info.status();
  return ImportMemory(bytes, *info, "host", "memory");
}

Bytes Payload(const Bytes& bytes, const SectionInfo& s) {
  return Bytes(bytes.begin() + s.payload_offset,
               bytes.begin() + s.payload_offset + s.payload_size);
}

// The payloads of every section except the import and memory sections,
// in order.
std::vector<Bytes> OtherPayloads(const Bytes& bytes, const ModuleInfo& info) {
  std::vector<Bytes> out;
  for (const SectionInfo& s : info.sections) {
    if (s.id != 2 && s.id != 5) out.push_back(Payload(bytes, s));
  }
  return out;
}

std::vector<uint8_t> SectionIds(const ModuleInfo& info) {
  std::vector<uint8_t> ids;
  for (const SectionInfo& s : info.sections) ids.push_back(s.id);
  return ids;
}

void ExpectRewriteError(const Bytes& bytes, const std::string& substr) {
  ExpectInvalidArgument(Rewrite(bytes).status(), substr);
}

TEST(MemoryImportTest, AppendsMemoryImport) {
  const Bytes original = ModuleWithMemory({0x01, 0x01, 0x03});  // 1..3 pages
  absl::StatusOr<ModuleInfo> before = ReadModule(original);
  ASSERT_TRUE(before.ok()) << before.status();

  absl::StatusOr<Bytes> rewritten =
      ImportMemory(original, *before, "host", "memory");
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  absl::StatusOr<ModuleInfo> after = ReadModule(*rewritten);
  ASSERT_TRUE(after.ok()) << after.status();

  ASSERT_EQ(after->imports.size(), 2u);
  EXPECT_EQ(after->imports[0].module, "env");
  EXPECT_EQ(after->imports[0].name, "f");
  EXPECT_EQ(after->imports[0].kind, ExternKind::kFunc);
  const Import& memory = after->imports[1];
  EXPECT_EQ(memory.module, "host");
  EXPECT_EQ(memory.name, "memory");
  EXPECT_EQ(memory.kind, ExternKind::kMemory);
  EXPECT_EQ(memory.memory.min, 1u);
  EXPECT_EQ(memory.memory.max, 3u);
  EXPECT_FALSE(memory.memory.shared);
  EXPECT_TRUE(after->memories.empty());
  EXPECT_EQ(after->memory_count(), 1u);

  // Function indices and everything else are untouched.
  EXPECT_EQ(after->function_count(), before->function_count());
  ASSERT_EQ(after->exports.size(), 2u);
  EXPECT_EQ(after->exports[0].kind, ExternKind::kMemory);
  EXPECT_EQ(after->exports[0].index, 0u);
  EXPECT_EQ(after->exports[1].index, 1u);
  EXPECT_EQ(after->data_segment_count, 1u);
  EXPECT_EQ(after->function_names.at(1), "run");
  EXPECT_EQ(SectionIds(*after), (std::vector<uint8_t>{1, 2, 3, 7, 10, 11, 0}));
  EXPECT_EQ(OtherPayloads(*rewritten, *after),
            OtherPayloads(original, *before));
  // The original import entries are kept byte for byte after the count.
  const Bytes old_imports = Payload(original, before->sections[1]);
  const Bytes new_imports = Payload(*rewritten, after->sections[1]);
  ASSERT_GT(new_imports.size(), old_imports.size());
  EXPECT_EQ(new_imports[0], 0x02);
  EXPECT_TRUE(std::equal(old_imports.begin() + 1, old_imports.end(),
                         new_imports.begin() + 1));
}

TEST(MemoryImportTest, KeepsLimitsWithoutMaximumAndShared) {
  absl::StatusOr<Bytes> out = Rewrite(ModuleWithMemory({0x00, 0x81, 0x01}));
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<ModuleInfo> info = ReadModule(*out);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->imports.back().memory.min, 129u);
  EXPECT_FALSE(info->imports.back().memory.max.has_value());

  out = Rewrite(ModuleWithMemory({0x03, 0x02, 0x08}));
  ASSERT_TRUE(out.ok()) << out.status();
  info = ReadModule(*out);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->imports.back().memory.min, 2u);
  EXPECT_EQ(info->imports.back().memory.max, 8u);
  EXPECT_TRUE(info->imports.back().memory.shared);
}

TEST(MemoryImportTest, InsertsImportSectionAfterTypes) {
  const Bytes original = BinaryWriter()
                             .Header()
                             .Section(1, kTypes)
                             .Section(3, kFunctions)
                             .Section(5, {0x01, 0x00, 0x02})
                             .Section(7, Exports(0))
                             .Section(10, kCode)
                             .Release();
  absl::StatusOr<Bytes> out = Rewrite(original);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<ModuleInfo> info = ReadModule(*out);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(SectionIds(*info), (std::vector<uint8_t>{1, 2, 3, 7, 10}));
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].kind, ExternKind::kMemory);
  EXPECT_EQ(info->imports[0].memory.min, 2u);
  EXPECT_EQ(OtherPayloads(*out, *info),
            OtherPayloads(original, *ReadModule(original)));
}

TEST(MemoryImportTest, InsertsImportSectionFirstWithoutTypes) {
  const Bytes original =
      BinaryWriter()
          .Header()
          .Section(0, BinaryWriter().Name("first").Release())
          .Section(5, {0x01, 0x01, 0x01, 0x01})
          .Section(7,
                   BinaryWriter().U32(1).Name("m").Byte(0x02).U32(0).Release())
          .Section(11, kData)
          .Release();
  absl::StatusOr<Bytes> out = Rewrite(original);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<ModuleInfo> info = ReadModule(*out);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(SectionIds(*info), (std::vector<uint8_t>{2, 0, 7, 11}));
  EXPECT_EQ(info->sections[1].custom_name, "first");
  ASSERT_EQ(info->imports.size(), 1u);
  EXPECT_EQ(info->imports[0].memory.max, 1u);
}

TEST(MemoryImportTest, NoMemoryLeavesBytesUnchanged) {
  const Bytes original = BinaryWriter()
                             .Header()
                             .Section(1, kTypes)
                             .Section(3, kFunctions)
                             .Section(10, kCode)
                             .Release();
  absl::StatusOr<Bytes> out = Rewrite(original);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, original);
}

TEST(MemoryImportTest, RejectsImportedAndDefinedMemory) {
  Bytes imports = BinaryWriter()
                      .U32(1)
                      .Name("env")
                      .Name("m")
                      .Byte(0x02)
                      .Bytes({0x00, 0x01})
                      .Release();
  ExpectRewriteError(BinaryWriter()
                         .Header()
                         .Section(2, imports)
                         .Section(5, {0x01, 0x00, 0x01})
                         .Release(),
                     "both imports and defines a memory (multi-memory");
}

TEST(MemoryImportTest, RejectsTwoDefinedMemories) {
  ExpectRewriteError(BinaryWriter()
                         .Header()
                         .Section(5, {0x02, 0x00, 0x01, 0x00, 0x01})
                         .Release(),
                     "defines 2 memories");
}

TEST(MemoryImportTest, RejectsBadNamesAndMismatchedInfo) {
  const Bytes module = ModuleWithMemory({0x00, 0x01});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();

  absl::StatusOr<Bytes> out = ImportMemory(module, *info, "host", "\xff");
  ExpectInvalidArgument(out.status(), "not valid UTF-8");

  // The info of another module: offsets that do not fit must not be used.
  const Bytes shorter(module.begin(), module.end() - 3);
  out = ImportMemory(shorter, *info, "host", "memory");
  ExpectInvalidArgument(out.status(), "does not describe these bytes");
}

// Globals: one imported mutable i32 (index 0), then defined: mutable i32
// (1), immutable i64 (2), mutable f64 (3).
Bytes GlobalImports() {
  return BinaryWriter()
      .U32(1)
      .Name("env")
      .Name("g")
      .Byte(0x03)
      .Bytes({0x7f, 0x01})
      .Release();
}
// clang-format off
const Bytes kGlobals = BinaryWriter()
    .U32(3)
    .Bytes({0x7f, 0x01, 0x41, 0x05, kEnd})
    .Bytes({0x7e, 0x00, 0x42, 0x07, kEnd})
    .Bytes({0x7c, 0x01, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, kEnd})
    .Release();
// clang-format on

// Globals as above, a memory, an export section (run, memory, and global 1
// as "g1"), code and data.
Bytes ModuleWithGlobals() {
  // clang-format off
  Bytes exports = BinaryWriter()
      .U32(3)
      .Name("run").Byte(0x00).U32(1)
      .Name("memory").Byte(0x02).U32(0)
      .Name("g1").Byte(0x03).U32(1)
      .Release();
  // clang-format on
  Bytes imports = BinaryWriter()
                      .U32(2)
                      .Name("env")
                      .Name("f")
                      .Byte(0x00)
                      .U32(0)
                      .Bytes(absl::MakeConstSpan(GlobalImports()).subspan(1))
                      .Release();
  return BinaryWriter()
      .Header()
      .Section(1, kTypes)
      .Section(2, imports)
      .Section(3, kFunctions)
      .Section(5, {0x01, 0x00, 0x01})
      .Section(6, kGlobals)
      .Section(7, exports)
      .Section(10, kCode)
      .Section(11, kData)
      .Section(0, Names())
      .Release();
}

// The global exports, as "name=index".
std::vector<std::string> GlobalExports(const ModuleInfo& info) {
  std::vector<std::string> out;
  for (const Export& e : info.exports) {
    if (e.kind == ExternKind::kGlobal) {
      out.push_back(e.name + "=" + std::to_string(e.index));
    }
  }
  return out;
}

// PlanGlobalAccessors' plan, and `bytes` with it applied.
struct WithAccessors : GlobalAccessors {
  Bytes bytes;
};

absl::StatusOr<WithAccessors> AddAccessors(
    const Bytes& bytes, const ModuleInfo& info,
    absl::string_view set_export = kSetGlobalsExport,
    absl::string_view get_export = kGetGlobalsExport) {
  std::vector<AddedFunction> functions;
  absl::StatusOr<GlobalAccessors> planned =
      PlanGlobalAccessors(info, set_export, get_export, &functions);
  if (!planned.ok()) return planned.status();
  absl::StatusOr<Bytes> applied =
      testing::ApplyPlans(bytes, info, {}, functions);
  if (!applied.ok()) return applied.status();
  WithAccessors result;
  static_cast<GlobalAccessors&>(result) = *std::move(planned);
  result.bytes = *std::move(applied);
  return result;
}

// ModuleWithGlobals' mutable globals are 1 (i32) and 3 (f64); global 0 is
// an imported i32 and global 2 an immutable i64.
TEST(GlobalAccessorsTest, AppendsSetterAndGetterForDefinedMutableGlobals) {
  const Bytes original = ModuleWithGlobals();
  absl::StatusOr<ModuleInfo> before = ReadModule(original);
  ASSERT_TRUE(before.ok()) << before.status();
  absl::StatusOr<WithAccessors> setter = AddAccessors(original, *before);
  ASSERT_TRUE(setter.ok()) << setter.status();
  EXPECT_TRUE(setter->added);
  EXPECT_EQ(setter->not_added_reason, "");
  EXPECT_EQ(setter->globals, (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(setter->setter_index, 2u);
  EXPECT_EQ(setter->getter_index, 3u);

  absl::StatusOr<ModuleInfo> after = ReadModule(setter->bytes);
  ASSERT_TRUE(after.ok()) << after.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(setter->bytes, *after);
  ASSERT_TRUE(summary.ok()) << summary.status();
  // The f64 global crosses as its bits, an i64.
  ASSERT_EQ(after->types.size(), 3u);
  EXPECT_EQ(after->types[1].params,
            (std::vector<ValType>{ValType::kI32, ValType::kI64}));
  EXPECT_TRUE(after->types[1].results.empty());
  EXPECT_TRUE(after->types[2].params.empty());
  EXPECT_EQ(after->types[2].results,
            (std::vector<ValType>{ValType::kI32, ValType::kI64}));
  EXPECT_EQ(after->function_type_indices, (std::vector<uint32_t>{0, 1, 2}));
  ASSERT_EQ(after->exports.size(), 5u);
  EXPECT_EQ(after->exports[3].name, "wasmhost:globals:set");
  EXPECT_EQ(after->exports[3].kind, ExternKind::kFunc);
  EXPECT_EQ(after->exports[3].index, 2u);
  EXPECT_EQ(after->exports[4].name, "wasmhost:globals:get");
  EXPECT_EQ(after->exports[4].index, 3u);
  // The type entries and the bodies, byte for byte.
  const SectionInfo* types = nullptr;
  const SectionInfo* code = nullptr;
  for (const SectionInfo& s : after->sections) {
    if (s.id == 1) types = &s;
    if (s.id == 10) code = &s;
  }
  ASSERT_NE(types, nullptr);
  ASSERT_NE(code, nullptr);
  const Bytes type_payload = Payload(setter->bytes, *types);
  EXPECT_EQ(
      Bytes(type_payload.end() - 10, type_payload.end()),
      (Bytes{0x60, 0x02, 0x7f, 0x7e, 0x00, 0x60, 0x00, 0x02, 0x7f, 0x7e}));
  const size_t set_at = after->function_body_offsets[1];
  const size_t get_at = after->function_body_offsets[2];
  // local.get 0 global.set 1  local.get 1 f64.reinterpret_i64 global.set 3
  EXPECT_EQ(
      Bytes(setter->bytes.begin() + set_at, setter->bytes.begin() + get_at - 1),
      (Bytes{0x00, 0x20, 0x00, 0x24, 0x01, 0x20, 0x01, 0xbf, 0x24, 0x03,
             kEnd}));
  EXPECT_EQ(setter->bytes[set_at - 1], 11u);  // The body's size.
  // global.get 1  global.get 3 i64.reinterpret_f64
  EXPECT_EQ(
      Bytes(setter->bytes.begin() + get_at,
            setter->bytes.begin() + code->payload_offset + code->payload_size),
      (Bytes{0x00, 0x23, 0x01, 0x23, 0x03, 0xbd, kEnd}));
  // Everything else is kept.
  EXPECT_EQ(after->imports.size(), before->imports.size());
  EXPECT_EQ(after->globals.size(), before->globals.size());
  EXPECT_EQ(after->function_names, before->function_names);
  EXPECT_EQ(after->data_segment_count, before->data_segment_count);
}

TEST(GlobalAccessorsTest, InsertsMissingSections) {
  // Only a mutable i64 global: type, function, export and code sections
  // are all inserted, in canonical order.
  const Bytes module = BinaryWriter()
                           .Header()
                           .Section(6, {0x01, 0x7e, 0x01, 0x42, 0x00, kEnd})
                           .Release();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<WithAccessors> setter =
      AddAccessors(module, *info, "reset", "read");
  ASSERT_TRUE(setter.ok()) << setter.status();
  ASSERT_TRUE(setter->added);
  EXPECT_EQ(setter->setter_index, 0u);
  const Bytes expected =
      BinaryWriter()
          .Header()
          .Section(1, {0x02, 0x60, 0x01, 0x7e, 0x00, 0x60, 0x00, 0x01, 0x7e})
          .Section(3, {0x02, 0x00, 0x01})
          .Section(6, {0x01, 0x7e, 0x01, 0x42, 0x00, kEnd})
          .Section(7, BinaryWriter()
                          .U32(2)
                          .Name("reset")
                          .Byte(0x00)
                          .U32(0)
                          .Name("read")
                          .Byte(0x00)
                          .U32(1)
                          .Release())
          .Section(10, {0x02, 0x06, 0x00, 0x20, 0x00, 0x24, 0x00, kEnd, 0x04,
                        0x00, 0x23, 0x00, kEnd})
          .Release();
  EXPECT_EQ(setter->bytes, expected);
}

TEST(GlobalAccessorsTest, NotAddedForOtherTypesOrNoMutableGlobal) {
  // A mutable v128 global after a mutable i32.
  const Bytes v128 = BinaryWriter()
                         .Header()
                         .Section(6, BinaryWriter()
                                         .U32(2)
                                         .Bytes({0x7f, 0x01, 0x41, 0x00, kEnd})
                                         .Bytes({0x7b, 0x01, 0xfd, 0x0c})
                                         .Bytes(Bytes(16, 0))
                                         .Byte(kEnd)
                                         .Release())
                         .Release();
  absl::StatusOr<ModuleInfo> info = ReadModule(v128);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<WithAccessors> setter = AddAccessors(v128, *info);
  ASSERT_TRUE(setter.ok()) << setter.status();
  EXPECT_FALSE(setter->added);
  EXPECT_TRUE(absl::StrContains(setter->not_added_reason,
                                "global 1 is not an i32, i64, f32 or f64"))
      << setter->not_added_reason;
  EXPECT_EQ(setter->bytes, v128);
  EXPECT_TRUE(setter->globals.empty());

  const Bytes immutable = BinaryWriter()
                              .Header()
                              .Section(6, {0x01, 0x7f, 0x00, 0x41, 0x00, kEnd})
                              .Release();
  info = ReadModule(immutable);
  ASSERT_TRUE(info.ok()) << info.status();
  setter = AddAccessors(immutable, *info);
  ASSERT_TRUE(setter.ok()) << setter.status();
  EXPECT_FALSE(setter->added);
  EXPECT_EQ(setter->not_added_reason, "the module defines no mutable global");
  EXPECT_EQ(setter->bytes, immutable);
}

TEST(GlobalAccessorsTest, NotAddedPastTheParameterLimit) {
  BinaryWriter globals;
  globals.U32(kMaxBoundaryValues + 1);
  for (size_t i = 0; i <= kMaxBoundaryValues; ++i) {
    globals.Bytes({0x7f, 0x01, 0x41, 0x00, kEnd});
  }
  const Bytes module =
      BinaryWriter().Header().Section(6, globals.bytes()).Release();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<WithAccessors> setter = AddAccessors(module, *info);
  ASSERT_TRUE(setter.ok()) << setter.status();
  EXPECT_FALSE(setter->added);
  EXPECT_TRUE(
      absl::StrContains(setter->not_added_reason, "1001 mutable globals"))
      << setter->not_added_reason;
}

TEST(GlobalAccessorsTest, RejectsTakenOrBadNameAndMismatchedInfo) {
  const Bytes module = ModuleWithGlobals();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  ExpectInvalidArgument(AddAccessors(module, *info, "run").status(),
                        "already exports \"run\"");
  ExpectInvalidArgument(
      AddAccessors(module, *info, kSetGlobalsExport, "run").status(),
      "already exports \"run\"");
  ExpectInvalidArgument(AddAccessors(module, *info, "\xc0").status(),
                        "not valid UTF-8");
  ExpectInvalidArgument(
      AddAccessors(module, *info, kSetGlobalsExport, "\xc0").status(),
      "not valid UTF-8");
  const Bytes shorter(module.begin(), module.end() - 2);
  ExpectInvalidArgument(AddAccessors(shorter, *info).status(),
                        "does not describe these bytes");
  // Not idempotent: a second setter clashes with the first.
  absl::StatusOr<WithAccessors> once = AddAccessors(module, *info);
  ASSERT_TRUE(once.ok()) << once.status();
  info = ReadModule(once->bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  ExpectInvalidArgument(AddAccessors(once->bytes, *info).status(),
                        "already exports \"wasmhost:globals:set\"");
}

// Memory import, accessors, then fuel, re-reading in between. Fuel meters
// the accessors too and keeps their indices.
TEST(GlobalAccessorsTest, ComposesWithTheOtherRewritesAndFuel) {
  absl::StatusOr<Bytes> bytes = Rewrite(ModuleWithGlobals());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::StatusOr<ModuleInfo> info = ReadModule(*bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<WithAccessors> setter = AddAccessors(*bytes, *info);
  ASSERT_TRUE(setter.ok()) << setter.status();
  ASSERT_TRUE(setter->added);
  EXPECT_EQ(setter->globals, (std::vector<uint32_t>{1, 3}));
  info = ReadModule(setter->bytes);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(SectionIds(*info),
            (std::vector<uint8_t>{1, 2, 3, 6, 7, 10, 11, 0}));
  EXPECT_EQ(GlobalExports(*info), (std::vector<std::string>{"g1=1"}));

  absl::StatusOr<FuelRewrite> fuel = InjectFuel(setter->bytes, *info);
  ASSERT_TRUE(fuel.ok()) << fuel.status();
  absl::StatusOr<ModuleInfo> metered = ReadModule(fuel->bytes);
  ASSERT_TRUE(metered.ok()) << metered.status();
  absl::StatusOr<CodeSummary> summary = ScanCode(fuel->bytes, *metered);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(fuel->set_fuel_function, 4u);
  EXPECT_EQ(fuel->fuel_global_index, 4u);
  bool found = false;
  for (const Export& e : metered->exports) {
    if (e.name != kSetGlobalsExport) continue;
    found = true;
    EXPECT_EQ(e.index, setter->setter_index);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(metered->types[metered->function_type_indices[1]].params,
            (std::vector<ValType>{ValType::kI32, ValType::kI64}));
  EXPECT_EQ(metered->types[metered->function_type_indices[2]].results,
            (std::vector<ValType>{ValType::kI32, ValType::kI64}));
}

TEST(TagModuleTest, InsertsTheTagFirstAndKeepsEveryOtherByte) {
  const Bytes module = testing::FunctionModule({testing::Body({0x01})});
  absl::StatusOr<std::vector<uint8_t>> tagged = TagModule(module, "m:1");
  ASSERT_TRUE(tagged.ok()) << tagged.status();
  absl::StatusOr<ModuleInfo> info = ReadModule(*tagged);
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_FALSE(info->sections.empty());
  EXPECT_EQ(info->sections[0].id, kCustomSection);
  EXPECT_EQ(info->sections[0].custom_name, kSourceMappingUrlSection);
  // Payload: the section name, then the tag as a name.
  const size_t shift = tagged->size() - module.size();
  EXPECT_TRUE(std::equal(module.begin() + kModuleHeaderSize, module.end(),
                         tagged->begin() + kModuleHeaderSize + shift));
  const std::string tag(tagged->begin() + kModuleHeaderSize + shift - 3,
                        tagged->begin() + kModuleHeaderSize + shift);
  EXPECT_EQ(tag, "m:1");
}

TEST(TagModuleTest, RejectsBytesShorterThanAHeader) {
  ExpectInvalidArgument(TagModule(Bytes{0x00, 0x61}, "t").status(),
                        "shorter than its header");
}

}  // namespace
}  // namespace wasmhost::wasm

namespace wasmhost::wasm {
namespace {

// The plans applied in one RewriteSections pass give the very bytes they
// give applied one after another, each on the module the last one made
// (what RewriteForHost relies on).
TEST(PlannedRewritesTest, OnePassEqualsThePlansInTurn) {
  BinaryWriter w;
  w.Header()
      .Section(kTypeSection, {0x01, 0x60, 0x01, 0x7c, 0x01, 0x7c})
      .Section(kFunctionSection, {0x01, 0x00})
      .Section(kMemorySection, {0x01, 0x01, 0x01, 0x02})
      .Section(kGlobalSection, {0x01, 0x7f, 0x01, 0x41, 0x05, 0x0b})
      .Section(kExportSection, {0x01, 0x01, 'f', 0x00, 0x00})
      .Section(kCodeSection, {0x01, 0x04, 0x00, 0x20, 0x00, 0x0b});
  const Bytes module = w.Release();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();

  absl::StatusOr<std::vector<uint8_t>> imported =
      ImportMemory(module, *info, "host", "memory");
  ASSERT_TRUE(imported.ok()) << imported.status();
  absl::StatusOr<ModuleInfo> step = ReadModule(*imported);
  ASSERT_TRUE(step.ok()) << step.status();
  std::vector<AddedFunction> step_wrappers;
  absl::StatusOr<std::vector<std::string>> step_wrapper_exports =
      PlanBoundaryWrappers(*step, "b:", &step_wrappers);
  ASSERT_TRUE(step_wrapper_exports.ok()) << step_wrapper_exports.status();
  absl::StatusOr<Bytes> wrapped =
      testing::ApplyPlans(*imported, *step, {}, step_wrappers);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status();
  step = ReadModule(*wrapped);
  ASSERT_TRUE(step.ok()) << step.status();
  absl::StatusOr<WithAccessors> accessors =
      AddAccessors(*wrapped, *step, "set", "get");
  ASSERT_TRUE(accessors.ok()) << accessors.status();
  ASSERT_TRUE(accessors->added);

  std::vector<SectionAddition> additions;
  std::vector<AddedFunction> functions;
  ASSERT_TRUE(MemoryImportAdditions(*info, "host", "memory", &additions).ok());
  absl::StatusOr<std::vector<std::string>> wrapper_exports =
      PlanBoundaryWrappers(*info, "b:", &functions);
  ASSERT_TRUE(wrapper_exports.ok()) << wrapper_exports.status();
  EXPECT_EQ(*wrapper_exports, *step_wrapper_exports);
  EXPECT_EQ(*wrapper_exports, (std::vector<std::string>{"b:0"}));
  absl::StatusOr<GlobalAccessors> planned =
      PlanGlobalAccessors(*info, "set", "get", &functions);
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_TRUE(planned->added);
  EXPECT_EQ(planned->globals, accessors->globals);
  ASSERT_EQ(functions.size(), 3u);
  AddFunctions(*info, functions, &additions);
  MappedBytes out;
  ASSERT_TRUE(RewriteSections(module, *info, additions, &out).ok());
  EXPECT_EQ(out.bytes(), accessors->bytes);

  // With the frame tag too: TagModule last.
  absl::StatusOr<std::vector<uint8_t>> tagged =
      TagModule(accessors->bytes, "wasmhost-module:0123");
  ASSERT_TRUE(tagged.ok()) << tagged.status();
  additions.push_back(TagAddition("wasmhost-module:0123"));
  MappedBytes with_tag;
  ASSERT_TRUE(RewriteSections(module, *info, additions, &with_tag).ok());
  EXPECT_EQ(with_tag.bytes(), *tagged);
}

// A custom section addition goes right after the header, before the
// module's own custom sections, which stay.
TEST(PlannedRewritesTest, TagAdditionGoesFirst) {
  BinaryWriter name;
  name.Name("name").Byte(0x00).U32(2).Name("m");
  BinaryWriter w;
  w.Header()
      .Section(kCustomSection, name.bytes())
      .Section(kTypeSection, {0x00});
  const Bytes module = w.Release();
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  MappedBytes out;
  const SectionAddition tag = TagAddition("t");
  ASSERT_TRUE(RewriteSections(module, *info, {tag}, &out).ok());
  absl::StatusOr<std::vector<uint8_t>> tagged = TagModule(module, "t");
  ASSERT_TRUE(tagged.ok()) << tagged.status();
  EXPECT_EQ(out.bytes(), *tagged);
  absl::StatusOr<ModuleInfo> reread = ReadModule(out.bytes());
  ASSERT_TRUE(reread.ok()) << reread.status();
  ASSERT_EQ(reread->sections.size(), 3u);
  EXPECT_EQ(reread->sections[0].custom_name, kSourceMappingUrlSection);
  EXPECT_EQ(reread->sections[1].custom_name, "name");
  EXPECT_EQ(reread->module_name, "m");
}

TEST(PlannedRewritesTest, PlansRefuseWhatTheRewritesRefuse) {
  const Bytes module = testing::FunctionModule({testing::Body({})});
  absl::StatusOr<ModuleInfo> info = ReadModule(module);
  ASSERT_TRUE(info.ok()) << info.status();
  std::vector<AddedFunction> functions;
  ExpectInvalidArgument(
      PlanBoundaryWrappers(*info, "\xff", &functions).status(),
      "not valid UTF-8");
  ExpectInvalidArgument(
      PlanGlobalAccessors(*info, "s", "\xff", &functions).status(),
      "not valid UTF-8");
  // No memory: nothing to add. No mutable global: not added, and why.
  std::vector<SectionAddition> additions;
  EXPECT_TRUE(MemoryImportAdditions(*info, "m", "n", &additions).ok());
  EXPECT_TRUE(additions.empty());
  absl::StatusOr<GlobalAccessors> planned =
      PlanGlobalAccessors(*info, "s", "g", &functions);
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_FALSE(planned->added);
  EXPECT_EQ(planned->not_added_reason, "the module defines no mutable global");
  EXPECT_TRUE(functions.empty());
}

}  // namespace
}  // namespace wasmhost::wasm
