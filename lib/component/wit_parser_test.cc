// ParseWit: every WIT construct, the round trip against the components jco
// built from the same .wit files, and one test per error path.

#include "lib/component/wit_parser.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "guests/components/components.h"
#include "lib/component/reader.h"
#include "lib/component/wit_printer.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::testing::ExpectInvalidArgument;

ParsedWorld Parse(const std::string& text, absl::string_view world = "") {
  WitSources sources;
  sources.main.push_back({"t.wit", text});
  absl::StatusOr<ParsedWorld> w = ParseWit(sources, world);
  EXPECT_TRUE(w.ok()) << w.status();
  return w.ok() ? *std::move(w) : ParsedWorld();
}

absl::Status ParseError(const std::string& text) {
  WitSources sources;
  sources.main.push_back({"t.wit", text});
  return ParseWit(sources, "").status();
}

const WorldItem* Find(const std::vector<WorldItem>& items,
                      absl::string_view name) {
  for (const WorldItem& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

// The component's world as the WIT it was built from declares it: the
// preview-1 adapter's WASI 0.2 imports are the adapter's, not the WIT's.
World WithoutWasiImports(World w) {
  std::vector<WorldItem> kept;
  for (WorldItem& i : w.imports) {
    if (!absl::StartsWith(i.name, "wasi:")) kept.push_back(std::move(i));
  }
  w.imports = std::move(kept);
  return w;
}

struct RoundTripCase {
  const char* wit;
  const char* world;
  absl::Span<const uint8_t> (*component)();
};

class RoundTrip : public testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTrip, SameWorldAsTheComponent) {
  absl::StatusOr<WitSources> sources =
      LoadWit(absl::StrCat("guests/components/", GetParam().wit));
  ASSERT_TRUE(sources.ok()) << sources.status();
  absl::StatusOr<ParsedWorld> parsed = ParseWit(*sources, GetParam().world);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->name, GetParam().world);
  absl::StatusOr<Component> component = ReadComponent(GetParam().component());
  ASSERT_TRUE(component.ok()) << component.status();
  absl::StatusOr<World> built = ResolveWorld(*component);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(PrintWit(parsed->world),
            PrintWit(WithoutWasiImports(*std::move(built))));
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, RoundTrip,
    testing::Values(
        RoundTripCase{"scalars.wit", "scalars", guests::scalars_wasm},
        RoundTripCase{"strings.wit", "strings", guests::strings_wasm},
        RoundTripCase{"types.wit", "types", guests::types_wasm},
        RoundTripCase{"resource.wit", "res", guests::resource_wasm},
        RoundTripCase{"wasi_reactor.wit", "wasi-reactor",
                      guests::wasi_reactor_wasm}),
    [](const testing::TestParamInfo<RoundTripCase>& p) {
      std::string name = p.param.world;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST(ParseWit, EveryTypeKind) {
  const ParsedWorld w = Parse(R"(
    package a:b@1.2.3;
    interface i {
      record r { x: u8, y: list<string>, }
      variant v { none, some(r), many(list<r>) }
      enum e { one, two }
      flags f { p, q, r }
      type alias = tuple<s8, s16, s32, s64, u16, u32, u64, f32, f64>;
      type o = option<bool>;
      type res-all = result<char, string>;
      type res-ok = result<u32>;
      type res-err = result<_, e>;
      type res-none = result;
      type fixed = list<u8, 4>;
      type fut = future<u32>;
      type str = stream;
      f1: func(a: r, b: v, c: e, d: f) -> alias;
    }
    world w { export i; }
  )");
  const WorldItem* i = Find(w.world.exports, "a:b/i@1.2.3");
  ASSERT_NE(i, nullptr);
  ASSERT_EQ(i->interface.types.size(), 13u);
  const TypeArena& t = w.world.types;
  const Type& r = t[i->interface.types[0].type];
  EXPECT_EQ(r.kind, TypeKind::kRecord);
  ASSERT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(r.fields[0].type, TypeArena::Primitive(TypeKind::kU8));
  EXPECT_EQ(t[*t[r.fields[1].type].element].kind, TypeKind::kString);
  const Type& v = t[i->interface.types[1].type];
  EXPECT_EQ(v.kind, TypeKind::kVariant);
  ASSERT_EQ(v.cases.size(), 3u);
  EXPECT_FALSE(v.cases[0].type.has_value());
  EXPECT_EQ(*v.cases[1].type, i->interface.types[0].type);
  EXPECT_EQ(t[i->interface.types[2].type].labels,
            (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(t[i->interface.types[3].type].kind, TypeKind::kFlags);
  EXPECT_EQ(t[i->interface.types[4].type].fields.size(), 9u);
  EXPECT_EQ(t[i->interface.types[5].type].kind, TypeKind::kOption);
  const Type& all = t[i->interface.types[6].type];
  EXPECT_EQ(*all.ok, TypeArena::Primitive(TypeKind::kChar));
  EXPECT_EQ(*all.error, TypeArena::Primitive(TypeKind::kString));
  EXPECT_FALSE(t[i->interface.types[7].type].error.has_value());
  EXPECT_FALSE(t[i->interface.types[8].type].ok.has_value());
  EXPECT_EQ(*t[i->interface.types[8].type].error, i->interface.types[2].type);
  EXPECT_FALSE(t[i->interface.types[9].type].ok.has_value());
  EXPECT_EQ(t[i->interface.types[10].type].fixed_length, 4u);
  EXPECT_EQ(t[i->interface.types[11].type].kind, TypeKind::kFuture);
  EXPECT_FALSE(t[i->interface.types[12].type].element.has_value());
  ASSERT_EQ(i->interface.funcs.size(), 1u);
  const Type& f1 = t[i->interface.funcs[0].type];
  EXPECT_EQ(f1.fields.size(), 4u);
  EXPECT_EQ(*f1.ok, i->interface.types[4].type);  // An alias is its target.
  EXPECT_EQ(w.package, "a:b@1.2.3");
}

TEST(ParseWit, ResourcesAndHandles) {
  const ParsedWorld w = Parse(R"(
    package a:b;
    interface i {
      resource r {
        constructor(x: u32);
        get: func() -> u32;
        make: static func(o: borrow<r>) -> own<r>;
      }
      resource plain;
      take: func(x: r, y: plain) -> r;
    }
    world w { import i; }
  )");
  const WorldItem* i = Find(w.world.imports, "a:b/i");
  ASSERT_NE(i, nullptr);
  const TypeArena& t = w.world.types;
  const TypeId r = i->interface.types[0].type;
  EXPECT_EQ(t[r].kind, TypeKind::kResource);
  EXPECT_EQ(t[r].name, "r");
  ASSERT_EQ(i->interface.funcs.size(), 4u);
  EXPECT_EQ(i->interface.funcs[0].name, "[constructor]r");
  EXPECT_EQ(i->interface.funcs[0].parsed.kind, FuncName::Kind::kConstructor);
  const Type& ctor = t[i->interface.funcs[0].type];
  EXPECT_EQ(t[*ctor.ok].kind, TypeKind::kOwn);
  EXPECT_EQ(*t[*ctor.ok].element, r);
  EXPECT_EQ(i->interface.funcs[1].name, "[method]r.get");
  const Type& get = t[i->interface.funcs[1].type];
  ASSERT_EQ(get.fields.size(), 1u);
  EXPECT_EQ(get.fields[0].name, "self");
  EXPECT_EQ(t[get.fields[0].type].kind, TypeKind::kBorrow);
  EXPECT_EQ(i->interface.funcs[2].name, "[static]r.make");
  EXPECT_EQ(i->interface.funcs[2].parsed.name, "make");
  EXPECT_EQ(i->interface.funcs[3].name, "take");
  const Type& take = t[i->interface.funcs[3].type];
  // A resource's name in a type is an own handle.
  EXPECT_EQ(t[take.fields[0].type].kind, TypeKind::kOwn);
  EXPECT_EQ(*t[take.fields[1].type].element, i->interface.types[1].type);
}

TEST(ParseWit, UseAcrossInterfacesAndPackages) {
  WitSources sources;
  sources.main.push_back({"main.wit", R"(
    package a:main;
    interface local { use a:dep/types@0.1.0.{thing as dep-thing, res}; }
    interface user {
      use local.{dep-thing};
      f: func(t: dep-thing, r: borrow<res>);
      use a:dep/types@0.1.0.{res};
    }
    world w { export user; }
  )"});
  sources.deps.push_back({{"deps/dep.wit", R"(
    package a:dep@0.1.0;
    interface types { record thing { x: u32 } resource res; }
  )"}});
  absl::StatusOr<ParsedWorld> w = ParseWit(sources, "w");
  ASSERT_TRUE(w.ok()) << w.status();
  // The exported interface's dependencies are imported, in order.
  ASSERT_EQ(w->world.imports.size(), 2u);
  EXPECT_EQ(w->world.imports[0].name, "a:dep/types@0.1.0");
  EXPECT_EQ(w->world.imports[1].name, "a:main/local");
  const WorldItem& user = w->world.exports[0];
  EXPECT_EQ(user.name, "a:main/user");
  // The same type wherever it is used.
  const TypeId thing = w->world.imports[0].interface.types[0].type;
  EXPECT_EQ(w->world.imports[1].interface.types[0].type, thing);
  EXPECT_EQ(user.interface.types[0].type, thing);
  EXPECT_EQ(w->world.types[user.interface.funcs[0].type].fields[0].type, thing);
}

TEST(ParseWit, WorldItemsUseIncludeAndInlineInterfaces) {
  const ParsedWorld w = Parse(R"(
    package a:b;
    interface types { record p { x: s32 } }
    world base {
      import log: func(msg: string);
      export run: func();
    }
    world w {
      use types.{p};
      type q = list<p>;
      record local { y: q }
      import get: func() -> local;
      import inline: interface { ping: func(); }
      export a:b/types;
      export inline-out: interface { use types.{p}; pong: func(x: p); }
      include base with { run as start }
    }
  )",
                              "w");
  ASSERT_EQ(w.name, "w");
  std::vector<std::string> imports, exports;
  for (const WorldItem& i : w.world.imports) imports.push_back(i.name);
  for (const WorldItem& i : w.world.exports) exports.push_back(i.name);
  // Interfaces, then types, then functions, as wit-component orders them.
  EXPECT_EQ(imports, (std::vector<std::string>{"a:b/types", "inline", "p", "q",
                                               "local", "get", "log"}));
  // Functions before interfaces, as wit-component orders exports.
  EXPECT_EQ(exports,
            (std::vector<std::string>{"start", "a:b/types", "inline-out"}));
  EXPECT_EQ(Find(w.world.imports, "p")->kind, WorldItem::Kind::kType);
  EXPECT_EQ(Find(w.world.imports, "inline")->interface.funcs[0].name, "ping");
  EXPECT_EQ(Find(w.world.exports, "start")->func.name, "start");
}

TEST(ParseWit, DocsAndGates) {
  const ParsedWorld w = Parse(R"(
    /// The package's interface.
    interface i {
      /// A point.
      /** Two lines. */
      record p { x: s32 }
      @since(version = 1.0.0)
      /// Adds.
      add: func(a: s32) -> s32;
      @unstable(feature = fancy)
      fancy: func();
      @deprecated(version = 2.0.0-rc.1+build)
      old: func();
      resource r {
        /// Makes one.
        constructor();
      }
    }
    // Not a doc comment.
    world w { export i; }
  )");
  const WorldItem* i = Find(w.world.exports, "i");
  ASSERT_NE(i, nullptr);
  std::vector<std::string> funcs;
  for (const NamedFunc& f : i->interface.funcs) funcs.push_back(f.name);
  EXPECT_EQ(funcs, (std::vector<std::string>{"add", "old", "[constructor]r"}));
  EXPECT_EQ(w.docs.at("i"), "The package's interface.");
  EXPECT_EQ(w.docs.at("i#p"), "A point.\nTwo lines.");
  EXPECT_EQ(w.docs.at("i#add"), "Adds.");
  EXPECT_EQ(w.docs.at("i#[constructor]r"), "Makes one.");
  EXPECT_EQ(w.docs.count(""), 0u);
}

TEST(ParseWit, PrintedWitParsesBack) {
  // PrintWit's own output (nested package blocks, %keywords) is WIT too.
  absl::StatusOr<Component> c = ReadComponent(guests::types_wasm());
  ASSERT_TRUE(c.ok());
  absl::StatusOr<World> built = ResolveWorld(*c);
  ASSERT_TRUE(built.ok());
  const std::string printed = PrintWit(*built);
  const ParsedWorld w = Parse(printed, "root");
  EXPECT_EQ(PrintWit(w.world), printed);
}

TEST(ParseWit, LoadsDirectoriesWithDeps) {
  absl::StatusOr<WitSources> missing = LoadWit("no/such/dir.wit");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "cannot read"));
  absl::StatusOr<WitSources> dir = LoadWit("lib/component/testdata/witdir");
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(dir->main.size(), 2u);
  EXPECT_EQ(dir->deps.size(), 2u);
  absl::StatusOr<ParsedWorld> w = ParseWit(*dir, "");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->name, "app");
  EXPECT_NE(Find(w->world.imports, "x:lib/clock@1.0.0"), nullptr);
  EXPECT_NE(Find(w->world.imports, "x:more/extra"), nullptr);
  EXPECT_NE(Find(w->world.exports, "x:app/api"), nullptr);
}

TEST(ParseWit, Errors) {
  struct Case {
    const char* wit;
    const char* message;
  };
  const Case cases[] = {
      {"world w { import f: func(x: nope); }",
       "t.wit:1:29: undefined type nope"},
      {"world w { import f: func(x: u32) }", "1:34: expected ';', found '}'"},
      {"world w { import Bad-name: func(); }", "not a kebab-case label"},
      {"world w { import record: func(); }",
       "1:18: keyword 'record' as a name: write %record"},
      // Found by wit_fuzzer: a '%' before a word that starts with '-'.
      {"world w { import %-x: func(); }", "\"-x\" is not a kebab-case label"},
      {"world w { import f: func(); import f: func(); }",
       "import f defined twice"},
      {"interface i { record r { a: r } } world w { export i; }",
       "type r refers to itself"},
      {"interface i { type a = b; type b = a; } world w { export i; }",
       "refers to itself"},
      {"interface i { record r { a: u8, a: u8 } } world w { export i; }",
       "r: a defined twice"},
      {"interface i { enum e {} } world w { export i; }", "has no members"},
      {"interface i { record r { x: u8 } type t = borrow<r>; } world w { "
       "export i; }",
       "borrow<r>: r is not a resource"},
      {"interface i { use j.{x}; } interface j { use i.{y}; } world w { "
       "export i; }",
       "uses itself"},
      {"interface i { use j.{x}; } interface j { } world w { export i; }",
       "interface j has no type x"},
      {"world w { import nope; }", "interface nope not found"},
      {"world w { import a:b/c; }", "package a:b not found"},
      {"world w { include v; }", "world v not found"},
      {"world w { include w; }", "world w includes itself"},
      {"interface i { f: func(); f: func(); } world w { export i; }",
       "function f defined twice"},
      {"interface i { f: func(a: u8, a: u8); } world w { export i; }",
       "parameter a defined twice"},
      {"interface i { type t = u8; type t = u8; } world w { export i; }",
       "type t defined twice"},
      {"world w { @frob(version = 1.0.0) import f: func(); }",
       "unknown feature gate @frob"},
      {"world w { @since(feature = x) import f: func(); }",
       "@since takes version = ..."},
      {"package a:b@1.0; world w {}", "\"1.0\" is not a semver version"},
      {"world w { /* unterminated", "unterminated block comment"},
      {"world w { import f: func() -> list<u8, 0>; }",
       "a fixed list length must be 1 to 999999999"},
      {"world w { import f: func() -> tuple<>; }", "a tuple needs a type"},
      {"world w { # }", "unexpected character '#'"},
      {"world v {} world w {}", "2 worlds: name the one to use"},
      {"interface i {}", "0 worlds"},
      {"package a:b; package a:c;", "a package declaration must come first"},
      {"frob",
       "expected 'interface', 'world', 'use' or 'package', found "
       "'frob'"},
      {"interface i { flags f { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, "
       "b1, b2, b3, b4, b5, b6, b7, b8, b9, c0, c1, c2, c3, c4, c5, c6, c7, "
       "c8, c9, d0, d1, d2 } } world w { export i; }",
       "more than 32 labels"},
      {"world w", "expected '{', found end of file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.wit);
    ExpectInvalidArgument(ParseError(c.wit), c.message);
  }
  WitSources two;
  two.main.push_back({"a.wit", "package a:b; world w {}"});
  two.main.push_back({"b.wit", "package a:c;"});
  ExpectInvalidArgument(ParseWit(two, "w").status(),
                        "b.wit:1:1: package a:c after package a:b");
  WitSources dup;
  dup.main.push_back({"a.wit", "package a:b; world w {}"});
  dup.deps.push_back({{"d.wit", "package a:b;"}});
  ExpectInvalidArgument(ParseWit(dup, "w").status(),
                        "d.wit:1:1: package a:b defined twice");
  WitSources anon;
  anon.main.push_back({"a.wit", "world w {}"});
  anon.deps.push_back({{"d.wit", "interface i {}"}});
  ExpectInvalidArgument(ParseWit(anon, "w").status(),
                        "a dependency without a package declaration");
  WitSources missing;
  missing.main.push_back({"a.wit", "world w {}"});
  ExpectInvalidArgument(ParseWit(missing, "v").status(),
                        "a.wit:1:1: world v not found");
  WitSources ambiguous;
  ambiguous.main.push_back({"a.wit", "world w { import x:y/i; }"});
  ambiguous.deps.push_back({{"d1.wit", "package x:y@1.0.0; interface i {}"}});
  ambiguous.deps.push_back({{"d2.wit", "package x:y@2.0.0; interface i {}"}});
  ExpectInvalidArgument(ParseWit(ambiguous, "w").status(),
                        "package x:y is ambiguous: give a version");
}

}  // namespace
}  // namespace wasmhost::component
