// lib/bindgen/c_guest.cc: GenerateCGuest. Names follow wit-bindgen's C
// generator: `<iface prefix>_<name>_t` for named types (prefix "ns_pkg_iface",
// or the world's name for world-level and inline items), `<world>_<shape>_t`
// for anonymous ones (`strings_list_string_t`), `exports_` before what the
// author implements and before exported resources' handles.

#include "lib/bindgen/c_guest.h"

#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/bindgen/wit_names.h"
#include "lib/component/flatten.h"

namespace wasmhost::bindgen {
namespace {

using component::FlatInfo;
using component::FuncName;
using component::NamedFunc;
using component::Type;
using component::TypeArena;
using component::TypeId;
using component::TypeKind;
using component::WorldItem;

bool IsCKeyword(absl::string_view s) {
  static const auto* const kWords = new std::set<std::string>{
      "auto",     "bool",    "break",  "case",     "char",     "const",
      "continue", "default", "do",     "double",   "else",     "enum",
      "extern",   "false",   "float",  "for",      "goto",     "if",
      "inline",   "int",     "long",   "register", "restrict", "return",
      "short",    "signed",  "sizeof", "static",   "struct",   "switch",
      "true",     "typedef", "union",  "unsigned", "void",     "volatile",
      "while",    "ret",     "errno",  "free",     "malloc",
  };
  return kWords->count(std::string(s)) > 0;
}

// "add-blob" → "add_blob"; C keywords get a trailing '_'.
std::string Snake(absl::string_view name) {
  std::string s = SnakeCase(name);
  if (IsCKeyword(s)) s += '_';
  return s;
}

std::string Upper(absl::string_view s) { return absl::AsciiStrToUpper(s); }

const char* CoreCType(ValType t) {
  switch (t) {
    case ValType::kI64:
      return "int64_t";
    case ValType::kF32:
      return "float";
    case ValType::kF64:
      return "double";
    default:
      return "int32_t";
  }
}

// One function to generate, from either side.
struct FuncSpec {
  std::string cname;   // What the author calls or implements.
  std::string module;  // Import module ("$root", "demo:res/host").
  std::string name;    // Import name, or the full export name.
  TypeId type = 0;     // The kFunc type.
  std::string doc_key;
};

class Generator {
 public:
  explicit Generator(const component::ParsedWorld& pw)
      : pw_(pw),
        types_(pw.world.types),
        flat_(pw.world.types),
        owners_(pw.world) {
    world_ = Snake(pw.name);
  }

  absl::StatusOr<CGuestFiles> Run() {
    StringType();
    // Types first, so every function's types are declared before use.
    ForEachItemType(
        pw_.world,
        [this](const std::string& iface, const std::string& name, TypeId id) {
          DeclareNamed(iface, name, id);
        },
        [this](TypeId func) { FuncTypes(func); });
    for (const WorldItem& item : pw_.world.imports) {
      if (item.kind == WorldItem::Kind::kFunc) {
        Import({absl::StrCat(world_, "_", Snake(item.name)), "$root", item.name,
                item.type, "#" + item.name});
      } else if (item.kind == WorldItem::Kind::kInterface) {
        for (const NamedFunc& f : item.interface.funcs) {
          Import({absl::StrCat(Prefix(item.name), "_", FuncCName(f.parsed)),
                  item.name, f.name, f.type, item.name + "#" + f.name});
        }
      }
    }
    for (const WorldItem& item : pw_.world.exports) {
      if (item.kind == WorldItem::Kind::kFunc) {
        Export({absl::StrCat("exports_", world_, "_", Snake(item.name)), "",
                item.name, item.type, "#" + item.name});
      } else if (item.kind == WorldItem::Kind::kInterface) {
        for (const NamedFunc& f : item.interface.funcs) {
          Export({absl::StrCat("exports_", Prefix(item.name), "_",
                               FuncCName(f.parsed)),
                  "", absl::StrCat(item.name, "#", f.name), f.type,
                  item.name + "#" + f.name});
        }
      }
    }
    if (!status_.ok()) return status_;
    CGuestFiles out;
    out.stem = world_;
    const std::string guard = IncludeGuard(world_);
    const std::string banner = GeneratedBanner("c-guest", pw_);
    out.header = absl::StrCat(
        banner, DocComment(pw_.docs, ""), "#ifndef ", guard, "\n#define ",
        guard,
        "\n\n#include <stdbool.h>\n#include <stddef.h>\n#include "
        "<stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n",
        types_out_, helpers_h_,
        imports_h_.empty() ? "" : "\n// Imported functions.\n", imports_h_,
        exports_h_.empty()
            ? ""
            : "\n// Exported functions: the component's author implements "
              "these.\n",
        exports_h_, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif  // ", guard,
        "\n");
    out.source =
        absl::StrCat(banner, "#include \"", world_,
                     ".h\"\n\n#include <stdlib.h>\n#include <string.h>\n\n",
                     Prelude(), helpers_c_, imports_c_, exports_c_);
    return out;
  }

 private:
  using Owner = TypeOwners::Owner;

  // The realloc the host lowers strings and lists with (a zero-size
  // allocation is the alignment, never dereferenced nor freed).
  static constexpr const char* kRealloc =
      R"(__attribute__((__weak__, __export_name__("cabi_realloc")))
void* cabi_realloc(void* ptr, size_t old_size, size_t align, size_t new_size) {
  if (new_size == 0) return (void*)align;
  void* ret = realloc(old_size == 0 ? NULL : ptr, new_size);
  if (ret == NULL) __builtin_trap();
  return ret;
}
)";

