// lib/wasm/reader_test.cc: ReadModule on hand-assembled modules, valid and
// malformed.

#include "lib/wasm/reader.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::wasm {
namespace {

using testing::Bytes;
using testing::Cat;
using testing::ExpectInvalidArgument;

constexpr uint8_t kI32 = 0x7f, kI64 = 0x7e, kF32 = 0x7d, kF64 = 0x7c,
                  kV128 = 0x7b, kFuncRef = 0x70, kExternRef = 0x6f, kEnd = 0x0b;

struct Section {
  uint8_t id;
  Bytes payload;
};

// Header plus the sections, in the order given.
Bytes Module(std::initializer_list<Section> sections) {
  BinaryWriter w;
  w.Header();
  for (const Section& s : sections) w.Section(s.id, s.payload);
  return w.Release();
}

// Asserts InvalidArgument with `substr` in the message.
void ExpectError(const Bytes& bytes, const std::string& substr) {
  ExpectInvalidArgument(ReadModule(bytes).status(), substr);
}

// A type section with () -> () only.
Section OneVoidType() { return {1, {0x01, 0x60, 0x00, 0x00}}; }

// A module using every section and every import and export kind.
Bytes FullModule() {
  // One entry per line.
  // clang-format off
  Bytes types = BinaryWriter()
                    .U32(3)
                    // 0: () -> ()
                    .Bytes({0x60, 0x00, 0x00})
                    // 1: (i32, i64) -> (f32, f64)
                    .Bytes({0x60, 0x02, kI32, kI64, 0x02, kF32, kF64})
                    // 2: (funcref, externref, v128) -> (i32, i32)
                    .Bytes({0x60, 0x03, kFuncRef, kExternRef, kV128, 0x02,
                            kI32, kI32})
                    .Release();
  Bytes imports = BinaryWriter()
                      .U32(5)
                      .Name("env").Name("f").Byte(0x00).U32(1)
                      .Name("env").Name("tbl").Byte(0x01).Byte(kExternRef)
                      .Bytes({0x00, 0x01})
                      .Name("env").Name("mem").Byte(0x02)
                      .Bytes({0x01, 0x01, 0x02})
                      .Name("env").Name("g").Byte(0x03).Bytes({kI32, 0x00})
                      .Name("env").Name("tag").Byte(0x04).Bytes({0x00, 0x00})
                      .Release();
  Bytes functions = {0x02, 0x00, 0x02};
  Bytes tables = {0x01, kFuncRef, 0x01, 0x01, 0x0a};
  Bytes memories = {0x01, 0x03, 0x01, 0x04};  // shared 1..4
  Bytes tags = {0x01, 0x00, 0x01};
  Bytes globals = BinaryWriter()
                      .U32(8)
                      .Bytes({kI64, 0x01, 0x42}).S64(-5).Byte(kEnd)
                      .Bytes({kF32, 0x00, 0x43, 0, 0, 0x80, 0x3f, kEnd})
                      .Bytes({kF64, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,
                              kEnd})
                      .Bytes({kI32, 0x00, 0x23, 0x00, kEnd})  // global.get 0
                      .Bytes({kFuncRef, 0x00, 0xd0, kFuncRef, kEnd})
                      .Bytes({kFuncRef, 0x00, 0xd2, 0x01, kEnd})  // ref.func 1
                      .Bytes({kExternRef, 0x00, 0xd0, kExternRef, kEnd})
                      .Bytes({kV128, 0x00, 0xfd, 0x0c})
                      .Bytes(Bytes(16, 0x11))
                      .Byte(kEnd)
                      .Release();
  Bytes exports = BinaryWriter()
                      .U32(5)
                      .Name("run").Byte(0x00).U32(1)
                      .Name("mem").Byte(0x02).U32(0)
                      .Name("tbl").Byte(0x01).U32(1)
                      .Name("g").Byte(0x03).U32(0)
                      .Name("tag").Byte(0x04).U32(1)
                      .Release();
  Bytes start = {0x01};
  Bytes elements = BinaryWriter()
                       .U32(6)
                       // 0: active table 0, offset, function indices.
                       .Bytes({0x00, 0x41, 0x00, kEnd, 0x02, 0x01, 0x02})
                       // 1: passive, elemkind, indices.
                       .Bytes({0x01, 0x00, 0x01, 0x02})
                       // 2: active table 1, offset, elemkind, indices.
                       .Bytes({0x02, 0x01, 0x41, 0x01, kEnd, 0x00, 0x01, 0x01})
                       // 3: declarative.
                       .Bytes({0x03, 0x00, 0x01, 0x01})
                       // 4: active table 0, expressions.
                       .Bytes({0x04, 0x41, 0x00, kEnd, 0x02, 0xd2, 0x01, kEnd,
                               0xd0, kFuncRef, kEnd})
                       // 5: passive, reftype, expressions.
                       .Bytes({0x05, kFuncRef, 0x01, 0xd2, 0x02, kEnd})
                       .Release();
  Bytes data_count = {0x02};
  Bytes code = {0x02, 0x02, 0x00, kEnd, 0x05, 0x00, 0x41, 0x00, 0x1a, kEnd};
  Bytes data = BinaryWriter()
                   .U32(2)
                   .Bytes({0x00, 0x41, 0x08, kEnd}).Name("hi")
                   .Byte(0x01).Name("x")
                   .Release();
  Bytes module_name = BinaryWriter().Name("demo").Release();
  Bytes function_names =
      BinaryWriter().U32(2).U32(0).Name("imp").U32(1).Name("run").Release();
  BinaryWriter names;
  names.Name("name").Section(0, module_name).Section(1, function_names);
  Bytes other_custom = BinaryWriter().Name("producers").Byte(0xff).Release();
  // clang-format on
  return Module({{0, other_custom},
                 {1, types},
                 {2, imports},
                 {3, functions},
                 {4, tables},
                 {5, memories},
                 {13, tags},
                 {6, globals},
                 {7, exports},
                 {8, start},
                 {9, elements},
                 {12, data_count},
                 {10, code},
                 {11, data},
                 {0, names.Release()}});
}

TEST(ReadModuleTest, EmptyModule) {
  absl::StatusOr<ModuleInfo> info = ReadModule(Module({}));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->sections.empty());
  EXPECT_TRUE(info->types.empty());
  EXPECT_EQ(info->function_count(), 0u);
  EXPECT_EQ(info->FunctionType(0), nullptr);
}

