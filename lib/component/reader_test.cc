// ReadComponent over the components built from guests/components and over
// hand-made bad bytes, one per error path.

#include "lib/component/reader.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::BinaryWriter;
using wasm::testing::Bytes;
using wasm::testing::Cat;
using wasm::testing::ExpectInvalidArgument;

const Bytes kPreamble = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};

// A component of the preamble and `sections` (id, payload).
Bytes ComponentOf(std::initializer_list<std::pair<uint8_t, Bytes>> sections) {
  BinaryWriter w;
  w.Bytes(kPreamble);
  for (const auto& [id, payload] : sections) w.Section(id, payload);
  return w.Release();
}

// A section payload: a count of 1, then `entry`.
Bytes One(const Bytes& entry) { return Cat({{0x01}, entry}); }

Bytes Name(absl::string_view s) {
  BinaryWriter w;
  w.Name(s);
  return w.Release();
}

const Type* FindExport(const Component& c, const std::vector<ExternDecl>& in,
                       absl::string_view name) {
  for (const ExternDecl& d : in) {
    if (d.name == name) return &c.types[d.desc.type];
  }
  return nullptr;
}

TEST(IsComponent, TellsTheLayers) {
  EXPECT_TRUE(IsComponent(kPreamble));
  EXPECT_FALSE(IsComponent(Bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0}));
  EXPECT_FALSE(IsComponent(Bytes{0x00, 0x61, 0x73, 0x6d}));
}

TEST(ReadComponent, Scalars) {
  absl::StatusOr<Component> c = ReadComponent(guests::scalars_wasm());
  ASSERT_TRUE(c.ok()) << c.status();
  const ComponentDef& root = c->root;
  ASSERT_EQ(root.imports.size(), 1u);
  EXPECT_EQ(root.imports[0].name, "host-log");
  EXPECT_EQ(root.imports[0].desc.kind, ExternKind::kFunc);
  const Type& log = c->types[root.imports[0].desc.type];
  ASSERT_EQ(log.fields.size(), 2u);
  EXPECT_EQ(log.fields[0].name, "level");
  EXPECT_EQ(c->types[log.fields[0].type].kind, TypeKind::kU32);
  EXPECT_EQ(c->types[log.fields[1].type].kind, TypeKind::kS64);
  EXPECT_FALSE(log.ok.has_value());
  // The main module, the shim and the fixup: wit-component's layout.
  EXPECT_GE(root.core_modules.size(), 1u);
  for (const CoreModule& m : root.core_modules) {
    EXPECT_LE(m.offset + m.size, guests::scalars_wasm().size());
    EXPECT_EQ(guests::scalars_wasm()[m.offset], 0x00);  // Its magic.
  }
  const Type& component = c->types[root.type];
  ASSERT_EQ(component.exports.size(), 2u);
  const Type* math = FindExport(*c, component.exports, "demo:scalars/math");
  ASSERT_NE(math, nullptr);
  EXPECT_EQ(math->kind, TypeKind::kInstance);
  const Type* narrow = FindExport(*c, math->exports, "narrow");
  ASSERT_NE(narrow, nullptr);
  ASSERT_EQ(narrow->fields.size(), 6u);
  const TypeKind kinds[] = {TypeKind::kU8,  TypeKind::kS8,  TypeKind::kU16,
                            TypeKind::kS16, TypeKind::kU32, TypeKind::kS64};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(c->types[narrow->fields[i].type].kind, kinds[i]) << i;
  }
  ASSERT_TRUE(narrow->ok.has_value());
  EXPECT_EQ(c->types[*narrow->ok].kind, TypeKind::kS64);
  const Type* answer = FindExport(*c, component.exports, "answer");
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(c->types[*answer->ok].kind, TypeKind::kU32);
}

TEST(ReadComponent, StringsCanonOptions) {
  absl::StatusOr<Component> c = ReadComponent(guests::strings_wasm());
  ASSERT_TRUE(c.ok()) << c.status();
  int lifts = 0, lowers = 0, post_returns = 0;
  for (const Canon& canon : c->root.canons) {
    if (canon.kind == Canon::Kind::kLift) {
      ++lifts;
      EXPECT_TRUE(canon.options.memory.has_value());
      if (canon.options.post_return.has_value()) ++post_returns;
    }
    if (canon.kind == Canon::Kind::kLower) ++lowers;
    EXPECT_EQ(canon.options.string_encoding, StringEncoding::kUtf8);
  }
  EXPECT_EQ(lifts, 6);         // upper, split, join, sum, iota, greet.
  EXPECT_EQ(lowers, 2);        // log, fetch.
  EXPECT_EQ(post_returns, 5);  // All but sum.
  const Type* fetch = FindExport(*c, c->types[c->root.type].imports, "fetch");
  ASSERT_NE(fetch, nullptr);
  const Type& list = c->types[*fetch->ok];
  EXPECT_EQ(list.kind, TypeKind::kList);
  EXPECT_EQ(c->types[*list.element].kind, TypeKind::kU8);
}

TEST(ReadComponent, DefinedTypes) {
  absl::StatusOr<Component> c = ReadComponent(guests::types_wasm());
  ASSERT_TRUE(c.ok()) << c.status();
  const Type* shapes =
      FindExport(*c, c->types[c->root.type].exports, "demo:types/shapes");
  ASSERT_NE(shapes, nullptr);
  const Type* find = FindExport(*c, shapes->exports, "find");
  ASSERT_NE(find, nullptr);
  const Type& items = c->types[find->fields[0].type];
  ASSERT_EQ(items.kind, TypeKind::kList);
  const Type& item = c->types[*items.element];
  ASSERT_EQ(item.kind, TypeKind::kRecord);
  ASSERT_EQ(item.fields.size(), 4u);
  EXPECT_EQ(item.fields[2].name, "perms");
  const Type& perms = c->types[item.fields[2].type];
  EXPECT_EQ(perms.kind, TypeKind::kFlags);
  EXPECT_EQ(perms.labels, (std::vector<std::string>{"read", "write", "exec"}));
  const Type& origin = c->types[item.fields[3].type];
  EXPECT_EQ(origin.kind, TypeKind::kOption);
  EXPECT_EQ(c->types[*origin.element].kind, TypeKind::kRecord);
  // The exported `point` and the one inside `item` are one type.
  const Type* point_export = FindExport(*c, shapes->exports, "point");
  ASSERT_NE(point_export, nullptr);
  EXPECT_EQ(point_export, &c->types[*origin.element]);
  const Type* swap = FindExport(*c, shapes->exports, "swap");
  ASSERT_NE(swap, nullptr);
  EXPECT_EQ(c->types[*swap->ok].kind, TypeKind::kTuple);
  const Type* check = FindExport(*c, shapes->exports, "check");
  ASSERT_NE(check, nullptr);
  const Type& result = c->types[*check->ok];
  EXPECT_EQ(result.kind, TypeKind::kResult);
  EXPECT_FALSE(result.ok.has_value());
  EXPECT_FALSE(result.error.has_value());
  const Type* shape = FindExport(*c, shapes->exports, "shape");
  ASSERT_NE(shape, nullptr);
  ASSERT_EQ(shape->cases.size(), 3u);
  EXPECT_FALSE(shape->cases[2].type.has_value());
}