  // The bit casts variant payloads need, each emitted only when used.
  struct BitCast {
    const char* name;
    const char* from;  // C types.
    const char* to;
  };
  static constexpr BitCast kBitCasts[] = {
      {"cabi_f32_to_i32", "float", "int32_t"},
      {"cabi_i32_to_f32", "int32_t", "float"},
      {"cabi_f64_to_i64", "double", "int64_t"},
      {"cabi_i64_to_f64", "int64_t", "double"},
  };

  std::string Prelude() const {
    std::string out = kRealloc;
    // An integer variable is "i", a float one "f".
    auto var = [](absl::string_view c_type) {
      return absl::StartsWith(c_type, "int") ? "i" : "f";
    };
    for (const BitCast& cast : kBitCasts) {
      const std::string call = absl::StrCat(cast.name, "(");
      if (!absl::StrContains(imports_c_, call) &&
          !absl::StrContains(exports_c_, call)) {
        continue;
      }
      const char* from = var(cast.from);
      const char* to = var(cast.to);
      absl::StrAppend(&out, "\nstatic inline ", cast.to, " ", cast.name, "(",
                      cast.from, " ", from, ") {\n  ", cast.to, " ", to,
                      ";\n  memcpy(&", to, ", &", from, ", sizeof ", to,
                      ");\n  return ", to, ";\n}\n");
    }
    return out;
  }

  void Fail(absl::string_view message) {
    if (status_.ok()) status_ = absl::UnimplementedError(message);
  }

  // "demo:res/host@1.0.0" → "demo_res_host"; an inline interface
  // "things" → "<world>_things"; "" (world level) → "<world>".
  std::string Prefix(const std::string& iface) const {
    if (iface.empty()) return world_;
    if (iface.find(':') == std::string::npos) {
      return absl::StrCat(world_, "_", Snake(iface));
    }
    return Snake(iface.substr(0, iface.find('@')));
  }

  static std::string FuncCName(const FuncName& f) {
    switch (f.kind) {
      case FuncName::Kind::kConstructor:
        return absl::StrCat("constructor_", Snake(f.resource));
      case FuncName::Kind::kMethod:
        return absl::StrCat("method_", Snake(f.resource), "_", Snake(f.name));
      case FuncName::Kind::kStatic:
        return absl::StrCat("static_", Snake(f.resource), "_", Snake(f.name));
      case FuncName::Kind::kFreestanding:
        break;
    }
    return Snake(f.name);
  }

  const Owner* OwnerOf(TypeId id) const { return owners_.Find(id); }

  // A named type's C name without "_t".
  std::string NamedBase(const Owner& o) const {
    return absl::StrCat(Prefix(o.iface), "_", Snake(o.name));
  }

  // An exported resource's names carry "exports_".
  std::string ResourceBase(TypeId r) const {
    const Owner* o = OwnerOf(r);
    if (o == nullptr) return absl::StrCat(world_, "_", Snake(types_[r].name));
    return absl::StrCat(o->exported ? "exports_" : "", Prefix(o->iface), "_",
                        Snake(o->name));
  }

  bool Exported(TypeId r) const {
    const Owner* o = OwnerOf(r);
    return o != nullptr && o->exported;
  }

  // The prefix of a handle type: ResourceBase without the resource name.
  std::string HandleName(TypeId r, absl::string_view kind) const {
    const Owner* o = OwnerOf(r);
    const std::string iface =
        o == nullptr
            ? world_
            : absl::StrCat(o->exported ? "exports_" : "", Prefix(o->iface));
    const std::string name = Snake(o == nullptr ? types_[r].name : o->name);
    return absl::StrCat(iface, "_", kind, "_", name, "_t");
  }

  // A shape's part of an anonymous type name: "list_string".
  std::string Mangle(TypeId id) {
    const Type& t = types_[id];
    if (component::IsPrimitive(t.kind)) {
      if (t.kind == TypeKind::kErrorContext) Fail("error-context");
      return std::string(component::TypeKindName(t.kind));
    }
    if (const Owner* o = OwnerOf(id)) {
      return owners_.Ambiguous(o->name) ? NamedBase(*o) : Snake(o->name);
    }
    switch (t.kind) {
      case TypeKind::kList:
        return absl::StrCat("list_", Mangle(*t.element));
      case TypeKind::kOption:
        return absl::StrCat("option_", Mangle(*t.element));
      case TypeKind::kResult:
        return absl::StrCat("result_", t.ok ? Mangle(*t.ok) : "void", "_",
                            t.error ? Mangle(*t.error) : "void");
      case TypeKind::kTuple: {
        std::vector<std::string> parts;
        for (const component::Field& f : t.fields) {
          parts.push_back(Mangle(f.type));
        }
        return absl::StrCat("tuple", t.fields.size(), "_",
                            absl::StrJoin(parts, "_"));
      }
      case TypeKind::kOwn:
        return absl::StrCat("own_", Snake(types_[*t.element].name));
      case TypeKind::kBorrow:
        return absl::StrCat("borrow_", Snake(types_[*t.element].name));
      case TypeKind::kResource:
        return Snake(t.name);
      default:
        Fail(absl::StrCat("C bindings for ", component::TypeKindName(t.kind)));
        return "unsupported";
    }
  }

  // The C type of value type `id`.
  std::string CType(TypeId id) {
    const Type& t = types_[id];
    if (const char* scalar = ScalarTypeName(t.kind)) return scalar;
    switch (t.kind) {
      case TypeKind::kChar:
        return "uint32_t";
      case TypeKind::kString:
        return absl::StrCat(world_, "_string_t");
      case TypeKind::kOwn:
        return HandleName(*t.element, "own");
      case TypeKind::kBorrow:
        return HandleName(*t.element, "borrow");
      default:
        break;
    }
    if (t.kind == TypeKind::kList && t.fixed_length > 0) {
      Fail("C bindings for fixed-length lists");
    }
    if (const Owner* o = OwnerOf(id)) return NamedBase(*o) + "_t";
    return absl::StrCat(world_, "_", Mangle(id), "_t");
  }