TEST(ReadModuleTest, FullModule) {
  const Bytes bytes = FullModule();
  absl::StatusOr<ModuleInfo> info = ReadModule(bytes);
  ASSERT_TRUE(info.ok()) << info.status();

  ASSERT_EQ(info->types.size(), 3u);
  EXPECT_TRUE(info->types[0].params.empty());
  EXPECT_TRUE(info->types[0].results.empty());
  EXPECT_EQ(info->types[1].params,
            (std::vector<ValType>{ValType::kI32, ValType::kI64}));
  EXPECT_EQ(info->types[1].results,
            (std::vector<ValType>{ValType::kF32, ValType::kF64}));
  EXPECT_EQ(info->types[2].params,
            (std::vector<ValType>{ValType::kFuncRef, ValType::kExternRef,
                                  ValType::kV128}));
  EXPECT_EQ(info->types[2].results,
            (std::vector<ValType>{ValType::kI32, ValType::kI32}));

  ASSERT_EQ(info->imports.size(), 5u);
  EXPECT_EQ(info->imports[0].module, "env");
  EXPECT_EQ(info->imports[0].name, "f");
  EXPECT_EQ(info->imports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(info->imports[0].func_type_index, 1u);
  EXPECT_EQ(info->imports[1].kind, ExternKind::kTable);
  EXPECT_EQ(info->imports[1].table.element, ValType::kExternRef);
  EXPECT_EQ(info->imports[1].table.limits.min, 1u);
  EXPECT_FALSE(info->imports[1].table.limits.max.has_value());
  EXPECT_EQ(info->imports[2].kind, ExternKind::kMemory);
  EXPECT_EQ(info->imports[2].memory.min, 1u);
  EXPECT_EQ(info->imports[2].memory.max, 2u);
  EXPECT_FALSE(info->imports[2].memory.shared);
  EXPECT_EQ(info->imports[3].kind, ExternKind::kGlobal);
  EXPECT_EQ(info->imports[3].global.type, ValType::kI32);
  EXPECT_FALSE(info->imports[3].global.is_mutable);
  EXPECT_EQ(info->imports[4].kind, ExternKind::kTag);
  EXPECT_EQ(info->imports[4].func_type_index, 0u);

  EXPECT_EQ(info->imported_function_count(), 1u);
  EXPECT_EQ(info->imported_table_count(), 1u);
  EXPECT_EQ(info->imported_memory_count(), 1u);
  EXPECT_EQ(info->imported_global_count(), 1u);
  EXPECT_EQ(info->imported_tag_count(), 1u);

  EXPECT_EQ(info->function_type_indices, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(info->function_count(), 3u);
  ASSERT_EQ(info->FunctionType(0), &info->types[1]);
  ASSERT_EQ(info->FunctionType(1), &info->types[0]);
  ASSERT_EQ(info->FunctionType(2), &info->types[2]);
  EXPECT_EQ(info->FunctionType(3), nullptr);

  ASSERT_EQ(info->tables.size(), 1u);
  EXPECT_EQ(info->tables[0].element, ValType::kFuncRef);
  EXPECT_EQ(info->tables[0].limits.min, 1u);
  EXPECT_EQ(info->tables[0].limits.max, 10u);
  EXPECT_EQ(info->table_count(), 2u);

  ASSERT_EQ(info->memories.size(), 1u);
  EXPECT_EQ(info->memories[0].min, 1u);
  EXPECT_EQ(info->memories[0].max, 4u);
  EXPECT_TRUE(info->memories[0].shared);
  EXPECT_EQ(info->memory_count(), 2u);

  EXPECT_EQ(info->tag_type_indices, (std::vector<uint32_t>{1}));
  EXPECT_EQ(info->tag_count(), 2u);

  ASSERT_EQ(info->globals.size(), 8u);
  EXPECT_EQ(info->globals[0].type, ValType::kI64);
  EXPECT_TRUE(info->globals[0].is_mutable);
  EXPECT_EQ(info->globals[1].type, ValType::kF32);
  EXPECT_FALSE(info->globals[1].is_mutable);
  EXPECT_EQ(info->globals[7].type, ValType::kV128);
  EXPECT_EQ(info->global_count(), 9u);

  ASSERT_EQ(info->exports.size(), 5u);
  EXPECT_EQ(info->exports[0].name, "run");
  EXPECT_EQ(info->exports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(info->exports[0].index, 1u);
  EXPECT_EQ(info->exports[1].kind, ExternKind::kMemory);
  EXPECT_EQ(info->exports[2].kind, ExternKind::kTable);
  EXPECT_EQ(info->exports[2].index, 1u);
  EXPECT_EQ(info->exports[3].kind, ExternKind::kGlobal);
  EXPECT_EQ(info->exports[4].kind, ExternKind::kTag);

  EXPECT_EQ(info->start, 1u);
  EXPECT_EQ(info->element_segment_count, 6u);
  EXPECT_EQ(info->data_count, 2u);
  EXPECT_EQ(info->data_segment_count, 2u);

  EXPECT_EQ(info->module_name, "demo");
  EXPECT_EQ(info->function_names.size(), 2u);
  EXPECT_EQ(info->function_names.at(0), "imp");
  EXPECT_EQ(info->function_names.at(1), "run");

  const std::vector<uint8_t> ids = {0, 1, 2, 3,  4,  5,  13, 6,
                                    7, 8, 9, 12, 10, 11, 0};
  ASSERT_EQ(info->sections.size(), ids.size());
  size_t next = 8;
  for (size_t i = 0; i < ids.size(); ++i) {
    const SectionInfo& s = info->sections[i];
    EXPECT_EQ(s.id, ids[i]) << i;
    EXPECT_EQ(s.offset, next) << i;
    EXPECT_GT(s.payload_offset, s.offset) << i;
    next = s.payload_offset + s.payload_size;
  }
  EXPECT_EQ(next, bytes.size());
  EXPECT_EQ(info->sections.front().custom_name, "producers");
  EXPECT_EQ(info->sections.back().custom_name, "name");
  EXPECT_EQ(info->sections[1].custom_name, "");
}

TEST(ReadModuleTest, MemoryWithAndWithoutMaximum) {
  absl::StatusOr<ModuleInfo> info = ReadModule(
      Module({{5, {0x02, 0x00, 0x03, 0x01, 0x00, 0x80, 0x80, 0x04}}}));
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->memories.size(), 2u);
  EXPECT_EQ(info->memories[0].min, 3u);
  EXPECT_FALSE(info->memories[0].max.has_value());
  EXPECT_FALSE(info->memories[0].shared);
  EXPECT_EQ(info->memories[1].min, 0u);
  EXPECT_EQ(info->memories[1].max, 65536u);
}

TEST(ReadModuleTest, FunctionBodyOffsets) {
  // No code section: no bodies.
  absl::StatusOr<ModuleInfo> empty = ReadModule(Module({}));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->function_body_offsets.empty());

  // FullModule's code section: count, then size 2 {0x00, end}, then
  // size 5 {0x00, i32.const 0, drop, end}. Each offset is where the body
  // (its locals) starts, just after its size.
  absl::StatusOr<ModuleInfo> info = ReadModule(FullModule());
  ASSERT_TRUE(info.ok()) << info.status();
  const SectionInfo* code = nullptr;
  for (const SectionInfo& section : info->sections) {
    if (section.id == 10) code = &section;
  }
  ASSERT_NE(code, nullptr);
  const size_t payload = code->payload_offset;
  EXPECT_EQ(info->function_body_offsets,
            (std::vector<size_t>{payload + 2, payload + 5}));
  EXPECT_EQ(info->function_body_offsets.size(),
            info->function_type_indices.size());
  // Padding a size changes the offsets after it.
  Bytes bytes =
      Module({OneVoidType(),
              {3, {0x02, 0x00, 0x00}},
              {10, {0x02, 0x82, 0x80, 0x00, 0x00, kEnd, 0x02, 0x00, kEnd}}});
  absl::StatusOr<ModuleInfo> padded = ReadModule(bytes);
  ASSERT_TRUE(padded.ok()) << padded.status();
  // Header 8 + type section 6 + function section 5 = 19: the code section's
  // id; its size at 20, count at 21, first size 22..24.
  EXPECT_EQ(padded->function_body_offsets, (std::vector<size_t>{25, 28}));
  EXPECT_EQ(bytes[25], 0x00);
  EXPECT_EQ(bytes[28], 0x00);
}

TEST(ReadModuleTest, AcceptsPaddedLeb) {
  // The format allows non-minimal LEB128 within the byte limit: 1 as 0x81 0x80
  // 0x80 0x80 0x00 for the count.
  absl::StatusOr<ModuleInfo> info = ReadModule(
      Module({{1, {0x81, 0x80, 0x80, 0x80, 0x00, 0x60, 0x80, 0x00, 0x00}}}));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->types.size(), 1u);
}

