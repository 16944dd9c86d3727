// lib/component/reader.cc: ReadComponent, and the Reader's components and
// sections, imports, exports and start (see reader_impl.h for the other files).

#include "lib/component/reader.h"

#include <algorithm>
#include <iterator>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/component/reader_impl.h"
#include "lib/component/resource_names.h"
#include "lib/component/subtype.h"

namespace wasmhost::component::reader_internal {

absl::Status Reader::ReadPreamble(BinaryReader& r) {
  const size_t at = r.offset();
  if (r.remaining() < kPreambleSize) {
    return r.Error(at, "unexpected end of input in the preamble");
  }
  uint8_t b[kPreambleSize];
  for (uint8_t& x : b) WASMHOST_RETURN_IF_ERROR(r.ReadU8(&x));
  if (!std::equal(std::begin(kMagic), std::end(kMagic), b)) {
    return r.Error(at, "bad magic number");
  }
  if (b[6] == 0 && b[7] == 0) {
    return r.Error(at + 6, "a core module, not a component (layer 0)");
  }
  if (b[6] != kComponentLayer || b[7] != 0) {
    return r.Error(at + 6,
                   absl::StrFormat("unknown layer 0x%02x%02x", b[7], b[6]));
  }
  if (b[4] != kComponentVersion || b[5] != 0) {
    return r.Error(at + 4,
                   absl::StrFormat("unsupported component version 0x%02x%02x "
                                   "(0x000d expected)",
                                   b[5], b[4]));
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadComponentBody(BinaryReader& r, Scope* parent,
                                       ComponentDef* def) {
  WASMHOST_RETURN_IF_ERROR(Enter(r));
  WASMHOST_RETURN_IF_ERROR(ReadPreamble(r));
  Scope scope;
  scope.parent = parent;
  scope.is_component = true;
  scope.checks_visibility = true;
  Scope* const saved = scope_;
  scope_ = &scope;
  bool seen_start = false;
  while (!r.at_end()) {
    const size_t at = r.offset();
    uint8_t id;
    uint32_t size;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&id));
    WASMHOST_RETURN_IF_ERROR(r.ReadU32(&size));
    BinaryReader s = r;
    WASMHOST_RETURN_IF_ERROR(r.ReadSub(size, SectionContext(id), &s));
    if (id == kStartSection) {
      if (seen_start) return r.Error(at, "duplicate start section");
      seen_start = true;
    }
    WASMHOST_RETURN_IF_ERROR(ReadSection(id, at, s, def));
    if (!s.at_end()) {
      return s.Error(s.offset(), "section size mismatch (bytes left over)");
    }
  }
  def->types = std::move(scope.types);
  def->core_types = std::move(scope.core_types);
  Type type;
  type.kind = TypeKind::kComponent;
  type.imports = std::move(scope.imports);
  type.exports = std::move(scope.exports);
  WASMHOST_ASSIGN_OR_RETURN(def->type, AddType(r, r.offset(), std::move(type)));
  scope_ = saved;
  --depth_;
  return absl::OkStatus();
}

absl::string_view Reader::SectionContext(uint8_t id) {
  static constexpr absl::string_view kNames[] = {
      "the custom section",        "the core module section",
      "the core instance section", "the core type section",
      "the component section",     "the instance section",
      "the alias section",         "the type section",
      "the canon section",         "the start section",
      "the import section",        "the export section",
      "the value section",
  };
  return id < std::size(kNames) ? kNames[id] : "an unknown section";
}

absl::Status Reader::ReadSection(uint8_t id, size_t at, BinaryReader& r,
                                 ComponentDef* def) {
  switch (id) {
    case kCustomSection: {
      CustomSection c;
      WASMHOST_RETURN_IF_ERROR(r.ReadName(&c.name));
      c.offset = r.offset();
      c.size = r.remaining();
      def->custom_sections.push_back(std::move(c));
      return r.Skip(r.remaining());
    }
    case kCoreModuleSection:
      return ReadCoreModule(r, def);
    case kCoreInstanceSection:
      return ReadVec(r, 1, [&] { return ReadCoreInstance(r, def); });
    case kCoreTypeSection:
      return ReadVec(r, 1, [&] {
        WASMHOST_ASSIGN_OR_RETURN(uint32_t t, ReadCoreType(r, *scope_));
        scope_->core_types.push_back(t);
        Order(def, Definition::Kind::kCoreType, scope_->core_types.size());
        return absl::OkStatus();
      });
    case kComponentSection:
      return ReadNestedComponent(r, def);
    case kInstanceSection:
      return ReadVec(r, 1, [&] { return ReadInstance(r, def); });
    case kAliasSection:
      return ReadVec(r, 1, [&] {
        Alias alias;
        WASMHOST_RETURN_IF_ERROR(ReadAlias(r, *scope_, &alias));
        def->aliases.push_back(std::move(alias));
        Order(def, Definition::Kind::kAlias, def->aliases.size());
        return absl::OkStatus();
      });
    case kTypeSection:
      return ReadVec(r, 1, [&] {
        WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadDefType(r, *scope_));
        scope_->types.push_back(t);
        Order(def, Definition::Kind::kType, scope_->types.size());
        return absl::OkStatus();
      });
    case kCanonSection:
      return ReadVec(r, 1, [&] { return ReadCanon(r, def); });
    case kStartSection:
      return ReadStart(r, def);
    case kImportSection:
      return ReadVec(r, 1, [&] {
        Import import;
        WASMHOST_RETURN_IF_ERROR(
            ReadImportDecl(r, *scope_, &import.name, &import.desc));
        def->imports.push_back(std::move(import));
        Order(def, Definition::Kind::kImport, def->imports.size());
        return absl::OkStatus();
      });
    case kExportSection:
      return ReadVec(r, 1, [&] { return ReadExport(r, def); });
    case kValueSection:
      return r.Error(at, "value definitions are not supported");
    default:
      return r.Error(at, absl::StrFormat("unknown section id %d", id));
  }
}

