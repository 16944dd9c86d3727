#include "tools/component/spec_invoke.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"

namespace wasmhost::spec {
namespace {

using component::Type;
using component::Val;
using component::ValKind;

// An s-expression: an atom (strings decoded from #<hex>) or a list.
struct Sexpr {
  std::string atom;
  bool is_string = false;
  std::optional<std::vector<Sexpr>> list;
};

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed value: ", what));
}

absl::StatusOr<Sexpr> ParseOne(absl::string_view& text) {
  text = absl::StripLeadingAsciiWhitespace(text);
  if (text.empty()) return Malformed("unexpected end");
  Sexpr out;
  if (text[0] == '(') {
    text.remove_prefix(1);
    out.list.emplace();
    for (;;) {
      text = absl::StripLeadingAsciiWhitespace(text);
      if (text.empty()) return Malformed("unclosed list");
      if (text[0] == ')') {
        text.remove_prefix(1);
        return out;
      }
      absl::StatusOr<Sexpr> item = ParseOne(text);
      if (!item.ok()) return item.status();
      out.list->push_back(*std::move(item));
    }
  }
  size_t end = 0;
  while (end < text.size() && text[end] != ' ' && text[end] != '(' &&
         text[end] != ')') {
    ++end;
  }
  out.atom = std::string(text.substr(0, end));
  text.remove_prefix(end);
  if (!out.atom.empty() && out.atom[0] == '#') {
    out.atom = absl::HexStringToBytes(out.atom.substr(1));
    out.is_string = true;
  }
  return out;
}

template <typename T>
bool ParseInt(absl::string_view text, T& out) {
  std::string clean = absl::StrReplaceAll(text, {{"_", ""}});
  const bool negative = !clean.empty() && clean[0] == '-';
  absl::string_view digits = clean;
  if (negative || (!digits.empty() && digits[0] == '+'))
    digits.remove_prefix(1);
  uint64_t magnitude = 0;
  if (absl::ConsumePrefix(&digits, "0x")) {
    if (!absl::SimpleHexAtoi(digits, &magnitude)) return false;
  } else if (!absl::SimpleAtoi(digits, &magnitude)) {
    return false;
  }
  out = static_cast<T>(negative ? 0 - magnitude : magnitude);
  return true;
}

// The value `form` (e.g. `(u32.const 42)`) as a Val of `type`.
absl::StatusOr<Val> ToVal(const Sexpr& form, const Type& type);

// `(kind.const ...)`'s operands: the items after the head.
absl::StatusOr<std::vector<Sexpr>> Operands(const Sexpr& form,
                                            absl::string_view& head) {
  if (!form.list.has_value() || form.list->empty()) {
    return Malformed("expected a (kind.const ...) form");
  }
  head = (*form.list)[0].atom;
  return std::vector<Sexpr>(form.list->begin() + 1, form.list->end());
}

absl::StatusOr<Val> Scalar(absl::string_view head, const std::string& text,
                           ValKind kind) {
  bool ok = false;
  switch (kind) {
    case ValKind::kBool:
      return Val::Bool(text == "true");
    case ValKind::kS8: {
      int8_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::S8(v);
      break;
    }
    case ValKind::kU8: {
      uint8_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::U8(v);
      break;
    }
    case ValKind::kS16: {
      int16_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::S16(v);
      break;
    }
    case ValKind::kU16: {
      uint16_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::U16(v);
      break;
    }
    case ValKind::kS32: {
      int32_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::S32(v);
      break;
    }
    case ValKind::kU32: {
      uint32_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::U32(v);
      break;
    }
    case ValKind::kS64: {
      int64_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::S64(v);
      break;
    }
    case ValKind::kU64: {
      uint64_t v = 0;
      ok = ParseInt(text, v);
      if (ok) return Val::U64(v);
      break;
    }
    case ValKind::kF32:
      return Val::F32(std::strtof(text.c_str(), nullptr));
    case ValKind::kF64:
      return Val::F64(std::strtod(text.c_str(), nullptr));
    default:
      break;
  }
  return Malformed(absl::StrCat(head, " ", text));
}

// The first code point of UTF-8 `text`.
uint32_t CodePoint(absl::string_view text) {
  if (text.empty()) return 0;
  const auto b = static_cast<uint8_t>(text[0]);
  const int n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
  uint32_t cp = n == 1 ? b : b & (0x7f >> n);
  for (int i = 1; i < n && i < static_cast<int>(text.size()); ++i) {
    cp = (cp << 6) | (static_cast<uint8_t>(text[i]) & 0x3f);
  }
  return cp;
}

absl::StatusOr<Val> ToVal(const Sexpr& form, const Type& type) {
  absl::string_view head;
  absl::StatusOr<std::vector<Sexpr>> ops = Operands(form, head);
  if (!ops.ok()) return ops.status();
  const ValKind kind = type.kind();
  switch (kind) {
    case ValKind::kString:
      if (ops->size() != 1) return Malformed(head);
      return Val::String((*ops)[0].atom);
    case ValKind::kChar:
      if (ops->size() != 1) return Malformed(head);
      return Val::Char(CodePoint((*ops)[0].atom));
    case ValKind::kList:
    case ValKind::kTuple: {
      std::vector<Val> elements;
      std::vector<Type::Field> fields = type.fields();
      for (size_t i = 0; i < ops->size(); ++i) {
        const Type element =
            kind == ValKind::kList
                ? type.element()
                : (i < fields.size() ? fields[i].type : Type());
        absl::StatusOr<Val> v = ToVal((*ops)[i], element);
        if (!v.ok()) return v.status();
        elements.push_back(*std::move(v));
      }
      return kind == ValKind::kList ? Val::List(std::move(elements))
                                    : Val::Tuple(std::move(elements));
    }
    case ValKind::kRecord: {
      // (record.const (field NAME kind.const VALUE...) ...)
      std::vector<std::pair<std::string, Val>> fields;
      std::vector<Type::Field> types = type.fields();
      for (size_t i = 0; i < ops->size() && i < types.size(); ++i) {
        const Sexpr& field = (*ops)[i];
        if (!field.list.has_value() || field.list->size() < 3) {
          return Malformed("record field");
        }
        Sexpr value;
        value.list.emplace(field.list->begin() + 2, field.list->end());
        absl::StatusOr<Val> v = ToVal(value, types[i].type);
        if (!v.ok()) return v.status();
        fields.emplace_back(types[i].name, *std::move(v));
      }
      return Val::Record(std::move(fields));
    }
    case ValKind::kVariant: {
      if (ops->empty()) return Malformed(head);
      std::vector<Type::Case> cases = type.cases();
      for (uint32_t i = 0; i < cases.size(); ++i) {
        if (cases[i].name != (*ops)[0].atom) continue;
        if (ops->size() < 2 || !cases[i].type.has_value()) {
          return Val::Variant(i, std::nullopt);
        }
        absl::StatusOr<Val> payload = ToVal((*ops)[1], *cases[i].type);
        if (!payload.ok()) return payload.status();
        return Val::Variant(i, *std::move(payload));
      }
      return Malformed(absl::StrCat("no case ", (*ops)[0].atom));
    }
    case ValKind::kEnum: {
      std::vector<std::string> labels = type.labels();
      for (uint32_t i = 0; i < labels.size(); ++i) {
        if (!ops->empty() && labels[i] == (*ops)[0].atom) return Val::Enum(i);
      }
      return Malformed("enum label");
    }
    case ValKind::kFlags: {
      std::vector<std::string> labels = type.labels();
      uint32_t bits = 0;
      for (const Sexpr& label : *ops) {
        for (uint32_t i = 0; i < labels.size(); ++i) {
          if (labels[i] == label.atom) bits |= 1u << i;
        }
      }
      return Val::Flags(bits);
    }
    case ValKind::kOption:
      if (head == "option.none") return Val::None();
      if (ops->size() != 1) return Malformed(head);
      {
        absl::StatusOr<Val> v = ToVal((*ops)[0], type.element());
        if (!v.ok()) return v.status();
        return Val::Some(*std::move(v));
      }
    case ValKind::kResult: {
      const bool is_ok = head == "result.ok";
      const std::optional<Type> payload = is_ok ? type.ok() : type.err();
      if (ops->empty() || !payload.has_value()) {
        return is_ok ? Val::Ok() : Val::Err();
      }
      absl::StatusOr<Val> v = ToVal((*ops)[0], *payload);
      if (!v.ok()) return v.status();
      return is_ok ? Val::Ok(*std::move(v)) : Val::Err(*std::move(v));
    }
    case ValKind::kOwn:
    case ValKind::kBorrow:
      return absl::UnimplementedError("handles as test values");
    default:
      if (ops->size() != 1) return Malformed(head);
      return Scalar(head, (*ops)[0].atom, kind);
  }
}

absl::StatusOr<std::vector<Sexpr>> ParseList(absl::string_view& text) {
  absl::StatusOr<Sexpr> list = ParseOne(text);
  if (!list.ok()) return list.status();
  if (!list->list.has_value()) return Malformed("expected a list");
  return *std::move(list->list);
}

}  // namespace