  // Passed by value (else by pointer): what fits one core value.
  bool ByValue(TypeId id) const { return IsSingleValue(types_[id].kind); }

  bool NeedsFree(TypeId id) { return flat_.ContainsStringOrList(id); }

  // "NAME_free" for a type that NeedsFree.
  std::string FreeName(TypeId id) {
    std::string c = CType(id);
    return c.substr(0, c.size() - 2) + "_free";
  }

  // The C member of field `i` of a record or tuple.
  static std::string FieldName(const Type& t, size_t i) {
    return t.kind == TypeKind::kRecord ? Snake(t.fields[i].name)
                                       : absl::StrCat("f", i);
  }

  static const char* DiscriminantType(size_t n) {
    return n <= 256 ? "uint8_t" : n <= 65536 ? "uint16_t" : "uint32_t";
  }

  void StringType() {
    const std::string s = world_ + "_string";
    absl::StrAppend(
        &types_out_,
        "\n// A UTF-8 string, not NUL-terminated.\ntypedef struct {\n"
        "  uint8_t* ptr;\n  size_t len;\n} ",
        s, "_t;\n");
    absl::StrAppend(
        &helpers_h_,
        "\n// Points `ret` at the NUL-terminated `s` (no copy).\n"
        "void ",
        s, "_set(", s,
        "_t* ret, const char* s);\n"
        "// Sets `ret` to a malloc'ed copy of the NUL-terminated `s`.\nvoid ",
        s, "_dup(", s,
        "_t* ret, const char* s);\n"
        "// Frees what `ret` points at (if anything) and empties it.\nvoid ",
        s, "_free(", s, "_t* ret);\n");
    absl::StrAppend(&helpers_c_, "\nvoid ", s, "_set(", s,
                    "_t* ret, const char* s) {\n  ret->ptr = (uint8_t*)s;\n"
                    "  ret->len = strlen(s);\n}\n\nvoid ",
                    s, "_dup(", s,
                    "_t* ret, const char* s) {\n  ret->len = strlen(s);\n"
                    "  ret->ptr = (uint8_t*)malloc(ret->len ? ret->len : 1);\n"
                    "  if (ret->ptr == NULL) __builtin_trap();\n"
                    "  memcpy(ret->ptr, s, ret->len);\n}\n\nvoid ",
                    s, "_free(", s,
                    "_t* ret) {\n  if (ret->len > 0) free(ret->ptr);\n"
                    "  ret->ptr = NULL;\n  ret->len = 0;\n}\n");
  }

  void FuncTypes(TypeId func) {
    const Type& f = types_[func];
    if (f.async) Fail("C bindings for async functions");
    for (TypeId value : ReferencedTypes(f)) Define(value);
  }

  // A named type, with its resource's intrinsics, and a typedef where it
  // is named here but owned elsewhere.
  void DeclareNamed(const std::string& iface, const std::string& name,
                    TypeId id) {
    const Owner* o = OwnerOf(id);
    if (types_[id].kind == TypeKind::kResource) {
      Resource(id);
      return;
    }
    Define(id);
    const bool owns = o != nullptr && o->iface == iface && o->name == name &&
                      !component::IsPrimitive(types_[id].kind);
    if (owns) return;
    // An alias, a `use`, or a named primitive: a typedef.
    const std::string alias =
        absl::StrCat(Prefix(iface), "_", Snake(name), "_t");
    if (alias == CType(id) || !defined_.insert(alias).second) return;
    absl::StrAppend(&types_out_, "\n",
                    DocComment(pw_.docs, DocKey(iface, name)), "typedef ",
                    CType(id), " ", alias, ";\n");
  }

