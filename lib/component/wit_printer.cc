// lib/component/wit_printer.cc: PrintWit. Each type is named after the
// first interface (or world-level import) that exports it; references
// elsewhere use that name, and other interfaces `use` it.

#include "lib/component/wit_printer.h"

#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace wasmhost::component {

bool IsWitKeyword(absl::string_view s) {
  static const auto* const kKeywords = new absl::flat_hash_set<std::string>{
      "as",     "async",  "bool",    "borrow",  "char",      "constructor",
      "enum",   "export", "f32",     "f64",     "flags",     "from",
      "func",   "future", "import",  "include", "interface", "list",
      "option", "own",    "package", "record",  "resource",  "result",
      "s16",    "s32",    "s64",     "s8",      "static",    "stream",
      "string", "tuple",  "type",    "u16",     "u32",       "u64",
      "u8",     "use",    "variant", "with",    "world",     "error-context",
  };
  return kKeywords->contains(s);
}

namespace {

std::string Id(absl::string_view s) {
  return IsWitKeyword(s) ? absl::StrCat("%", s) : std::string(s);
}

// "wasi:cli/stdout@0.2.12" → package "wasi:cli@0.2.12", interface "stdout".
// Plain names have no package.
struct QualifiedName {
  std::string package;
  std::string interface;
};

QualifiedName Qualify(absl::string_view name) {
  const size_t slash = name.find('/');
  if (slash == absl::string_view::npos) return {"", std::string(name)};
  absl::string_view rest = name.substr(slash + 1);
  std::string version;
  if (const size_t at = rest.find('@'); at != absl::string_view::npos) {
    version = std::string(rest.substr(at));
    rest = rest.substr(0, at);
  }
  return {absl::StrCat(name.substr(0, slash), version), std::string(rest)};
}

class Printer {
 public:
  explicit Printer(const World& world) : world_(world), types_(world.types) {
    // Owners: interfaces first (imports, then exports), then world types.
    for (const auto* items : {&world.imports, &world.exports}) {
      for (const WorldItem& item : *items) {
        if (item.kind != WorldItem::Kind::kInterface) continue;
        for (const NamedType& t : item.interface.types) {
          owners_.try_emplace(t.type, Owner{item.name, t.name});
        }
      }
    }
    for (const WorldItem& item : world.imports) {
      if (item.kind == WorldItem::Kind::kType) {
        owners_.try_emplace(item.type, Owner{"", item.name});
      }
    }
  }

  std::string Print() {
    std::string out = "package root:component;\n\nworld root {\n";
    for (const auto* items : {&world_.imports, &world_.exports}) {
      const char* direction = items == &world_.imports ? "import" : "export";
      for (const WorldItem& item : *items) {
        switch (item.kind) {
          case WorldItem::Kind::kInterface:
            absl::StrAppend(&out, "  ", direction, " ", InterfaceRef(item.name),
                            ";\n");
            break;
          case WorldItem::Kind::kFunc:
            absl::StrAppend(&out, "  ", direction, " ", Id(item.name), ": ",
                            FuncSignature(item.type, false), ";\n");
            break;
          case WorldItem::Kind::kType:
            absl::StrAppend(
                &out, "  ",
                TypeDeclaration("", item.name, item.type, {}, "  "));
            break;
        }
      }
    }
    out += "}\n";
    // Packages in name order; each interface once (imported and exported
    // interfaces of one name are one interface).
    // An interface both imported (for a type the world uses) and exported
    // shows its fuller side.
    std::map<std::string, const WorldItem*> chosen;
    std::vector<std::string> order;
    for (const auto* items : {&world_.imports, &world_.exports}) {
      for (const WorldItem& item : *items) {
        if (item.kind != WorldItem::Kind::kInterface) continue;
        auto [it, inserted] = chosen.try_emplace(item.name, &item);
        if (inserted) {
          order.push_back(item.name);
        } else if (Size(item.interface) > Size(it->second->interface)) {
          it->second = &item;
        }
      }
    }
    std::map<std::string, std::vector<const WorldItem*>> packages;
    for (const std::string& name : order) {
      packages[Qualify(name).package].push_back(chosen[name]);
    }
    for (const auto& [package, interfaces] : packages) {
      const bool top = package.empty();
      const std::string indent = top ? "" : "  ";
      out += "\n";
      if (!top) absl::StrAppend(&out, "package ", package, " {\n");
      for (size_t i = 0; i < interfaces.size(); ++i) {
        if (i > 0) out += "\n";
        PrintInterface(*interfaces[i], indent, &out);
      }
      if (!top) out += "}\n";
    }
    return out;
  }