TEST(ReadModuleTest, SignedLebLimits) {
  auto global = [](Bytes expr) {
    return Module({{6, Cat({{0x01, kI32, 0x00}, expr, {kEnd}})}});
  };
  // INT32_MAX, INT32_MIN, -1 in five bytes.
  EXPECT_TRUE(ReadModule(global({0x41, 0xff, 0xff, 0xff, 0xff, 0x07})).ok());
  EXPECT_TRUE(ReadModule(global({0x41, 0x80, 0x80, 0x80, 0x80, 0x78})).ok());
  EXPECT_TRUE(ReadModule(global({0x41, 0xff, 0xff, 0xff, 0xff, 0x7f})).ok());
  // Unused bits that are not a sign extension.
  ExpectError(global({0x41, 0xff, 0xff, 0xff, 0xff, 0x0f}),
              "at offset 14: integer too large in the global section");
  ExpectError(global({0x41, 0x80, 0x80, 0x80, 0x80, 0x70}),
              "integer too large");
  // i64: ten bytes at most.
  EXPECT_TRUE(ReadModule(global({0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0x7f}))
                  .ok());
  ExpectError(global({0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0x01}),
              "integer too large");
  ExpectError(global({0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                      0x80, 0x80, 0x00}),
              "integer representation too long");
}