TEST(ReadComponent, Resources) {
  absl::StatusOr<Component> c = ReadComponent(guests::resource_wasm());
  ASSERT_TRUE(c.ok()) << c.status();
  int news = 0, reps = 0, drops = 0;
  for (const Canon& canon : c->root.canons) {
    news += canon.kind == Canon::Kind::kResourceNew;
    reps += canon.kind == Canon::Kind::kResourceRep;
    drops += canon.kind == Canon::Kind::kResourceDrop;
  }
  EXPECT_EQ(news, 1);
  EXPECT_EQ(reps, 1);
  EXPECT_GE(drops, 1);
  const Type* counters =
      FindExport(*c, c->types[c->root.type].exports, "demo:res/counters");
  ASSERT_NE(counters, nullptr);
  const Type* counter = FindExport(*c, counters->exports, "counter");
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->kind, TypeKind::kResource);
  EXPECT_TRUE(counter->defined);
  EXPECT_TRUE(counter->dtor.has_value());
  // The constructor returns an own of that very resource (substituted for
  // the shim component's imported type).
  const Type* ctor = FindExport(*c, counters->exports, "[constructor]counter");
  ASSERT_NE(ctor, nullptr);
  const Type& own = c->types[*ctor->ok];
  EXPECT_EQ(own.kind, TypeKind::kOwn);
  EXPECT_EQ(&c->types[*own.element], counter);
  const Type* host =
      FindExport(*c, c->types[c->root.type].imports, "demo:res/host");
  ASSERT_NE(host, nullptr);
  const Type* blob = FindExport(*c, host->exports, "blob");
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(blob->kind, TypeKind::kResource);
  EXPECT_FALSE(blob->defined);
  const Type* add_blob =
      FindExport(*c, counters->exports, "[method]counter.add-blob");
  ASSERT_NE(add_blob, nullptr);
  const Type& borrow = c->types[add_blob->fields[1].type];
  EXPECT_EQ(borrow.kind, TypeKind::kBorrow);
  EXPECT_EQ(&c->types[*borrow.element], blob);
}

TEST(ReadComponent, WasiReactorAdapter) {
  absl::StatusOr<Component> c = ReadComponent(guests::wasi_reactor_wasm());
  ASSERT_TRUE(c.ok()) << c.status();
  const Type& type = c->types[c->root.type];
  bool stdout_import = false;
  for (const ExternDecl& i : type.imports) {
    stdout_import |= i.name == "wasi:cli/stdout@0.2.12";
  }
  EXPECT_TRUE(stdout_import);
  // The main module and the adapter, at least.
  EXPECT_GE(c->root.core_modules.size(), 2u);
  ASSERT_NE(FindExport(*c, type.exports, "shout"), nullptr);
}

TEST(ReadComponent, CustomSections) {
  const Bytes bytes = ComponentOf({{0, Cat({Name("note"), {1, 2, 3}})}});
  absl::StatusOr<Component> c = ReadComponent(bytes);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->root.custom_sections.size(), 1u);
  EXPECT_EQ(c->root.custom_sections[0].name, "note");
  EXPECT_EQ(c->root.custom_sections[0].size, 3u);
  EXPECT_EQ(bytes[c->root.custom_sections[0].offset], 1);
}

// A fixture cut short anywhere is an InvalidArgument, never a crash, unless
// the cut falls between two sections (a shorter component, still valid).
TEST(ReadComponent, EveryTruncationIsAnErrorOrASectionBoundary) {
  const absl::Span<const uint8_t> full = guests::scalars_wasm();
  int errors = 0;
  for (size_t n = 0; n < full.size(); ++n) {
    absl::Status s = ReadComponent(full.subspan(0, n)).status();
    if (s.ok()) continue;
    ++errors;
    ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n << " " << s;
  }
  EXPECT_GT(errors, static_cast<int>(full.size()) * 9 / 10);
}

// result<t, t> nested 60 deep shares each level: any walk that does not
// cache per type would take 2^60 steps here. (A result, not a tuple: its
// size grows by a few bytes a level, within the 2^28 bound.)
TEST(ReadComponent, SharedTypeDagsStayLinear) {
  BinaryWriter types;
  types.U32(62).Byte(0x6f).U32(2).Byte(0x7d).Byte(0x7d);  // tuple<u8, u8>
  for (int i = 1; i < 61; ++i) {
    const uint8_t previous[] = {static_cast<uint8_t>(0x80 | (i - 1)), 0x00};
    types.Byte(0x6a).Byte(0x01).Bytes(previous).Byte(0x01).Bytes(previous);
  }
  types.Bytes({0x40, 0x00, 0x00, 60});  // func() -> type 60
  const Bytes import = One(Cat({{0x00}, Name("f"), {0x01, 61}}));
  absl::StatusOr<Component> c =
      ReadComponent(ComponentOf({{7, types.Release()}, {10, import}}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->types[c->root.imports[0].desc.type].kind, TypeKind::kFunc);
}

TEST(ReadComponentErrors, Preamble) {
  ExpectInvalidArgument(ReadComponent(Bytes{0, 0x61}).status(),
                        "at offset 0: unexpected end of input in the preamble");
  ExpectInvalidArgument(
      ReadComponent(Bytes{1, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0}).status(),
      "bad magic");
  ExpectInvalidArgument(
      ReadComponent(Bytes{0, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0}).status(),
      "at offset 6: a core module, not a component");
  ExpectInvalidArgument(
      ReadComponent(Bytes{0, 0x61, 0x73, 0x6d, 0x0d, 0, 2, 0}).status(),
      "unknown layer 0x0002");
  ExpectInvalidArgument(
      ReadComponent(Bytes{0, 0x61, 0x73, 0x6d, 0x0c, 0, 1, 0}).status(),
      "at offset 4: unsupported component version 0x000c");
}

TEST(ReadComponentErrors, Sections) {
  ExpectInvalidArgument(ReadComponent(ComponentOf({{13, {}}})).status(),
                        "at offset 8: unknown section id 13");
  ExpectInvalidArgument(ReadComponent(ComponentOf({{12, {0}}})).status(),
                        "value definitions are not supported");
  ExpectInvalidArgument(
      ReadComponent(Cat({kPreamble, {7, 5, 0}})).status(),
      "at offset 10: unexpected end of input in the component");
  // A type section that says one type and holds two bytes more.
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{7, {0x01, 0x73, 0x73, 0x73}}})).status(),
      "at offset 12: section size mismatch");
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{7, {0xff, 0xff, 0xff, 0xff, 0x0f}}}))
          .status(),
      "count 4294967295 too large");
}

