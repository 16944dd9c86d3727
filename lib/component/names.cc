// lib/component/names.cc: the name grammar, character by character.

#include "lib/component/names.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace wasmhost::component {
namespace {

// `words`: a label in lowercase only (namespaces, packages).
bool IsWords(absl::string_view s) {
  return IsLabel(s) && !std::any_of(s.begin(), s.end(), absl::ascii_isupper);
}

// A version after '@': a semver (MAJOR.MINOR.PATCH, optional -pre and
// +build of [0-9A-Za-z.-]) or, with version suffixes, a canonversion
// (1, 0.1, 0.0.1: a prefix of one).
bool IsVersion(absl::string_view v) {
  const size_t extra = v.find_first_of("-+");
  const absl::string_view core = v.substr(0, extra);
  const absl::string_view rest =
      extra == absl::string_view::npos ? "" : v.substr(extra);
  std::vector<absl::string_view> parts = absl::StrSplit(core, '.');
  if (parts.empty() || parts.size() > 3) return false;
  for (absl::string_view p : parts) {
    if (p.empty() || !std::all_of(p.begin(), p.end(), absl::ascii_isdigit) ||
        (p.size() > 1 && p[0] == '0')) {
      return false;
    }
  }
  if (parts.size() < 3 && !rest.empty()) return false;
  for (size_t i = 1; i < rest.size(); ++i) {
    const char c = rest[i];
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '+') {
      return false;
    }
  }
  return rest.size() != 1;
}

}  // namespace

// A WIT label: kebab-case fragments separated by '-', each all-lowercase
// or all-uppercase alphanumerics; the first starts with a letter.
bool IsLabel(absl::string_view s) {
  bool first = true;
  for (absl::string_view fragment : absl::StrSplit(s, '-')) {
    if (fragment.empty()) return false;
    if (first && !absl::ascii_isalpha(fragment[0])) return false;
    first = false;
    bool lower = false, upper = false;
    for (char c : fragment) {
      if (!absl::ascii_isalnum(c)) return false;
      lower |= absl::ascii_islower(c);
      upper |= absl::ascii_isupper(c);
    }
    if (lower && upper) return false;
  }
  return true;
}

// `interfacename`: namespace ':' package '/' label, optional '@' version
// ("wasi:cli/stdout@0.2.12"). Nested namespaces and projections
// ("a:b:c/d/e") are a gated feature (the Explainer's 🪺) the reference
// tests refuse.
bool IsInterfaceName(absl::string_view s) {
  if (const size_t at = s.find('@'); at != absl::string_view::npos) {
    if (!IsVersion(s.substr(at + 1))) return false;
    s = s.substr(0, at);
  }
  const size_t slash = s.find('/');
  if (slash == absl::string_view::npos) return false;
  std::vector<absl::string_view> names =
      absl::StrSplit(s.substr(0, slash), ':');
  if (names.size() != 2) return false;
  for (absl::string_view n : names) {
    if (!IsWords(n)) return false;
  }
  return IsLabel(s.substr(slash + 1));
}

// `plainname`: a label, or [constructor]r, [method]r.f, [static]r.f.
bool IsPlainName(absl::string_view s) {
  if (absl::ConsumePrefix(&s, "[constructor]")) return IsLabel(s);
  if (absl::ConsumePrefix(&s, "[method]") ||
      absl::ConsumePrefix(&s, "[static]")) {
    const size_t dot = s.find('.');
    return dot != absl::string_view::npos && IsLabel(s.substr(0, dot)) &&
           IsLabel(s.substr(dot + 1));
  }
  return IsLabel(s);
}

}  // namespace wasmhost::component
