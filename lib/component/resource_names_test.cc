// CheckResourceFuncName over hand-built types: each rule of
// [constructor]/[method]/[static] names accepts the right shape and
// refuses the others.

#include "lib/component/resource_names.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::testing::ExpectInvalidArgument;

class ResourceNamesTest : public testing::Test {
 protected:
  ResourceNamesTest() {
    Type r;
    r.kind = TypeKind::kResource;
    a_ = arena_.Add(r);
    b_ = arena_.Add(r);
    earlier_ = {{"a", Desc(ExternKind::kType, a_)},
                {"b", Desc(ExternKind::kType, b_)}};
  }
  TypeId Handle(TypeKind kind, TypeId resource) {
    Type t;
    t.kind = kind;
    t.element = resource;
    return arena_.Add(std::move(t));
  }
  TypeId Func(std::vector<Field> params, std::optional<TypeId> result) {
    Type t;
    t.kind = TypeKind::kFunc;
    t.fields = std::move(params);
    t.ok = result;
    return arena_.Add(std::move(t));
  }
  static ExternDesc Desc(ExternKind kind, TypeId type) {
    ExternDesc d;
    d.kind = kind;
    d.type = type;
    return d;
  }
  absl::Status Check(const std::string& name, TypeId func) {
    return CheckResourceFuncName(arena_, name, Desc(ExternKind::kFunc, func),
                                 earlier_);
  }

  TypeArena arena_;
  TypeId a_ = 0, b_ = 0;
  std::vector<ExternDecl> earlier_;
  const TypeId u32_ = TypeArena::Primitive(TypeKind::kU32);
};

TEST_F(ResourceNamesTest, PlainNamesPass) {
  EXPECT_TRUE(Check("f", Func({}, {})).ok());
  EXPECT_TRUE(Check("a:b/c", Func({}, {})).ok());
}

TEST_F(ResourceNamesTest, Constructors) {
  const TypeId own_a = Handle(TypeKind::kOwn, a_);
  EXPECT_TRUE(Check("[constructor]a", Func({{"x", u32_}}, own_a)).ok());
  Type result;
  result.kind = TypeKind::kResult;
  result.ok = own_a;
  result.error = TypeArena::Primitive(TypeKind::kString);
  EXPECT_TRUE(Check("[constructor]a", Func({}, arena_.Add(result))).ok());
  ExpectInvalidArgument(Check("[constructor]a", Func({}, {})),
                        "\"[constructor]a\": should return one value");
  ExpectInvalidArgument(Check("[constructor]a", Func({}, u32_)),
                        "should return `(own $T)` or `(result (own $T))`");
  ExpectInvalidArgument(Check("[constructor]b", Func({}, own_a)),
                        "function does not match expected resource name `a`");
  Type c;
  c.kind = TypeKind::kResource;
  const TypeId unnamed = arena_.Add(c);
  ExpectInvalidArgument(
      Check("[constructor]a", Func({}, Handle(TypeKind::kOwn, unnamed))),
      "resource used in function does not have a name in this context");
  ExpectInvalidArgument(
      CheckResourceFuncName(arena_, "[constructor]a",
                            Desc(ExternKind::kInstance, a_), earlier_),
      "is not a func but a instance");
}

TEST_F(ResourceNamesTest, Methods) {
  const TypeId borrow_a = Handle(TypeKind::kBorrow, a_);
  EXPECT_TRUE(Check("[method]a.f", Func({{"self", borrow_a}}, u32_)).ok());
  ExpectInvalidArgument(Check("[method]a.f", Func({}, {})),
                        "should have at least one argument");
  ExpectInvalidArgument(Check("[method]a.f", Func({{"x", borrow_a}}, {})),
                        "should have a first argument called `self`");
  ExpectInvalidArgument(
      Check("[method]a.f", Func({{"self", Handle(TypeKind::kOwn, a_)}}, {})),
      "should take a first argument of `(borrow $T)`");
  ExpectInvalidArgument(Check("[method]b.f", Func({{"self", borrow_a}}, {})),
                        "function does not match expected resource name `a`");
}

TEST_F(ResourceNamesTest, StaticFunctions) {
  EXPECT_TRUE(Check("[static]a.f", Func({{"x", u32_}}, u32_)).ok());
  ExpectInvalidArgument(Check("[static]c.f", Func({}, {})),
                        "static resource name is not known in this context");
}

}  // namespace
}  // namespace wasmhost::component
