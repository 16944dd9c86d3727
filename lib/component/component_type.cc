// The public component::Type over a TypeArena: read-only views of a
// component's types, and small arenas for the types a host builds.

// wasmhost/component_type.h comes through component_state.h, after the lib/
// headers (see there).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/component/component_state.h"

namespace wasmhost::component {
inline namespace api {
namespace {

// The arena of primitive types only (every TypeArena interns them).
const std::shared_ptr<const TypeArena>& PrimitiveArena() {
  static const auto* arena =
      new std::shared_ptr<const TypeArena>(std::make_shared<const TypeArena>());
  return *arena;
}

Type Primitive(TypeKind kind) {
  return TypeAccess::Make(PrimitiveArena(), TypeArena::Primitive(kind));
}

// Copies type `id` of `src` (and what it refers to) into `dst`.
TypeId CopyInto(TypeArena& dst, const TypeArena& src, TypeId id) {
  const TypeDef& type = src[id];
  if (IsPrimitive(type.kind)) return id;
  TypeDef copy = type;
  for (Field& field : copy.fields) field.type = CopyInto(dst, src, field.type);
  for (component::Case& c : copy.cases) {
    if (c.type.has_value()) c.type = CopyInto(dst, src, *c.type);
  }
  if (copy.element.has_value()) {
    copy.element = CopyInto(dst, src, *copy.element);
  }
  if (copy.ok.has_value()) copy.ok = CopyInto(dst, src, *copy.ok);
  if (copy.error.has_value()) copy.error = CopyInto(dst, src, *copy.error);
  copy.imports.clear();
  copy.exports.clear();
  return dst.Add(std::move(copy));
}

// A new arena holding `type`, built from members of other types.
class Builder {
 public:
  TypeId Add(const Type& member) {
    return CopyInto(*arena_, TypeAccess::Arena(member), TypeAccess::Id(member));
  }
  Type Finish(TypeDef type) {
    const TypeId id = arena_->Add(std::move(type));
    return TypeAccess::Make(std::move(arena_), id);
  }
  TypeArena& arena() { return *arena_; }

 private:
  std::shared_ptr<TypeArena> arena_ = std::make_shared<TypeArena>();
};

Type Handle(TypeKind kind, absl::string_view resource) {
  Builder builder;
  TypeDef res;
  res.kind = TypeKind::kResource;
  res.name = std::string(resource);
  TypeDef handle;
  handle.kind = kind;
  handle.element = builder.arena().Add(std::move(res));
  return builder.Finish(std::move(handle));
}

Type Labelled(TypeKind kind, const std::vector<std::string>& labels) {
  TypeDef type;
  type.kind = kind;
  type.labels = labels;
  return Builder().Finish(std::move(type));
}

bool Equal(const TypeArena& a, TypeId ia, const TypeArena& b, TypeId ib);

bool EqualOpt(const TypeArena& a, const std::optional<TypeId>& ia,
              const TypeArena& b, const std::optional<TypeId>& ib) {
  if (ia.has_value() != ib.has_value()) return false;
  return !ia.has_value() || Equal(a, *ia, b, *ib);
}

bool Equal(const TypeArena& a, TypeId ia, const TypeArena& b, TypeId ib) {
  const TypeDef& x = a[ia];
  const TypeDef& y = b[ib];
  if (x.kind != y.kind) return false;
  if (IsPrimitive(x.kind)) return true;
  if (x.kind == TypeKind::kResource) return x.name == y.name;
  if (x.fields.size() != y.fields.size() || x.cases.size() != y.cases.size() ||
      x.labels != y.labels || x.fixed_length != y.fixed_length) {
    return false;
  }
  for (size_t i = 0; i < x.fields.size(); ++i) {
    if (x.fields[i].name != y.fields[i].name ||
        !Equal(a, x.fields[i].type, b, y.fields[i].type)) {
      return false;
    }
  }
  for (size_t i = 0; i < x.cases.size(); ++i) {
    if (x.cases[i].name != y.cases[i].name ||
        !EqualOpt(a, x.cases[i].type, b, y.cases[i].type)) {
      return false;
    }
  }
  return EqualOpt(a, x.element, b, y.element) && EqualOpt(a, x.ok, b, y.ok) &&
         EqualOpt(a, x.error, b, y.error);
}

std::string Print(const TypeArena& arena, TypeId id) {
  const TypeDef& type = arena[id];
  auto member = [&](TypeId m) { return Print(arena, m); };
  switch (type.kind) {
    case TypeKind::kRecord:
      return absl::StrCat("record { ",
                          absl::StrJoin(type.fields, ", ",
                                        [&](std::string* out, const Field& f) {
                                          absl::StrAppend(out, f.name, ": ",
                                                          member(f.type));
                                        }),
                          " }");
    case TypeKind::kVariant:
      return absl::StrCat(
          "variant { ",
          absl::StrJoin(type.cases, ", ",
                        [&](std::string* out, const component::Case& c) {
                          absl::StrAppend(out, c.name);
                          if (c.type.has_value()) {
                            absl::StrAppend(out, "(", member(*c.type), ")");
                          }
                        }),
          " }");
    case TypeKind::kEnum:
      return absl::StrCat("enum { ", absl::StrJoin(type.labels, ", "), " }");
    case TypeKind::kFlags:
      return absl::StrCat("flags { ", absl::StrJoin(type.labels, ", "), " }");
    case TypeKind::kTuple:
      return absl::StrCat("tuple<",
                          absl::StrJoin(type.fields, ", ",
                                        [&](std::string* out, const Field& f) {
                                          absl::StrAppend(out, member(f.type));
                                        }),
                          ">");
    case TypeKind::kList:
    case TypeKind::kOption:
      return absl::StrCat(TypeKindName(type.kind), "<",
                          member(type.element.value_or(0)), ">");
    case TypeKind::kResult: {
      if (!type.ok.has_value() && !type.error.has_value()) return "result";
      return absl::StrCat(
          "result<", type.ok.has_value() ? member(*type.ok) : "_",
          type.error.has_value() ? absl::StrCat(", ", member(*type.error)) : "",
          ">");
    }
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
      return absl::StrCat(TypeKindName(type.kind), "<",
                          arena[type.element.value_or(0)].name, ">");
    default:
      return std::string(TypeKindName(type.kind));
  }
}

}  // namespace

Type::Type() : Type(Primitive(TypeKind::kBool)) {}

Type Type::Bool() { return Primitive(TypeKind::kBool); }
Type Type::S8() { return Primitive(TypeKind::kS8); }
Type Type::U8() { return Primitive(TypeKind::kU8); }
Type Type::S16() { return Primitive(TypeKind::kS16); }
Type Type::U16() { return Primitive(TypeKind::kU16); }
Type Type::S32() { return Primitive(TypeKind::kS32); }
Type Type::U32() { return Primitive(TypeKind::kU32); }
Type Type::S64() { return Primitive(TypeKind::kS64); }
Type Type::U64() { return Primitive(TypeKind::kU64); }
Type Type::F32() { return Primitive(TypeKind::kF32); }
Type Type::F64() { return Primitive(TypeKind::kF64); }
Type Type::Char() { return Primitive(TypeKind::kChar); }
Type Type::String() { return Primitive(TypeKind::kString); }

Type Type::List(const Type& element) {
  Builder builder;
  TypeDef type;
  type.kind = TypeKind::kList;
  type.element = builder.Add(element);
  return builder.Finish(std::move(type));
}

Type Type::Record(const std::vector<Field>& fields) {
  Builder builder;
  TypeDef type;
  type.kind = TypeKind::kRecord;
  for (const Field& field : fields) {
    type.fields.push_back({field.name, builder.Add(field.type)});
  }
  return builder.Finish(std::move(type));
}

Type Type::Tuple(const std::vector<Type>& elements) {
  Builder builder;
  TypeDef type;
  type.kind = TypeKind::kTuple;
  for (const Type& element : elements) {
    type.fields.push_back({"", builder.Add(element)});
  }
  return builder.Finish(std::move(type));
}

Type Type::Variant(const std::vector<Case>& cases) {
  Builder builder;
  TypeDef type;
  type.kind = TypeKind::kVariant;
  for (const Case& c : cases) {
    component::Case added;
    added.name = c.name;
    if (c.type.has_value()) added.type = builder.Add(*c.type);
    type.cases.push_back(std::move(added));
  }
  return builder.Finish(std::move(type));
}

Type Type::Enum(const std::vector<std::string>& labels) {
  return Labelled(TypeKind::kEnum, labels);
}

Type Type::Flags(const std::vector<std::string>& labels) {
  return Labelled(TypeKind::kFlags, labels);
}

Type Type::Option(const Type& element) {
  Builder builder;
  TypeDef type;
  type.kind = TypeKind::kOption;
  type.element = builder.Add(element);
  return builder.Finish(std::move(type));
}

Type Type::Result(const std::optional<Type>& ok,
                  const std::optional<Type>& err) {
  Builder builder;
  TypeDef type;
  type.kind = TypeKind::kResult;
  if (ok.has_value()) type.ok = builder.Add(*ok);
  if (err.has_value()) type.error = builder.Add(*err);
  return builder.Finish(std::move(type));
}

Type Type::Own(absl::string_view resource) {
  return Handle(TypeKind::kOwn, resource);
}

Type Type::Borrow(absl::string_view resource) {
  return Handle(TypeKind::kBorrow, resource);
}

ValKind Type::kind() const {
  const TypeKind kind = (*arena_)[id_].kind;
  switch (kind) {
    case TypeKind::kList:
      return ValKind::kList;
    case TypeKind::kRecord:
      return ValKind::kRecord;
    case TypeKind::kTuple:
      return ValKind::kTuple;
    case TypeKind::kVariant:
      return ValKind::kVariant;
    case TypeKind::kEnum:
      return ValKind::kEnum;
    case TypeKind::kFlags:
      return ValKind::kFlags;
    case TypeKind::kOption:
      return ValKind::kOption;
    case TypeKind::kResult:
      return ValKind::kResult;
    case TypeKind::kOwn:
      return ValKind::kOwn;
    case TypeKind::kBorrow:
      return ValKind::kBorrow;
    default:
      // kBool..kString share their order with ValKind; Component::Compile
      // refuses the types that have no ValKind (error-context, streams,
      // futures, maps).
      return kind <= TypeKind::kString ? static_cast<ValKind>(kind)
                                       : ValKind::kBool;
  }
}

std::vector<Type::Field> Type::fields() const {
  std::vector<Field> fields;
  for (const component::Field& f : (*arena_)[id_].fields) {
    fields.push_back({f.name, Type(arena_, f.type)});
  }
  return fields;
}

std::vector<Type::Case> Type::cases() const {
  std::vector<Case> cases;
  for (const component::Case& c : (*arena_)[id_].cases) {
    Case added;
    added.name = c.name;
    if (c.type.has_value()) added.type = Type(arena_, *c.type);
    cases.push_back(std::move(added));
  }
  return cases;
}

std::vector<std::string> Type::labels() const { return (*arena_)[id_].labels; }

Type Type::element() const {
  const std::optional<TypeId>& element = (*arena_)[id_].element;
  const TypeKind kind = (*arena_)[id_].kind;
  if (!element.has_value() || kind == TypeKind::kOwn ||
      kind == TypeKind::kBorrow) {
    return Type();
  }
  return Type(arena_, *element);
}

std::optional<Type> Type::ok() const {
  const std::optional<TypeId>& ok = (*arena_)[id_].ok;
  if (!ok.has_value() || (*arena_)[id_].kind != TypeKind::kResult) {
    return std::nullopt;
  }
  return Type(arena_, *ok);
}

std::optional<Type> Type::err() const {
  const std::optional<TypeId>& err = (*arena_)[id_].error;
  if (!err.has_value()) return std::nullopt;
  return Type(arena_, *err);
}

std::string Type::resource_name() const {
  const TypeDef& type = (*arena_)[id_];
  if ((type.kind != TypeKind::kOwn && type.kind != TypeKind::kBorrow) ||
      !type.element.has_value()) {
    return "";
  }
  return (*arena_)[*type.element].name;
}

bool Type::SameResource(const Type& other) const {
  const TypeDef& a = (*arena_)[id_];
  const TypeDef& b = (*other.arena_)[other.id_];
  const bool handles =
      (a.kind == TypeKind::kOwn || a.kind == TypeKind::kBorrow) &&
      (b.kind == TypeKind::kOwn || b.kind == TypeKind::kBorrow);
  if (!handles || !a.element.has_value() || !b.element.has_value()) {
    return false;
  }
  if (arena_ == other.arena_) return *a.element == *b.element;
  return resource_name() == other.resource_name();
}

std::string Type::ToString() const { return Print(*arena_, id_); }

bool operator==(const Type& a, const Type& b) {
  return Equal(*a.arena_, a.id_, *b.arena_, b.id_);
}

std::string FuncType::ToString() const {
  std::string text = absl::StrCat(
      "func(",
      absl::StrJoin(params, ", ",
                    [](std::string* out, const auto& param) {
                      // Typed host functions' C++ parameters have no names.
                      if (!param.first.empty()) {
                        absl::StrAppend(out, param.first, ": ");
                      }
                      absl::StrAppend(out, param.second.ToString());
                    }),
      ")");
  if (result.has_value()) absl::StrAppend(&text, " -> ", result->ToString());
  return text;
}

bool operator==(const FuncType& a, const FuncType& b) {
  if (a.params.size() != b.params.size() || a.result != b.result) {
    return false;
  }
  for (size_t i = 0; i < a.params.size(); ++i) {
    if (a.params[i] != b.params[i]) return false;
  }
  return true;
}

FuncType MakeFuncType(const std::shared_ptr<const TypeArena>& arena,
                      TypeId func) {
  FuncType type;
  const TypeDef& def = (*arena)[func];
  for (const component::Field& param : def.fields) {
    type.params.emplace_back(param.name, TypeAccess::Make(arena, param.type));
  }
  if (def.ok.has_value()) type.result = TypeAccess::Make(arena, *def.ok);
  return type;
}

}  // namespace api
}  // namespace wasmhost::component