TEST(ReadModuleTest, MalformedNameSectionIsIgnored) {
  // Subsection 1 claims 9 bytes but has 3.
  Bytes names = Cat(
      {BinaryWriter().Name("name").Release(), {0x01, 0x09, 0x01, 0x00, 0x00}});
  absl::StatusOr<ModuleInfo> info = ReadModule(Module({{0, names}}));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->function_names.empty());
  ASSERT_EQ(info->sections.size(), 1u);
  EXPECT_EQ(info->sections[0].custom_name, "name");

  // A good module-name subsection followed by a bad one: nothing is kept.
  names = Cat({BinaryWriter().Name("name").Release(),
               {0x00, 0x02, 0x01, 'm', 0x01, 0x03, 0x01, 0x00, 0x05}});
  info = ReadModule(Module({{0, names}}));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->module_name, "");
}

TEST(ReadModuleTest, BadMagic) {
  ExpectError({}, "at offset 0: not a WebAssembly module (bad magic)");
  ExpectError({0x00, 0x61, 0x73}, "at offset 0: not a WebAssembly module");
  ExpectError({0x00, 0x61, 0x73, 0x78, 0x01, 0x00, 0x00, 0x00},
              "at offset 0: not a WebAssembly module (bad magic)");
}

TEST(ReadModuleTest, BadVersion) {
  ExpectError({0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00},
              "at offset 4: unsupported version 2");
  ExpectError({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00},
              "at offset 4: unexpected end of input");
}