TEST(ReadComponentErrors, DuplicateStart) {
  // A function import to start, twice.
  const Bytes func_type = One({0x40, 0x00, 0x01, 0x00});
  const Bytes import = One(Cat({{0x00}, Name("f"), {0x01, 0x00}}));
  const Bytes start = {0x00, 0x00, 0x00};
  ASSERT_TRUE(
      ReadComponent(ComponentOf({{7, func_type}, {10, import}, {9, start}}))
          .ok());
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{7, func_type}, {10, import}, {9, start}, {9, start}}))
          .status(),
      "duplicate start section");
}

TEST(ReadComponentErrors, ValueTypes) {
  auto type_error = [](const Bytes& type) {
    return ReadComponent(ComponentOf({{7, One(type)}})).status();
  };
  ExpectInvalidArgument(type_error({0x01}), "unknown type opcode 0x01");
  ExpectInvalidArgument(type_error({0x72, 0x00}), "record without fields");
  ExpectInvalidArgument(type_error({0x71, 0x00}), "variant without cases");
  ExpectInvalidArgument(type_error({0x6f, 0x00}), "tuple without elements");
  ExpectInvalidArgument(type_error({0x6e, 0x00}), "flags without labels");
  ExpectInvalidArgument(type_error({0x6d, 0x00}), "enum without labels");
  ExpectInvalidArgument(
      type_error(Cat({{0x72, 0x01}, Name("Bad_Label"), {0x73}})),
      "invalid label \"Bad_Label\"");
  ExpectInvalidArgument(type_error(Cat({{0x72, 0x01}, Name(""), {0x73}})),
                        "invalid label \"\"");
  ExpectInvalidArgument(
      type_error(Cat({{0x72, 0x02}, Name("a"), {0x73}, Name("A"), {0x73}})),
      "duplicate field \"A\"");
  ExpectInvalidArgument(type_error(Cat({{0x6d, 0x02}, Name("x"), Name("x")})),
                        "duplicate case \"x\"");
  Bytes flags = {0x6e, 33};
  for (int i = 0; i < 33; ++i) {
    flags = Cat({flags, Name(absl::StrCat("f", i))});
  }
  ExpectInvalidArgument(type_error(flags), "flags with 33 labels (at most 32)");
  ExpectInvalidArgument(type_error({0x70, 0x05}), "type index 5 out of range");
  ExpectInvalidArgument(type_error({0x70, 0x40}), "invalid value type 0x40");
  ExpectInvalidArgument(type_error({0x69, 0x00}), "type index 0 out of range");
  ExpectInvalidArgument(type_error({0x6a, 0x02}), "invalid option flag 0x02");
  ExpectInvalidArgument(type_error({0x67, 0x73, 0x00}),
                        "fixed-size list of length 0");
  ExpectInvalidArgument(
      type_error(Cat({{0x71, 0x01}, Name("c"), {0x00, 0x01}})),
      "refinements are not supported");
  ExpectInvalidArgument(type_error({0x40, 0x00, 0x02}),
                        "invalid result list 0x02");
  ExpectInvalidArgument(type_error({0x40, 0x00, 0x01, 0x01}),
                        "named results are not supported");
  ExpectInvalidArgument(type_error({0x3f, 0x7e, 0x00}),
                        "resource representation 0x7e");
  ExpectInvalidArgument(type_error({0x3f, 0x7f, 0x01, 0x00}),
                        "core func index 0 out of range");
}

TEST(ReadComponentErrors, TypeReferences) {
  // Type 0 is a record, type 1 an own of it.
  const Bytes record = Cat({{0x72, 0x01}, Name("a"), {0x73}});
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{7, Cat({{0x02}, record, {0x69, 0x00}})}}))
          .status(),
      "type 0 is a record type, not a resource");
  // A list of a function type.
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{7, {0x02, 0x40, 0x00, 0x01, 0x00, 0x70, 0x00}}}))
          .status(),
      "type 0 is a func type, not a value type");
  // A borrow in a result: resource 0, borrow 1, func () -> 1.
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{7,
                                  {0x03, 0x3f, 0x7f, 0x00, 0x68, 0x00, 0x40,
                                   0x00, 0x00, 0x01}}}))
          .status(),
      "a function result contains a borrow");
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{7, One({0x66, 0x01, 0x74})}})).status(),
      "(stream char) is not valid at this time");
  EXPECT_TRUE(ReadComponent(ComponentOf({{7, One({0x66, 0x01, 0x73})}})).ok());
  // Nesting: list<list<...<string>>> 101 deep.
  Bytes nested = {101, 0x70, 0x73};
  for (int i = 1; i < 101; ++i)
    nested = Cat({nested,
                  {0x70},
                  {static_cast<uint8_t>(0x80 | ((i - 1) & 0x7f)),
                   static_cast<uint8_t>((i - 1) >> 7)}});
  ExpectInvalidArgument(ReadComponent(ComponentOf({{7, nested}})).status(),
                        "types nested deeper than 100 levels");
}