  // A resource's handle types and intrinsics: imported ones can be dropped
  // (and borrowed from an own handle); exported ones can also be made from
  // a representation, give it back, and need the author's destructor.
  void Resource(TypeId r) {
    if (!resources_.insert(r).second) return;
    const Owner* o = OwnerOf(r);
    const std::string base = ResourceBase(r);
    const std::string own = HandleName(r, "own");
    const std::string borrow = HandleName(r, "borrow");
    const std::string doc = TypeDoc(pw_.docs, o);
    const std::string module =
        o == nullptr || o->iface.empty() ? "$root" : o->iface;
    const std::string name = o == nullptr ? types_[r].name : o->name;
    defined_.insert(own);
    defined_.insert(borrow);
    const std::string own_struct = absl::StrCat(
        "typedef struct ", own, " {\n  int32_t __handle;\n} ", own, ";\n");
    // The declaration of intrinsic `op`, imported from `from`.
    auto intrinsic = [&](const std::string& from, absl::string_view op,
                         absl::string_view result) {
      return absl::StrCat("\n__attribute__((__import_module__(\"", from,
                          "\"), __import_name__(\"[resource-", op, "]", name,
                          "\")))\nextern ", result, " __wasm_import_", base,
                          "_", op, "(int32_t);\n");
    };
    const std::string drop_own_decl = WrapList(
        absl::StrCat("void ", base, "_drop_own("), {own + " handle"}, ");");
    const std::string drop_own_def = absl::StrCat(
        "void ", base, "_drop_own(", own, " handle) {\n  __wasm_import_", base,
        "_drop(handle.__handle);\n}\n");
    if (!Exported(r)) {
      absl::StrAppend(&types_out_, "\n", doc, own_struct, "\ntypedef struct ",
                      borrow, " {\n  int32_t __handle;\n} ", borrow, ";\n");
      absl::StrAppend(&helpers_h_, "\n// Drops an owned ", name, " handle.\n",
                      drop_own_decl, "\n// Borrows an owned ", name,
                      " handle for a call.\n",
                      WrapList(absl::StrCat(borrow, " ", base, "_borrow_own("),
                               {own + " handle"}, ");"),
                      "\n");
      absl::StrAppend(&helpers_c_, intrinsic(module, "drop", "void"), "\n",
                      drop_own_def, "\n", borrow, " ", base, "_borrow_own(",
                      own, " handle) {\n  return (", borrow,
                      "){handle.__handle};\n}\n");
      return;
    }
    const std::string rep = base + "_t";
    const std::string export_module = "[export]" + module;
    absl::StrAppend(&types_out_, "\n", doc, "// The author defines struct ",
                    rep, ",\n// a resource's representation.\ntypedef struct ",
                    rep, " ", rep, ";\n\n", own_struct, "\n// A borrowed ",
                    name, " arrives as its representation.\ntypedef ", rep,
                    "* ", borrow, ";\n");
    absl::StrAppend(
        &helpers_h_, "\n// A new ", name, " handle owning `rep`.\n",
        WrapList(absl::StrCat(own, " ", base, "_new("), {rep + "* rep"}, ");"),
        "\n// The representation of `handle`.\n",
        WrapList(absl::StrCat(rep, "* ", base, "_rep("), {own + " handle"},
                 ");"),
        "\n// Drops an owned ", name,
        " handle (the destructor runs when it was the last).\n", drop_own_decl,
        "\n");
    absl::StrAppend(&exports_h_,
                    "\n// Frees `rep` when its last handle is dropped.\n",
                    WrapList(absl::StrCat("void ", base, "_destructor("),
                             {rep + "* rep"}, ");"),
                    "\n");
    absl::StrAppend(&helpers_c_, intrinsic(export_module, "new", "int32_t"),
                    intrinsic(export_module, "rep", "int32_t"),
                    intrinsic(export_module, "drop", "void"));
    absl::StrAppend(&helpers_c_, "\n", own, " ", base, "_new(", rep,
                    "* rep) {\n  return (", own, "){__wasm_import_", base,
                    "_new((int32_t)(uintptr_t)rep)};\n}\n\n", rep, "* ", base,
                    "_rep(", own, " handle) {\n  return (", rep,
                    "*)(uintptr_t)__wasm_import_", base,
                    "_rep(handle.__handle);\n}\n\n", drop_own_def);
    absl::StrAppend(&exports_c_, "\n__attribute__((__export_name__(\"", module,
                    "#[dtor]", name, "\")))\nvoid __wasm_export_", base,
                    "_dtor(int32_t rep) {\n  ", base, "_destructor((", rep,
                    "*)(uintptr_t)rep);\n}\n");
  }

  // Emits the C definition of `id` (after what it refers to) once.
  void Define(TypeId id) {
    if (!visited_.insert(id).second) return;
    const Type& t = types_[id];
    if (t.kind == TypeKind::kOwn || t.kind == TypeKind::kBorrow) {
      Resource(*t.element);
      return;
    }
    if (component::IsPrimitive(t.kind)) {
      if (t.kind == TypeKind::kErrorContext)
        Fail("C bindings for error-context");
      return;
    }
    if (t.kind == TypeKind::kResource) {
      Resource(id);
      return;
    }
    // What the definition refers to comes first.
    for (TypeId referenced : ReferencedTypes(t)) Define(referenced);
    const std::string name = CType(id);
    if (!status_.ok() || !defined_.insert(name).second) return;
    const Owner* o = OwnerOf(id);
    const std::string upper =
        Upper(name.substr(0, name.size() - 2));  // For #defines.
    std::string def = TypeDoc(pw_.docs, o);
    switch (t.kind) {
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        absl::StrAppend(&def, "typedef struct {\n");
        for (size_t i = 0; i < t.fields.size(); ++i) {
          const std::string field = FieldName(t, i);
          absl::StrAppend(&def, "  ", CType(t.fields[i].type), " ", field,
                          ";\n");
        }
        absl::StrAppend(&def, "} ", name, ";\n");
        break;
      }
      case TypeKind::kVariant: {
        absl::StrAppend(&def, "typedef struct {\n  ",
                        DiscriminantType(t.cases.size()), " tag;\n");
        std::string members;
        for (const component::Case& c : t.cases) {
          if (!c.type) continue;
          absl::StrAppend(&members, "    ", CType(*c.type), " ", Snake(c.name),
                          ";\n");
        }
        if (!members.empty()) {
          absl::StrAppend(&def, "  union {\n", members, "  } val;\n");
        }
        absl::StrAppend(&def, "} ", name, ";\n\n");
        for (size_t i = 0; i < t.cases.size(); ++i) {
          absl::StrAppend(&def, "#define ", upper, "_",
                          Upper(Snake(t.cases[i].name)), " ", i, "\n");
        }
        break;
      }
      case TypeKind::kEnum:
      case TypeKind::kFlags: {
        const bool flags = t.kind == TypeKind::kFlags;
        const size_t n = t.labels.size();
        const char* repr = flags ? (n <= 8    ? "uint8_t"
                                    : n <= 16 ? "uint16_t"
                                              : "uint32_t")
                                 : DiscriminantType(n);
        absl::StrAppend(&def, "typedef ", repr, " ", name, ";\n\n");
        for (size_t i = 0; i < n; ++i) {
          absl::StrAppend(
              &def, "#define ", upper, "_", Upper(Snake(t.labels[i])), " ",
              flags ? absl::StrCat("(1U << ", i, ")") : absl::StrCat(i), "\n");
        }
        break;
      }
      case TypeKind::kList:
        absl::StrAppend(&def, "typedef struct {\n  ", CType(*t.element),
                        "* ptr;\n  size_t len;\n} ", name, ";\n");
        break;
      case TypeKind::kOption:
        absl::StrAppend(&def, "typedef struct {\n  bool is_some;\n  ",
                        CType(*t.element), " val;\n} ", name, ";\n");
        break;
      case TypeKind::kResult: {
        absl::StrAppend(&def, "typedef struct {\n  bool is_err;\n");
        if (t.ok || t.error) {
          absl::StrAppend(&def, "  union {\n");
          if (t.ok) absl::StrAppend(&def, "    ", CType(*t.ok), " ok;\n");
          if (t.error)
            absl::StrAppend(&def, "    ", CType(*t.error), " err;\n");
          absl::StrAppend(&def, "  } val;\n");
        }
        absl::StrAppend(&def, "} ", name, ";\n");
        break;
      }
      default:
        Fail(absl::StrCat("C bindings for ", component::TypeKindName(t.kind)));
        return;
    }
    absl::StrAppend(&types_out_, "\n", def);
    if (NeedsFree(id)) FreeFunction(id);
  }