TEST(ReadModuleTest, EveryPrefixIsHandled) {
  const Bytes bytes = FullModule();
  absl::StatusOr<ModuleInfo> full = ReadModule(bytes);
  ASSERT_TRUE(full.ok()) << full.status();
  std::vector<bool> boundary(bytes.size() + 1, false);
  boundary[8] = true;
  for (const SectionInfo& s : full->sections) {
    boundary[s.payload_offset + s.payload_size] = true;
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<ModuleInfo> info =
        ReadModule(absl::MakeConstSpan(bytes.data(), n));
    // A prefix ending between sections may be a valid smaller module; any
    // other prefix is truncated.
    if (boundary[n]) continue;
    ASSERT_FALSE(info.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(info.status().message(), "at offset "))
        << info.status().message();
  }
}

TEST(ReadModuleTest, Truncated) {
  // Section id without its size.
  ExpectError(Cat({Module({}), {0x01}}),
              "at offset 9: unexpected end of input in a section header");
  // Import entry cut inside the module name; the section size is honest.
  ExpectError(Module({OneVoidType(), {2, {0x01, 0x05, 'e', 'n', 'v'}}}),
              "at offset 18: unexpected end of input (5 bytes needed, 3 "
              "remain) in the import section");
  // A global import without its mutability.
  ExpectError(Module({OneVoidType(), {2, {0x01, 0x00, 0x00, 0x03, kI32}}}),
              "at offset 21: unexpected end of input in the import section");
  // A global initializer without its end.
  ExpectError(Module({{6, {0x01, kI32, 0x00, 0x41, 0x00}}}),
              "at offset 15: unexpected end of input in the global section");
}

TEST(ReadModuleTest, SectionSizePastEnd) {
  ExpectError(Cat({Module({}), {0x01, 0x05, 0x00}}),
              "at offset 9: type section size 5 extends past the end of the "
              "module (1 bytes remain)");
}

TEST(ReadModuleTest, SectionOutOfOrder) {
  ExpectError(Module({{3, {0x00}}, OneVoidType()}),
              "at offset 11: section 1 out of order (type section after the "
              "function section)");
  // Data count goes before code, not after.
  ExpectError(Module({{10, {0x00}}, {12, {0x00}}}),
              "at offset 11: section 12 out of order");
  // Custom sections may go anywhere.
  EXPECT_TRUE(ReadModule(Module({{7, {0x00}},
                                 {0, BinaryWriter().Name("x").Release()},
                                 {11, {0x00}}}))
                  .ok());
}

TEST(ReadModuleTest, DuplicateSection) {
  ExpectError(Module({OneVoidType(), OneVoidType()}),
              "at offset 14: duplicate section 1 (type section)");
}

TEST(ReadModuleTest, UnknownSection) {
  ExpectError(Module({{14, {}}}), "at offset 8: unknown section id 14");
}

TEST(ReadModuleTest, TrailingBytesInSection) {
  ExpectError(Module({{1, {0x00, 0x00}}}),
              "at offset 11: 1 unexpected trailing bytes in the type section");
  ExpectError(Module({
                  {8, {0x00, 0x00}},
              }),
              "function index 0 out of range (0 functions) in the start "
              "section");
}