TEST(ReadComponentErrors, Imports) {
  const Bytes func_type = One({0x40, 0x00, 0x01, 0x00});
  auto import_error = [&](const Bytes& imports) {
    return ReadComponent(ComponentOf({{7, func_type}, {10, imports}})).status();
  };
  ExpectInvalidArgument(
      import_error(One(Cat({{0x00}, Name("f"), {0x01, 0x01}}))),
      "type index 1 out of range");
  ExpectInvalidArgument(
      import_error(One(Cat({{0x00}, Name("f"), {0x05, 0x00}}))),
      "type 0 is a func type, not a instance type");
  ExpectInvalidArgument(
      import_error(One(Cat({{0x03}, Name("f"), {0x01, 0x00}}))),
      "unknown extern name form 0x03");
  for (const char* bad :
       {"", "aBc", "a--b", "1a", "[method]r", "[static]r.", "[constructor]",
        "wasi/http", "wasi:http", "wasi:Http/x", "a:b/c@", "a:b/c@1.x",
        "a:b/c@01.0.0", "a:b/c/", "a:b:c/d/e"}) {
    ExpectInvalidArgument(
        import_error(One(Cat({{0x00}, Name(bad), {0x01, 0x00}}))),
        absl::StrCat("\"", bad, "\" is not a valid extern name"));
  }
  for (const char* good : {"a", "a1-2-3", "A-B1", "wasi:http/types",
                           "wasi:http/types@0.2.0-rc.1+b", "a:b/c@1"}) {
    EXPECT_TRUE(import_error(One(Cat({{0x00}, Name(good), {0x01, 0x00}}))).ok())
        << good;
  }
  // Well-formed annotated names, refused by their type rules (func()
  // fits none of them; see resource_names_test.cc).
  for (const auto& [good, rule] :
       std::vector<std::pair<std::string, std::string>>{
           {"[method]r.f", "should have at least one argument"},
           {"[static]r-x.f-y", "static resource name is not known"},
           {"[constructor]r", "should return one value"}}) {
    ExpectInvalidArgument(
        import_error(One(Cat({{0x00}, Name(good), {0x01, 0x00}}))),
        absl::StrCat("\"", good, "\": ", rule));
  }
  // Strong uniqueness: `[method]a.a` is `a`; `[constructor]a` is not.
  const Bytes resource_a = Cat({{0x00}, Name("a"), {0x03, 0x01}});
  ExpectInvalidArgument(
      import_error(
          Cat({{0x02}, resource_a, {0x00}, Name("[static]a.a"), {0x01, 0x00}})),
      "duplicate import name \"[static]a.a\"");
  ExpectInvalidArgument(import_error(Cat({{0x03},
                                          resource_a,
                                          {0x00},
                                          Name("[static]a.b"),
                                          {0x01, 0x00},
                                          {0x00},
                                          Name("[method]a.b"),
                                          {0x01, 0x00}})),
                        "duplicate import name \"[method]a.b\"");
  EXPECT_TRUE(
      import_error(
          Cat({{0x02}, resource_a, {0x00}, Name("[static]a.b"), {0x01, 0x00}}))
          .ok());
  ExpectInvalidArgument(
      import_error(One(Cat({{0x00}, Name("f"), {0x09, 0x00}}))),
      "unknown extern type 0x09");
  ExpectInvalidArgument(import_error(Cat({{0x02},
                                          {0x00},
                                          Name("f"),
                                          {0x01, 0x00},
                                          {0x00},
                                          Name("F"),
                                          {0x01, 0x00}})),
                        "duplicate import name \"F\"");
  ExpectInvalidArgument(
      import_error(One(Cat({{0x00, 0x02, 0xff, 0xfe}, {0x01, 0x00}}))),
      "invalid UTF-8 in a name");
  ExpectInvalidArgument(
      import_error(One(Cat({{0x00}, Name("t"), {0x03, 0x02}}))),
      "unknown type bound 0x02");
  ExpectInvalidArgument(
      import_error(
          One(Cat({{0x02}, Name("f"), {0x01, 0x07}, Name("x"), {0x01, 0x00}}))),
      "unknown name attribute 0x07");
  ExpectInvalidArgument(
      import_error(One(Cat({{0x00}, Name("m"), {0x00, 0x10, 0x00}}))),
      "core extern type other than a module");
}

TEST(ReadComponentErrors, ImplementsAttribute) {
  // Type 0: an empty instance type; type 1: func () -> ().
  const Bytes types = {0x02, 0x42, 0x00, 0x40, 0x00, 0x01, 0x00};
  auto import_with = [&](absl::string_view name, absl::string_view implements,
                         const Bytes& type) {
    return ReadComponent(ComponentOf({{7, types},
                                      {10, One(Cat({{0x02},
                                                    Name(name),
                                                    {0x01, 0x00},
                                                    Name(implements),
                                                    type}))}}))
        .status();
  };
  ASSERT_TRUE(import_with("a", "a:b/c", {0x05, 0x00}).ok());
  ExpectInvalidArgument(import_with("a", "not-valid", {0x05, 0x00}),
                        "implements \"not-valid\": must be an interface name");
  ExpectInvalidArgument(import_with("a", "a:b/c", {0x01, 0x01}),
                        "only instances can have an `implements` attribute");
  ExpectInvalidArgument(import_with("a1:b/c", "a2:b/c", {0x05, 0x00}),
                        "name \"a1:b/c\" is not valid with `implements`");
}

TEST(ReadComponentErrors, Aliases) {
  auto alias_error = [](const Bytes& alias) {
    return ReadComponent(ComponentOf({{6, One(alias)}})).status();
  };
  ExpectInvalidArgument(alias_error(Cat({{0x01, 0x00, 0x00}, Name("f")})),
                        "instance index 0 out of range");
  ExpectInvalidArgument(alias_error(Cat({{0x00, 0x00, 0x01, 0x00}, Name("f")})),
                        "core instance index 0 out of range");
  ExpectInvalidArgument(alias_error({0x03, 0x02, 0x01, 0x00}),
                        "outer alias count 1 beyond the outermost scope");
  ExpectInvalidArgument(alias_error({0x03, 0x02, 0x00, 0x00}),
                        "type index 0 out of range");
  ExpectInvalidArgument(alias_error({0x01, 0x02, 0x00, 0x00}),
                        "outer alias of a func");
  ExpectInvalidArgument(alias_error({0x03, 0x07}), "unknown alias target 0x07");
  // A resource (type 0) aliased from inside a nested component: resources
  // do not cross component boundaries; a record does.
  const Bytes nested_alias =
      Cat({kPreamble, {0x06, 0x05, 0x01, 0x03, 0x02, 0x01, 0x00}});
  ExpectInvalidArgument(ReadComponent(ComponentOf({{7, One({0x3f, 0x7f, 0x00})},
                                                   {4, nested_alias}}))
                            .status(),
                        "transitively refers to resources");
  EXPECT_TRUE(ReadComponent(
                  ComponentOf({{7, One(Cat({{0x72, 0x01}, Name("a"), {0x73}}))},
                               {4, nested_alias}}))
                  .ok());
  // Type declarators alias types and instances only.
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{7, One({0x42, 0x01, 0x02, 0x00, 0x11, 0x02,
                                          0x01, 0x00})}}))
          .status(),
      "an alias in a type declarator may only refer to types or instances, "
      "not a core module");
  ExpectInvalidArgument(alias_error({0x09}), "unknown sort 0x09");
  ExpectInvalidArgument(alias_error({0x00, 0x05}), "unknown core sort 0x05");
  // An instance type exporting func "f"; an import of it; aliases of it.
  const Bytes types = {0x02, 0x40, 0x00, 0x01, 0x00,         // type 0: func
                       0x42, 0x02, 0x02, 0x03, 0x02, 0x01,   // outer alias 1 0
                       0x00,                                 // type 0
                       0x04, 0x00, 0x01, 'f',  0x01, 0x00};  // export "f"
  const Bytes import = One(Cat({{0x00}, Name("i"), {0x05, 0x01}}));
  auto with_instance = [&](const Bytes& alias) {
    return ReadComponent(
               ComponentOf({{7, types}, {10, import}, {6, One(alias)}}))
        .status();
  };
  ASSERT_TRUE(with_instance(Cat({{0x01, 0x00, 0x00}, Name("f")})).ok())
      << with_instance(Cat({{0x01, 0x00, 0x00}, Name("f")}));
  ExpectInvalidArgument(with_instance(Cat({{0x01, 0x00, 0x00}, Name("g")})),
                        "instance 0 has no export \"g\"");
  ExpectInvalidArgument(with_instance(Cat({{0x05, 0x00, 0x00}, Name("f")})),
                        "exports \"f\" as a func, not a instance");
}

