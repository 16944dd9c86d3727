// lib/bindgen/cpp_host.cc: GenerateCppHost. One namespace per world: named
// types CamelCase after their WIT name (with their interface's name before
// it when two interfaces declare the same name, as c_guest does), interface
// classes after the interface, functions CamelCase. Names bound to WIT
// labels by the component_values.h macros (record fields, flags) keep the
// label's case with '-' as '_' and a trailing '_' after a C++ keyword.

#include "lib/bindgen/cpp_host.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/bindgen/wit_names.h"

namespace wasmhost::bindgen {
namespace {

using component::FuncName;
using component::NamedFunc;
using component::NamedType;
using component::Type;
using component::TypeArena;
using component::TypeId;
using component::TypeKind;
using component::WorldItem;

bool IsCppKeyword(absl::string_view s) {
  static const auto* const kWords = new std::set<std::string, std::less<>>{
      "alignas",      "alignof",    "and",          "asm",
      "auto",         "bool",       "break",        "case",
      "catch",        "char",       "class",        "const",
      "continue",     "default",    "delete",       "do",
      "double",       "else",       "enum",         "explicit",
      "export",       "extern",     "false",        "float",
      "for",          "friend",     "goto",         "if",
      "inline",       "int",        "long",         "mutable",
      "namespace",    "new",        "noexcept",     "not",
      "nullptr",      "operator",   "or",           "private",
      "protected",    "public",     "register",     "return",
      "short",        "signed",     "sizeof",       "static",
      "struct",       "switch",     "template",     "this",
      "throw",        "true",       "try",          "typedef",
      "typeid",       "typename",   "union",        "unsigned",
      "using",        "virtual",    "void",         "volatile",
      "while",        "xor",        "char32_t",     "concept",
      "requires",     "constexpr",  "decltype",     "static_assert",
      "thread_local", "const_cast", "dynamic_cast", "reinterpret_cast",
      "static_cast",
  };
  return kWords->count(s) > 0;
}

// A WIT label as a C++ identifier the macros turn back into it:
// "max-size" → "max_size", "class" → "class_".
std::string Label(absl::string_view label) {
  std::string s = absl::StrReplaceAll(label, {{"-", "_"}});
  if (IsCppKeyword(s)) s += '_';
  return s;
}

// A local name: "open-twice" → "open_twice" (keywords get '_').
std::string Snake(absl::string_view name) {
  std::string s = SnakeCase(name);
  if (IsCppKeyword(s)) s += '_';
  return s;
}

// "maybe-names" → "MaybeNames"; "test:sink/host@0.1.0" → "Host".
std::string Camel(absl::string_view name) {
  const size_t slash = name.rfind('/');
  if (slash != absl::string_view::npos) name = name.substr(slash + 1);
  name = name.substr(0, name.find('@'));
  std::string out;
  bool up = true;
  for (char c : name) {
    if (c == '-' || c == '.' || c == ':') {
      up = true;
      continue;
    }
    out += up ? absl::ascii_toupper(c) : absl::ascii_tolower(c);
    up = false;
  }
  return out;
}

class Generator {
 public:
  Generator(const component::ParsedWorld& pw, const std::string& include)
      : pw_(pw), types_(pw.world.types), owners_(pw.world), include_(include) {}

