// lib/bindgen/wit_names.cc: the generators' shared naming helpers.

#include "lib/bindgen/wit_names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace wasmhost::bindgen {

using component::NamedType;
using component::TypeId;
using component::WorldItem;

TypeOwners::TypeOwners(const component::World& world) {
  for (const auto* items : {&world.imports, &world.exports}) {
    const bool exported = items == &world.exports;
    for (const WorldItem& item : *items) {
      if (item.kind != WorldItem::Kind::kInterface) continue;
      for (const NamedType& t : item.interface.types) {
        owners_.try_emplace(t.type, Owner{item.name, t.name, exported});
      }
    }
  }
  for (const WorldItem& item : world.imports) {
    if (item.kind == WorldItem::Kind::kType) {
      owners_.try_emplace(item.type, Owner{"", item.name, false});
    }
  }
  for (const auto& [id, owner] : owners_) ++short_names_[owner.name];
}

const TypeOwners::Owner* TypeOwners::Find(TypeId id) const {
  auto it = owners_.find(id);
  return it == owners_.end() ? nullptr : &it->second;
}

bool TypeOwners::Ambiguous(const std::string& name) const {
  auto it = short_names_.find(name);
  return it != short_names_.end() && it->second > 1;
}

std::string SnakeCase(absl::string_view name) {
  std::string s = absl::AsciiStrToLower(name);
  for (char& c : s) {
    if (c == '-' || c == ':' || c == '/' || c == '.') c = '_';
  }
  return s;
}

std::string DocComment(const std::map<std::string, std::string>& docs,
                       const std::string& key, absl::string_view indent) {
  auto it = docs.find(key);
  if (it == docs.end()) return "";
  std::string out;
  for (absl::string_view line : absl::StrSplit(it->second, '\n')) {
    absl::StrAppend(&out, indent, line.empty() ? "//" : "// ", line, "\n");
  }
  return out;
}

std::string DocKey(const std::string& iface, const std::string& name) {
  return absl::StrCat(iface, "#", name);
}

std::string WrapList(const std::string& head,
                     const std::vector<std::string>& items,
                     const std::string& tail, size_t indent) {
  constexpr size_t kColumns = 80;
  std::string one = head + absl::StrJoin(items, ", ") + tail;
  if (indent + one.size() <= kColumns) return one;
  size_t longest = 0;
  for (const std::string& item : items) {
    longest = std::max(longest, item.size());
  }
  const bool aligned =
      indent + head.size() + longest + tail.size() + 1 <= kColumns;
  // A head starting with spaces is indented that much more.
  const size_t lead = std::min(head.find_first_not_of(' '), head.size());
  const size_t start = aligned ? indent + head.size() : indent + lead + 4;
  const std::string pad(start, ' ');
  std::string out = aligned ? head : head + "\n" + pad;
  size_t column = start;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string piece = items[i] + (i + 1 < items.size() ? "," : tail);
    const bool first_on_line = column == start;
    if (!first_on_line && column + 1 + piece.size() > kColumns) {
      absl::StrAppend(&out, "\n", pad);
      column = start;
    } else if (!first_on_line) {
      out += ' ';
      ++column;
    }
    out += piece;
    column += piece.size();
  }
  return out;
}

}  // namespace wasmhost::bindgen
