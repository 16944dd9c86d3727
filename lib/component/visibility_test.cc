// CheckVisible and AddNamed over hand-built types.

#include "lib/component/visibility.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lib/wasm/test_module_builder.h"

namespace wasmhost::component {
namespace {

using wasm::testing::ExpectInvalidArgument;

class VisibilityTest : public testing::Test {
 protected:
  TypeId Add(TypeKind kind, std::vector<Field> fields = {},
             std::optional<TypeId> element = {}) {
    Type t;
    t.kind = kind;
    t.fields = std::move(fields);
    t.element = element;
    return arena_.Add(std::move(t));
  }
  static ExternDesc Desc(ExternKind kind, TypeId type) {
    ExternDesc d;
    d.kind = kind;
    d.type = type;
    return d;
  }
  absl::Status Export(ExternKind kind, TypeId type) {
    return CheckVisible(arena_, Desc(kind, type), "export", imported_,
                        &exported_);
  }

  TypeArena arena_;
  NamedTypes imported_, exported_;
  const TypeId u32_ = TypeArena::Primitive(TypeKind::kU32);
};

TEST_F(VisibilityTest, NameableTypesNeedANameBelowTheTop) {
  const TypeId rec = Add(TypeKind::kRecord, {{"x", u32_}});
  const TypeId list_of_rec = Add(TypeKind::kList, {}, rec);
  const TypeId tuple = Add(TypeKind::kTuple, {{"", u32_}});
  // The top of a type export is named by the export itself; anonymous
  // structural types need no name.
  EXPECT_TRUE(Export(ExternKind::kType, rec).ok());
  EXPECT_TRUE(Export(ExternKind::kType, tuple).ok());
  ExpectInvalidArgument(Export(ExternKind::kType, list_of_rec),
                        "type not valid to be used as export: it uses a "
                        "record type");
  const TypeId f = Add(TypeKind::kFunc, {{"r", rec}});
  ExpectInvalidArgument(Export(ExternKind::kFunc, f),
                        "func not valid to be used as export");
  AddNamed(arena_, Desc(ExternKind::kType, rec), &exported_);
  EXPECT_TRUE(Export(ExternKind::kType, list_of_rec).ok());
  EXPECT_TRUE(Export(ExternKind::kFunc, f).ok());
  // Imports may use only what was imported.
  ExpectInvalidArgument(CheckVisible(arena_, Desc(ExternKind::kFunc, f),
                                     "import", imported_, nullptr),
                        "func not valid to be used as import");
}

TEST_F(VisibilityTest, ResourcesThroughHandles) {
  Type r;
  r.kind = TypeKind::kResource;
  r.defined = true;
  const TypeId resource = arena_.Add(std::move(r));
  const TypeId own = Add(TypeKind::kOwn, {}, resource);
  const TypeId f = Add(TypeKind::kFunc, {}, {});
  Type returns_own = arena_[f];
  returns_own.ok = own;
  const TypeId g = arena_.Add(std::move(returns_own));
  ExpectInvalidArgument(Export(ExternKind::kFunc, g),
                        "it uses a resource type");
  AddNamed(arena_, Desc(ExternKind::kType, resource), &imported_);
  EXPECT_TRUE(Export(ExternKind::kFunc, g).ok());
}

TEST_F(VisibilityTest, InstanceTypeExportsNameTheirLaterExports) {
  const TypeId rec = Add(TypeKind::kRecord, {{"x", u32_}});
  const TypeId f = Add(TypeKind::kFunc, {{"r", rec}});
  auto instance = [&](std::vector<ExternDecl> exports) {
    Type t;
    t.kind = TypeKind::kInstance;
    t.exports = std::move(exports);
    return arena_.Add(std::move(t));
  };
  const TypeId good = instance({{"rec", Desc(ExternKind::kType, rec)},
                                {"f", Desc(ExternKind::kFunc, f)}});
  const TypeId bad = instance({{"f", Desc(ExternKind::kFunc, f)}});
  EXPECT_TRUE(Export(ExternKind::kInstance, good).ok());
  ExpectInvalidArgument(Export(ExternKind::kInstance, bad),
                        "instance not valid to be used as export");
  // Exporting the good instance names its record for what follows.
  AddNamed(arena_, Desc(ExternKind::kInstance, good), &exported_);
  EXPECT_TRUE(exported_.contains(rec));
  EXPECT_TRUE(Export(ExternKind::kInstance, bad).ok());
}

}  // namespace
}  // namespace wasmhost::component