  absl::StatusOr<CppHostFiles> Run() {
    ForEachItemType(
        pw_.world,
        [this](const std::string& iface, const std::string& name, TypeId id) {
          DeclareNamed(iface, name, id);
        },
        [this](TypeId func) { FuncTypes(func); });
    std::vector<NamedFunc> root_imports;
    for (const WorldItem& item : pw_.world.imports) {
      if (item.kind == WorldItem::Kind::kFunc) {
        root_imports.push_back({item.name, item.func, item.type});
      } else if (item.kind == WorldItem::Kind::kInterface) {
        ImportClass(Camel(item.name), item.name, item.interface.types,
                    item.interface.funcs);
      }
    }
    if (!root_imports.empty()) ImportClass("Imports", "", {}, root_imports);
    ExportsClass();
    if (!status_.ok()) return status_;

    CppHostFiles out;
    out.stem = SnakeCase(pw_.name) + "_host";
    const std::string guard = IncludeGuard(out.stem);
    const std::string banner = GeneratedBanner("cpp-host", pw_);
    const std::string ns = Namespace();
    out.header = absl::StrCat(
        banner, DocComment(pw_.docs, ""), "\n#ifndef ", guard, "\n#define ",
        guard,
        "\n\n#include <cstddef>\n#include <cstdint>\n#include "
        "<optional>\n#include <string>\n"
        "#include <string_view>\n#include <tuple>\n#include <variant>\n"
        "#include <vector>\n\n#include \"absl/status/status.h\"\n"
        "#include \"absl/status/statusor.h\"\n#include \"absl/types/span.h\"\n"
        "#include \"wasmhost/component_instance.h\"\n"
        "#include \"wasmhost/component_linker.h\"\n"
        "#include \"wasmhost/component_typed.h\"\n"
        "#include \"wasmhost/component_values.h\"\n"
        "#include \"wasmhost/instance.h\"\n\nnamespace ",
        ns, " {\n\nnamespace component = ::wasmhost::component;\n", types_out_,
        imports_h_, exports_h_, "\n}  // namespace ", ns, "\n\n#endif  // ",
        guard, "\n");
    out.source = absl::StrCat(banner, "\n#include \"", include_, out.stem,
                              ".h\"\n\nnamespace ", ns, " {\n", imports_cc_,
                              exports_cc_, "\n}  // namespace ", ns, "\n");
    return out;
  }

 private:
  using Owner = TypeOwners::Owner;

  // "test:sink@0.1.0" → "test::sink"; the world's name without a package.
  std::string Namespace() const {
    std::string package = pw_.package.substr(0, pw_.package.find('@'));
    if (package.empty()) return Snake(pw_.name);
    std::vector<std::string> parts;
    for (absl::string_view p : absl::StrSplit(package, ':')) {
      parts.push_back(Snake(p));
    }
    return absl::StrJoin(parts, "::");
  }

  void Fail(absl::StatusCode code, absl::string_view message) {
    if (status_.ok()) status_ = absl::Status(code, message);
  }
  void Unsupported(absl::string_view what) {
    Fail(absl::StatusCode::kUnimplemented,
         absl::StrCat("C++ bindings for ", what));
  }

  // Claims C++ name `name` in the namespace (or class `scope`) for `what`.
  void Claim(const std::string& scope, const std::string& name,
             const std::string& what) {
    auto [it, added] = names_.try_emplace(scope + "::" + name, what);
    if (!added && it->second != what) {
      Fail(absl::StatusCode::kInvalidArgument,
           absl::StrCat("C++ name ", name, " stands for both ", it->second,
                        " and ", what));
    }
  }

  // The interface's short name: "test:sink/host@0.1.0" → "host".
  static std::string IfaceName(const std::string& iface) {
    std::string s = iface.substr(0, iface.find('@'));
    const size_t slash = s.rfind('/');
    return slash == std::string::npos ? s : s.substr(slash + 1);
  }

  // The C++ name of a named type.
  std::string NamedCpp(const Owner& o) const {
    return owners_.Ambiguous(o.name) ? Camel(IfaceName(o.iface)) + Camel(o.name)
                                     : Camel(o.name);
  }

  // A resource's tag struct.
  std::string Tag(TypeId r) const {
    const Owner* o = owners_.Find(r);
    return o == nullptr ? Camel(types_[r].name) : NamedCpp(*o);
  }

  // The C++ type of `id`: the named type's name where it has one (unless
  // `expand`), else the shape.
  std::string CppType(TypeId id, bool expand = false) {
    const Type& t = types_[id];
    if (const char* scalar = ScalarTypeName(t.kind)) return scalar;
    switch (t.kind) {
      case TypeKind::kChar:
        return "char32_t";
      case TypeKind::kString:
        return "std::string";
      case TypeKind::kOwn:
        return absl::StrCat("component::Own<", Tag(*t.element), ">");
      case TypeKind::kBorrow:
        return absl::StrCat("component::Borrow<", Tag(*t.element), ">");
      default:
        break;
    }
    if (const Owner* o = owners_.Find(id); o != nullptr && !expand) {
      return NamedCpp(*o);
    }
    switch (t.kind) {
      case TypeKind::kList:
        if (t.fixed_length > 0) Unsupported("fixed-length lists");
        return absl::StrCat("std::vector<", CppType(*t.element), ">");
      case TypeKind::kOption:
        return absl::StrCat("std::optional<", CppType(*t.element), ">");
      case TypeKind::kResult:
        return absl::StrCat("component::Result<",
                            t.ok ? CppType(*t.ok) : "void", ", ",
                            t.error ? CppType(*t.error) : "void", ">");
      case TypeKind::kTuple: {
        std::vector<std::string> parts;
        for (const component::Field& f : t.fields) {
          parts.push_back(CppType(f.type));
        }
        return absl::StrCat("std::tuple<", absl::StrJoin(parts, ", "), ">");
      }
      case TypeKind::kErrorContext:
        Unsupported("error-context");
        return "void";
      default:
        Unsupported(component::TypeKindName(t.kind));
        return "void";
    }
  }