 private:
  struct Owner {
    std::string interface;  // Empty: a world-level type.
    std::string name;
  };

  static size_t Size(const Interface& i) {
    return i.types.size() + i.funcs.size();
  }

  // How the world refers to an interface: "ns:pkg/name@version" as is.
  static std::string InterfaceRef(absl::string_view name) {
    return Qualify(name).package.empty() ? Id(name) : std::string(name);
  }

  void PrintInterface(const WorldItem& item, const std::string& indent,
                      std::string* out) {
    const QualifiedName q = Qualify(item.name);
    absl::StrAppend(out, indent, "interface ", Id(q.interface), " {\n");
    const std::string inner = indent + "  ";
    for (const NamedType& t : item.interface.types) {
      const Owner& owner = owners_.at(t.type);
      if (owner.interface != item.name) {
        const QualifiedName from = Qualify(owner.interface);
        const std::string path =
            from.package == q.package ? Id(from.interface) : owner.interface;
        const std::string alias =
            owner.name == t.name
                ? Id(t.name)
                : absl::StrCat(Id(owner.name), " as ", Id(t.name));
        absl::StrAppend(out, inner, "use ", path, ".{", alias, "};\n");
        continue;
      }
      absl::StrAppend(out, inner,
                      TypeDeclaration(item.name, t.name, t.type,
                                      item.interface.funcs, inner));
    }
    for (const NamedFunc& f : item.interface.funcs) {
      if (f.parsed.kind != FuncName::Kind::kFreestanding) continue;
      absl::StrAppend(out, inner, Id(f.name), ": ",
                      FuncSignature(f.type, false), ";\n");
    }
    absl::StrAppend(out, indent, "}\n");
  }

  // `record name { ... }`, `type name = ...;` etc., ending in a newline;
  // resources list their functions from `funcs`.
  std::string TypeDeclaration(const std::string& interface,
                              const std::string& name, TypeId id,
                              const std::vector<NamedFunc>& funcs,
                              const std::string& indent) {
    const Type& t = types_[id];
    const Owner* owner = OwnerOf(id);
    if (owner == nullptr || owner->interface != interface ||
        owner->name != name) {
      if (owner != nullptr && !owner->interface.empty() && interface.empty()) {
        return absl::StrCat("use ", InterfaceRef(owner->interface), ".{",
                            Id(owner->name), "};\n");
      }
      return absl::StrCat("type ", Id(name), " = ", Ref(id), ";\n");
    }
    const std::string inner = indent + "  ";
    std::string out;
    switch (t.kind) {
      case TypeKind::kRecord:
        absl::StrAppend(&out, "record ", Id(name), " {\n");
        for (const Field& f : t.fields) {
          absl::StrAppend(&out, inner, Id(f.name), ": ", Ref(f.type), ",\n");
        }
        break;
      case TypeKind::kVariant:
        absl::StrAppend(&out, "variant ", Id(name), " {\n");
        for (const Case& c : t.cases) {
          absl::StrAppend(&out, inner, Id(c.name));
          if (c.type.has_value()) absl::StrAppend(&out, "(", Ref(*c.type), ")");
          out += ",\n";
        }
        break;
      case TypeKind::kEnum:
      case TypeKind::kFlags:
        absl::StrAppend(&out, TypeKindName(t.kind), " ", Id(name), " {\n");
        for (const std::string& l : t.labels) {
          absl::StrAppend(&out, inner, Id(l), ",\n");
        }
        break;
      case TypeKind::kResource: {
        std::string body;
        for (const NamedFunc& f : funcs) {
          if (f.parsed.resource != name) continue;
          switch (f.parsed.kind) {
            case FuncName::Kind::kConstructor:
              absl::StrAppend(&body, inner, "constructor",
                              Params(types_[f.type], 0), ";\n");
              break;
            case FuncName::Kind::kMethod:
              absl::StrAppend(&body, inner, Id(f.parsed.name), ": ",
                              FuncSignature(f.type, true), ";\n");
              break;
            case FuncName::Kind::kStatic:
              absl::StrAppend(&body, inner, Id(f.parsed.name), ": static ",
                              FuncSignature(f.type, false), ";\n");
              break;
            case FuncName::Kind::kFreestanding:
              break;
          }
        }
        if (body.empty()) return absl::StrCat("resource ", Id(name), ";\n");
        absl::StrAppend(&out, "resource ", Id(name), " {\n", body);
        break;
      }
      default:
        return absl::StrCat("type ", Id(name), " = ", Structural(id), ";\n");
    }
    absl::StrAppend(&out, indent, "}\n");
    return out;
  }

