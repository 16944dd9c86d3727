// lib/component/wit_parser.cc: ParseWit in three steps: a lexer (tokens,
// comments, doc comments, feature gates' semver), a parser into a small
// syntax tree per package, and a resolver that turns the selected world
// into TypeArena types, interfaces and world items.

#include "lib/component/wit_parser.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/component/wit_printer.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
namespace {

// ---------------------------------------------------------------- lexing

struct Loc {
  const std::string* path = nullptr;
  int line = 1;
  int column = 1;
};

absl::Status ErrorAt(const Loc& loc, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(loc.path == nullptr ? "<wit>" : *loc.path, ":", loc.line,
                   ":", loc.column, ": ", message));
}

enum class Tok : uint8_t {
  kEof,
  kId,      // A label; `explicit_id` when written with '%'.
  kNumber,  // Digits (fixed list lengths).
  kPunct,   // One of { } ( ) < > , ; : . = / @ * _ and "->".
};

struct Token {
  Tok kind = Tok::kEof;
  std::string text;
  bool explicit_id = false;
  Loc loc;
  std::string docs;  // Doc comments right before the token.
};

class Lexer {
 public:
  explicit Lexer(const WitFile& file) : file_(file), text_(file.text) {}

  absl::StatusOr<Token> Next() {
    std::string docs;
    WASMHOST_RETURN_IF_ERROR(SkipTrivia(&docs));
    Token t;
    t.loc = Here();
    t.docs = std::move(docs);
    if (pos_ >= text_.size()) return t;
    const char c = text_[pos_];
    if (c == '-' && Peek(1) == '>') {
      Advance(2);
      t.kind = Tok::kPunct;
      t.text = "->";
      return t;
    }
    if (c == '%' || absl::ascii_isalpha(c)) {
      t.explicit_id = c == '%';
      if (t.explicit_id) Advance(1);
      const size_t start = pos_;
      while (pos_ < text_.size() &&
             (absl::ascii_isalnum(text_[pos_]) || text_[pos_] == '-')) {
        Advance(1);
      }
      t.kind = Tok::kId;
      t.text = std::string(text_.substr(start, pos_ - start));
      if (!ValidLabel(t.text)) {
        return ErrorAt(
            t.loc, absl::StrCat("\"", t.text, "\" is not a kebab-case label"));
      }
      return t;
    }
    if (absl::ascii_isdigit(c)) {
      const size_t start = pos_;
      while (pos_ < text_.size() && absl::ascii_isdigit(text_[pos_])) {
        Advance(1);
      }
      t.kind = Tok::kNumber;
      t.text = std::string(text_.substr(start, pos_ - start));
      return t;
    }
    if (absl::string_view("{}()<>,;:.=/@*_").find(c) !=
        absl::string_view::npos) {
      Advance(1);
      t.kind = Tok::kPunct;
      t.text = std::string(1, c);
      return t;
    }
    return ErrorAt(
        t.loc,
        absl::StrCat(
            "unexpected character '",
            (absl::ascii_isprint(c)
                 ? std::string(1, c)
                 : absl::StrCat("\\x", absl::Hex(static_cast<uint8_t>(c)))),
            "'"));
  }

  // The semver at the current position (after '@' or '= ').
  absl::StatusOr<std::string> Version() {
    while (pos_ < text_.size() && absl::ascii_isblank(text_[pos_])) Advance(1);
    const Loc loc = Here();
    const size_t start = pos_;
    while (pos_ < text_.size() && (absl::ascii_isalnum(text_[pos_]) ||
                                   absl::string_view(".-+").find(text_[pos_]) !=
                                       absl::string_view::npos)) {
      Advance(1);
    }
    // A `use ns:pkg/iface@1.0.0.{...}` path ends in '.': not the version's.
    while (pos_ > start && text_[pos_ - 1] == '.') {
      --pos_;
      --column_;
    }
    const std::string v(text_.substr(start, pos_ - start));
    if (!ValidVersion(v)) {
      return ErrorAt(loc, absl::StrCat("\"", v, "\" is not a semver version"));
    }
    return v;
  }

  const std::string* path() const { return &file_.path; }

 private:
  static bool ValidLabel(absl::string_view s) {
    if (s.empty() || s.back() == '-' || absl::StrContains(s, "--")) {
      return false;
    }
    // Each word starts with a letter and is all lower or all upper case.
    size_t start = 0;
    while (start < s.size()) {
      size_t end = s.find('-', start);
      if (end == absl::string_view::npos) end = s.size();
      const absl::string_view word = s.substr(start, end - start);
      if (word.empty() || !absl::ascii_isalpha(word[0])) return false;
      const bool lower = absl::ascii_islower(word[0]);
      for (char ch : word) {
        if (absl::ascii_isalpha(ch) && absl::ascii_islower(ch) != lower) {
          return false;
        }
      }
      start = end + 1;
    }
    return true;
  }

  static bool ValidVersion(absl::string_view v) {
    // MAJOR.MINOR.PATCH, then optional -pre and +build parts.
    const size_t extra = v.find_first_of("-+");
    const absl::string_view core = v.substr(0, extra);
    int parts = 0;
    size_t start = 0;
    while (start <= core.size()) {
      size_t end = core.find('.', start);
      if (end == absl::string_view::npos) end = core.size();
      const absl::string_view n = core.substr(start, end - start);
      if (n.empty() || !std::all_of(n.begin(), n.end(), absl::ascii_isdigit)) {
        return false;
      }
      ++parts;
      start = end + 1;
    }
    return parts == 3;
  }

  char Peek(size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void Advance(size_t n) {
    for (size_t i = 0; i < n && pos_ < text_.size(); ++i, ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_;
        column_ = 1;
      } else {
        ++column_;
      }
    }
  }

  Loc Here() const { return Loc{&file_.path, line_, column_}; }