void Reader::Order(ComponentDef* def, Definition::Kind kind, size_t size) {
  def->order.push_back({kind, static_cast<uint32_t>(size - 1)});
}

absl::Status Reader::Enter(BinaryReader& r) {
  if (++depth_ > kMaxNesting) {
    return r.Error(r.offset(), absl::StrCat("nesting deeper than ", kMaxNesting,
                                            " levels"));
  }
  return absl::OkStatus();
}

absl::Status Reader::ReadNestedComponent(BinaryReader& r, ComponentDef* def) {
  auto nested = std::make_unique<ComponentDef>();
  Scope* const scope = scope_;
  WASMHOST_RETURN_IF_ERROR(ReadComponentBody(r, scope, nested.get()));
  scope->components.push_back(nested->type);
  def->components.push_back(std::move(nested));
  Order(def, Definition::Kind::kComponent, def->components.size());
  return absl::OkStatus();
}

absl::Status Reader::CheckExportVisible(BinaryReader& r, size_t at, Scope& s,
                                        const ExternDesc& desc) {
  if (!s.checks_visibility) return absl::OkStatus();
  WASMHOST_RETURN_IF_ERROR(
      Located(r, at,
              CheckVisible(arena_, desc, "export", s.imported_named,
                           &s.exported_named)));
  AddNamed(arena_, desc, &s.exported_named);
  return absl::OkStatus();
}

absl::Status Reader::ReadImportDecl(BinaryReader& r, Scope& s,
                                    std::string* name, ExternDesc* desc) {
  const size_t at = r.offset();
  std::optional<std::string> implements;
  WASMHOST_ASSIGN_OR_RETURN(*name, ReadExternName(r, &implements));
  WASMHOST_RETURN_IF_ERROR(
      CheckUnique(r, at, s.import_names, *name, "import name"));
  WASMHOST_ASSIGN_OR_RETURN(*desc, ReadExternType(r, s, *name));
  WASMHOST_RETURN_IF_ERROR(
      CheckImplements(r, at, *name, implements, desc->kind));
  if (desc->kind == ExternKind::kInstance) {
    WASMHOST_ASSIGN_OR_RETURN(desc->type, FreshInstance(r, at, desc->type));
  }
  WASMHOST_RETURN_IF_ERROR(
      Located(r, at, CheckResourceFuncName(arena_, *name, *desc, s.imports)));
  if (s.checks_visibility) {
    WASMHOST_RETURN_IF_ERROR(Located(
        r, at,
        CheckVisible(arena_, *desc, "import", s.imported_named, nullptr)));
    AddNamed(arena_, *desc, &s.imported_named);
  }
  Push(s, *desc);
  s.imports.push_back({*name, *desc});
  return absl::OkStatus();
}

absl::Status Reader::ReadStart(BinaryReader& r, ComponentDef* def) {
  Scope& s = *scope_;
  Start start;
  WASMHOST_ASSIGN_OR_RETURN(start.func, ReadIndex(r, s.funcs.size(), "func"));
  WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
    WASMHOST_ASSIGN_OR_RETURN(uint32_t v,
                              ReadIndex(r, s.values.size(), "value"));
    start.args.push_back(v);
    return absl::OkStatus();
  }));
  WASMHOST_RETURN_IF_ERROR(r.ReadU32(&start.results));
  def->start = std::move(start);
  def->order.push_back({Definition::Kind::kStart, 0});
  return absl::OkStatus();
}