TEST(ReadComponentErrors, CoreModuleValidator) {
  // A module whose one function body is `i32.add` on an empty stack: the
  // core reader accepts its structure; only a validator rejects it.
  const Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // type () -> ()
                        0x03, 0x02, 0x01, 0x00,              // func 0: type 0
                        0x0a, 0x05, 0x01, 0x03, 0x00, 0x6a, 0x0b};  // code
  const Bytes component = ComponentOf({{1, module}});
  ASSERT_TRUE(ReadComponent(component).ok());
  std::vector<Bytes> seen;
  ReadOptions options;
  options.validate_core_module = [&](absl::Span<const uint8_t> bytes) {
    seen.emplace_back(bytes.begin(), bytes.end());
    return absl::InvalidArgumentError("type mismatch in i32.add");
  };
  ExpectInvalidArgument(
      ReadComponent(component, options).status(),
      "at offset 10: invalid core module (offsets from its start): type "
      "mismatch in i32.add");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], module);
  // A validator's own failure is not the module's: its code passes through.
  options.validate_core_module = [](absl::Span<const uint8_t>) {
    return absl::InternalError("engine down");
  };
  const absl::Status internal = ReadComponent(component, options).status();
  EXPECT_EQ(internal.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(internal.message(), "engine down");
  // Nested components' modules are validated too.
  seen.clear();
  options.validate_core_module = [&](absl::Span<const uint8_t> bytes) {
    seen.emplace_back(bytes.begin(), bytes.end());
    return absl::OkStatus();
  };
  const Bytes nested = ComponentOf({{4, component}});
  ASSERT_TRUE(ReadComponent(nested, options).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], module);
}

TEST(ReadComponentErrors, CoreModulesAndInstances) {
  // A core module importing env.f; instantiated without arguments.
  const Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // type () -> ()
                        0x02, 0x09, 0x01, 0x03, 'e',  'n',  'v',  0x01,
                        'f',  0x00, 0x00};  // import env.f
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{1, module}, {2, One({0x00, 0x00, 0x00})}}))
          .status(),
      "no argument for module \"env\" of core module 0");
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{1, {0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0}}}))
          .status(),
      "at offset 10: invalid core module");
  // An empty inline instance passed as env: it lacks f.
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{1, module},
                                 {2, Cat({{0x02, 0x01, 0x00, 0x00, 0x00, 0x01},
                                          Name("env"),
                                          {0x12, 0x00}})}}))
          .status(),
      "core instance 0 does not export func \"f\"");
  // A module type importing a memory of 70000 pages.
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{3, One(Cat({{0x50, 0x01, 0x00},
                                    Name(""),
                                    Name(""),
                                    {0x02, 0x00, 0xf0, 0xa2, 0x04}}))}}))
          .status(),
      "memory size must be at most 65536 pages");
  // Function subtypes without supertypes are function types; other GC
  // core types are not supported.
  auto core_type = [](const Bytes& type) {
    return ReadComponent(ComponentOf({{3, One(type)}})).status();
  };
  EXPECT_TRUE(core_type({0x00, 0x50, 0x00, 0x60, 0x00, 0x00}).ok());
  EXPECT_TRUE(core_type({0x4f, 0x00, 0x60, 0x01, 0x7f, 0x00}).ok());
  ExpectInvalidArgument(core_type({0x00, 0x50, 0x01, 0x00, 0x60, 0x00, 0x00}),
                        "GC core types other than function subtypes without "
                        "supertypes are not supported");
  ExpectInvalidArgument(core_type({0x5f, 0x00}),
                        "GC core types other than function subtypes");
  // Two imports of env.f: one name once mangled.
  const Bytes twice = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                       0x04, 0x01, 0x60, 0x00, 0x00, 0x02, 0x11, 0x02, 0x03,
                       'e',  'n',  'v',  0x01, 'f',  0x00, 0x00, 0x03, 'e',
                       'n',  'v',  0x01, 'f',  0x00, 0x00};
  ExpectInvalidArgument(ReadComponent(ComponentOf({{1, twice}})).status(),
                        "duplicate core import name \"env:f\"");
  ExpectInvalidArgument(ReadComponent(ComponentOf({{2, One({0x02})}})).status(),
                        "unknown core instance form 0x02");
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{2, One(Cat({{0x01, 0x01}, Name("x"), {0x00, 0x00}}))}}))
          .status(),
      "core func index 0 out of range");
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{2, One({0x00, 0x00, 0x00})}})).status(),
      "core module index 0 out of range");
}

TEST(ReadComponentErrors, Canon) {
  auto canon_error = [](const Bytes& canon) {
    return ReadComponent(ComponentOf({{8, One(canon)}})).status();
  };
  ExpectInvalidArgument(canon_error({0x00, 0x00, 0x00, 0x00, 0x00}),
                        "core func index 0 out of range");
  ExpectInvalidArgument(canon_error({0x01, 0x01, 0x00, 0x00}),
                        "canon lower of sort 0x01");
  ExpectInvalidArgument(canon_error({0x01, 0x00, 0x00, 0x00}),
                        "func index 0 out of range");
  ExpectInvalidArgument(canon_error({0x02, 0x00}), "type index 0 out of range");
  ExpectInvalidArgument(canon_error({0x2e}), "unknown canonical function 0x2e");
  ExpectInvalidArgument(canon_error({0x06, 0x02}), "invalid flag 0x02");
  ExpectInvalidArgument(canon_error({0x0e, 0x00}), "type index 0 out of range");
  ExpectInvalidArgument(canon_error({0x20, 0x00, 0x00}),
                        "core memory index 0 out of range");
  ExpectInvalidArgument(canon_error({0x27, 0x00, 0x00}),
                        "core type index 0 out of range");
  // Lowering an imported function with bad options.
  const Bytes func_type = One({0x40, 0x00, 0x01, 0x00});
  const Bytes import = One(Cat({{0x00}, Name("f"), {0x01, 0x00}}));
  auto lower_error = [&](const Bytes& options) {
    return ReadComponent(
               ComponentOf({{7, func_type},
                            {10, import},
                            {8, One(Cat({{0x01, 0x00, 0x00}, options}))}}))
        .status();
  };
  ASSERT_TRUE(lower_error({0x01, 0x00}).ok());
  ExpectInvalidArgument(lower_error({0x02, 0x00, 0x01}),
                        "conflicting string encodings");
  ExpectInvalidArgument(lower_error({0x01, 0x03, 0x00}),
                        "core memory index 0 out of range");
  ExpectInvalidArgument(lower_error({0x01, 0x08}),
                        "unknown canonical option 0x08");
  ExpectInvalidArgument(lower_error({0x02, 0x06, 0x06}),
                        "duplicate canonical option");
  // A second lowering naming the first one's core func as realloc or
  // post-return.
  auto two_lowers = [&](const Bytes& options) {
    return ReadComponent(ComponentOf({{7, func_type},
                                      {10, import},
                                      {8, Cat({{0x02, 0x01, 0x00, 0x00, 0x00},
                                               {0x01, 0x00, 0x00},
                                               options})}}))
        .status();
  };
  ASSERT_TRUE(two_lowers({0x00}).ok());
  ExpectInvalidArgument(two_lowers({0x01, 0x04, 0x00}),
                        "canonical option `realloc` requires `memory`");
  ExpectInvalidArgument(two_lowers({0x01, 0x05, 0x00}),
                        "`post-return` is only allowed on lifts");
  // resource.new of an imported (abstract) resource.
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{10, One(Cat({{0x00}, Name("r"), {0x03, 0x01}}))},
                       {8, One({0x02, 0x00})}}))
          .status(),
      "resource.new of a resource this component does not define");
}