  // A parameter's type in a signature (TypedFunc<Sig>, a host function):
  // strings as std::string_view, lists as absl::Span<const T>.
  std::string ParamSigType(TypeId id) {
    const Type& t = types_[id];
    if (t.kind == TypeKind::kString) return "std::string_view";
    if (t.kind == TypeKind::kList && t.fixed_length == 0) {
      return absl::StrCat("absl::Span<const ", CppType(*t.element), ">");
    }
    return CppType(id);
  }

  // A parameter as declared: by value when small, else by const reference.
  std::string ParamDecl(TypeId id) {
    const TypeKind k = types_[id].kind;
    const std::string sig = ParamSigType(id);
    // Views (std::string_view, absl::Span) are small too.
    const bool by_value =
        IsSingleValue(k) || k == TypeKind::kString || k == TypeKind::kList;
    return by_value ? sig : absl::StrCat("const ", sig, "&");
  }

  // `absl::Status` or `absl::StatusOr<T>`: what a function returns.
  std::string StatusType(const Type& func) {
    return func.ok ? absl::StrCat("absl::StatusOr<", CppType(*func.ok), ">")
                   : "absl::Status";
  }

  // ------------------------------------------------------------- types

  void FuncTypes(TypeId func) {
    const Type& f = types_[func];
    if (f.async) Unsupported("async functions");
    for (TypeId value : ReferencedTypes(f)) Define(value);
  }

  // A named type, and a `using` for a second name of it (an alias).
  void DeclareNamed(const std::string& iface, const std::string& name,
                    TypeId id) {
    Define(id);
    const Owner* o = owners_.Find(id);
    if (o == nullptr || (o->iface == iface && o->name == name)) return;
    const Owner alias{iface, name, false};
    const std::string cpp = NamedCpp(alias);
    if (cpp == CppType(id)) return;  // A `use` of the same name.
    Claim("", cpp, absl::StrCat("type ", DocKey(iface, name)));
    if (!defined_.insert(cpp).second) return;
    absl::StrAppend(&types_out_, "\n",
                    DocComment(pw_.docs, DocKey(iface, name)), "using ", cpp,
                    " = ", CppType(id), ";\n");
  }

