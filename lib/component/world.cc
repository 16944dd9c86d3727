// lib/component/world.cc: ResolveWorld over the root component's type.

#include "lib/component/world.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
namespace {

absl::StatusOr<NamedFunc> Func(const ExternDecl& d) {
  NamedFunc f;
  f.name = d.name;
  f.type = d.desc.type;
  WASMHOST_ASSIGN_OR_RETURN(f.parsed, ParseFuncName(d.name));
  return f;
}

absl::StatusOr<WorldItem> Item(const TypeArena& types, const ExternDecl& d,
                               absl::string_view direction) {
  WorldItem item;
  item.name = d.name;
  item.type = d.desc.type;
  switch (d.desc.kind) {
    case ExternKind::kFunc: {
      item.kind = WorldItem::Kind::kFunc;
      WASMHOST_ASSIGN_OR_RETURN(item.func, ParseFuncName(d.name));
      return item;
    }
    case ExternKind::kType:
      item.kind = WorldItem::Kind::kType;
      return item;
    case ExternKind::kInstance:
      item.kind = WorldItem::Kind::kInterface;
      for (const ExternDecl& e : types[d.desc.type].exports) {
        if (e.desc.kind == ExternKind::kType) {
          item.interface.types.push_back({e.name, e.desc.type});
        } else if (e.desc.kind == ExternKind::kFunc) {
          WASMHOST_ASSIGN_OR_RETURN(NamedFunc f, Func(e));
          item.interface.funcs.push_back(std::move(f));
        } else {
          return absl::InvalidArgumentError(absl::StrCat(
              "not a WIT world: ", direction, " \"", d.name, "\" exports a ",
              ExternKindName(e.desc.kind), " (\"", e.name, "\")"));
        }
      }
      return item;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("not a WIT world: ", direction, " \"", d.name,
                       "\" is a ", ExternKindName(d.desc.kind)));
  }
}

}  // namespace

absl::StatusOr<FuncName> ParseFuncName(absl::string_view name) {
  FuncName out;
  if (!absl::StartsWith(name, "[")) {
    out.name = std::string(name);
    return out;
  }
  const size_t close = name.find(']');
  if (close == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("function name \"", name, "\": unclosed annotation"));
  }
  const absl::string_view annotation = name.substr(1, close - 1);
  const absl::string_view rest = name.substr(close + 1);
  if (annotation == "constructor") {
    out.kind = FuncName::Kind::kConstructor;
    out.resource = std::string(rest);
    if (!out.resource.empty()) return out;
  } else if (annotation == "method" || annotation == "static") {
    out.kind = annotation == "method" ? FuncName::Kind::kMethod
                                      : FuncName::Kind::kStatic;
    const size_t dot = rest.find('.');
    if (dot != absl::string_view::npos && dot > 0 && dot + 1 < rest.size()) {
      out.resource = std::string(rest.substr(0, dot));
      out.name = std::string(rest.substr(dot + 1));
      return out;
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "function name \"", name, "\": unknown annotation [", annotation, "]"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "function name \"", name, "\": malformed [", annotation, "] name"));
}

absl::StatusOr<World> ResolveWorld(const Component& component) {
  World world;
  world.types = component.types;
  const Type& root = component.types[component.root.type];
  for (const ExternDecl& d : root.imports) {
    WASMHOST_ASSIGN_OR_RETURN(WorldItem item, Item(world.types, d, "import"));
    world.imports.push_back(std::move(item));
  }
  for (const ExternDecl& d : root.exports) {
    WASMHOST_ASSIGN_OR_RETURN(WorldItem item, Item(world.types, d, "export"));
    world.exports.push_back(std::move(item));
  }
  return world;
}

}  // namespace wasmhost::component