// The options a function type requires of canon lower (CanonicalABI.md's
// canonopt validation): memory for strings, lists and spilled values,
// realloc where the lowering's caller receives a string or list.
TEST(ReadComponentErrors, CanonOptionsRequiredByType) {
  // A core module exporting memory "m", instantiated, its memory aliased.
  const Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00,
                        0x00, 0x05, 0x03, 0x01, 0x00, 0x01,  // memory 1
                        0x07, 0x05, 0x01, 0x01, 'm',  0x02, 0x00};
  // `types` is a type section whose last type (index `f`) is the func type.
  auto lower_typed = [&](const Bytes& types, uint8_t f, const Bytes& options) {
    return ReadComponent(
               ComponentOf(
                   {{1, module},
                    {2, One({0x00, 0x00, 0x00})},
                    {6, One(Cat({{0x00, 0x02, 0x01, 0x00}, Name("m")}))},
                    {7, types},
                    {10, One(Cat({{0x00}, Name("f"), {0x01, f}}))},
                    {8, One(Cat({{0x01, 0x00, 0x00}, options}))}}))
        .status();
  };
  auto lower = [&](const Bytes& func_type, const Bytes& options) {
    return lower_typed(One(func_type), 0, options);
  };
  const Bytes takes_string = Cat({{0x40, 0x01}, Name("s"), {0x73, 0x01, 0x00}});
  const Bytes returns_string = {0x40, 0x00, 0x00, 0x73};
  Bytes takes_17 = {0x40, 17};
  for (char c = 'a'; c < 'a' + 17; ++c) {
    takes_17 = Cat({takes_17, Name(std::string(1, c)), {0x79}});
  }
  takes_17 = Cat({takes_17, {0x01, 0x00}});
  // Type 0: tuple<u32, u32>; type 1: func() -> type 0.
  const Bytes returns_pair = {0x02, 0x6f, 0x02, 0x79, 0x79,
                              0x40, 0x00, 0x00, 0x00};
  ExpectInvalidArgument(lower(takes_string, {0x00}),
                        "canonical option `memory` is required");
  ExpectInvalidArgument(lower(takes_17, {0x00}),
                        "canonical option `memory` is required");
  ExpectInvalidArgument(lower_typed(returns_pair, 1, {0x00}),
                        "canonical option `memory` is required");
  ExpectInvalidArgument(lower(returns_string, {0x01, 0x03, 0x00}),
                        "canonical option `realloc` is required");
  EXPECT_TRUE(lower(takes_string, {0x01, 0x03, 0x00}).ok());
  EXPECT_TRUE(lower(takes_17, {0x01, 0x03, 0x00}).ok());
  EXPECT_TRUE(lower_typed(returns_pair, 1, {0x01, 0x03, 0x00}).ok());
  EXPECT_TRUE(lower({0x40, 0x00, 0x00, 0x79}, {0x00}).ok());
}

// CanonicalABI.md's element-size bound: elem_size(t, i64) < 2^28.
TEST(ReadComponentErrors, ValueTypeSizeBound) {
  auto fixed_list = [](uint8_t element, uint32_t length) {
    BinaryWriter w;
    w.U32(1).Byte(0x67).Byte(element).U32(length);
    return ReadComponent(ComponentOf({{7, w.Release()}})).status();
  };
  EXPECT_TRUE(fixed_list(0x7d, (1u << 28) - 1).ok());  // u8
  ExpectInvalidArgument(fixed_list(0x7d, 1u << 28),
                        "the list type's byte size exceeds 2^28");
  EXPECT_TRUE(fixed_list(0x73, (1u << 24) - 1).ok());  // string: 16 bytes
  ExpectInvalidArgument(fixed_list(0x73, 1u << 24),
                        "the list type's byte size exceeds 2^28");
}

// Resource types are generative: each import of an instance type and each
// instantiation of a component has resources of its own.
TEST(ReadComponent, ResourcesAreNewPerImportAndInstantiation) {
  // Instance type 0 exports a `(sub resource)` "r"; imported twice.
  const Bytes instance_type =
      One({0x42, 0x01, 0x04, 0x00, 0x01, 'r', 0x03, 0x01});
  absl::StatusOr<Component> c =
      ReadComponent(ComponentOf({{7, instance_type},
                                 {10, Cat({{0x02, 0x00},
                                           Name("i1"),
                                           {0x05, 0x00, 0x00},
                                           Name("i2"),
                                           {0x05, 0x00}})}}));
  ASSERT_TRUE(c.ok()) << c.status();
  const std::vector<Import>& imports = c->root.imports;
  ASSERT_EQ(imports.size(), 2u);
  const TypeId r1 = c->types[imports[0].desc.type].exports[0].desc.type;
  const TypeId r2 = c->types[imports[1].desc.type].exports[0].desc.type;
  EXPECT_EQ(c->types[r1].kind, TypeKind::kResource);
  EXPECT_EQ(c->types[r2].kind, TypeKind::kResource);
  EXPECT_NE(r1, r2);
  // Instance type 1 declares instances "a" and "b" of type 0: they have a
  // resource each.
  const Bytes two_instances = {
      0x02, 0x42, 0x01, 0x04, 0x00, 0x01, 'r',  0x03, 0x01,  // type 0
      0x42, 0x03, 0x02, 0x03, 0x02, 0x01, 0x00,              // alias type 0
      0x04, 0x00, 0x01, 'a',  0x05, 0x00,                    // export a
      0x04, 0x00, 0x01, 'b',  0x05, 0x00};                   // export b
  c = ReadComponent(ComponentOf(
      {{7, two_instances}, {10, One(Cat({{0x00}, Name("x"), {0x05, 0x01}}))}}));
  ASSERT_TRUE(c.ok()) << c.status();
  const Type& x = c->types[c->root.imports[0].desc.type];
  ASSERT_EQ(x.exports.size(), 2u);
  EXPECT_NE(c->types[x.exports[0].desc.type].exports[0].desc.type,
            c->types[x.exports[1].desc.type].exports[0].desc.type);
  // Component 0 defines resource "r" and exports it; an instance of it
  // lends its resource to the parent, which may drop but not rep it.
  const Bytes defines_r =
      ComponentOf({{7, One({0x3f, 0x7f, 0x00})},
                   {11, One(Cat({{0x00}, Name("r"), {0x03, 0x00, 0x00}}))}});
  auto with_child_resource = [&](const Bytes& canon) {
    return ReadComponent(
               ComponentOf({{4, defines_r},
                            {5, One({0x00, 0x00, 0x00})},
                            {6, One(Cat({{0x03, 0x00, 0x00}, Name("r")}))},
                            {8, One(canon)}}))
        .status();
  };
  EXPECT_TRUE(with_child_resource({0x03, 0x00}).ok());
  ExpectInvalidArgument(with_child_resource({0x04, 0x00}),
                        "resource.rep of a resource this component does not "
                        "define");
}