TEST(ReadModuleTest, OverlongLeb) {
  // Six bytes for a u32 count.
  ExpectError(Module({{1, {0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}}),
              "at offset 10: integer representation too long in the type "
              "section");
  // Five bytes but more than 32 bits.
  ExpectError(Module({{1, {0xff, 0xff, 0xff, 0xff, 0x1f}}}),
              "at offset 10: integer too large in the type section");
  // A section size.
  ExpectError(Cat({Module({}), {0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}}),
              "at offset 9: integer representation too long in a section "
              "header");
}

TEST(ReadModuleTest, HugeVectorCount) {
  ExpectError(Module({{1, {0xff, 0xff, 0xff, 0xff, 0x0f}}}),
              "at offset 10: count 4294967295 too large for the 0 bytes "
              "remaining in the type section");
  ExpectError(
      Module({OneVoidType(), {3, {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00}}}),
      "count 4294967295 too large for the 1 bytes remaining in the "
      "function section");
  // Inside an entry: a parameter list.
  ExpectError(Module({{1, {0x01, 0x60, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00}}}),
              "at offset 12: count 4294967294 too large");
}

TEST(ReadModuleTest, TypeIndexOutOfRange) {
  ExpectError(Module({OneVoidType(), {3, {0x01, 0x01}}}),
              "at offset 17: type index 1 out of range (1 type) in the "
              "function section");
  ExpectError(Module({{2, BinaryWriter()
                              .U32(1)
                              .Name("m")
                              .Name("f")
                              .Byte(0x00)
                              .U32(0)
                              .Release()}}),
              "type index 0 out of range (0 types) in the import section");
}

TEST(ReadModuleTest, ExportIndexOutOfRange) {
  auto module = [](uint8_t kind, uint8_t index) {
    return Module(
        {OneVoidType(),
         {3, {0x01, 0x00}},
         {7, BinaryWriter().U32(1).Name("e").Byte(kind).Byte(index).Release()},
         {10, {0x01, 0x02, 0x00, kEnd}}});
  };
  EXPECT_TRUE(ReadModule(module(0x00, 0)).ok());
  ExpectError(module(0x00, 1),
              "function index 1 out of range (1 function) in the export "
              "section");
  ExpectError(module(0x01, 0), "table index 0 out of range (0 tables)");
  ExpectError(module(0x02, 0), "memory index 0 out of range (0 memories)");
  ExpectError(module(0x03, 0), "global index 0 out of range (0 globals)");
  ExpectError(module(0x04, 0), "tag index 0 out of range (0 tags)");
  ExpectError(module(0x05, 0),
              "invalid export kind 0x05 in the export section");
}

TEST(ReadModuleTest, DuplicateExportName) {
  ExpectError(Module({{5, {0x01, 0x00, 0x01}},
                      {7, BinaryWriter()
                              .U32(2)
                              .Name("m")
                              .Byte(0x02)
                              .U32(0)
                              .Name("m")
                              .Byte(0x02)
                              .U32(0)
                              .Release()}}),
              "duplicate export name \"m\" in the export section");
}

TEST(ReadModuleTest, StartIndexOutOfRange) {
  ExpectError(Module({{8, {0x00}}}),
              "at offset 10: function index 0 out of range (0 functions) in "
              "the start section");
}

TEST(ReadModuleTest, BadUtf8Name) {
  for (const Bytes& bad :
       {Bytes{0xff}, Bytes{0xc0, 0x80}, Bytes{0xed, 0xa0, 0x80},
        Bytes{0xf4, 0x90, 0x80, 0x80}, Bytes{0xe2, 0x82}}) {
    Bytes ex =
        Cat({{0x01, static_cast<uint8_t>(bad.size())}, bad, {0x02, 0x00}});
    ExpectError(Module({{5, {0x01, 0x00, 0x01}}, {7, ex}}),
                "at offset 17: invalid UTF-8 in a name in the export section");
  }
  // Valid multi-byte names pass: U+00E9, U+20AC, U+1F600.
  Bytes ok = Cat({{0x01, 0x09, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98,
                   0x80, 0x02, 0x00}});
  absl::StatusOr<ModuleInfo> info =
      ReadModule(Module({{5, {0x01, 0x00, 0x01}}, {7, ok}}));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->exports[0].name, "\u00e9\u20ac\U0001F600");
  // Custom section names are names too.
  ExpectError(Module({{0, {0x01, 0xff}}}),
              "at offset 11: invalid UTF-8 in a name in the custom section");
}