  // Emits the C++ definition of `id` (after what it refers to) once.
  void Define(TypeId id) {
    if (!visited_.insert(id).second) return;
    const Type& t = types_[id];
    if (t.kind == TypeKind::kOwn || t.kind == TypeKind::kBorrow) {
      Define(*t.element);
      return;
    }
    if (t.kind == TypeKind::kResource) {
      ResourceTag(id);
      return;
    }
    for (TypeId referenced : ReferencedTypes(t)) Define(referenced);
    const Owner* o = owners_.Find(id);
    if (o == nullptr) {
      CppType(id);  // Anonymous: checks that it has a C++ type.
      if (t.kind == TypeKind::kRecord || t.kind == TypeKind::kVariant ||
          t.kind == TypeKind::kEnum || t.kind == TypeKind::kFlags) {
        Unsupported(
            absl::StrCat("an unnamed ", component::TypeKindName(t.kind)));
      }
      return;
    }
    const std::string name = NamedCpp(*o);
    Claim("", name, absl::StrCat("type ", DocKey(o->iface, o->name)));
    std::string def = TypeDoc(pw_.docs, o);
    switch (t.kind) {
      case TypeKind::kRecord:
        Record(t, name, &def);
        break;
      case TypeKind::kVariant: {
        std::vector<std::string> alts, labels;
        std::string consts;
        for (size_t i = 0; i < t.cases.size(); ++i) {
          const component::Case& c = t.cases[i];
          alts.push_back(c.type ? CppType(*c.type) : "std::monostate");
          labels.push_back(Label(c.name));
          absl::StrAppend(&consts, "  static constexpr std::size_t k",
                          Camel(c.name), " = ", i, ";\n");
        }
        absl::StrAppend(
            &def,
            WrapList(absl::StrCat("struct ", name, " : std::variant<"), alts,
                     "> {"),
            "\n  using variant::variant;\n", consts, "};\n",
            WrapList(absl::StrCat("WASMHOST_COMPONENT_VARIANT(", name, ", "),
                     labels, ")"),
            "\n");
        break;
      }
      case TypeKind::kEnum: {
        std::vector<std::string> enumerators, labels;
        for (const std::string& l : t.labels) {
          enumerators.push_back("k" + Camel(l));
          labels.push_back(Label(l));
        }
        absl::StrAppend(
            &def,
            WrapList(absl::StrCat("enum class ", name, " { "), enumerators,
                     " };"),
            "\n",
            WrapList(absl::StrCat("WASMHOST_COMPONENT_ENUM(", name, ", "),
                     labels, ")"),
            "\n");
        break;
      }
      case TypeKind::kFlags: {
        std::vector<std::string> labels;
        for (const std::string& l : t.labels) {
          labels.push_back(Label(l));
          if (labels.back() == "test" || labels.back() == "set" ||
              labels.back() == "bits") {
            Unsupported(absl::StrCat("flag \"", l, "\" (a member of ",
                                     "component::Flags)"));
          }
        }
        absl::StrAppend(
            &def,
            WrapList(absl::StrCat("WASMHOST_COMPONENT_FLAGS(", name, ", "),
                     labels, ")"),
            "\n");
        break;
      }
      default:
        // A named list, option, result, tuple or primitive.
        absl::StrAppend(&def, "using ", name, " = ", CppType(id, true), ";\n");
        break;
    }
    defined_.insert(name);
    absl::StrAppend(&types_out_, "\n", def);
  }

  void Record(const Type& t, const std::string& name, std::string* def) {
    if (t.fields.size() > 16) {
      Unsupported(absl::StrCat("records of more than 16 fields (", name,
                               " has ", t.fields.size(), ")"));
    }
    std::vector<std::string> fields, mine, theirs;
    absl::StrAppend(def, "struct ", name, " {\n");
    for (const component::Field& f : t.fields) {
      const std::string field = Label(f.name);
      const TypeKind k = types_[f.type].kind;
      const bool scalar = component::IsPrimitive(k) && k != TypeKind::kString;
      absl::StrAppend(def, "  ", CppType(f.type), " ", field,
                      scalar || k == TypeKind::kEnum ? "{}" : "", ";\n");
      fields.push_back(field);
      mine.push_back("a." + field);
      theirs.push_back("b." + field);
    }
    absl::StrAppend(
        def, "};\n",
        WrapList(absl::StrCat("WASMHOST_COMPONENT_RECORD(", name, ", "), fields,
                 ")"),
        "\ninline bool operator==(const ", name, "& a, const ", name,
        "& b) {\n", WrapList("  return std::tie(", mine, ") ==", 0), "\n",
        WrapList("         std::tie(", theirs, ");", 0),
        "\n}\ninline bool operator!=(const ", name, "& a, const ", name,
        "& b) {\n  return !(a == b);\n}\n");
  }

  void ResourceTag(TypeId r) {
    const std::string tag = Tag(r);
    const Owner* o = owners_.Find(r);
    const std::string wit = o == nullptr ? types_[r].name : o->name;
    Claim("", tag, "resource " + wit);
    absl::StrAppend(&types_out_, "\n", TypeDoc(pw_.docs, o), "// Resource ",
                    wit, ", the tag of component::Own and Borrow.\nstruct ",
                    tag, " {\n  static constexpr const char* kWitName = \"",
                    wit, "\";\n};\n");
  }

  // --------------------------------------------------------- functions

  // The C++ name of function `f`: "[method]file.read" → "FileRead",
  // "[constructor]file" → "NewFile".
  static std::string MethodName(const FuncName& f) {
    switch (f.kind) {
      case FuncName::Kind::kConstructor:
        return "New" + Camel(f.resource);
      case FuncName::Kind::kMethod:
      case FuncName::Kind::kStatic:
        return Camel(f.resource) + Camel(f.name);
      case FuncName::Kind::kFreestanding:
        break;
    }
    return Camel(f.name);
  }