// An exported resource is a new type standing for the resource: only the
// export's index names it, handles and subtyping see one resource.
TEST(ReadComponent, ExportedResourceIsANewType) {
  const Bytes resource = One({0x3f, 0x7f, 0x00});  // type 0
  const Bytes export_r = One(Cat({{0x00}, Name("r"), {0x03, 0x00, 0x00}}));
  auto export_own_of = [&](uint8_t type) {
    return ReadComponent(
        ComponentOf({{7, resource},
                     {11, export_r},          // type 1
                     {7, One({0x69, type})},  // type 2
                     {11, One(Cat({{0x00}, Name("h"), {0x03, 0x02, 0x00}}))}}));
  };
  absl::StatusOr<Component> c = export_own_of(1);
  ASSERT_TRUE(c.ok()) << c.status();
  const TypeId r = c->root.types[0];
  const TypeId exported = c->root.types[1];
  EXPECT_NE(exported, r);
  EXPECT_EQ(c->types[exported].kind, TypeKind::kResource);
  EXPECT_EQ(c->types[exported].name, "r");
  EXPECT_TRUE(c->types[exported].defined);
  EXPECT_EQ(ResourceIdentity(c->types, exported), r);
  EXPECT_EQ(ResourceIdentity(c->types, r), r);
  // The resource's own index is not the exported name.
  ExpectInvalidArgument(export_own_of(0).status(),
                        "uses a resource type that no earlier import or "
                        "export names");

  // Component 0 exports its resource twice, the second time maybe ascribed
  // `(sub resource)`; the parent aliases both out of an instance of it.
  auto exports_twice = [&](const Bytes& ascription) {
    const Bytes child =
        ComponentOf({{7, resource},
                     {11, Cat({{0x02, 0x00},
                               Name("r1"),
                               {0x03, 0x00, 0x00, 0x00},
                               Name("r2"),
                               Cat({{0x03, 0x00}, ascription})})}});
    return ReadComponent(ComponentOf({{4, child},
                                      {5, One({0x00, 0x00, 0x00})},
                                      {6, Cat({{0x02, 0x03, 0x00, 0x00},
                                               Name("r1"),
                                               {0x03, 0x00, 0x00},
                                               Name("r2")})}}));
  };
  c = exports_twice({0x00});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(ResourceIdentity(c->types, c->root.types[0]),
            ResourceIdentity(c->types, c->root.types[1]));
  c = exports_twice({0x01, 0x03, 0x01});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(ResourceIdentity(c->types, c->root.types[0]),
            ResourceIdentity(c->types, c->root.types[1]));
}

// A bag of exports names types as an export does: a constructor of the
// exported name must return that name's resource.
TEST(ReadComponentErrors, BagOfExportsResourceNames) {
  // Type 0: an imported `(sub resource)`.
  const Bytes import_a = One(Cat({{0x00}, Name("a"), {0x03, 0x01}}));
  const Bytes types = {0x02, 0x69, 0x00,         // type 1: own 0
                       0x40, 0x00, 0x00, 0x01};  // type 2: func -> 1
  const Bytes import_f = One(Cat({{0x00}, Name("f"), {0x01, 0x02}}));
  const Bytes bag = One(Cat({{0x01, 0x02, 0x00},
                             Name("b"),
                             {0x03, 0x00, 0x00},
                             Name("[constructor]b"),
                             {0x01, 0x00}}));
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{10, import_a}, {7, types}, {10, import_f}, {5, bag}}))
          .status(),
      "\"[constructor]b\": resource used in function does not have a name "
      "in this context");
}