  // NAME_free: frees what a value owns (strings and lists, recursively).
  void FreeFunction(TypeId id) {
    const Type& t = types_[id];
    const std::string c = CType(id);
    const std::string fn = FreeName(id);
    absl::StrAppend(
        &helpers_h_,
        WrapList(absl::StrCat("void ", fn, "("), {c + "* ptr"}, ");"), "\n");
    std::string body;
    auto free_member = [&](TypeId member, const std::string& expr,
                           const std::string& indent) {
      if (!NeedsFree(member)) return std::string();
      return absl::StrCat(indent, FreeName(member), "(&", expr, ");\n");
    };
    switch (t.kind) {
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        for (size_t i = 0; i < t.fields.size(); ++i) {
          const std::string field = FieldName(t, i);
          absl::StrAppend(&body,
                          free_member(t.fields[i].type, "ptr->" + field, "  "));
        }
        break;
      case TypeKind::kVariant:
        absl::StrAppend(&body, "  switch (ptr->tag) {\n");
        for (size_t i = 0; i < t.cases.size(); ++i) {
          const component::Case& cs = t.cases[i];
          if (!cs.type || !NeedsFree(*cs.type)) continue;
          absl::StrAppend(
              &body, "    case ", i, ":\n",
              free_member(*cs.type, "ptr->val." + Snake(cs.name), "      "),
              "      break;\n");
        }
        absl::StrAppend(&body, "  }\n");
        break;
      case TypeKind::kList:
        if (NeedsFree(*t.element)) {
          absl::StrAppend(&body, "  for (size_t i = 0; i < ptr->len; ++i) {\n",
                          free_member(*t.element, "ptr->ptr[i]", "    "),
                          "  }\n");
        }
        absl::StrAppend(&body,
                        "  if (ptr->len > 0) free(ptr->ptr);\n"
                        "  ptr->ptr = NULL;\n  ptr->len = 0;\n");
        break;
      case TypeKind::kOption:
        absl::StrAppend(&body, "  if (ptr->is_some) {\n",
                        free_member(*t.element, "ptr->val", "    "), "  }\n");
        break;
      case TypeKind::kResult: {
        const std::string err =
            t.error ? free_member(*t.error, "ptr->val.err", "    ") : "";
        const std::string ok =
            t.ok ? free_member(*t.ok, "ptr->val.ok", "    ") : "";
        if (!err.empty()) absl::StrAppend(&body, "  if (ptr->is_err) {\n", err);
        if (!ok.empty()) {
          absl::StrAppend(
              &body, err.empty() ? "  if (!ptr->is_err) {\n" : "  } else {\n",
              ok);
        }
        absl::StrAppend(&body, "  }\n");
        break;
      }
      default:
        break;
    }
    absl::StrAppend(&helpers_c_, "\nvoid ", fn, "(", c, "* ptr) {\n", body,
                    "}\n");
  }

  // ---------------------------------------------- flat lowering and lifting

  struct CoreValue {
    std::string expr;
    ValType type = ValType::kI32;
  };

  std::vector<ValType> Flat(TypeId id) const {
    std::vector<ValType> out;
    component::FlattenType(types_, id, out);
    return out;
  }

  std::string Temp() { return absl::StrCat("_t", temps_++); }

  // A variant-like type's cases: the discriminant's C expression, and per
  // case its payload's C member (empty without one).
  struct Cases {
    std::string tag;  // "tag", "is_some", "is_err"
    std::vector<std::pair<std::string, std::optional<TypeId>>> cases;
  };

  static Cases CasesOf(const Type& t) {
    Cases out;
    if (t.kind == TypeKind::kVariant) {
      out.tag = "tag";
      for (const component::Case& c : t.cases) {
        out.cases.emplace_back(c.type ? "val." + Snake(c.name) : "", c.type);
      }
    } else if (t.kind == TypeKind::kOption) {
      out.tag = "is_some";
      out.cases.emplace_back("", std::nullopt);
      out.cases.emplace_back("val", t.element);
    } else {
      out.tag = "is_err";
      out.cases.emplace_back(t.ok ? "val.ok" : "", t.ok);
      out.cases.emplace_back(t.error ? "val.err" : "", t.error);
    }
    return out;
  }