  struct Params {
    std::vector<std::string> decls;  // "std::string_view path"
    std::vector<std::string> names;  // "path"
    std::vector<std::string> sig;    // "std::string_view"
  };

  Params ParamsOf(const Type& func) {
    Params p;
    for (const component::Field& f : func.fields) {
      std::string name = Snake(f.name);
      p.decls.push_back(absl::StrCat(ParamDecl(f.type), " ", name));
      p.names.push_back(name);
      p.sig.push_back(ParamSigType(f.type));
    }
    return p;
  }

  // The resources interface `iface` declares (not those it `use`s).
  std::vector<TypeId> ResourcesOf(const std::string& iface,
                                  const std::vector<NamedType>& types) const {
    std::vector<TypeId> out;
    for (const NamedType& t : types) {
      const Owner* o = owners_.Find(t.type);
      if (types_[t.type].kind == TypeKind::kResource && o != nullptr &&
          o->iface == iface && o->name == t.name) {
        out.push_back(t.type);
      }
    }
    return out;
  }

  // The abstract class `cls` a host implements for imported interface
  // `iface` ("" for the world's own functions), and its AddToLinker.
  void ImportClass(const std::string& cls, const std::string& iface,
                   const std::vector<NamedType>& types,
                   const std::vector<NamedFunc>& funcs) {
    Claim("", cls, iface.empty() ? "the world's imports" : "import " + iface);
    const std::string what =
        iface.empty()
            ? absl::StrCat("the functions world ", pw_.name, " imports")
            : absl::StrCat("interface ", iface);
    std::string doc = DocComment(pw_.docs, iface);
    absl::StrAppend(&imports_h_, "\n", doc, "// The host's implementation of ",
                    what,
                    ".\n// A non-OK status traps the calling guest and is "
                    "what its caller gets.\nclass ",
                    cls, " {\n public:\n  virtual ~", cls, "() = default;\n");
    std::string defs;
    std::set<std::string> dropped;
    for (TypeId id : ResourcesOf(iface, types)) {
      // An imported interface's own resources: each needs a destructor.
      const std::string r = owners_.Find(id)->name;
      const std::string drop = "Drop" + Tag(id);
      Claim(cls, drop, "the destructor of " + r);
      absl::StrAppend(
          &imports_h_, "\n  // The guest dropped its last handle to ", r,
          " `rep`.\n  virtual absl::Status ", drop, "(uint32_t rep) = 0;\n");
      absl::StrAppend(&defs, "  status_ = instance_.DefineResource(\n      \"",
                      r, "\", [&impl_](uint32_t rep) { return impl_.", drop,
                      "(rep); });\n  if (!status_.ok()) return status_;\n");
    }
    for (const NamedFunc& f : funcs) {
      const Type& ft = types_[f.type];
      const std::string method = MethodName(f.parsed);
      Claim(cls, method, "function " + f.name);
      const Params p = ParamsOf(ft);
      const std::string result = StatusType(ft);
      absl::StrAppend(
          &imports_h_, "\n", DocComment(pw_.docs, DocKey(iface, f.name), "  "),
          "  // ", f.name, "\n",
          WrapList(absl::StrCat("  virtual ", result, " ", method, "("),
                   p.decls, ") = 0;"),
          "\n");
      absl::StrAppend(
          &defs, "  status_ = instance_.Define(\n      \"", f.name, "\",\n",
          WrapList("      [&impl_](", p.decls, ") {", 0), "\n",
          WrapList(absl::StrCat("        return impl_.", method, "("), p.names,
                   ");"),
          "\n      });\n  if (!status_.ok()) return status_;\n");
    }
    absl::StrAppend(&imports_h_, "};\n\n// Grants ", what,
                    " to `linker`, implemented by `impl`,\n// which must "
                    "outlive every instance made through `linker`.\n// "
                    "Returns AlreadyExists if `linker` defines one of its "
                    "functions already.\nabsl::Status AddToLinker(component::"
                    "Linker& linker, ",
                    cls, "& impl);\n");
    // The last definition's status is the result.
    const std::string kCheck = "  if (!status_.ok()) return status_;\n";
    if (absl::EndsWith(defs, kCheck)) defs.resize(defs.size() - kCheck.size());
    const std::string linker_instance =
        iface.empty() ? "linker_.Root()"
                      : absl::StrCat("linker_.Instance(\"", iface, "\")");
    absl::StrAppend(&imports_cc_,
                    "\nabsl::Status AddToLinker(component::Linker& "
                    "linker_, ",
                    cls, "& impl_) {\n  component::LinkerInstance instance_ = ",
                    linker_instance, ";\n  absl::Status status_;\n", defs,
                    "  return status_;\n}\n");
  }