absl::Status SpecInvoker::Run(absl::string_view dir, absl::string_view kind,
                              absl::string_view file, absl::string_view note) {
  Made& made = instances_[std::string(file)];
  if (made.instance == nullptr && made.status.ok()) {
    // "<n.wasm>@<line>": an instance of a definition made on that line.
    const absl::string_view binary = file.substr(0, file.find('@'));
    std::ifstream in(absl::StrCat(dir, "/", binary), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    absl::StatusOr<component::Component> compiled =
        component::Component::Compile(engine_, bytes);
    if (!compiled.ok() &&
        compiled.status().code() == absl::StatusCode::kInvalidArgument) {
      // The reader accepted it (its own command checks that); V8 10.2
      // refused a core module (multiple memories, exception handling).
      compiled = absl::UnimplementedError(compiled.status().message());
    }
    absl::StatusOr<component::Instance> instance =
        compiled.ok()
            ? component::Instance::Create(*compiled, component::Linker())
            : absl::StatusOr<component::Instance>(compiled.status());
    if (instance.ok()) {
      made.instance =
          std::make_unique<component::Instance>(*std::move(instance));
    } else {
      // Imports (no host here) and what the runtime lacks are unsupported.
      const absl::StatusCode code = instance.status().code();
      made.status = code == absl::StatusCode::kNotFound ||
                            code == absl::StatusCode::kUnimplemented
                        ? absl::UnimplementedError(instance.status().message())
                        : instance.status();
    }
  }
  if (!made.status.ok()) return made.status;
  if (kind == "instance") return absl::OkStatus();

  absl::StatusOr<Sexpr> name = ParseOne(note);
  if (!name.ok()) return name.status();
  absl::StatusOr<std::vector<Sexpr>> args = ParseList(note);
  if (!args.ok()) return args.status();
  absl::StatusOr<std::vector<Sexpr>> expected = ParseList(note);
  if (!expected.ok()) return expected.status();

  absl::StatusOr<component::Func> func = made.instance->GetFunc(name->atom);
  if (!func.ok()) return func.status();
  const component::FuncType& type = func->type();
  if (args->size() != type.params.size()) return Malformed("argument count");
  std::vector<Val> values;
  for (size_t i = 0; i < args->size(); ++i) {
    absl::StatusOr<Val> v = ToVal((*args)[i], type.params[i].second);
    if (!v.ok()) return v.status();
    values.push_back(*std::move(v));
  }
  absl::StatusOr<std::vector<Val>> results = func->Call(values);
  if (kind == "trap") {
    const std::string message = expected->empty() ? "" : (*expected)[0].atom;
    if (results.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("expected a trap (", message, "), got a result"));
    }
    // Any trap passes: the reference interpreter's wording ("invalid
    // utf-8", "unknown handle index 1") is not the runtime's.
    if (results.status().code() != absl::StatusCode::kAborted) {
      return absl::FailedPreconditionError(
          absl::StrCat("expected a trap (", message, "), got ",
                       results.status().ToString()));
    }
    return absl::OkStatus();
  }
  if (!results.ok()) return results.status();
  if (kind == "invoke") return absl::OkStatus();
  if (expected->size() != results->size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected ", expected->size(), " results, got ", results->size()));
  }
  for (size_t i = 0; i < expected->size(); ++i) {
    absl::StatusOr<Val> want = ToVal((*expected)[i], *type.result);
    if (!want.ok()) return want.status();
    if (*want != (*results)[i]) {
      return absl::FailedPreconditionError("result differs from expected");
    }
  }
  return absl::OkStatus();
}

}  // namespace wasmhost::spec