  // Whitespace and comments; `///` and `/** */` comments are kept in
  // `docs` (a plain comment after them discards them, as wit-parser does
  // not attach docs across other comments).
  absl::Status SkipTrivia(std::string* docs) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (absl::ascii_isspace(c)) {
        Advance(1);
      } else if (c == '/' && Peek(1) == '/') {
        const bool doc = Peek(2) == '/' && Peek(3) != '/';
        size_t end = text_.find('\n', pos_);
        if (end == absl::string_view::npos) end = text_.size();
        if (doc) {
          absl::string_view line = text_.substr(pos_ + 3, end - pos_ - 3);
          if (absl::StartsWith(line, " ")) line.remove_prefix(1);
          absl::StrAppend(docs, docs->empty() ? "" : "\n",
                          absl::StripTrailingAsciiWhitespace(line));
        }
        Advance(end - pos_);
      } else if (c == '/' && Peek(1) == '*') {
        const Loc start = Here();
        const bool doc = Peek(2) == '*' && Peek(3) != '/';
        const size_t body = pos_ + (doc ? 3 : 2);
        // Block comments nest.
        int depth = 0;
        size_t i = pos_;
        do {
          if (i + 1 >= text_.size()) {
            return ErrorAt(start, "unterminated block comment");
          }
          if (text_[i] == '/' && text_[i + 1] == '*') {
            ++depth;
            i += 2;
          } else if (text_[i] == '*' && text_[i + 1] == '/') {
            --depth;
            i += 2;
          } else {
            ++i;
          }
        } while (depth > 0);
        if (doc) {
          absl::StrAppend(
              docs, docs->empty() ? "" : "\n",
              absl::StripAsciiWhitespace(text_.substr(body, i - 2 - body)));
        }
        Advance(i - pos_);
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  const WitFile& file_;
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

// ---------------------------------------------------------- syntax tree

struct TypeExpr {
  enum class K : uint8_t {
    kPrim,
    kName,
    kList,
    kOption,
    kResult,
    kTuple,
    kOwn,
    kBorrow,
    kFuture,
    kStream,
  };
  K k = K::kPrim;
  Loc loc;
  TypeKind prim = TypeKind::kBool;
  std::string name;            // kName, kOwn, kBorrow.
  std::vector<TypeExpr> args;  // Element(s); kResult: ok then error.
  bool has_ok = false;         // kResult.
  bool has_err = false;        // kResult.
  uint32_t fixed_length = 0;   // kList.
};

struct ParamAst {
  Loc loc;
  std::string name;
  TypeExpr type;
};

struct FuncAst {
  Loc loc;
  std::string name;  // The method or static function's own name.
  std::string docs;
  FuncName::Kind kind = FuncName::Kind::kFreestanding;
  bool async = false;
  std::vector<ParamAst> params;
  std::optional<TypeExpr> result;
};

struct CaseAst {
  Loc loc;
  std::string name;
  std::optional<TypeExpr> type;
};

struct TypeDefAst {
  Loc loc;
  std::string name;
  std::string docs;
  // kRecord, kVariant, kEnum, kFlags, kResource; kFunc stands for an alias.
  TypeKind kind = TypeKind::kFunc;
  std::vector<ParamAst> fields;
  std::vector<CaseAst> cases;
  std::vector<std::string> labels;
  std::optional<TypeExpr> alias;
  std::vector<FuncAst> funcs;  // kResource.
};

// `iface` (package empty) or `ns:pkg/iface@version`.
struct UsePath {
  Loc loc;
  std::string package;  // "ns:pkg" or "ns:pkg@1.0.0".
  std::string iface;
};

struct UseAst {
  Loc loc;
  UsePath path;
  std::vector<std::pair<std::string, std::string>> names;  // name, as.
};

struct InterfaceAst;

// One item of an interface or world, in source order.
struct ItemAst {
  enum class K : uint8_t { kUse, kType, kFunc, kExtern, kInclude };
  K k = K::kType;
  Loc loc;
  std::string docs;
  UseAst use;       // kUse.
  TypeDefAst type;  // kType.
  FuncAst func;     // kFunc, kExtern (a function).
  // kExtern: an import or export.
  bool import = false;
  std::string extern_name;  // `import name: ...`; empty for a path.
  UsePath ref;              // `import path;` and kInclude.
  std::shared_ptr<InterfaceAst> inline_iface;
  bool is_func = false;
  // kInclude: `with { a as b }`.
  std::vector<std::pair<std::string, std::string>> renames;
};

struct PackageAst;

// What an interface and a world both are: named items of a package.
struct ScopeAst {
  Loc loc;
  std::string name;
  std::string docs;
  std::vector<ItemAst> items;
  const PackageAst* package = nullptr;
};

struct InterfaceAst : ScopeAst {};
struct WorldAst : ScopeAst {};

struct PackageAst {
  Loc loc;
  std::string id;  // "ns:pkg@1.0.0"; empty when the files declare none.
  std::deque<InterfaceAst> interfaces;
  std::deque<WorldAst> worlds;
  // Top-level `use ns:pkg/iface as name;`.
  std::map<std::string, UsePath> aliases;
};

// "ns:pkg@1.0.0" → "ns:pkg".
std::string Unversioned(absl::string_view id) {
  return std::string(id.substr(0, id.find('@')));
}

// ---------------------------------------------------------------- parsing

class Parser {
 public:
  explicit Parser(const WitFile& file) : lexer_(file) {}

  // Parses one file into `packages` (its own package and any nested
  // `package x { ... }` blocks). `main` is the package of the file's
  // unnested items, merged across the files of one package.
  absl::Status ParseFile(PackageAst* main, std::deque<PackageAst>* nested) {
    WASMHOST_RETURN_IF_ERROR(Advance());
    WASMHOST_RETURN_IF_ERROR(SkipGates());
    if (IsKeyword("package")) {
      const Loc loc = cur_.loc;
      WASMHOST_RETURN_IF_ERROR(Advance());
      WASMHOST_ASSIGN_OR_RETURN(std::string id, PackageName());
      if (IsPunct("{")) {
        WASMHOST_RETURN_IF_ERROR(NestedPackage(std::move(id), loc, nested));
      } else {
        WASMHOST_RETURN_IF_ERROR(Expect(";"));
        if (!main->id.empty() && main->id != id) {
          return ErrorAt(loc, absl::StrCat("package ", id, " after package ",
                                           main->id, " in the same package"));
        }
        main->id = id;
        main->loc = loc;
      }
    }
    return Items(main, nested, /*closing=*/false);
  }

 private:
  absl::Status NestedPackage(std::string id, const Loc& loc,
                             std::deque<PackageAst>* nested) {
    nested->emplace_back();
    PackageAst* p = &nested->back();
    p->id = std::move(id);
    p->loc = loc;
    WASMHOST_RETURN_IF_ERROR(Expect("{"));
    return Items(p, nested, /*closing=*/true);
  }

  // Top-level items until end of file (or '}' when `closing`).
  absl::Status Items(PackageAst* p, std::deque<PackageAst>* nested,
                     bool closing) {
    while (true) {
      WASMHOST_ASSIGN_OR_RETURN(const bool keep, Gates());
      const std::string docs = cur_.docs;
      const Loc loc = cur_.loc;
      if (closing && IsPunct("}")) return Advance();
      if (cur_.kind == Tok::kEof) {
        if (closing) return Unexpected("'}'");
        return absl::OkStatus();
      }
      if (IsKeyword("interface")) {
        WASMHOST_ASSIGN_OR_RETURN(
            InterfaceAst iface,
            Scope<InterfaceAst>(loc, docs, p, &Parser::InterfaceItem));
        if (keep) p->interfaces.push_back(std::move(iface));
      } else if (IsKeyword("world")) {
        WASMHOST_ASSIGN_OR_RETURN(
            WorldAst world, Scope<WorldAst>(loc, docs, p, &Parser::WorldItem));
        if (keep) {
          for (ItemAst& item : world.items) {
            if (item.inline_iface) item.inline_iface->package = p;
          }
          p->worlds.push_back(std::move(world));
        }
      } else if (IsKeyword("use")) {
        WASMHOST_RETURN_IF_ERROR(Advance());
        WASMHOST_ASSIGN_OR_RETURN(UsePath path, Path());
        std::string as = path.iface;
        if (IsKeyword("as")) {
          WASMHOST_RETURN_IF_ERROR(Advance());
          WASMHOST_ASSIGN_OR_RETURN(as, Label());
        }
        WASMHOST_RETURN_IF_ERROR(Expect(";"));
        if (keep) p->aliases[as] = std::move(path);
      } else if (IsKeyword("package") && !closing) {
        WASMHOST_RETURN_IF_ERROR(Advance());
        WASMHOST_ASSIGN_OR_RETURN(std::string id, PackageName());
        if (!IsPunct("{")) {
          return ErrorAt(loc, "a package declaration must come first");
        }
        WASMHOST_RETURN_IF_ERROR(NestedPackage(std::move(id), loc, nested));
      } else {
        return Unexpected("'interface', 'world', 'use' or 'package'");
      }
    }
  }

  // An item of one of these kinds, parsed past what TypeOrUse takes.
  using ItemParser = absl::Status (Parser::*)(ItemAst* item);

  // `interface name {...}` or `world name {...}`, at its keyword: its
  // items are uses, types, and what `item` parses.
  template <typename Ast>
  absl::StatusOr<Ast> Scope(const Loc& loc, const std::string& docs,
                            const PackageAst* p, ItemParser item) {
    WASMHOST_RETURN_IF_ERROR(Advance());
    Ast ast;
    ast.loc = loc;
    ast.docs = docs;
    ast.package = p;
    WASMHOST_ASSIGN_OR_RETURN(ast.name, Label());
    WASMHOST_RETURN_IF_ERROR(Body(&ast, item));
    return ast;
  }

  // `{ items }`, as Scope's.
  absl::Status Body(ScopeAst* scope, ItemParser other) {
    WASMHOST_RETURN_IF_ERROR(Expect("{"));
    while (!IsPunct("}")) {
      WASMHOST_ASSIGN_OR_RETURN(const bool keep, Gates());
      ItemAst item;
      item.loc = cur_.loc;
      item.docs = cur_.docs;
      WASMHOST_ASSIGN_OR_RETURN(const bool is_type, TypeOrUse(&item));
      if (!is_type) WASMHOST_RETURN_IF_ERROR((this->*other)(&item));
      if (keep) scope->items.push_back(std::move(item));
    }
    return Advance();
  }

  // An interface's function.
  absl::Status InterfaceItem(ItemAst* item) {
    item->k = ItemAst::K::kFunc;
    WASMHOST_RETURN_IF_ERROR(NamedFunc(&item->func));
    item->func.docs = item->docs;
    return absl::OkStatus();
  }

  // A world's import, export or include.
  absl::Status WorldItem(ItemAst* item) {
    if (IsKeyword("import") || IsKeyword("export")) {
      item->k = ItemAst::K::kExtern;
      item->import = IsKeyword("import");
      WASMHOST_RETURN_IF_ERROR(Advance());
      return Extern(item);
    }
    if (!IsKeyword("include")) {
      return Unexpected("'import', 'export', 'use', 'include' or a type");
    }
    item->k = ItemAst::K::kInclude;
    WASMHOST_RETURN_IF_ERROR(Advance());
    WASMHOST_ASSIGN_OR_RETURN(item->ref, Path());
    if (!IsKeyword("with")) return Expect(";");
    WASMHOST_RETURN_IF_ERROR(Advance());
    WASMHOST_RETURN_IF_ERROR(Expect("{"));
    while (!IsPunct("}")) {
      WASMHOST_ASSIGN_OR_RETURN(std::string from, Label());
      WASMHOST_RETURN_IF_ERROR(ExpectKeyword("as"));
      WASMHOST_ASSIGN_OR_RETURN(std::string to, Label());
      item->renames.emplace_back(std::move(from), std::move(to));
      if (!IsPunct(",")) break;
      WASMHOST_RETURN_IF_ERROR(Advance());
    }
    // `include x with { ... }` has no ';' (WIT.md's include-item).
    return Expect("}");
  }

  // `import name: func...;`, `import name: interface {...}`, `import path;`
  absl::Status Extern(ItemAst* item) {
    WASMHOST_ASSIGN_OR_RETURN(UsePath path, Path());
    if (path.package.empty() && IsPunct(":")) {
      item->extern_name = path.iface;
      WASMHOST_RETURN_IF_ERROR(Advance());
      if (IsKeyword("interface")) {
        WASMHOST_RETURN_IF_ERROR(Advance());
        item->inline_iface = std::make_shared<InterfaceAst>();
        item->inline_iface->loc = item->loc;
        item->inline_iface->name = path.iface;
        item->inline_iface->docs = item->docs;
        return Body(item->inline_iface.get(), &Parser::InterfaceItem);
      }
      item->is_func = true;
      item->func.loc = item->loc;
      item->func.name = path.iface;
      item->func.docs = item->docs;
      WASMHOST_RETURN_IF_ERROR(FuncType(&item->func));
      return Expect(";");
    }
    item->ref = std::move(path);
    return Expect(";");
  }

  // A type definition or `use` (true), or neither (false, nothing read).
  absl::StatusOr<bool> TypeOrUse(ItemAst* item) {
    if (IsKeyword("use")) {
      item->k = ItemAst::K::kUse;
      item->use.loc = cur_.loc;
      WASMHOST_RETURN_IF_ERROR(Advance());
      WASMHOST_ASSIGN_OR_RETURN(item->use.path, Path());
      WASMHOST_RETURN_IF_ERROR(Expect("."));
      WASMHOST_RETURN_IF_ERROR(Expect("{"));
      while (!IsPunct("}")) {
        WASMHOST_ASSIGN_OR_RETURN(std::string name, Label());
        std::string as = name;
        if (IsKeyword("as")) {
          WASMHOST_RETURN_IF_ERROR(Advance());
          WASMHOST_ASSIGN_OR_RETURN(as, Label());
        }
        item->use.names.emplace_back(std::move(name), std::move(as));
        if (!IsPunct(",")) break;
        WASMHOST_RETURN_IF_ERROR(Advance());
      }
      WASMHOST_RETURN_IF_ERROR(Expect("}"));
      WASMHOST_RETURN_IF_ERROR(Expect(";"));
      return true;
    }
    TypeDefAst& def = item->type;
    def.loc = cur_.loc;
    def.docs = item->docs;
    static const auto* const kKinds =
        new absl::flat_hash_map<std::string, TypeKind>{
            {"record", TypeKind::kRecord},     {"variant", TypeKind::kVariant},
            {"enum", TypeKind::kEnum},         {"flags", TypeKind::kFlags},
            {"resource", TypeKind::kResource}, {"type", TypeKind::kFunc}};
    if (cur_.kind != Tok::kId || cur_.explicit_id) return false;
    auto kind = kKinds->find(cur_.text);
    if (kind == kKinds->end()) return false;
    item->k = ItemAst::K::kType;
    def.kind = kind->second;
    WASMHOST_RETURN_IF_ERROR(Advance());
    WASMHOST_ASSIGN_OR_RETURN(def.name, Label());
    switch (def.kind) {
      case TypeKind::kFunc: {
        WASMHOST_RETURN_IF_ERROR(Expect("="));
        WASMHOST_ASSIGN_OR_RETURN(def.alias, Type());
        WASMHOST_RETURN_IF_ERROR(Expect(";"));
        return true;
      }
      case TypeKind::kResource:
        if (IsPunct(";")) {
          WASMHOST_RETURN_IF_ERROR(Advance());
          return true;
        }
        WASMHOST_RETURN_IF_ERROR(Expect("{"));
        while (!IsPunct("}")) {
          WASMHOST_ASSIGN_OR_RETURN(const bool keep, Gates());
          FuncAst f;
          f.loc = cur_.loc;
          f.docs = cur_.docs;
          if (IsKeyword("constructor")) {
            f.kind = FuncName::Kind::kConstructor;
            WASMHOST_RETURN_IF_ERROR(Advance());
            WASMHOST_RETURN_IF_ERROR(Params(&f));
            if (IsPunct("->")) {
              WASMHOST_RETURN_IF_ERROR(Advance());
              WASMHOST_ASSIGN_OR_RETURN(f.result, Type());
            }
            WASMHOST_RETURN_IF_ERROR(Expect(";"));
          } else {
            WASMHOST_ASSIGN_OR_RETURN(f.name, Label());
            WASMHOST_RETURN_IF_ERROR(Expect(":"));
            f.kind = FuncName::Kind::kMethod;
            if (IsKeyword("static")) {
              f.kind = FuncName::Kind::kStatic;
              WASMHOST_RETURN_IF_ERROR(Advance());
            }
            WASMHOST_RETURN_IF_ERROR(FuncType(&f));
            WASMHOST_RETURN_IF_ERROR(Expect(";"));
          }
          if (keep) def.funcs.push_back(std::move(f));
        }
        WASMHOST_RETURN_IF_ERROR(Advance());
        return true;
      default:
        break;
    }
    WASMHOST_RETURN_IF_ERROR(Expect("{"));
    while (!IsPunct("}")) {
      WASMHOST_ASSIGN_OR_RETURN(const bool keep, Gates());
      const Loc loc = cur_.loc;
      WASMHOST_ASSIGN_OR_RETURN(std::string name, Label());
      if (def.kind == TypeKind::kRecord) {
        WASMHOST_RETURN_IF_ERROR(Expect(":"));
        WASMHOST_ASSIGN_OR_RETURN(TypeExpr t, Type());
        if (keep) def.fields.push_back({loc, std::move(name), std::move(t)});
      } else if (def.kind == TypeKind::kVariant) {
        CaseAst c{loc, std::move(name), std::nullopt};
        if (IsPunct("(")) {
          WASMHOST_RETURN_IF_ERROR(Advance());
          WASMHOST_ASSIGN_OR_RETURN(c.type, Type());
          WASMHOST_RETURN_IF_ERROR(Expect(")"));
        }
        if (keep) def.cases.push_back(std::move(c));
      } else if (keep) {
        def.labels.push_back(std::move(name));
      }
      if (!IsPunct(",")) break;
      WASMHOST_RETURN_IF_ERROR(Advance());
    }
    if (def.fields.empty() && def.cases.empty() && def.labels.empty()) {
      return ErrorAt(def.loc, absl::StrCat(TypeKindName(def.kind), " ",
                                           def.name, " has no members"));
    }
    WASMHOST_RETURN_IF_ERROR(Expect("}"));
    return true;
  }

  // `name: func(...) -> t;`
  absl::Status NamedFunc(FuncAst* f) {
    f->loc = cur_.loc;
    WASMHOST_ASSIGN_OR_RETURN(f->name, Label());
    WASMHOST_RETURN_IF_ERROR(Expect(":"));
    WASMHOST_RETURN_IF_ERROR(FuncType(f));
    return Expect(";");
  }

  absl::Status FuncType(FuncAst* f) {
    if (IsKeyword("async")) {
      f->async = true;
      WASMHOST_RETURN_IF_ERROR(Advance());
    }
    WASMHOST_RETURN_IF_ERROR(ExpectKeyword("func"));
    WASMHOST_RETURN_IF_ERROR(Params(f));
    if (IsPunct("->")) {
      WASMHOST_RETURN_IF_ERROR(Advance());
      WASMHOST_ASSIGN_OR_RETURN(f->result, Type());
    }
    return absl::OkStatus();
  }

  absl::Status Params(FuncAst* f) {
    WASMHOST_RETURN_IF_ERROR(Expect("("));
    while (!IsPunct(")")) {
      const Loc loc = cur_.loc;
      WASMHOST_ASSIGN_OR_RETURN(std::string name, Label());
      WASMHOST_RETURN_IF_ERROR(Expect(":"));
      WASMHOST_ASSIGN_OR_RETURN(TypeExpr t, Type());
      f->params.push_back({loc, std::move(name), std::move(t)});
      if (!IsPunct(",")) break;
      WASMHOST_RETURN_IF_ERROR(Advance());
    }
    return Expect(")");
  }

  absl::StatusOr<TypeExpr> Type() {
    if (depth_ > 100) return ErrorAt(cur_.loc, "types nested too deeply");
    TypeExpr t;
    t.loc = cur_.loc;
    if (cur_.kind != Tok::kId) return Unexpected("a type");
    static const auto* const kPrims =
        new absl::flat_hash_map<std::string, TypeKind>{
            {"bool", TypeKind::kBool},
            {"s8", TypeKind::kS8},
            {"u8", TypeKind::kU8},
            {"s16", TypeKind::kS16},
            {"u16", TypeKind::kU16},
            {"s32", TypeKind::kS32},
            {"u32", TypeKind::kU32},
            {"s64", TypeKind::kS64},
            {"u64", TypeKind::kU64},
            {"f32", TypeKind::kF32},
            {"f64", TypeKind::kF64},
            {"float32", TypeKind::kF32},
            {"float64", TypeKind::kF64},
            {"char", TypeKind::kChar},
            {"string", TypeKind::kString},
            {"error-context", TypeKind::kErrorContext}};
    static const auto* const kGenerics =
        new absl::flat_hash_map<std::string, TypeExpr::K>{
            {"list", TypeExpr::K::kList},     {"option", TypeExpr::K::kOption},
            {"result", TypeExpr::K::kResult}, {"tuple", TypeExpr::K::kTuple},
            {"own", TypeExpr::K::kOwn},       {"borrow", TypeExpr::K::kBorrow},
            {"future", TypeExpr::K::kFuture}, {"stream", TypeExpr::K::kStream}};
    const std::string word = cur_.text;
    const bool plain = !cur_.explicit_id;
    WASMHOST_RETURN_IF_ERROR(Advance());
    if (plain) {
      if (auto p = kPrims->find(word); p != kPrims->end()) {
        t.prim = p->second;
        return t;
      }
      if (auto g = kGenerics->find(word); g != kGenerics->end()) {
        t.k = g->second;
        ++depth_;
        absl::Status s = Generic(&t);
        --depth_;
        WASMHOST_RETURN_IF_ERROR(s);
        return t;
      }
    }
    t.k = TypeExpr::K::kName;
    t.name = word;
    return t;
  }

  absl::Status Generic(TypeExpr* t) {
    const bool optional_args = t->k == TypeExpr::K::kResult ||
                               t->k == TypeExpr::K::kFuture ||
                               t->k == TypeExpr::K::kStream;
    if (!IsPunct("<")) {
      if (optional_args) return absl::OkStatus();
      return Unexpected("'<'");
    }
    WASMHOST_RETURN_IF_ERROR(Advance());
    if (t->k == TypeExpr::K::kOwn || t->k == TypeExpr::K::kBorrow) {
      WASMHOST_ASSIGN_OR_RETURN(t->name, Label());
    } else if (t->k == TypeExpr::K::kResult) {
      if (IsPunct("_")) {
        WASMHOST_RETURN_IF_ERROR(Advance());
        WASMHOST_RETURN_IF_ERROR(Expect(","));
      } else {
        t->has_ok = true;
        WASMHOST_ASSIGN_OR_RETURN(TypeExpr ok, Type());
        t->args.push_back(std::move(ok));
      }
      if (!t->has_ok || IsPunct(",")) {
        if (t->has_ok) WASMHOST_RETURN_IF_ERROR(Advance());
        t->has_err = true;
        WASMHOST_ASSIGN_OR_RETURN(TypeExpr e, Type());
        t->args.push_back(std::move(e));
      }
    } else if (t->k == TypeExpr::K::kTuple) {
      while (!IsPunct(">")) {
        WASMHOST_ASSIGN_OR_RETURN(TypeExpr e, Type());
        t->args.push_back(std::move(e));
        if (!IsPunct(",")) break;
        WASMHOST_RETURN_IF_ERROR(Advance());
      }
    } else {
      WASMHOST_ASSIGN_OR_RETURN(TypeExpr e, Type());
      t->args.push_back(std::move(e));
      if (t->k == TypeExpr::K::kList && IsPunct(",")) {
        WASMHOST_RETURN_IF_ERROR(Advance());
        if (cur_.kind != Tok::kNumber) return Unexpected("a list length");
        if (cur_.text.size() > 9 || std::stoul(cur_.text) == 0) {
          return ErrorAt(cur_.loc,
                         "a fixed list length must be 1 to 999999999");
        }
        t->fixed_length = static_cast<uint32_t>(std::stoul(cur_.text));
        WASMHOST_RETURN_IF_ERROR(Advance());
      }
    }
    return Expect(">");
  }

  // `ns:pkg@ver` (at the package keyword).
  absl::StatusOr<std::string> PackageName() {
    WASMHOST_ASSIGN_OR_RETURN(std::string ns, Label());
    WASMHOST_RETURN_IF_ERROR(Expect(":"));
    WASMHOST_ASSIGN_OR_RETURN(std::string name, Label());
    std::string id = absl::StrCat(ns, ":", name);
    if (IsPunct("@")) {
      WASMHOST_ASSIGN_OR_RETURN(std::string v, lexer_.Version());
      absl::StrAppend(&id, "@", v);
      WASMHOST_RETURN_IF_ERROR(Advance());
    }
    return id;
  }

  // `iface` or `ns:pkg/iface@ver`.
  absl::StatusOr<UsePath> Path() {
    UsePath p;
    p.loc = cur_.loc;
    WASMHOST_ASSIGN_OR_RETURN(std::string first, Label());
    if (!IsPunct(":")) {
      p.iface = std::move(first);
      return p;
    }
    // `name:` is a package only when an identifier and '/' follow; a world
    // extern `name: func` is handled by the caller, so look for the '/'.
    WASMHOST_RETURN_IF_ERROR(Advance());
    if (cur_.kind != Tok::kId || IsKeyword("func") || IsKeyword("interface") ||
        IsKeyword("async")) {
      // Not a package path: hand the ':' back to the caller.
      pending_colon_ = true;
      p.iface = std::move(first);
      return p;
    }
    WASMHOST_ASSIGN_OR_RETURN(std::string pkg, Label());
    WASMHOST_RETURN_IF_ERROR(Expect("/"));
    WASMHOST_ASSIGN_OR_RETURN(p.iface, Label());
    p.package = absl::StrCat(first, ":", pkg);
    if (IsPunct("@")) {
      WASMHOST_ASSIGN_OR_RETURN(std::string v, lexer_.Version());
      absl::StrAppend(&p.package, "@", v);
      WASMHOST_RETURN_IF_ERROR(Advance());
    }
    return p;
  }

  // Feature gates before an item: false when the item is left out.
  absl::StatusOr<bool> Gates() {
    bool keep = true;
    while (IsPunct("@")) {
      const Loc loc = cur_.loc;
      const std::string docs = cur_.docs;
      WASMHOST_RETURN_IF_ERROR(Advance());
      WASMHOST_ASSIGN_OR_RETURN(std::string gate, Label());
      if (gate != "since" && gate != "unstable" && gate != "deprecated") {
        return ErrorAt(loc, absl::StrCat("unknown feature gate @", gate));
      }
      WASMHOST_RETURN_IF_ERROR(Expect("("));
      WASMHOST_ASSIGN_OR_RETURN(std::string key, Label());
      const std::string want = gate == "unstable" ? "feature" : "version";
      if (key != want) {
        return ErrorAt(loc, absl::StrCat("@", gate, " takes ", want, " = ..."));
      }
      if (!IsPunct("=")) return Unexpected("'='");
      if (gate == "unstable") {
        WASMHOST_RETURN_IF_ERROR(Advance());
        WASMHOST_RETURN_IF_ERROR(Label().status());
        keep = false;
      } else {
        // The lexer stands right after the '=': the version is next.
        WASMHOST_RETURN_IF_ERROR(lexer_.Version().status());
        WASMHOST_RETURN_IF_ERROR(Advance());
      }
      WASMHOST_RETURN_IF_ERROR(Expect(")"));
      // Docs written before the gate belong to the item.
      if (!docs.empty() && cur_.docs.empty()) cur_.docs = docs;
    }
    return keep;
  }

  absl::Status SkipGates() { return Gates().status(); }

  // `pending_colon_`: Path() read a ':' that was not a package's; it is
  // the current token, and `cur_` the one after it.
  bool IsPunct(absl::string_view p) const {
    if (pending_colon_) return p == ":";
    return cur_.kind == Tok::kPunct && cur_.text == p;
  }
  bool IsKeyword(absl::string_view k) const {
    return !pending_colon_ && cur_.kind == Tok::kId && !cur_.explicit_id &&
           cur_.text == k;
  }

  absl::Status Advance() {
    if (pending_colon_) {
      pending_colon_ = false;
      return absl::OkStatus();
    }
    WASMHOST_ASSIGN_OR_RETURN(cur_, lexer_.Next());
    return absl::OkStatus();
  }

  absl::Status Expect(absl::string_view p) {
    if (!IsPunct(p)) return Unexpected(absl::StrCat("'", p, "'"));
    return Advance();
  }

  absl::Status ExpectKeyword(absl::string_view k) {
    if (!IsKeyword(k)) return Unexpected(absl::StrCat("'", k, "'"));
    return Advance();
  }

  absl::StatusOr<std::string> Label() {
    if (pending_colon_ || cur_.kind != Tok::kId) return Unexpected("a name");
    if (!cur_.explicit_id && IsWitKeyword(cur_.text)) {
      return ErrorAt(cur_.loc, absl::StrCat("keyword '", cur_.text,
                                            "' as a name: write %", cur_.text));
    }
    std::string s = cur_.text;
    WASMHOST_RETURN_IF_ERROR(Advance());
    return s;
  }

  absl::Status Unexpected(absl::string_view want) {
    std::string got = pending_colon_ ? "':'"
                      : cur_.kind == Tok::kEof
                          ? "end of file"
                          : absl::StrCat("'", cur_.text, "'");
    return ErrorAt(cur_.loc, absl::StrCat("expected ", want, ", found ", got));
  }

  Lexer lexer_;
  Token cur_;
  bool pending_colon_ = false;
  int depth_ = 0;
};

// -------------------------------------------------------------- resolving

class Resolver {
 public:
  explicit Resolver(const std::deque<PackageAst>& packages)
      : packages_(packages) {}

  absl::StatusOr<ParsedWorld> Resolve(const WorldAst& world) {
    ParsedWorld out;
    out.package = world.package->id;
    out.name = world.name;
    if (!world.docs.empty()) docs_[""] = world.docs;
    std::set<const WorldAst*> including;
    WASMHOST_RETURN_IF_ERROR(ResolveItems(world, &including));
    // An exported interface's dependencies that are not exported too are
    // imported (wit-parser's elaboration).
    for (size_t i = 0; i < exports_.size(); ++i) {
      if (exports_[i].kind != WorldItem::Kind::kInterface) continue;
      for (const IfaceState* dep : Deps(export_states_[exports_[i].name])) {
        if (!Has(exports_, dep->name)) EnsureImport(dep);
      }
    }
    // wit-component lists imported interfaces, then types, then functions,
    // and exported functions and types before interfaces.
    std::stable_sort(imports_.begin(), imports_.end(),
                     [](const WorldItem& a, const WorldItem& b) {
                       return ImportRank(a.kind) < ImportRank(b.kind);
                     });
    std::stable_partition(exports_.begin(), exports_.end(),
                          [](const WorldItem& item) {
                            return item.kind != WorldItem::Kind::kInterface;
                          });
    out.world.types = std::move(arena_);
    out.world.imports = std::move(imports_);
    out.world.exports = std::move(exports_);
    out.docs = std::move(docs_);
    return out;
  }

 private:
  struct Scope {
    const PackageAst* package = nullptr;
    absl::flat_hash_map<std::string, const TypeDefAst*> defs;
    absl::flat_hash_map<std::string, TypeId> names;
    absl::flat_hash_map<const TypeDefAst*, int> state;  // 1 busy, 2 done.
  };

  struct IfaceState {
    int state = 0;  // 1 while its `use`s resolve, 2 done.
    std::string name;
    Interface iface;
    std::vector<const IfaceState*> deps;
    Scope scope;
    std::map<std::string, std::string> docs;  // By item name.
    std::string own_docs;
  };

  static int ImportRank(WorldItem::Kind kind) {
    switch (kind) {
      case WorldItem::Kind::kInterface:
        return 0;
      case WorldItem::Kind::kType:
        return 1;
      case WorldItem::Kind::kFunc:
        break;
    }
    return 2;
  }

  static bool Has(const std::vector<WorldItem>& items, absl::string_view n) {
    return std::any_of(items.begin(), items.end(),
                       [&](const WorldItem& i) { return i.name == n; });
  }

  // Every interface `s` uses, directly or not, dependencies first.
  static std::vector<const IfaceState*> Deps(const IfaceState* s) {
    std::vector<const IfaceState*> out;
    std::set<const IfaceState*> seen;
    std::function<void(const IfaceState*)> walk = [&](const IfaceState* x) {
      for (const IfaceState* d : x->deps) {
        if (!seen.insert(d).second) continue;
        walk(d);
        out.push_back(d);
      }
    };
    walk(s);
    return out;
  }

  absl::StatusOr<const PackageAst*> FindPackage(const UsePath& path) {
    const PackageAst* found = nullptr;
    const bool versioned = absl::StrContains(path.package, "@");
    for (const PackageAst& p : packages_) {
      const std::string id = versioned ? p.id : Unversioned(p.id);
      if (id != path.package) continue;
      if (found != nullptr) {
        return ErrorAt(path.loc, absl::StrCat("package ", path.package,
                                              " is ambiguous: give a version"));
      }
      found = &p;
    }
    if (found == nullptr) {
      return ErrorAt(path.loc,
                     absl::StrCat("package ", path.package, " not found"));
    }
    return found;
  }

  absl::StatusOr<const InterfaceAst*> FindInterface(const UsePath& path,
                                                    const PackageAst* from) {
    const PackageAst* p = from;
    if (path.package.empty()) {
      if (auto alias = from->aliases.find(path.iface);
          alias != from->aliases.end() && !alias->second.package.empty()) {
        return FindInterface(alias->second, from);
      }
    } else {
      WASMHOST_ASSIGN_OR_RETURN(p, FindPackage(path));
    }
    for (const InterfaceAst& i : p->interfaces) {
      if (i.name == path.iface) return &i;
    }
    return ErrorAt(path.loc,
                   absl::StrCat("interface ", path.iface, " not found",
                                p->id.empty() ? "" : " in package ", p->id));
  }

  absl::StatusOr<const WorldAst*> FindWorld(const UsePath& path,
                                            const PackageAst* from) {
    const PackageAst* p = from;
    if (!path.package.empty()) {
      WASMHOST_ASSIGN_OR_RETURN(p, FindPackage(path));
    }
    for (const WorldAst& w : p->worlds) {
      if (w.name == path.iface) return &w;
    }
    return ErrorAt(path.loc, absl::StrCat("world ", path.iface, " not found"));
  }

  // "ns:pkg/iface@1.0.0", or the interface's own name in an anonymous
  // package (and for a world's inline interface, given by the caller).
  static std::string InterfaceName(const InterfaceAst& ast) {
    const std::string& id = ast.package->id;
    if (id.empty()) return ast.name;
    const size_t at = id.find('@');
    if (at == std::string::npos) return absl::StrCat(id, "/", ast.name);
    return absl::StrCat(id.substr(0, at), "/", ast.name, id.substr(at));
  }

  absl::StatusOr<IfaceState*> ResolveInterface(const InterfaceAst* ast,
                                               std::string name) {
    IfaceState& s = ifaces_[ast];
    if (s.state == 2) return &s;
    if (s.state == 1) {
      return ErrorAt(ast->loc,
                     absl::StrCat("interface ", ast->name, " uses itself"));
    }
    s.state = 1;
    s.name = std::move(name);
    s.own_docs = ast->docs;
    s.scope.package = ast->package;
    WASMHOST_RETURN_IF_ERROR(CollectDefs(ast->items, &s.scope));
    for (const ItemAst& item : ast->items) {
      if (item.k == ItemAst::K::kUse) {
        WASMHOST_RETURN_IF_ERROR(
            Use(item.use, ast->package, &s.scope,
                [&](IfaceState* from, const std::string& as, TypeId id) {
                  s.iface.types.push_back({as, id});
                  if (std::find(s.deps.begin(), s.deps.end(), from) ==
                      s.deps.end()) {
                    s.deps.push_back(from);
                  }
                }));
      } else if (item.k == ItemAst::K::kType) {
        WASMHOST_ASSIGN_OR_RETURN(TypeId id, Def(&item.type, &s.scope));
        s.iface.types.push_back({item.type.name, id});
        if (!item.docs.empty()) s.docs[item.type.name] = item.docs;
      }
    }
    absl::flat_hash_map<std::string, Loc> funcs;
    for (const ItemAst& item : ast->items) {
      std::vector<NamedFunc> made;
      if (item.k == ItemAst::K::kType &&
          item.type.kind == TypeKind::kResource) {
        const TypeId r = s.scope.names.at(item.type.name);
        for (const FuncAst& f : item.type.funcs) {
          WASMHOST_ASSIGN_OR_RETURN(NamedFunc nf,
                                    Func(f, &s.scope, &r, item.type.name));
          made.push_back(std::move(nf));
        }
      } else if (item.k == ItemAst::K::kFunc) {
        WASMHOST_ASSIGN_OR_RETURN(NamedFunc nf,
                                  Func(item.func, &s.scope, nullptr, ""));
        made.push_back(std::move(nf));
      }
      for (NamedFunc& nf : made) {
        if (!funcs.emplace(nf.name, item.loc).second) {
          return ErrorAt(item.loc,
                         absl::StrCat("function ", nf.name, " defined twice"));
        }
        s.iface.funcs.push_back(std::move(nf));
      }
      if (item.k == ItemAst::K::kType) {
        for (const FuncAst& f : item.type.funcs) {
          if (f.docs.empty()) continue;
          s.docs[FuncExternName(f, item.type.name)] = f.docs;
        }
      } else if (item.k == ItemAst::K::kFunc && !item.docs.empty()) {
        s.docs[item.func.name] = item.docs;
      }
    }
    s.state = 2;
    return &s;
  }

  // Registers the type definitions of `items` in `scope` (before any is
  // resolved: a type may be used before its definition).
  static absl::Status CollectDefs(const std::vector<ItemAst>& items,
                                  Scope* scope) {
    for (const ItemAst& item : items) {
      if (item.k != ItemAst::K::kType) continue;
      if (!scope->defs.emplace(item.type.name, &item.type).second) {
        return ErrorAt(item.loc,
                       absl::StrCat("type ", item.type.name, " defined twice"));
      }
    }
    return absl::OkStatus();
  }

  // Resolves `use path.{a, b as c}` into `scope`, calling `add` for each.
  template <typename Add>
  absl::Status Use(const UseAst& use, const PackageAst* package, Scope* scope,
                   Add add) {
    WASMHOST_ASSIGN_OR_RETURN(const InterfaceAst* target,
                              FindInterface(use.path, package));
    WASMHOST_ASSIGN_OR_RETURN(IfaceState * from,
                              ResolveInterface(target, InterfaceName(*target)));
    for (const auto& [name, as] : use.names) {
      auto it = from->scope.names.find(name);
      if (it == from->scope.names.end()) {
        return ErrorAt(use.loc, absl::StrCat("interface ", target->name,
                                             " has no type ", name));
      }
      if (scope->defs.contains(as) ||
          !scope->names.emplace(as, it->second).second) {
        return ErrorAt(use.loc, absl::StrCat("type ", as, " defined twice"));
      }
      add(from, as, it->second);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<TypeId> Def(const TypeDefAst* def, Scope* scope) {
    int& state = scope->state[def];
    if (state == 2) return scope->names.at(def->name);
    if (state == 1) {
      return ErrorAt(def->loc,
                     absl::StrCat("type ", def->name, " refers to itself"));
    }
    state = 1;
    Type t;
    t.kind = def->kind;
    TypeId id = 0;
    std::set<std::string> seen;
    auto unique = [&](const Loc& loc, const std::string& n) -> absl::Status {
      if (seen.insert(n).second) return absl::OkStatus();
      return ErrorAt(loc, absl::StrCat(def->name, ": ", n, " defined twice"));
    };
    switch (def->kind) {
      case TypeKind::kFunc: {
        WASMHOST_ASSIGN_OR_RETURN(id, Expr(*def->alias, scope, true));
        break;
      }
      case TypeKind::kResource:
        t.name = def->name;
        id = arena_.Add(std::move(t));
        break;
      case TypeKind::kRecord:
        for (const ParamAst& f : def->fields) {
          WASMHOST_RETURN_IF_ERROR(unique(f.loc, f.name));
          WASMHOST_ASSIGN_OR_RETURN(TypeId ft, Expr(f.type, scope, false));
          t.fields.push_back({f.name, ft});
        }
        id = arena_.Add(std::move(t));
        break;
      case TypeKind::kVariant:
        for (const CaseAst& c : def->cases) {
          WASMHOST_RETURN_IF_ERROR(unique(c.loc, c.name));
          Case out{c.name, std::nullopt};
          if (c.type.has_value()) {
            WASMHOST_ASSIGN_OR_RETURN(out.type, Expr(*c.type, scope, false));
          }
          t.cases.push_back(std::move(out));
        }
        id = arena_.Add(std::move(t));
        break;
      default:  // kEnum, kFlags.
        for (const std::string& l : def->labels) {
          WASMHOST_RETURN_IF_ERROR(unique(def->loc, l));
        }
        if (def->kind == TypeKind::kFlags && def->labels.size() > 32) {
          return ErrorAt(def->loc, absl::StrCat("flags ", def->name,
                                                " has more than 32 labels"));
        }
        t.labels = def->labels;
        id = arena_.Add(std::move(t));
        break;
    }
    scope->names[def->name] = id;
    scope->state[def] = 2;
    return id;
  }

  absl::StatusOr<TypeId> Lookup(const std::string& name, const Loc& loc,
                                Scope* scope) {
    if (auto it = scope->names.find(name); it != scope->names.end()) {
      return it->second;
    }
    if (auto it = scope->defs.find(name); it != scope->defs.end()) {
      return Def(it->second, scope);
    }
    return ErrorAt(loc, absl::StrCat("undefined type ", name));
  }

  TypeId Handle(TypeKind kind, TypeId resource) {
    auto& memo = kind == TypeKind::kOwn ? own_ : borrow_;
    if (auto it = memo.find(resource); it != memo.end()) return it->second;
    Type t;
    t.kind = kind;
    t.element = resource;
    return memo[resource] = arena_.Add(std::move(t));
  }

  // A type expression. `raw`: a resource's name is the resource itself (an
  // alias of it), not an own handle.
  absl::StatusOr<TypeId> Expr(const TypeExpr& e, Scope* scope, bool raw) {
    Type t;
    switch (e.k) {
      case TypeExpr::K::kPrim:
        return TypeArena::Primitive(e.prim);
      case TypeExpr::K::kName: {
        WASMHOST_ASSIGN_OR_RETURN(TypeId id, Lookup(e.name, e.loc, scope));
        if (!raw && arena_[id].kind == TypeKind::kResource) {
          return Handle(TypeKind::kOwn, id);
        }
        return id;
      }
      case TypeExpr::K::kOwn:
      case TypeExpr::K::kBorrow: {
        WASMHOST_ASSIGN_OR_RETURN(TypeId id, Lookup(e.name, e.loc, scope));
        const bool own = e.k == TypeExpr::K::kOwn;
        if (arena_[id].kind != TypeKind::kResource) {
          return ErrorAt(e.loc,
                         absl::StrCat(own ? "own<" : "borrow<", e.name,
                                      ">: ", e.name, " is not a resource"));
        }
        return Handle(own ? TypeKind::kOwn : TypeKind::kBorrow, id);
      }
      case TypeExpr::K::kList:
        t.kind = TypeKind::kList;
        t.fixed_length = e.fixed_length;
        break;
      case TypeExpr::K::kOption:
        t.kind = TypeKind::kOption;
        break;
      case TypeExpr::K::kFuture:
        t.kind = TypeKind::kFuture;
        break;
      case TypeExpr::K::kStream:
        t.kind = TypeKind::kStream;
        break;
      case TypeExpr::K::kResult: {
        t.kind = TypeKind::kResult;
        size_t next = 0;
        if (e.has_ok) {
          WASMHOST_ASSIGN_OR_RETURN(t.ok, Expr(e.args[next++], scope, false));
        }
        if (e.has_err) {
          WASMHOST_ASSIGN_OR_RETURN(t.error, Expr(e.args[next], scope, false));
        }
        return arena_.Add(std::move(t));
      }
      case TypeExpr::K::kTuple:
        t.kind = TypeKind::kTuple;
        if (e.args.empty()) return ErrorAt(e.loc, "a tuple needs a type");
        for (const TypeExpr& a : e.args) {
          WASMHOST_ASSIGN_OR_RETURN(TypeId at, Expr(a, scope, false));
          t.fields.push_back({"", at});
        }
        return arena_.Add(std::move(t));
    }
    if (!e.args.empty()) {
      WASMHOST_ASSIGN_OR_RETURN(t.element, Expr(e.args[0], scope, false));
    }
    return arena_.Add(std::move(t));
  }

  static std::string FuncExternName(const FuncAst& f,
                                    const std::string& resource) {
    switch (f.kind) {
      case FuncName::Kind::kConstructor:
        return absl::StrCat("[constructor]", resource);
      case FuncName::Kind::kMethod:
        return absl::StrCat("[method]", resource, ".", f.name);
      case FuncName::Kind::kStatic:
        return absl::StrCat("[static]", resource, ".", f.name);
      case FuncName::Kind::kFreestanding:
        break;
    }
    return f.name;
  }

  // A function; `resource` for a resource's constructor, method or static
  // function (named `resource_name`).
  absl::StatusOr<NamedFunc> Func(const FuncAst& f, Scope* scope,
                                 const TypeId* resource,
                                 const std::string& resource_name) {
    NamedFunc out;
    out.name = FuncExternName(f, resource_name);
    out.parsed.kind = f.kind;
    if (resource != nullptr) out.parsed.resource = resource_name;
    if (f.kind != FuncName::Kind::kConstructor) out.parsed.name = f.name;
    Type t;
    t.kind = TypeKind::kFunc;
    t.async = f.async;
    std::set<std::string> seen;
    if (f.kind == FuncName::Kind::kMethod) {
      t.fields.push_back({"self", Handle(TypeKind::kBorrow, *resource)});
      seen.insert("self");
    }
    for (const ParamAst& p : f.params) {
      if (!seen.insert(p.name).second) {
        return ErrorAt(p.loc,
                       absl::StrCat("parameter ", p.name, " defined twice"));
      }
      WASMHOST_ASSIGN_OR_RETURN(TypeId pt, Expr(p.type, scope, false));
      t.fields.push_back({p.name, pt});
    }
    if (f.result.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(t.ok, Expr(*f.result, scope, false));
    } else if (f.kind == FuncName::Kind::kConstructor) {
      t.ok = Handle(TypeKind::kOwn, *resource);
    }
    out.type = arena_.Add(std::move(t));
    return out;
  }

  void AddDocs(const IfaceState* s) {
    if (!s->own_docs.empty()) docs_[s->name] = s->own_docs;
    for (const auto& [item, text] : s->docs) {
      docs_[absl::StrCat(s->name, "#", item)] = text;
    }
  }

  WorldItem InterfaceItem(const IfaceState* s) {
    WorldItem item;
    item.kind = WorldItem::Kind::kInterface;
    item.name = s->name;
    item.interface = s->iface;
    AddDocs(s);
    return item;
  }

  // Imports `s`, after the interfaces it uses, unless already imported.
  void EnsureImport(const IfaceState* s) {
    if (Has(imports_, s->name)) return;
    for (const IfaceState* d : Deps(s)) {
      if (!Has(imports_, d->name)) imports_.push_back(InterfaceItem(d));
    }
    imports_.push_back(InterfaceItem(s));
  }

  absl::Status AddItem(bool import, WorldItem item, const Loc& loc) {
    std::vector<WorldItem>& items = import ? imports_ : exports_;
    if (Has(items, item.name)) {
      return ErrorAt(loc, absl::StrCat(import ? "import " : "export ",
                                       item.name, " defined twice"));
    }
    items.push_back(std::move(item));
    return absl::OkStatus();
  }

  absl::Status ResolveItems(const WorldAst& w,
                            std::set<const WorldAst*>* including) {
    if (!including->insert(&w).second) {
      return ErrorAt(w.loc, absl::StrCat("world ", w.name, " includes itself"));
    }
    Scope scope;
    scope.package = w.package;
    WASMHOST_RETURN_IF_ERROR(CollectDefs(w.items, &scope));
    for (const ItemAst& item : w.items) {
      switch (item.k) {
        case ItemAst::K::kUse: {
          std::vector<WorldItem> types;
          WASMHOST_RETURN_IF_ERROR(
              Use(item.use, w.package, &scope,
                  [&](IfaceState* from, const std::string& as, TypeId id) {
                    EnsureImport(from);
                    WorldItem t;
                    t.kind = WorldItem::Kind::kType;
                    t.name = as;
                    t.type = id;
                    types.push_back(std::move(t));
                  }));
          for (WorldItem& t : types) {
            WASMHOST_RETURN_IF_ERROR(AddItem(true, std::move(t), item.loc));
          }
          break;
        }
        case ItemAst::K::kType: {
          WorldItem t;
          t.kind = WorldItem::Kind::kType;
          t.name = item.type.name;
          WASMHOST_ASSIGN_OR_RETURN(t.type, Def(&item.type, &scope));
          if (!item.docs.empty()) docs_["#" + t.name] = item.docs;
          WASMHOST_RETURN_IF_ERROR(AddItem(true, std::move(t), item.loc));
          break;
        }
        case ItemAst::K::kExtern:
          WASMHOST_RETURN_IF_ERROR(Extern(item, w, &scope));
          break;
        case ItemAst::K::kInclude: {
          WASMHOST_ASSIGN_OR_RETURN(const WorldAst* other,
                                    FindWorld(item.ref, w.package));
          WASMHOST_RETURN_IF_ERROR(Include(*other, item, including));
          break;
        }
        case ItemAst::K::kFunc:
          break;  // Not in worlds (the parser makes kExtern there).
      }
    }
    including->erase(&w);
    return absl::OkStatus();
  }

  absl::Status Extern(const ItemAst& item, const WorldAst& w, Scope* scope) {
    if (item.is_func) {
      WorldItem f;
      f.kind = WorldItem::Kind::kFunc;
      f.name = item.extern_name;
      f.func.name = item.extern_name;
      WASMHOST_ASSIGN_OR_RETURN(NamedFunc nf,
                                Func(item.func, scope, nullptr, ""));
      f.type = nf.type;
      if (!item.docs.empty()) docs_["#" + f.name] = item.docs;
      return AddItem(item.import, std::move(f), item.loc);
    }
    IfaceState* s = nullptr;
    if (item.inline_iface != nullptr) {
      WASMHOST_ASSIGN_OR_RETURN(
          s, ResolveInterface(item.inline_iface.get(), item.extern_name));
    } else {
      WASMHOST_ASSIGN_OR_RETURN(const InterfaceAst* ast,
                                FindInterface(item.ref, w.package));
      WASMHOST_ASSIGN_OR_RETURN(s, ResolveInterface(ast, InterfaceName(*ast)));
    }
    if (item.import) {
      if (Has(imports_, s->name)) {
        return ErrorAt(item.loc,
                       absl::StrCat("import ", s->name, " defined twice"));
      }
      EnsureImport(s);
      return absl::OkStatus();
    }
    export_states_[s->name] = s;
    return AddItem(false, InterfaceItem(s), item.loc);
  }

  // The items of `other`, renamed by `with { a as b }`, except those the
  // world has already.
  absl::Status Include(const WorldAst& other, const ItemAst& include,
                       std::set<const WorldAst*>* including) {
    std::vector<WorldItem> imports = std::move(imports_);
    std::vector<WorldItem> exports = std::move(exports_);
    imports_.clear();
    exports_.clear();
    absl::Status s = ResolveItems(other, including);
    std::swap(imports, imports_);
    std::swap(exports, exports_);
    WASMHOST_RETURN_IF_ERROR(s);
    for (const auto& [from, to] : include.renames) {
      bool found = false;
      for (auto* items : {&imports, &exports}) {
        for (WorldItem& i : *items) {
          if (i.name != from) continue;
          i.name = to;
          if (i.kind == WorldItem::Kind::kFunc) i.func.name = to;
          found = true;
        }
      }
      if (!found) {
        return ErrorAt(include.loc, absl::StrCat("world ", other.name,
                                                 " has no item ", from));
      }
    }
    for (WorldItem& i : imports) {
      if (!Has(imports_, i.name)) imports_.push_back(std::move(i));
    }
    for (WorldItem& i : exports) {
      if (!Has(exports_, i.name)) exports_.push_back(std::move(i));
    }
    return absl::OkStatus();
  }

  const std::deque<PackageAst>& packages_;
  TypeArena arena_;
  std::map<const InterfaceAst*, IfaceState> ifaces_;
  std::map<std::string, const IfaceState*> export_states_;
  absl::flat_hash_map<TypeId, TypeId> own_;
  absl::flat_hash_map<TypeId, TypeId> borrow_;
  std::vector<WorldItem> imports_;
  std::vector<WorldItem> exports_;
  std::map<std::string, std::string> docs_;
};

// Parses one package's files into `packages` (its nested `package x {}`
// blocks too).
absl::Status ParsePackage(const std::vector<WitFile>& files,
                          std::deque<PackageAst>* packages) {
  packages->emplace_back();
  PackageAst* main = &packages->back();
  std::deque<PackageAst> nested;
  for (const WitFile& f : files) {
    WASMHOST_RETURN_IF_ERROR(Parser(f).ParseFile(main, &nested));
  }
  for (PackageAst& p : nested) {
    packages->push_back(std::move(p));
    // Interfaces and worlds point at their package: fix after the move.
    PackageAst* moved = &packages->back();
    for (InterfaceAst& i : moved->interfaces) i.package = moved;
    for (WorldAst& w : moved->worlds) {
      w.package = moved;
      for (ItemAst& item : w.items) {
        if (item.inline_iface) item.inline_iface->package = moved;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The *.wit files of `dir`, in name order.
absl::StatusOr<std::vector<WitFile>> WitFilesIn(
    const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".wit" && !e.is_directory()) {
      paths.push_back(e.path());
    }
  }
  if (ec)
    return absl::NotFoundError(absl::StrCat("cannot list ", dir.string()));
  std::sort(paths.begin(), paths.end());
  std::vector<WitFile> files;
  for (const auto& p : paths) {
    WASMHOST_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
    files.push_back({p.string(), std::move(text)});
  }
  return files;
}

}  // namespace

absl::StatusOr<WitSources> LoadWit(const std::string& path) {
  WitSources out;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    WASMHOST_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    out.main.push_back({path, std::move(text)});
    return out;
  }
  WASMHOST_ASSIGN_OR_RETURN(out.main, WitFilesIn(path));
  const std::filesystem::path deps = std::filesystem::path(path) / "deps";
  if (!std::filesystem::is_directory(deps, ec)) return out;
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(deps, ec)) {
    entries.push_back(e.path());
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) {
    if (std::filesystem::is_directory(e, ec)) {
      WASMHOST_ASSIGN_OR_RETURN(std::vector<WitFile> files, WitFilesIn(e));
      out.deps.push_back(std::move(files));
    } else if (e.extension() == ".wit") {
      WASMHOST_ASSIGN_OR_RETURN(std::string text, ReadFile(e));
      out.deps.push_back({{e.string(), std::move(text)}});
    }
  }
  return out;
}

absl::StatusOr<ParsedWorld> ParseWit(const WitSources& sources,
                                     absl::string_view world) {
  std::deque<PackageAst> packages;
  WASMHOST_RETURN_IF_ERROR(ParsePackage(sources.main, &packages));
  const size_t main_count = packages.size();
  for (const std::vector<WitFile>& dep : sources.deps) {
    WASMHOST_RETURN_IF_ERROR(ParsePackage(dep, &packages));
  }
  std::set<std::string> ids;
  for (const PackageAst& p : packages) {
    if (p.id.empty() && &p != &packages.front()) {
      if (!p.interfaces.empty() || !p.worlds.empty()) {
        return ErrorAt(p.interfaces.empty() ? p.worlds.front().loc
                                            : p.interfaces.front().loc,
                       "a dependency without a package declaration");
      }
      continue;
    }
    if (!p.id.empty() && !ids.insert(p.id).second) {
      return ErrorAt(p.loc, absl::StrCat("package ", p.id, " defined twice"));
    }
  }
  // The world: in the main package (or a package nested in its files).
  const WorldAst* found = nullptr;
  size_t count = 0;
  for (size_t i = 0; i < main_count; ++i) {
    for (const WorldAst& w : packages[i].worlds) {
      ++count;
      if (world.empty() || w.name == world) {
        if (found != nullptr && !world.empty()) {
          return ErrorAt(w.loc,
                         absl::StrCat("world ", world, " defined twice"));
        }
        found = &w;
      }
    }
  }
  const std::string where =
      sources.main.empty() ? "<wit>" : sources.main.front().path;
  if (world.empty() && count != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ":1:1: ", count, " worlds: name the one to use"));
  }
  if (found == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ":1:1: world ", world, " not found"));
  }
  return Resolver(packages).Resolve(*found);
}

}  // namespace wasmhost::component