  // A class holding the typed functions of one export scope.
  struct Scope {
    std::string cls;    // "Exports", "Guest"
    std::string iface;  // "" for the world's own
    std::vector<NamedType> types;
    std::vector<NamedFunc> funcs;
  };

  // Declarations (into `h`, indented by `indent`) and definitions of the
  // methods of `scope`; `binds` gets New's statements.
  void ExportScope(const Scope& scope, const std::string& qualified,
                   const std::string& indent, std::string* pub,
                   std::string* priv, std::string* binds,
                   const std::string& target) {
    for (const NamedFunc& f : scope.funcs) {
      const Type& ft = types_[f.type];
      const std::string method = MethodName(f.parsed);
      // Locals and members end in "_func" and "_func_": never a parameter.
      const std::string base = absl::StrCat(
          SnakeCase(absl::StrCat(f.parsed.kind == FuncName::Kind::kFreestanding
                                     ? ""
                                     : f.parsed.resource + "-",
                                 f.parsed.kind == FuncName::Kind::kConstructor
                                     ? "new"
                                     : f.parsed.name)),
          "_func");
      const std::string member = base + "_";
      const std::string alias = method + "Func";
      Claim(qualified, method, "function " + f.name);
      Claim(qualified, alias, "the handle of " + f.name);
      Params p = ParamsOf(ft);
      const std::string options =
          std::find(p.names.begin(), p.names.end(), "options") == p.names.end()
              ? "options"
              : "options_";
      const std::string value = ft.ok ? CppType(*ft.ok) : "void";
      absl::StrAppend(
          priv, indent, "  using ", alias, " =\n", indent,
          WrapList(absl::StrCat("      component::TypedFunc<", value, "("),
                   p.sig, ")>;", indent.size()),
          "\n", indent, "  std::optional<", alias, "> ", member, ";\n");
      std::vector<std::string> decls = p.decls;
      decls.push_back(
          absl::StrCat("const ::wasmhost::CallOptions& ", options, " = {}"));
      absl::StrAppend(
          pub, "\n",
          DocComment(pw_.docs, DocKey(scope.iface, f.name), indent + "  "),
          indent, "  // ", f.name, "\n", indent,
          WrapList(absl::StrCat("  ", StatusType(ft), " ", method, "("), decls,
                   ") const;", indent.size()),
          "\n");
      std::vector<std::string> defs = p.decls;
      defs.push_back(absl::StrCat("const ::wasmhost::CallOptions& ", options));
      std::vector<std::string> args = {options};
      args.insert(args.end(), p.names.begin(), p.names.end());
      absl::StrAppend(
          &exports_cc_, "\n",
          WrapList(
              absl::StrCat(StatusType(ft), " ", qualified, "::", method, "("),
              defs, ") const {"),
          "\n",
          WrapList(absl::StrCat("  return ", member, "->Call("), args, ");"),
          "\n}\n");
      absl::StrAppend(
          binds, "  absl::StatusOr<", qualified, "::", alias, "> ", base,
          " =\n",
          WrapList(absl::StrCat("      ", qualified, "::", alias, "::Get("),
                   {"instance", absl::StrCat("\"", scope.iface, "\""),
                    absl::StrCat("\"", f.name, "\"")},
                   ");"),
          "\n  if (!", base, ".ok()) return ", base, ".status();\n  ", target,
          member, ".emplace(*std::move(", base, "));\n");
    }
    // Exported resources owned by this scope: the host drops its handles.
    for (TypeId id : ResourcesOf(scope.iface, scope.types)) {
      const std::string r = owners_.Find(id)->name;
      const std::string drop = "Drop" + Tag(id);
      Claim(qualified, drop, "the drop of " + r);
      const std::string tag = absl::StrCat("component::Own<", Tag(id), ">");
      absl::StrAppend(pub, "\n", indent, "  // Drops the host's handle to a ",
                      r, " (its destructor runs in the guest).\n", indent,
                      "  absl::Status ", drop, "(", tag, " handle) const;\n");
      absl::StrAppend(&exports_cc_, "\nabsl::Status ", qualified, "::", drop,
                      "(", tag,
                      " handle) const {\n  return instance_->"
                      "DropResource(handle.handle());\n}\n");
      uses_instance_.insert(qualified);
    }
  }