  // A core value of type `have` as the joined type `want` (lower_flat's
  // variant coercion), and back (lift_flat's).
  static std::string Widen(const std::string& x, ValType have, ValType want) {
    if (have == want) return x;
    if (want == ValType::kI32) return absl::StrCat("cabi_f32_to_i32(", x, ")");
    // want is i64.
    if (have == ValType::kI32)
      return absl::StrCat("(int64_t)(uint32_t)(", x, ")");
    if (have == ValType::kF32) {
      return absl::StrCat("(int64_t)(uint32_t)cabi_f32_to_i32(", x, ")");
    }
    return absl::StrCat("cabi_f64_to_i64(", x, ")");
  }

  static std::string Narrow(const std::string& x, ValType have, ValType want) {
    if (have == want) return x;
    if (have == ValType::kI32) return absl::StrCat("cabi_i32_to_f32(", x, ")");
    // have is i64.
    switch (want) {
      case ValType::kI32:
        return absl::StrCat("(int32_t)(", x, ")");
      case ValType::kF32:
        return absl::StrCat("cabi_i32_to_f32((int32_t)(", x, "))");
      default:
        return absl::StrCat("cabi_i64_to_f64(", x, ")");
    }
  }

  // Appends the core values of `expr` (a C value of type `id`) to `out`,
  // writing any statements needed to `body`.
  void Lower(TypeId id, const std::string& expr, const std::string& indent,
             std::string* body, std::vector<CoreValue>* out) {
    const Type& t = types_[id];
    switch (t.kind) {
      case TypeKind::kS64:
      case TypeKind::kU64:
        out->push_back({absl::StrCat("(int64_t)(", expr, ")"), ValType::kI64});
        return;
      case TypeKind::kF32:
        out->push_back({expr, ValType::kF32});
        return;
      case TypeKind::kF64:
        out->push_back({expr, ValType::kF64});
        return;
      case TypeKind::kString:
      case TypeKind::kList:
        out->push_back({absl::StrCat("(int32_t)(uintptr_t)(", expr, ").ptr"),
                        ValType::kI32});
        out->push_back(
            {absl::StrCat("(int32_t)(", expr, ").len"), ValType::kI32});
        return;
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        for (size_t i = 0; i < t.fields.size(); ++i) {
          const std::string field = FieldName(t, i);
          Lower(t.fields[i].type, absl::StrCat("(", expr, ").", field), indent,
                body, out);
        }
        return;
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        // Only imports lower borrows, and only of imported resources (an
        // interface both imported and exported is the import's here).
        out->push_back({absl::StrCat("(", expr, ").__handle"), ValType::kI32});
        return;
      case TypeKind::kVariant:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        const std::vector<ValType> flat = Flat(id);
        std::vector<std::string> slots;
        for (ValType v : flat) {
          slots.push_back(Temp());
          absl::StrAppend(body, indent, CoreCType(v), " ", slots.back(),
                          " = 0;\n");
        }
        const Cases cs = CasesOf(t);
        absl::StrAppend(body, indent, "switch ((int)(", expr, ").", cs.tag,
                        ") {\n");
        for (size_t i = 0; i < cs.cases.size(); ++i) {
          absl::StrAppend(body, indent, "  case ", i, ": {\n", indent, "    ",
                          slots[0], " = ", i, ";\n");
          if (cs.cases[i].second) {
            std::vector<CoreValue> payload;
            Lower(*cs.cases[i].second,
                  absl::StrCat("(", expr, ").", cs.cases[i].first),
                  indent + "    ", body, &payload);
            for (size_t j = 0; j < payload.size(); ++j) {
              absl::StrAppend(
                  body, indent, "    ", slots[j + 1], " = ",
                  Widen(payload[j].expr, payload[j].type, flat[j + 1]), ";\n");
            }
          }
          absl::StrAppend(body, indent, "    break;\n", indent, "  }\n");
        }
        absl::StrAppend(body, indent, "}\n");
        for (size_t i = 0; i < flat.size(); ++i) {
          out->push_back({slots[i], flat[i]});
        }
        return;
      }
      default:  // bool, 8- to 32-bit integers, char, enum, flags.
        out->push_back({absl::StrCat("(int32_t)(", expr, ")"), ValType::kI32});
        return;
    }
  }

  // Writes statements to `body` that set `dst` (a C lvalue of type `id`)
  // from core values, consumed from `vals` starting at `*next`.
  void Lift(TypeId id, const std::string& dst,
            const std::vector<CoreValue>& vals, size_t* next,
            const std::string& indent, std::string* body) {
    const Type& t = types_[id];
    auto take = [&]() -> const CoreValue& { return vals[(*next)++]; };
    switch (t.kind) {
      case TypeKind::kBool:
        absl::StrAppend(body, indent, dst, " = (", take().expr, ") != 0;\n");
        return;
      case TypeKind::kString:
      case TypeKind::kList: {
        const std::string elem = t.kind == TypeKind::kString
                                     ? std::string("uint8_t")
                                     : CType(*t.element);
        absl::StrAppend(body, indent, dst, ".ptr = (", elem, "*)(uintptr_t)(",
                        take().expr, ");\n");
        absl::StrAppend(body, indent, dst, ".len = (size_t)(", take().expr,
                        ");\n");
        return;
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        for (size_t i = 0; i < t.fields.size(); ++i) {
          const std::string field = FieldName(t, i);
          Lift(t.fields[i].type, absl::StrCat(dst, ".", field), vals, next,
               indent, body);
        }
        return;
      case TypeKind::kOwn:
        absl::StrAppend(body, indent, dst, ".__handle = ", take().expr, ";\n");
        return;
      case TypeKind::kBorrow:
        if (Exported(*t.element)) {
          // Into the implementing component, a borrow is the rep itself.
          absl::StrAppend(body, indent, dst, " = (", CType(id), ")(uintptr_t)(",
                          take().expr, ");\n");
        } else {
          absl::StrAppend(body, indent, dst, ".__handle = ", take().expr,
                          ";\n");
        }
        return;
      case TypeKind::kVariant:
      case TypeKind::kOption:
      case TypeKind::kResult: {
        const std::vector<ValType> flat = Flat(id);
        const Cases cs = CasesOf(t);
        const std::string tag = take().expr;
        const std::string tag_type = t.kind == TypeKind::kVariant
                                         ? DiscriminantType(t.cases.size())
                                         : "bool";
        absl::StrAppend(body, indent, dst, ".", cs.tag, " = (", tag_type, ")(",
                        tag, ");\n");
        const size_t first = *next;
        if (flat.size() == 1) return;  // No case has a payload.
        absl::StrAppend(body, indent, "switch ((int)(", tag, ")) {\n");
        for (size_t i = 0; i < cs.cases.size(); ++i) {
          if (!cs.cases[i].second) continue;
          absl::StrAppend(body, indent, "  case ", i, ": {\n");
          const std::vector<ValType> want = Flat(*cs.cases[i].second);
          std::vector<CoreValue> payload;
          for (size_t j = 0; j < want.size(); ++j) {
            payload.push_back(
                {Narrow(vals[first + j].expr, flat[j + 1], want[j]), want[j]});
          }
          size_t at = 0;
          Lift(*cs.cases[i].second, absl::StrCat(dst, ".", cs.cases[i].first),
               payload, &at, indent + "    ", body);
          absl::StrAppend(body, indent, "    break;\n", indent, "  }\n");
        }
        absl::StrAppend(body, indent, "}\n");
        *next = first + flat.size() - 1;
        return;
      }
      default:  // Integers, floats, char, enum, flags.
        absl::StrAppend(body, indent, dst, " = (", CType(id), ")(", take().expr,
                        ");\n");
        return;
    }
  }

  // ------------------------------------------------------------ functions

  // The author-facing prototype: by-value parameters as values, others by
  // pointer; a by-value result returned, others through `ret`.
  std::string Prototype(const FuncSpec& f, const std::string& suffix) {
    const Type& ft = types_[f.type];
    std::vector<std::string> params;
    for (const component::Field& p : ft.fields) {
      params.push_back(absl::StrCat(CType(p.type), ByValue(p.type) ? " " : "* ",
                                    Snake(p.name)));
    }
    std::string result = "void";
    if (ft.ok) {
      if (ByValue(*ft.ok)) {
        result = CType(*ft.ok);
      } else {
        params.push_back(absl::StrCat(CType(*ft.ok), "* ret"));
      }
    }
    if (params.empty()) params.push_back("void");
    return WrapList(absl::StrCat(result, " ", f.cname, "("), params,
                    ")" + suffix);
  }

  // "  struct {...  }": function type `ft`'s parameters laid out as a tuple
  // (where they spill to memory).
  std::string ArgsStruct(const Type& ft) {
    std::string out = "  struct {\n";
    for (size_t i = 0; i < ft.fields.size(); ++i) {
      absl::StrAppend(&out, "    ", CType(ft.fields[i].type), " f", i, ";\n");
    }
    return out + "  }";
  }

  void Import(const FuncSpec& f) {
    const Type& ft = types_[f.type];
    const std::string proto = Prototype(f, " {");
    absl::StrAppend(&imports_h_, "\n", DocComment(pw_.docs, f.doc_key),
                    Prototype(f, ";"), "\n");
    temps_ = 0;
    std::string body;
    std::vector<CoreValue> args;
    for (const component::Field& p : ft.fields) {
      const std::string name = Snake(p.name);
      Lower(p.type, ByValue(p.type) ? name : "*" + name, "  ", &body, &args);
    }
    std::vector<std::string> core_params;
    std::vector<std::string> call_args;
    if (args.size() > component::kMaxFlatParams) {
      // Spilled: a pointer to the parameters laid out as a tuple.
      absl::StrAppend(&body, ArgsStruct(ft), " _args;\n");
      for (size_t i = 0; i < ft.fields.size(); ++i) {
        const std::string name = Snake(ft.fields[i].name);
        absl::StrAppend(&body, "  _args.f", i, " = ",
                        ByValue(ft.fields[i].type) ? name : "*" + name, ";\n");
      }
      core_params.push_back("int32_t");
      call_args.push_back("(int32_t)(uintptr_t)&_args");
    } else {
      for (const CoreValue& a : args) {
        core_params.push_back(CoreCType(a.type));
        call_args.push_back(a.expr);
      }
    }
    const std::vector<ValType> results =
        ft.ok ? Flat(*ft.ok) : std::vector<ValType>{};
    std::string core_result = "void";
    std::string tail;
    const std::string call_name = "__wasm_import_" + f.cname;
    if (results.size() > component::kMaxFlatResults) {
      // The host writes the result where `ret` points.
      core_params.push_back("int32_t");
      call_args.push_back("(int32_t)(uintptr_t)ret");
    }
    const std::string call =
        absl::StrCat(call_name, "(", absl::StrJoin(call_args, ", "), ");\n");
    if (results.size() == 1) {
      core_result = CoreCType(results[0]);
      absl::StrAppend(&tail, "  ", core_result, " _r = ", call);
      size_t next = 0;
      if (ByValue(*ft.ok)) {
        absl::StrAppend(&tail, "  ", CType(*ft.ok), " _ret;\n");
        Lift(*ft.ok, "_ret", {{"_r", results[0]}}, &next, "  ", &tail);
        absl::StrAppend(&tail, "  return _ret;\n");
      } else {
        Lift(*ft.ok, "(*ret)", {{"_r", results[0]}}, &next, "  ", &tail);
      }
    } else {
      absl::StrAppend(&tail, "  ", call);
    }
    if (core_params.empty()) core_params.push_back("void");
    absl::StrAppend(&imports_c_, "\n__attribute__((__import_module__(\"",
                    f.module, "\"), __import_name__(\"", f.name,
                    "\")))\nextern ", core_result, " ", call_name, "(",
                    absl::StrJoin(core_params, ", "), ");\n\n", proto, "\n",
                    body, tail, "}\n");
  }

  void Export(const FuncSpec& f) {
    const Type& ft = types_[f.type];
    absl::StrAppend(&exports_h_, "\n", DocComment(pw_.docs, f.doc_key),
                    Prototype(f, ";"), "\n");
    temps_ = 0;
    std::vector<CoreValue> params;
    size_t flat_count = 0;
    for (const component::Field& p : ft.fields)
      flat_count += Flat(p.type).size();
    std::vector<std::string> core_params;
    std::string body;
    std::vector<std::string> call_args;
    if (flat_count > component::kMaxFlatParams) {
      // Spilled: the host allocated the parameter tuple with cabi_realloc.
      core_params.push_back("int32_t _a0");
      absl::StrAppend(&body, ArgsStruct(ft),
                      "* _args = (void*)(uintptr_t)_a0;\n");
      for (size_t i = 0; i < ft.fields.size(); ++i) {
        absl::StrAppend(&body, "  ", CType(ft.fields[i].type), " _p", i,
                        " = _args->f", i, ";\n");
      }
      absl::StrAppend(&body, "  free(_args);\n");
    } else {
      size_t n = 0;
      for (const component::Field& p : ft.fields) {
        for (ValType v : Flat(p.type)) {
          const std::string name = absl::StrCat("_a", n++);
          core_params.push_back(absl::StrCat(CoreCType(v), " ", name));
          params.push_back({name, v});
        }
      }
      size_t next = 0;
      for (size_t i = 0; i < ft.fields.size(); ++i) {
        absl::StrAppend(&body, "  ", CType(ft.fields[i].type), " _p", i, ";\n");
        Lift(ft.fields[i].type, absl::StrCat("_p", i), params, &next, "  ",
             &body);
      }
    }
    for (size_t i = 0; i < ft.fields.size(); ++i) {
      call_args.push_back(
          absl::StrCat(ByValue(ft.fields[i].type) ? "" : "&", "_p", i));
    }
    const std::vector<ValType> results =
        ft.ok ? Flat(*ft.ok) : std::vector<ValType>{};
    std::string core_result = "void";
    // Borrowed handles of imported resources must be dropped before the
    // call returns (the spec traps otherwise): the wrapper drops those it
    // passed as parameters once the author's function is done with them.
    std::string drops;
    for (size_t i = 0; i < ft.fields.size(); ++i) {
      const Type& p = types_[ft.fields[i].type];
      if (p.kind != TypeKind::kBorrow || Exported(*p.element)) continue;
      absl::StrAppend(&drops, "  __wasm_import_", ResourceBase(*p.element),
                      "_drop(_p", i, ".__handle);\n");
    }
    const std::string call =
        absl::StrCat(f.cname, "(", absl::StrJoin(call_args, ", "));
    const std::string with_ret =
        absl::StrCat(f.cname, "(", absl::StrJoin(call_args, ", "),
                     call_args.empty() ? "" : ", ", "&_ret);\n", drops);
    if (!ft.ok) {
      absl::StrAppend(&body, "  ", call, ");\n", drops);
    } else if (results.size() == 1) {
      // One core result, returned (a by-value result is always one).
      core_result = CoreCType(results[0]);
      if (ByValue(*ft.ok)) {
        absl::StrAppend(&body, "  ", CType(*ft.ok), " _ret = ", call, ");\n",
                        drops);
      } else {
        absl::StrAppend(&body, "  ", CType(*ft.ok), " _ret;\n  ", with_ret);
      }
      std::vector<CoreValue> out;
      Lower(*ft.ok, "_ret", "  ", &body, &out);
      absl::StrAppend(&body, "  return ", out[0].expr, ";\n");
    } else {
      // The return area: read by the host after the call, freed by the
      // post-return function.
      core_result = "int32_t";
      absl::StrAppend(&body, "  static ", CType(*ft.ok), " _ret;\n  ", with_ret,
                      "  return (int32_t)(uintptr_t)&_ret;\n");
    }
    if (core_params.empty()) core_params.push_back("void");
    absl::StrAppend(&exports_c_, "\n__attribute__((__export_name__(\"", f.name,
                    "\")))\n", core_result, " __wasm_export_", f.cname, "(",
                    absl::StrJoin(core_params, ", "), ") {\n", body, "}\n");
    if (results.size() > component::kMaxFlatResults && NeedsFree(*ft.ok)) {
      absl::StrAppend(&exports_c_,
                      "\n__attribute__((__export_name__(\"cabi_post_", f.name,
                      "\")))\nvoid __wasm_export_", f.cname,
                      "_post_return(int32_t ret) {\n  ", FreeName(*ft.ok), "((",
                      CType(*ft.ok), "*)(uintptr_t)ret);\n}\n");
    }
  }

  const component::ParsedWorld& pw_;
  const TypeArena& types_;
  FlatInfo flat_;
  std::string world_;
  TypeOwners owners_;
  std::set<TypeId> visited_;
  std::set<TypeId> resources_;
  std::set<std::string> defined_;
  int temps_ = 0;
  absl::Status status_;
  std::string types_out_, helpers_h_, helpers_c_;
  std::string imports_h_, imports_c_, exports_h_, exports_c_;
};

}  // namespace

absl::StatusOr<CGuestFiles> GenerateCGuest(
    const component::ParsedWorld& world) {
  return Generator(world).Run();
}

}  // namespace wasmhost::bindgen