  const Owner* OwnerOf(TypeId id) const {
    auto it = owners_.find(id);
    return it == owners_.end() ? nullptr : &it->second;
  }

  // A reference to a type: its name if it has one, else its structure.
  std::string Ref(TypeId id) {
    if (const Owner* owner = OwnerOf(id)) return Id(owner->name);
    return Structural(id);
  }

  std::string Structural(TypeId id) {
    // Unnamed types can share parts (a DAG), which printing expands: past a
    // bound, a malicious binary's world is cut short rather than printed for
    // ever.
    if (expansions_left_ == 0) return "...";
    --expansions_left_;
    const Type& t = types_[id];
    if (IsPrimitive(t.kind)) return std::string(TypeKindName(t.kind));
    switch (t.kind) {
      case TypeKind::kList:
        if (t.fixed_length > 0) {
          return absl::StrCat("list<", Ref(*t.element), ", ", t.fixed_length,
                              ">");
        }
        return absl::StrCat("list<", Ref(*t.element), ">");
      case TypeKind::kOption:
        return absl::StrCat("option<", Ref(*t.element), ">");
      case TypeKind::kTuple: {
        std::vector<std::string> parts;
        for (const Field& f : t.fields) parts.push_back(Ref(f.type));
        return absl::StrCat("tuple<", absl::StrJoin(parts, ", "), ">");
      }
      case TypeKind::kResult:
        if (!t.ok.has_value() && !t.error.has_value()) return "result";
        if (!t.error.has_value())
          return absl::StrCat("result<", Ref(*t.ok), ">");
        return absl::StrCat("result<", t.ok.has_value() ? Ref(*t.ok) : "_",
                            ", ", Ref(*t.error), ">");
      case TypeKind::kOwn:
        return Ref(*t.element);
      case TypeKind::kBorrow:
        return absl::StrCat("borrow<", Ref(*t.element), ">");
      case TypeKind::kStream:
      case TypeKind::kFuture:
        if (!t.element.has_value()) return std::string(TypeKindName(t.kind));
        return absl::StrCat(TypeKindName(t.kind), "<", Ref(*t.element), ">");
      case TypeKind::kMap:
        return absl::StrCat("map<", Ref(*t.element), ", ", Ref(*t.ok), ">");
      case TypeKind::kResource:
        return t.name.empty() ? "resource" : Id(t.name);
      default:
        // A record, variant, enum or flags without a name cannot be
        // written inline in WIT; say what it is.
        return absl::StrCat("/* unnamed ", TypeKindName(t.kind), " */");
    }
  }

  // "(a: s32, b: s32)", skipping the first `skip` parameters (a method's
  // self).
  std::string Params(const Type& func, size_t skip) {
    std::vector<std::string> params;
    for (size_t i = skip; i < func.fields.size(); ++i) {
      params.push_back(absl::StrCat(Id(func.fields[i].name), ": ",
                                    Ref(func.fields[i].type)));
    }
    return absl::StrCat("(", absl::StrJoin(params, ", "), ")");
  }

  std::string FuncSignature(TypeId id, bool method) {
    const Type& f = types_[id];
    std::string out = absl::StrCat(f.async ? "async " : "", "func",
                                   Params(f, method ? 1 : 0));
    if (f.ok.has_value()) absl::StrAppend(&out, " -> ", Ref(*f.ok));
    return out;
  }

  const World& world_;
  const TypeArena& types_;
  absl::flat_hash_map<TypeId, Owner> owners_;
  size_t expansions_left_ = 1 << 20;
};

}  // namespace

std::string PrintWit(const World& world) { return Printer(world).Print(); }

}  // namespace wasmhost::component