  void ExportsClass() {
    Scope root{"Exports", "", {}, {}};
    std::vector<Scope> nested;
    for (const WorldItem& item : pw_.world.exports) {
      if (item.kind == WorldItem::Kind::kFunc) {
        root.funcs.push_back({item.name, item.func, item.type});
      } else if (item.kind == WorldItem::Kind::kInterface) {
        nested.push_back({Camel(item.name), item.name, item.interface.types,
                          item.interface.funcs});
      }
    }
    Claim("", "Exports", "the world's exports");
    std::string pub, priv, binds;
    std::string nested_h;
    for (const Scope& s : nested) {
      const std::string q = "Exports::" + s.cls;
      // The accessor; the member is this and '_'.
      const std::string accessor = Snake(IfaceName(s.iface));
      Claim("Exports", s.cls, "export " + s.iface);
      std::string npub, npriv;
      ExportScope(s, q, "  ", &npub, &npriv, &binds,
                  absl::StrCat("exports.", accessor, "_."));
      const bool inst = uses_instance_.count(q) > 0;
      if (inst) {
        absl::StrAppend(&binds, "  exports.", accessor,
                        "_.instance_ = &instance;\n");
      }
      absl::StrAppend(
          &nested_h, "\n", DocComment(pw_.docs, s.iface, "  "),
          "  // Exported interface ", s.iface, ".\n  class ", s.cls,
          " {\n   public:", npub, "\n   private:\n    friend class Exports;\n",
          npriv, inst ? "    component::Instance* instance_ = nullptr;\n" : "",
          "  };\n");
      absl::StrAppend(&pub, "\n  const ", s.cls, "& ", accessor,
                      "() const { return ", accessor, "_; }\n");
      absl::StrAppend(&priv, "  ", s.cls, " ", accessor, "_;\n");
    }
    std::string root_pub, root_priv;
    ExportScope(root, "Exports", "", &root_pub, &root_priv, &binds, "exports.");
    if (uses_instance_.count("Exports") > 0) {
      absl::StrAppend(&binds, "  exports.instance_ = &instance;\n");
      absl::StrAppend(&root_priv,
                      "  component::Instance* instance_ = nullptr;\n");
    }
    absl::StrAppend(
        &exports_h_, "\n// The exports of world ", pw_.name,
        ", each a component::TypedFunc checked once\n// against its WIT type "
        "by New. Cheap to copy; must not outlive its\n// Instance",
        uses_instance_.empty() ? ". "
                               : ", nor be used after the Instance moved.\n// ",
        "Thread-affine, like its Instance.\nclass Exports {\n public:",
        nested_h,
        "\n  // The exports of `instance`.\n  // Returns NotFound for a "
        "missing export, InvalidArgument for one whose\n  // WIT type is "
        "not the bindings' (TypedFunc::Get).\n  static "
        "absl::StatusOr<Exports> New(component::Instance& instance);\n",
        root_pub, pub, "\n private:\n  Exports() = default;\n\n", root_priv,
        priv, "};\n");
    absl::StrAppend(&exports_cc_,
                    "\nabsl::StatusOr<Exports> Exports::New(component::"
                    "Instance& instance) {\n  Exports exports;\n",
                    binds, "  return exports;\n}\n");
  }

  const component::ParsedWorld& pw_;
  const TypeArena& types_;
  TypeOwners owners_;
  std::string include_;
  std::set<TypeId> visited_;
  std::set<std::string> defined_;
  std::map<std::string, std::string> names_;  // "scope::Name" → what.
  std::set<std::string> uses_instance_;       // Classes with Drop functions.
  absl::Status status_;
  std::string types_out_, imports_h_, imports_cc_, exports_h_, exports_cc_;
};

}  // namespace

absl::StatusOr<CppHostFiles> GenerateCppHost(
    const component::ParsedWorld& world, const std::string& include_prefix) {
  return Generator(world, include_prefix).Run();
}

}  // namespace wasmhost::bindgen