TEST(ReadModuleTest, FunctionCodeCountMismatch) {
  ExpectError(Module({OneVoidType(), {3, {0x01, 0x00}}, {10, {0x00}}}),
              "at offset 20: function body count 0 does not match the "
              "function count 1 in the code section");
  ExpectError(Module({OneVoidType(), {3, {0x01, 0x00}}}),
              "at offset 18: the function section declares 1 functions but "
              "there is no code section");
  ExpectError(Module({{10, {0x01, 0x02, 0x00, kEnd}}}),
              "function body count 1 does not match the function count 0");
  // A body that claims more bytes than the section holds.
  ExpectError(
      Module(
          {OneVoidType(), {3, {0x01, 0x00}}, {10, {0x01, 0x05, 0x00, kEnd}}}),
      "unexpected end of input (5 bytes needed, 2 remain) in the "
      "code section");
}

TEST(ReadModuleTest, DataCountMismatch) {
  ExpectError(
      Module({{5, {0x01, 0x00, 0x01}}, {12, {0x02}}, {11, {0x01, 0x01, 0x00}}}),
      "data segment count 1 does not match the data count 2 in the "
      "data section");
  ExpectError(Module({{12, {0x01}}}),
              "the data count section declares 1 segments but there is no "
              "data section");
  ExpectError(Module({{11, {0x01, 0x03, 0x00}}}),
              "invalid data segment flags 3 in the data section");
}

TEST(ReadModuleTest, BadValueType) {
  ExpectError(Module({{1, {0x01, 0x60, 0x01, 0x40, 0x00}}}),
              "at offset 13: invalid value type 0x40 in the type section");
  ExpectError(Module({{6, {0x01, 0x00, 0x00, 0x41, 0x00, kEnd}}}),
              "at offset 11: invalid value type 0x00 in the global section");
  ExpectError(Module({{1, {0x01, 0x5f, 0x00, 0x00}}}),
              "at offset 11: unsupported type form 0x5f in the type section");
  ExpectError(Module({{4, {0x01, kI32, 0x00, 0x01}}}),
              "at offset 11: invalid reference type 0x7f in the table section");
}

TEST(ReadModuleTest, BadLimits) {
  ExpectError(Module({{5, {0x01, 0x04, 0x01}}}),
              "at offset 11: invalid limits flags 0x04 in the memory section");
  ExpectError(Module({{5, {0x01, 0x02, 0x01}}}),
              "at offset 11: shared memory without a maximum in the memory "
              "section");
  ExpectError(Module({{4, {0x01, kFuncRef, 0x03, 0x01, 0x02}}}),
              "at offset 12: invalid limits flags 0x03 in the table section");
  ExpectError(Module({{5, {0x01, 0x01, 0x02, 0x01}}}),
              "at offset 13: limits maximum 1 below the minimum 2 in the "
              "memory section");
}

TEST(ReadModuleTest, BadImportAndGlobalEncodings) {
  ExpectError(Module({{2, BinaryWriter()
                              .U32(1)
                              .Name("m")
                              .Name("x")
                              .Byte(0x05)
                              .Byte(0x00)
                              .Release()}}),
              "at offset 15: invalid import kind 0x05 in the import section");
  ExpectError(Module({{6, {0x01, kI32, 0x02, 0x41, 0x00, kEnd}}}),
              "at offset 12: invalid mutability 0x02 in the global section");
  ExpectError(Module({{6, {0x01, kI32, 0x00, 0x20, 0x00, kEnd}}}),
              "at offset 13: opcode 0x20 not allowed in a constant "
              "expression in the global section");
  ExpectError(Module({{6, {0x01, kI32, 0x00, kEnd}}}),
              "at offset 13: empty constant expression in the global section");
  // global.get may only see imported and earlier globals.
  ExpectError(Module({{6, {0x01, kI32, 0x00, 0x23, 0x00, kEnd}}}),
              "global index 0 out of range (0 globals) in the global section");
  ExpectError(Module({{9, {0x01, 0x08, 0x00}}}),
              "invalid element segment flags 8 in the element section");
  ExpectError(Module({{9, {0x01, 0x01, 0x00, 0x01, 0x00}}}),
              "function index 0 out of range (0 functions) in the element "
              "section");
}

}  // namespace
}  // namespace wasmhost::wasm