absl::Status Reader::NameExportedType(BinaryReader& r, size_t at,
                                      absl::string_view name,
                                      ExternDesc* desc) {
  if (desc->kind != ExternKind::kType) return absl::OkStatus();
  const TypeKind kind = arena_[desc->type].kind;
  if (kind != TypeKind::kRecord && kind != TypeKind::kVariant &&
      kind != TypeKind::kEnum && kind != TypeKind::kFlags &&
      kind != TypeKind::kResource) {
    return absl::OkStatus();
  }
  Type named = arena_[desc->type];
  if (kind == TypeKind::kResource) {
    named.resource_of = ResourceIdentity(arena_, desc->type);
    named.name = std::string(name);
  }
  WASMHOST_ASSIGN_OR_RETURN(desc->type, AddType(r, at, std::move(named)));
  return absl::OkStatus();
}

absl::Status Reader::ReadExport(BinaryReader& r, ComponentDef* def) {
  Scope& s = *scope_;
  const size_t at = r.offset();
  Export e;
  std::optional<std::string> implements;
  WASMHOST_ASSIGN_OR_RETURN(e.name, ReadExternName(r, &implements));
  WASMHOST_RETURN_IF_ERROR(
      CheckUnique(r, at, s.export_names, e.name, "export name"));
  const size_t item_at = r.offset();
  WASMHOST_ASSIGN_OR_RETURN(e.item, ReadSortIndex(r, s));
  if (static_cast<int>(e.item.sort) < static_cast<int>(Sort::kCoreModule)) {
    return r.Error(item_at,
                   absl::StrCat("export of a ", SortName(e.item.sort)));
  }
  e.desc = DescOf(s, e.item.sort, e.item.index);
  WASMHOST_RETURN_IF_ERROR(
      CheckImplements(r, at, e.name, implements, e.desc.kind));
  const size_t ascribed_at = r.offset();
  uint8_t has_type;
  WASMHOST_RETURN_IF_ERROR(r.ReadU8(&has_type));
  if (has_type > 1) {
    return r.Error(ascribed_at,
                   absl::StrFormat("invalid option flag 0x%02x", has_type));
  }
  if (has_type) {
    WASMHOST_ASSIGN_OR_RETURN(ExternDesc ascribed,
                              ReadExternType(r, s, e.name));
    if (ascribed.kind != e.desc.kind) {
      return r.Error(ascribed_at, absl::StrCat("export \"", e.name, "\" is a ",
                                               ExternKindName(e.desc.kind),
                                               ", its ascribed type a ",
                                               ExternKindName(ascribed.kind)));
    }
    if (absl::Status st =
            SubtypeChecker(arena_).Check(e.desc, {e.name, ascribed});
        !st.ok()) {
      return r.Error(ascribed_at,
                     absl::StrCat("ascribed type of export \"", e.name,
                                  "\" is not compatible: ", st.message()));
    }
    // A type exported as `(sub resource)` is a new abstract resource.
    e.desc = ascribed;
  }
  WASMHOST_RETURN_IF_ERROR(NameExportedType(r, at, e.name, &e.desc));
  WASMHOST_RETURN_IF_ERROR(CheckExportVisible(r, at, s, e.desc));
  WASMHOST_RETURN_IF_ERROR(
      Located(r, at, CheckResourceFuncName(arena_, e.name, e.desc, s.exports)));
  Push(s, e.desc);
  s.exports.push_back({e.name, e.desc});
  def->exports.push_back(std::move(e));
  Order(def, Definition::Kind::kExport, def->exports.size());
  return absl::OkStatus();
}

}  // namespace wasmhost::component::reader_internal

namespace wasmhost::component {

using reader_internal::kComponentLayer;
using reader_internal::kMagic;
using reader_internal::kPreambleSize;
using reader_internal::Reader;

absl::string_view SortName(Sort sort) {
  static constexpr absl::string_view kNames[] = {
      "core func", "core table",  "core memory",   "core global", "core tag",
      "core type", "core module", "core instance", "func",        "value",
      "type",      "component",   "instance",
  };
  return kNames[static_cast<size_t>(sort)];
}

bool IsComponent(absl::Span<const uint8_t> bytes) {
  return bytes.size() >= kPreambleSize &&
         std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin()) &&
         bytes[6] == kComponentLayer && bytes[7] == 0;
}

absl::StatusOr<Component> ReadComponent(absl::Span<const uint8_t> bytes,
                                        const ReadOptions& options) {
  Component component;
  Reader reader(bytes, options, &component.types);
  WASMHOST_RETURN_IF_ERROR(reader.ReadRoot(&component.root));
  return component;
}

}  // namespace wasmhost::component