// Core functions must have the signatures the canonical ABI gives them.
TEST(ReadComponentErrors, CanonCoreSignatures) {
  const Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00,
                        0x00, 0x05, 0x03, 0x01, 0x00, 0x01,  // memory 1
                        0x07, 0x05, 0x01, 0x01, 'm',  0x02, 0x00};
  // Types: 0 func(), 1 func(s: string), 2 func(x: u32). Import f: type 0;
  // lowering it gives core func 0 of type () -> ().
  const Bytes types = Cat({{0x03, 0x40, 0x00, 0x01, 0x00, 0x40, 0x01},
                           Name("s"),
                           {0x73, 0x01, 0x00, 0x40, 0x01},
                           Name("x"),
                           {0x79, 0x01, 0x00}});
  auto with_core_func = [&](uint8_t section, const Bytes& payload) {
    return ReadComponent(
               ComponentOf(
                   {{1, module},
                    {2, One({0x00, 0x00, 0x00})},
                    {6, One(Cat({{0x00, 0x02, 0x01, 0x00}, Name("m")}))},
                    {7, types},
                    {10, Cat({{0x02, 0x00},
                              Name("f"),
                              {0x01, 0x00, 0x00},
                              Name("g"),
                              {0x01, 0x01}})},
                    {8, One({0x01, 0x00, 0x00, 0x00})},
                    {section, payload}}))
        .status();
  };
  // Lowering g (a string) with core func 0 as realloc.
  ExpectInvalidArgument(
      with_core_func(8, One({0x01, 0x00, 0x01, 0x02, 0x03, 0x00, 0x04, 0x00})),
      "canonical option `realloc` (core func 0) has the wrong signature: "
      "expected func (i32, i32, i32, i32) -> (i32), found () -> ()");
  EXPECT_TRUE(
      with_core_func(8, One({0x01, 0x00, 0x01, 0x01, 0x03, 0x00})).ok());
  // Lifting core func 0 as func(x: u32), and as func() (which fits).
  ExpectInvalidArgument(with_core_func(8, One({0x00, 0x00, 0x00, 0x00, 0x02})),
                        "the lifted function (core func 0) has the wrong "
                        "signature: expected func (i32) -> (), found () -> ()");
  EXPECT_TRUE(with_core_func(8, One({0x00, 0x00, 0x00, 0x00, 0x00})).ok());
  // A resource whose destructor is core func 0.
  ExpectInvalidArgument(with_core_func(7, One({0x3f, 0x7f, 0x01, 0x00})),
                        "the resource's destructor (core func 0) has the "
                        "wrong signature: expected func (i32) -> ()");
  // An instance of the module importing it as env.f wants (i32) -> ().
  const Bytes imports_f = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                           0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, 0x02, 0x09, 0x01,
                           0x03, 'e',  'n',  'v',  0x01, 'f',  0x00, 0x00};
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{1, imports_f},
                       {7, One({0x40, 0x00, 0x01, 0x00})},
                       {10, One(Cat({{0x00}, Name("f"), {0x01, 0x00}}))},
                       {8, One({0x01, 0x00, 0x00, 0x00})},
                       {2, Cat({{0x02, 0x01, 0x01},
                                Name("f"),
                                {0x00, 0x00, 0x00, 0x00, 0x01},
                                Name("env"),
                                {0x12, 0x00}})}}))
          .status(),
      "does not match the import \"env\" \"f\" of core module 0: "
      "expected func (i32) -> (), found () -> ()");
}

// Async built-ins are parsed (and counted as core functions), not run.
TEST(ReadComponent, AsyncBuiltins) {
  absl::StatusOr<Component> c = ReadComponent(
      ComponentOf({{8, {0x03, 0x24, 0x09, 0x01, 0x00, 0x00, 0x06, 0x01}}}));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->root.canons.size(), 3u);
  EXPECT_EQ(c->root.canons[0].kind, Canon::Kind::kOtherBuiltin);
  EXPECT_EQ(c->root.canons[0].opcode, 0x24);
  EXPECT_EQ(c->root.canons[1].opcode, 0x09);
  EXPECT_EQ(c->root.canons[2].opcode, 0x06);
}

TEST(ReadComponentErrors, InstancesAndExports) {
  // Component 0 imports func "f"; instantiate it without arguments.
  const Bytes nested =
      ComponentOf({{7, One({0x40, 0x00, 0x01, 0x00})},
                   {10, One(Cat({{0x00}, Name("f"), {0x01, 0x00}}))}});
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{4, nested}, {5, One({0x00, 0x00, 0x00})}}))
          .status(),
      "no argument for import \"f\" of component 0");
  ExpectInvalidArgument(
      ReadComponent(ComponentOf({{5, One({0x00, 0x00, 0x00})}})).status(),
      "component index 0 out of range");
  ExpectInvalidArgument(ReadComponent(ComponentOf({{5, One({0x03})}})).status(),
                        "unknown instance form 0x03");
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf(
              {{11, One(Cat({{0x00}, Name("e"), {0x01, 0x00, 0x00}}))}}))
          .status(),
      "func index 0 out of range");
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{4, nested},
                       {11, One(Cat({{0x00},
                                     Name("e"),
                                     {0x04, 0x00, 0x01, 0x05, 0x00}}))}}))
          .status(),
      "type index 0 out of range");
  // Component 0 imports a `(sub resource)` "a": a resource will do, a u32
  // will not.
  const Bytes imports_resource =
      ComponentOf({{10, One(Cat({{0x00}, Name("a"), {0x03, 0x01}}))}});
  auto instantiate_with_type = [&](const Bytes& type) {
    return ReadComponent(
               ComponentOf(
                   {{7, One(type)},
                    {4, imports_resource},
                    {5,
                     One(Cat({{0x00, 0x00, 0x01}, Name("a"), {0x03, 0x00}}))}}))
        .status();
  };
  EXPECT_TRUE(instantiate_with_type({0x3f, 0x7f, 0x00}).ok());
  ExpectInvalidArgument(instantiate_with_type({0x79}),
                        "argument \"a\" does not match the import of "
                        "component 0: expected resource, found defined type");
  // Func 0 (an import of type 0, func()) exported as a func(x: u32).
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{7, Cat({{0x02, 0x40, 0x00, 0x01, 0x00, 0x40, 0x01},
                                Name("x"),
                                {0x79, 0x01, 0x00}})},
                       {10, One(Cat({{0x00}, Name("f"), {0x01, 0x00}}))},
                       {11, One(Cat({{0x00},
                                     Name("e"),
                                     {0x01, 0x00, 0x01, 0x01, 0x01}}))}}))
          .status(),
      "ascribed type of export \"e\" is not compatible: expected 1 "
      "function parameters, found 0");
  // Type 0: a resource; 1: own<0>; 2: func() -> 1. Importing a func of
  // type 2 exposes a resource no import names.
  const Bytes resource_func = {0x03, 0x3f, 0x7f, 0x00, 0x69,
                               0x00, 0x40, 0x00, 0x00, 0x01};
  ExpectInvalidArgument(
      ReadComponent(
          ComponentOf({{7, resource_func},
                       {10, One(Cat({{0x00}, Name("f"), {0x01, 0x02}}))}}))
          .status(),
      "func not valid to be used as import: it uses a resource type");
  // Exporting record 0 as "r" makes type 1 a new name for it: a list of
  // the original is not visible, a list of the export is.
  const Bytes record = One(Cat({{0x72, 0x01}, Name("x"), {0x79}}));
  const Bytes export_r = One(Cat({{0x00}, Name("r"), {0x03, 0x00, 0x00}}));
  auto export_list_of = [&](uint8_t element) {
    return ReadComponent(
               ComponentOf(
                   {{7, record},
                    {11, export_r},
                    {7, One({0x70, element})},
                    {11, One(Cat({{0x00}, Name("l"), {0x03, 0x02, 0x00}}))}}))
        .status();
  };
  EXPECT_TRUE(export_list_of(1).ok()) << export_list_of(1);
  ExpectInvalidArgument(export_list_of(0),
                        "type not valid to be used as export: it uses a "
                        "record type");
  // Components nested 101 deep.
  Bytes deep = kPreamble;
  for (int i = 0; i < 101; ++i) deep = ComponentOf({{4, deep}});
  ExpectInvalidArgument(ReadComponent(deep).status(),
                        "nesting deeper than 100 levels");
}

}  // namespace
}  // namespace wasmhost::component
