// SubtypeChecker over hand-built types: each rule accepts the matching
// type and refuses a mismatching one with its reason.

#include "lib/component/subtype.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::testing::ExpectInvalidArgument;

class SubtypeTest : public testing::Test {
 protected:
  TypeId Add(TypeKind kind) {
    Type t;
    t.kind = kind;
    return arena_.Add(std::move(t));
  }
  TypeId Resource(const std::string& name, bool defined) {
    Type t;
    t.kind = TypeKind::kResource;
    t.name = name;
    t.defined = defined;
    return arena_.Add(std::move(t));
  }
  TypeId Handle(TypeKind kind, TypeId resource) {
    Type t;
    t.kind = kind;
    t.element = resource;
    return arena_.Add(std::move(t));
  }
  TypeId Record(std::vector<Field> fields) {
    Type t;
    t.kind = TypeKind::kRecord;
    t.fields = std::move(fields);
    return arena_.Add(std::move(t));
  }
  TypeId Func(std::vector<Field> params, std::optional<TypeId> result) {
    Type t;
    t.kind = TypeKind::kFunc;
    t.fields = std::move(params);
    t.ok = result;
    return arena_.Add(std::move(t));
  }
  TypeId Labels(TypeKind kind, std::vector<std::string> labels) {
    Type t;
    t.kind = kind;
    t.labels = std::move(labels);
    return arena_.Add(std::move(t));
  }
  TypeId Instance(std::vector<ExternDecl> exports) {
    Type t;
    t.kind = TypeKind::kInstance;
    t.exports = std::move(exports);
    return arena_.Add(std::move(t));
  }
  static ExternDesc Desc(ExternKind kind, TypeId type) {
    ExternDesc d;
    d.kind = kind;
    d.type = type;
    return d;
  }
  static ExternDecl Decl(const std::string& name, ExternKind kind,
                         TypeId type) {
    return {name, Desc(kind, type)};
  }
  absl::Status Check(ExternKind kind, TypeId given, TypeId expected) {
    return SubtypeChecker(arena_).Check(Desc(kind, given),
                                        Decl("x", kind, expected));
  }

  TypeArena arena_;
  const TypeId u32_ = TypeArena::Primitive(TypeKind::kU32);
  const TypeId string_ = TypeArena::Primitive(TypeKind::kString);
};

TEST_F(SubtypeTest, ValueTypesMatchStructurally) {
  EXPECT_TRUE(Check(ExternKind::kType, u32_, u32_).ok());
  EXPECT_TRUE(
      Check(ExternKind::kType, Record({{"a", u32_}}), Record({{"a", u32_}}))
          .ok());
  ExpectInvalidArgument(Check(ExternKind::kType, string_, u32_),
                        "expected u32, found string");
  ExpectInvalidArgument(
      Check(ExternKind::kType, Record({{"b", u32_}}), Record({{"a", u32_}})),
      "expected field named `a`, found `b`");
  ExpectInvalidArgument(
      Check(ExternKind::kType, Record({{"a", string_}}), Record({{"a", u32_}})),
      "type mismatch in field `a`: expected u32");
  ExpectInvalidArgument(
      Check(ExternKind::kType, Record({{"a", u32_}, {"b", u32_}}),
            Record({{"a", u32_}})),
      "expected 1 fields, found 2");
  ExpectInvalidArgument(
      Check(ExternKind::kType, Labels(TypeKind::kEnum, {"a", "b"}),
            Labels(TypeKind::kEnum, {"a"})),
      "mismatch in enum labels");
  ExpectInvalidArgument(Check(ExternKind::kType, Resource("r", true), u32_),
                        "expected defined type, found resource");
}

TEST_F(SubtypeTest, FuncsMatchParamNamesAndResults) {
  EXPECT_TRUE(Check(ExternKind::kFunc, Func({{"x", u32_}}, string_),
                    Func({{"x", u32_}}, string_))
                  .ok());
  ExpectInvalidArgument(Check(ExternKind::kFunc, Func({{"x", u32_}}, {}),
                              Func({{"y", u32_}}, {})),
                        "expected function parameter named `y`, found `x`");
  ExpectInvalidArgument(Check(ExternKind::kFunc, Func({}, {}), Func({}, u32_)),
                        "expected result, found none");
  ExpectInvalidArgument(
      SubtypeChecker(arena_).Check(Desc(ExternKind::kType, u32_),
                                   Decl("x", ExternKind::kFunc, u32_)),
      "expected a func, found a type");
}

TEST_F(SubtypeTest, FreshResourcesBindInOrder) {
  const TypeId t1 = Resource("T1", true);
  const TypeId t2 = Resource("T2", true);
  // Like `(import "a" (type $a (sub resource))) (import "b" (type (eq $a)))
  // (import "f" (func (param "x" (own $a))))`.
  const TypeId a = Resource("a", false);
  const TypeId f = Func({{"x", Handle(TypeKind::kOwn, a)}}, {});
  {
    SubtypeChecker checker(arena_);
    ASSERT_TRUE(
        checker
            .Check(Desc(ExternKind::kType, t1), Decl("a", ExternKind::kType, a))
            .ok());
    EXPECT_EQ(checker.bindings().at(a), t1);
    EXPECT_TRUE(
        checker
            .Check(Desc(ExternKind::kType, t1), Decl("b", ExternKind::kType, a))
            .ok());
    ExpectInvalidArgument(checker.Check(Desc(ExternKind::kType, t2),
                                        Decl("b", ExternKind::kType, a)),
                          "resource types are not the same");
    EXPECT_TRUE(checker
                    .Check(Desc(ExternKind::kFunc,
                                Func({{"x", Handle(TypeKind::kOwn, t1)}}, {})),
                           Decl("f", ExternKind::kFunc, f))
                    .ok());
    ExpectInvalidArgument(
        checker.Check(Desc(ExternKind::kFunc,
                           Func({{"x", Handle(TypeKind::kBorrow, t1)}}, {})),
                      Decl("f", ExternKind::kFunc, f)),
        "expected own, found borrow");
    ExpectInvalidArgument(
        checker.Check(Desc(ExternKind::kFunc,
                           Func({{"x", Handle(TypeKind::kOwn, t2)}}, {})),
                      Decl("f", ExternKind::kFunc, f)),
        "resource types are not the same");
  }
  ExpectInvalidArgument(
      SubtypeChecker(arena_).Check(Desc(ExternKind::kType, u32_),
                                   Decl("a", ExternKind::kType, a)),
      "expected resource, found defined type");
}

TEST_F(SubtypeTest, InstancesMayExportMore) {
  const TypeId f = Func({}, {});
  const TypeId expected = Instance({Decl("f", ExternKind::kFunc, f)});
  EXPECT_TRUE(Check(ExternKind::kInstance,
                    Instance({Decl("f", ExternKind::kFunc, f),
                              Decl("g", ExternKind::kFunc, f)}),
                    expected)
                  .ok());
  ExpectInvalidArgument(
      Check(ExternKind::kInstance, Instance({Decl("g", ExternKind::kFunc, f)}),
            expected),
      "missing expected export `f`");
  ExpectInvalidArgument(
      Check(ExternKind::kInstance,
            Instance({Decl("f", ExternKind::kFunc, Func({}, u32_))}), expected),
      "type mismatch in export `f`: expected no result");
}

TEST_F(SubtypeTest, ComponentsMayImportLessAndMatchImportedResources) {
  // Both import a fresh "X" and "f: func() -> own<X>", and export "g" of
  // that type: their own X's correspond.
  auto component = [&](bool with_extra_import) {
    const TypeId x = Resource("X", false);
    const TypeId f = Func({}, Handle(TypeKind::kOwn, x));
    Type t;
    t.kind = TypeKind::kComponent;
    t.imports = {Decl("X", ExternKind::kType, x),
                 Decl("f", ExternKind::kFunc, f)};
    if (with_extra_import) {
      t.imports.push_back(Decl("extra", ExternKind::kFunc, Func({}, {})));
    }
    t.exports = {Decl("g", ExternKind::kFunc, f)};
    return arena_.Add(std::move(t));
  };
  EXPECT_TRUE(
      Check(ExternKind::kComponent, component(false), component(true)).ok());
  ExpectInvalidArgument(
      Check(ExternKind::kComponent, component(true), component(false)),
      "missing expected import `extra`");
}

TEST_F(SubtypeTest, ModulesMayImportLessAndExportMore) {
  CoreType small, big;
  small.is_module = big.is_module = true;
  big.imports = {{"env", "f", 0}};
  big.exports = {{"", "m", 2}, {"", "g", 0}};
  small.exports = {{"", "m", 2}};
  const uint32_t s = arena_.AddCore(small), b = arena_.AddCore(big);
  auto check = [&](uint32_t given, uint32_t expected) {
    ExternDesc g, e;
    g.kind = e.kind = ExternKind::kCoreModule;
    g.core_type = given;
    e.core_type = expected;
    return SubtypeChecker(arena_).Check(g, {"m", e});
  };
  EXPECT_TRUE(check(s, s).ok());
  ExpectInvalidArgument(check(b, s), "missing expected import `env::f`");
  ExpectInvalidArgument(check(s, b), "missing expected export `g`");
}

}  // namespace
}  // namespace wasmhost::component
