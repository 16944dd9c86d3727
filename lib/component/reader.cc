// lib/component/reader.cc: ReadComponent. One Reader walks the sections of
// the root and of every nested component, keeping one Scope (the index
// spaces) per component, component type and instance type, and resolves
// every type index to a TypeId as it goes.

#include "lib/component/reader.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/component/core_entities.h"
#include "lib/component/flatten.h"
#include "lib/component/names.h"
#include "lib/component/resource_names.h"
#include "lib/component/subtype.h"
#include "lib/component/visibility.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"

namespace wasmhost::component {
namespace {

using wasm::BinaryReader;

constexpr uint8_t kMagic[] = {0x00, 0x61, 0x73, 0x6d};
constexpr uint8_t kComponentVersion = 0x0d;
constexpr uint8_t kComponentLayer = 0x01;
constexpr size_t kPreambleSize = 8;

// Bounds that keep recursive consumers (substitution, printing, the
// canonical ABI) off the stack's edge and the arena's size sane.
constexpr int kMaxNesting = 100;
constexpr size_t kMaxTypes = 1 << 20;

enum SectionId : uint8_t {
  kCustomSection = 0,
  kCoreModuleSection = 1,
  kCoreInstanceSection = 2,
  kCoreTypeSection = 3,
  kComponentSection = 4,
  kInstanceSection = 5,
  kAliasSection = 6,
  kTypeSection = 7,
  kCanonSection = 8,
  kStartSection = 9,
  kImportSection = 10,
  kExportSection = 11,
  kValueSection = 12,
};

// The core:externtype codes, also the core sorts 0x00..0x04.
constexpr uint8_t kCoreFuncCode = 0x00;
constexpr uint8_t kCoreTagCode = 0x04;

// The index spaces of one component, component type or instance type.
struct Scope {
  Scope* parent = nullptr;
  bool is_component = false;  // A component, not a component/instance type.
  // Components and component types check the external visibility of
  // types (instance types defer it to their import or export).
  bool checks_visibility = false;
  NamedTypes imported_named;
  NamedTypes exported_named;
  std::vector<TypeId> types;
  std::vector<uint32_t> core_types;    // TypeArena::core indices.
  std::vector<TypeId> funcs;           // kFunc types.
  std::vector<TypeId> values;          // Value types.
  std::vector<TypeId> components;      // kComponent types.
  std::vector<TypeId> instances;       // kInstance types.
  std::vector<uint32_t> core_modules;  // Module types (TypeArena::core).
  // Each core instance's exports by name.
  std::vector<absl::flat_hash_map<std::string, CoreEntity>> core_instances;
  uint32_t core_counts[5] = {};        // func, table, memory, global, tag.
  std::vector<CoreEntity> core_funcs;  // core_counts[0] of them.
  // Strongly-unique import and export names, lowercased.
  absl::flat_hash_set<std::string> import_names;
  absl::flat_hash_set<std::string> export_names;
  std::vector<ExternDecl> imports;
  std::vector<ExternDecl> exports;
};

bool IsPrimitiveCode(uint8_t b) {
  return (b >= 0x73 && b <= 0x7f) || b == 0x64;
}

TypeKind PrimitiveKind(uint8_t b) {
  if (b == 0x64) return TypeKind::kErrorContext;
  return static_cast<TypeKind>(0x7f - b);
}

absl::string_view CoreSortName(uint8_t code) {
  switch (code) {
    case 0x00:
      return "func";
    case 0x01:
      return "table";
    case 0x02:
      return "memory";
    case 0x03:
      return "global";
    case 0x04:
      return "tag";
    case 0x10:
      return "type";
    case 0x11:
      return "module";
    default:
      return "instance";
  }
}

Sort CoreSortToSort(uint8_t code) {
  switch (code) {
    case 0x00:
      return Sort::kCoreFunc;
    case 0x01:
      return Sort::kCoreTable;
    case 0x02:
      return Sort::kCoreMemory;
    case 0x03:
      return Sort::kCoreGlobal;
    case 0x04:
      return Sort::kCoreTag;
    case 0x10:
      return Sort::kCoreType;
    case 0x11:
      return Sort::kCoreModule;
    default:
      return Sort::kCoreInstance;
  }
}

uint8_t ExternKindCoreCode(wasm::ExternKind kind) {
  switch (kind) {
    case wasm::ExternKind::kFunc:
      return 0x00;
    case wasm::ExternKind::kTable:
      return 0x01;
    case wasm::ExternKind::kMemory:
      return 0x02;
    case wasm::ExternKind::kGlobal:
      return 0x03;
    case wasm::ExternKind::kTag:
      return 0x04;
  }
  return 0x00;
}

ExternKind SortToExternKind(Sort sort) {
  switch (sort) {
    case Sort::kFunc:
      return ExternKind::kFunc;
    case Sort::kValue:
      return ExternKind::kValue;
    case Sort::kType:
      return ExternKind::kType;
    case Sort::kComponent:
      return ExternKind::kComponent;
    case Sort::kInstance:
      return ExternKind::kInstance;
    default:
      return ExternKind::kCoreModule;
  }
}

class Reader {
 public:
  Reader(absl::Span<const uint8_t> bytes, const ReadOptions& options,
         TypeArena* arena)
      : bytes_(bytes), options_(options), arena_(*arena) {}

  absl::Status ReadRoot(ComponentDef* def) {
    BinaryReader r(bytes_, "the component");
    return ReadComponentBody(r, nullptr, def);
  }

 private:
  // --- Components and sections -------------------------------------------

  absl::Status ReadPreamble(BinaryReader& r) {
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

  absl::Status ReadComponentBody(BinaryReader& r, Scope* parent,
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
    WASMHOST_ASSIGN_OR_RETURN(def->type,
                              AddType(r, r.offset(), std::move(type)));
    scope_ = saved;
    --depth_;
    return absl::OkStatus();
  }

  static absl::string_view SectionContext(uint8_t id) {
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

  absl::Status ReadSection(uint8_t id, size_t at, BinaryReader& r,
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

  // Records the last-pushed entry (vector size `size`) in `def->order`.
  static void Order(ComponentDef* def, Definition::Kind kind, size_t size) {
    def->order.push_back({kind, static_cast<uint32_t>(size - 1)});
  }

  template <typename F>
  static absl::Status ReadVec(BinaryReader& r, size_t min_entry_size,
                              F read_entry) {
    uint32_t count;
    WASMHOST_RETURN_IF_ERROR(r.ReadCount(min_entry_size, &count));
    for (uint32_t i = 0; i < count; ++i) {
      WASMHOST_RETURN_IF_ERROR(read_entry());
    }
    return absl::OkStatus();
  }

  absl::Status Enter(BinaryReader& r) {
    if (++depth_ > kMaxNesting) {
      return r.Error(r.offset(), absl::StrCat("nesting deeper than ",
                                              kMaxNesting, " levels"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadCoreModule(BinaryReader& r, ComponentDef* def) {
    CoreModule m;
    m.offset = r.offset();
    m.size = r.remaining();
    const absl::Span<const uint8_t> module = bytes_.subspan(m.offset, m.size);
    absl::StatusOr<wasm::ModuleInfo> info = wasm::ReadModule(module);
    absl::Status valid = info.status();
    if (valid.ok() && options_.validate_core_module) {
      valid = options_.validate_core_module(module);
      // Only a verdict on the module is the module's fault.
      if (!valid.ok() && !absl::IsInvalidArgument(valid)) return valid;
    }
    if (!valid.ok()) {
      return r.Error(m.offset,
                     absl::StrCat("invalid core module (offsets from its "
                                  "start): ",
                                  valid.message()));
    }
    m.info = *std::move(info);
    CoreType type;
    type.is_module = true;
    absl::flat_hash_set<std::pair<std::string, std::string>> import_names;
    for (const wasm::Import& i : m.info.imports) {
      WASMHOST_RETURN_IF_ERROR(
          CheckCoreImportUnique(r, m.offset, import_names, i.module, i.name));
      type.imports.push_back({i.module, i.name, ExternKindCoreCode(i.kind)});
    }
    for (const wasm::Export& e : m.info.exports) {
      type.exports.push_back({"", e.name, ExternKindCoreCode(e.kind)});
    }
    const uint32_t core_type = arena_.AddCore(std::move(type));
    module_entities_[core_type] = EntitiesOf(m.info);
    scope_->core_modules.push_back(core_type);
    def->core_modules.push_back(std::move(m));
    Order(def, Definition::Kind::kCoreModule, def->core_modules.size());
    return r.Skip(r.remaining());
  }

  absl::Status ReadNestedComponent(BinaryReader& r, ComponentDef* def) {
    auto nested = std::make_unique<ComponentDef>();
    Scope* const scope = scope_;
    WASMHOST_RETURN_IF_ERROR(ReadComponentBody(r, scope, nested.get()));
    scope->components.push_back(nested->type);
    def->components.push_back(std::move(nested));
    Order(def, Definition::Kind::kComponent, def->components.size());
    return absl::OkStatus();
  }

  // --- Indices -------------------------------------------------------------

  static absl::Status CheckIndex(BinaryReader& r, size_t at, uint32_t index,
                                 size_t bound, absl::string_view what) {
    if (index >= bound) {
      return r.Error(at, absl::StrCat(what, " index ", index, " out of range (",
                                      bound, " defined)"));
    }
    return absl::OkStatus();
  }

  // Reads an index into a space of `bound` entries.
  static absl::StatusOr<uint32_t> ReadIndex(BinaryReader& r, size_t bound,
                                            absl::string_view what) {
    const size_t at = r.offset();
    uint32_t index;
    WASMHOST_RETURN_IF_ERROR(r.ReadU32(&index));
    WASMHOST_RETURN_IF_ERROR(CheckIndex(r, at, index, bound, what));
    return index;
  }

  static size_t CoreCount(const Scope& s, uint8_t code) {
    switch (code) {
      case 0x10:
        return s.core_types.size();
      case 0x11:
        return s.core_modules.size();
      case 0x12:
        return s.core_instances.size();
      default:
        return s.core_counts[code];
    }
  }

  static absl::StatusOr<uint8_t> ReadCoreSort(BinaryReader& r) {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    if (code > kCoreTagCode && (code < 0x10 || code > 0x12)) {
      return r.Error(at, absl::StrFormat("unknown core sort 0x%02x", code));
    }
    return code;
  }

  // A sort: core sorts as Sort::kCore*, then the component sorts.
  static absl::StatusOr<Sort> ReadSort(BinaryReader& r) {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    switch (code) {
      case 0x00: {
        WASMHOST_ASSIGN_OR_RETURN(uint8_t core, ReadCoreSort(r));
        return CoreSortToSort(core);
      }
      case 0x01:
        return Sort::kFunc;
      case 0x02:
        return Sort::kValue;
      case 0x03:
        return Sort::kType;
      case 0x04:
        return Sort::kComponent;
      case 0x05:
        return Sort::kInstance;
      default:
        return r.Error(at, absl::StrFormat("unknown sort 0x%02x", code));
    }
  }

  static size_t SortCount(const Scope& s, Sort sort) {
    switch (sort) {
      case Sort::kCoreFunc:
        return s.core_counts[0];
      case Sort::kCoreTable:
        return s.core_counts[1];
      case Sort::kCoreMemory:
        return s.core_counts[2];
      case Sort::kCoreGlobal:
        return s.core_counts[3];
      case Sort::kCoreTag:
        return s.core_counts[4];
      case Sort::kCoreType:
        return s.core_types.size();
      case Sort::kCoreModule:
        return s.core_modules.size();
      case Sort::kCoreInstance:
        return s.core_instances.size();
      case Sort::kFunc:
        return s.funcs.size();
      case Sort::kValue:
        return s.values.size();
      case Sort::kType:
        return s.types.size();
      case Sort::kComponent:
        return s.components.size();
      case Sort::kInstance:
        return s.instances.size();
    }
    return 0;
  }

  // The extern description of entry `index` of `sort` (a component sort,
  // or kCoreModule).
  static ExternDesc DescOf(const Scope& s, Sort sort, uint32_t index) {
    ExternDesc d;
    d.kind = SortToExternKind(sort);
    switch (sort) {
      case Sort::kFunc:
        d.type = s.funcs[index];
        break;
      case Sort::kValue:
        d.type = s.values[index];
        break;
      case Sort::kType:
        d.type = s.types[index];
        break;
      case Sort::kComponent:
        d.type = s.components[index];
        break;
      case Sort::kInstance:
        d.type = s.instances[index];
        break;
      default:
        d.core_type = s.core_modules[index];
        break;
    }
    return d;
  }

  // Appends an entity described by `d` to its index space.
  static void Push(Scope& s, const ExternDesc& d) {
    switch (d.kind) {
      case ExternKind::kCoreModule:
        s.core_modules.push_back(d.core_type);
        break;
      case ExternKind::kFunc:
        s.funcs.push_back(d.type);
        break;
      case ExternKind::kValue:
        s.values.push_back(d.type);
        break;
      case ExternKind::kType:
        s.types.push_back(d.type);
        break;
      case ExternKind::kComponent:
        s.components.push_back(d.type);
        break;
      case ExternKind::kInstance:
        s.instances.push_back(d.type);
        break;
    }
  }

  absl::StatusOr<SortIndex> ReadSortIndex(BinaryReader& r, const Scope& s) {
    WASMHOST_ASSIGN_OR_RETURN(Sort sort, ReadSort(r));
    WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                              ReadIndex(r, SortCount(s, sort), SortName(sort)));
    return SortIndex{sort, index};
  }

  // --- Names ---------------------------------------------------------------

  // A `labellit`: a kebab-case label.
  static absl::StatusOr<std::string> ReadLabel(BinaryReader& r) {
    const size_t at = r.offset();
    std::string label;
    WASMHOST_RETURN_IF_ERROR(r.ReadName(&label));
    if (!IsLabel(label)) {
      return r.Error(at, absl::StrCat("invalid label \"", label, "\""));
    }
    return label;
  }

  // Labels of one record, variant, flags, enum or parameter list are
  // strongly unique (case-insensitively).
  static absl::Status CheckUnique(BinaryReader& r, size_t at,
                                  absl::flat_hash_set<std::string>& seen,
                                  absl::string_view name,
                                  absl::string_view what) {
    // Explainer.md's canonicalization for strong uniqueness: lowercase,
    // `[method]l.l` and `[static]l.l` become `l`, other annotations but
    // `[constructor]` are stripped.
    std::string canonical = absl::AsciiStrToLower(name);
    absl::string_view rest = canonical;
    if (absl::ConsumePrefix(&rest, "[method]") ||
        absl::ConsumePrefix(&rest, "[static]")) {
      const std::pair<absl::string_view, absl::string_view> labels =
          absl::StrSplit(rest, absl::MaxSplits('.', 1));
      canonical =
          std::string(labels.first == labels.second ? labels.first : rest);
    }
    if (!seen.insert(std::move(canonical)).second) {
      return r.Error(at, absl::StrCat("duplicate ", what, " \"", name, "\""));
    }
    return absl::OkStatus();
  }

  // `nameattributes`: an extern name and, in form 0x02, attributes
  // (implements, version suffix, external id) that only annotate it.
  // `*implements` gets the `implements` attribute's interface name, if any.
  static absl::StatusOr<std::string> ReadExternName(
      BinaryReader& r, std::optional<std::string>* implements) {
    implements->reset();
    const size_t at = r.offset();
    uint8_t form;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
    if (form > 0x02) {
      return r.Error(at,
                     absl::StrFormat("unknown extern name form 0x%02x", form));
    }
    const size_t name_at = r.offset();
    std::string name;
    WASMHOST_RETURN_IF_ERROR(r.ReadName(&name));
    if (!IsPlainName(name) && !IsInterfaceName(name)) {
      return r.Error(name_at, absl::StrCat("\"", name,
                                           "\" is not a valid extern name "
                                           "(a kebab-case label, an "
                                           "annotated one or an interface "
                                           "name)"));
    }
    if (form == 0x02) {
      uint32_t count;
      WASMHOST_RETURN_IF_ERROR(r.ReadCount(2, &count));
      bool seen[3] = {};
      for (uint32_t i = 0; i < count; ++i) {
        const size_t attr_at = r.offset();
        uint8_t kind;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&kind));
        if (kind > 0x02) {
          return r.Error(
              attr_at, absl::StrFormat("unknown name attribute 0x%02x", kind));
        }
        if (seen[kind]) return r.Error(attr_at, "duplicate name attribute");
        seen[kind] = true;
        const size_t value_at = r.offset();
        std::string value;
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&value));
        if (kind == 0x00) {
          if (!IsInterfaceName(value)) {
            return r.Error(value_at,
                           absl::StrCat("implements \"", value,
                                        "\": must be an interface name"));
          }
          *implements = std::move(value);
        }
      }
    }
    return name;
  }

  // `implements` annotates only instances with plain names.
  static absl::Status CheckImplements(
      BinaryReader& r, size_t at, absl::string_view name,
      const std::optional<std::string>& implements, ExternKind kind) {
    if (!implements.has_value()) return absl::OkStatus();
    if (kind != ExternKind::kInstance) {
      return r.Error(at,
                     absl::StrCat("\"", name, "\" is a ", ExternKindName(kind),
                                  ": only instances can have an "
                                  "`implements` attribute"));
    }
    if (!IsLabel(name)) {
      return r.Error(at, absl::StrCat("name \"", name,
                                      "\" is not valid with `implements` "
                                      "(a plain label is)"));
    }
    return absl::OkStatus();
  }

  // --- Types ---------------------------------------------------------------

  // Adds `type`, bounding the arena's size and the nesting depth of types
  // (so recursion over a type stays shallow).
  absl::StatusOr<TypeId> AddType(BinaryReader& r, size_t at, Type type) {
    if (arena_.size() >= kMaxTypes) {
      return r.Error(at, absl::StrCat("more than ", kMaxTypes, " types"));
    }
    int depth = 0;
    auto member = [&](TypeId id) {
      depth = std::max(depth, id < depths_.size() ? depths_[id] + 1 : 1);
    };
    for (const Field& f : type.fields) member(f.type);
    for (const Case& c : type.cases) {
      if (c.type.has_value()) member(*c.type);
    }
    for (const std::optional<TypeId>& o : {type.element, type.ok, type.error}) {
      if (o.has_value()) member(*o);
    }
    for (const auto* decls : {&type.imports, &type.exports}) {
      for (const ExternDecl& d : *decls) {
        if (d.desc.kind != ExternKind::kCoreModule) member(d.desc.type);
      }
    }
    if (depth > kMaxNesting) {
      return r.Error(at, absl::StrCat("types nested deeper than ", kMaxNesting,
                                      " levels"));
    }
    const TypeId id = arena_.Add(std::move(type));
    depths_.resize(id + 1, 0);
    depths_[id] = depth;
    return id;
  }

  static bool IsValueType(TypeKind kind) { return kind <= TypeKind::kMap; }

  // A `valtype`: a primitive code, or a non-negative s33 index of a defined
  // value type.
  absl::StatusOr<TypeId> ReadValType(BinaryReader& r, const Scope& s) {
    const size_t at = r.offset();
    if (r.at_end()) return r.Error(at, "unexpected end of input");
    BinaryReader peek = r;
    uint8_t b;
    WASMHOST_RETURN_IF_ERROR(peek.ReadU8(&b));
    if (IsPrimitiveCode(b)) {
      r = peek;
      return TypeArena::Primitive(PrimitiveKind(b));
    }
    int64_t index;
    WASMHOST_RETURN_IF_ERROR(r.ReadS33(&index));
    if (index < 0) {
      return r.Error(at, absl::StrFormat("invalid value type 0x%02x", b));
    }
    if (index > UINT32_MAX) return r.Error(at, "type index too large");
    WASMHOST_RETURN_IF_ERROR(CheckIndex(r, at, static_cast<uint32_t>(index),
                                        s.types.size(), "type"));
    const TypeId id = s.types[index];
    if (!IsValueType(arena_[id].kind)) {
      return r.Error(at, absl::StrCat("type ", index, " is a ",
                                      TypeKindName(arena_[id].kind),
                                      " type, not a value type"));
    }
    return id;
  }

  absl::StatusOr<std::optional<TypeId>> ReadOptionalValType(BinaryReader& r,
                                                            const Scope& s) {
    const size_t at = r.offset();
    uint8_t present;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&present));
    if (present == 0) return std::optional<TypeId>();
    if (present != 1) {
      return r.Error(at,
                     absl::StrFormat("invalid option flag 0x%02x", present));
    }
    WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadValType(r, s));
    return std::optional<TypeId>(t);
  }

  // A `resultlist`: 0x00 one result, 0x01 0x00 none.
  absl::StatusOr<std::optional<TypeId>> ReadResultList(BinaryReader& r,
                                                       const Scope& s) {
    const size_t at = r.offset();
    uint8_t form;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
    if (form == 0x00) {
      WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadValType(r, s));
      return std::optional<TypeId>(t);
    }
    uint8_t zero;
    if (form == 0x01) {
      const size_t zero_at = r.offset();
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&zero));
      if (zero != 0) {
        return r.Error(zero_at, "named results are not supported");
      }
      return std::optional<TypeId>();
    }
    return r.Error(at, absl::StrFormat("invalid result list 0x%02x", form));
  }

  absl::StatusOr<TypeId> ReadResourceIndex(BinaryReader& r, const Scope& s) {
    const size_t at = r.offset();
    WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                              ReadIndex(r, s.types.size(), "type"));
    const TypeId id = s.types[index];
    if (arena_[id].kind != TypeKind::kResource) {
      return r.Error(at, absl::StrCat("type ", index, " is a ",
                                      TypeKindName(arena_[id].kind),
                                      " type, not a resource"));
    }
    return id;
  }

  // A `deftype` of `s` (a component or a component/instance type).
  absl::StatusOr<TypeId> ReadDefType(BinaryReader& r, Scope& s) {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    Type t;
    if (IsPrimitiveCode(code)) return TypeArena::Primitive(PrimitiveKind(code));
    absl::flat_hash_set<std::string> seen;
    switch (code) {
      case 0x72: {  // record
        t.kind = TypeKind::kRecord;
        WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
          const size_t field_at = r.offset();
          Field f;
          WASMHOST_ASSIGN_OR_RETURN(f.name, ReadLabel(r));
          WASMHOST_RETURN_IF_ERROR(
              CheckUnique(r, field_at, seen, f.name, "field"));
          WASMHOST_ASSIGN_OR_RETURN(f.type, ReadValType(r, s));
          t.fields.push_back(std::move(f));
          return absl::OkStatus();
        }));
        if (t.fields.empty()) return r.Error(at, "record without fields");
        break;
      }
      case 0x71: {  // variant
        t.kind = TypeKind::kVariant;
        WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
          const size_t case_at = r.offset();
          Case c;
          WASMHOST_ASSIGN_OR_RETURN(c.name, ReadLabel(r));
          WASMHOST_RETURN_IF_ERROR(
              CheckUnique(r, case_at, seen, c.name, "case"));
          WASMHOST_ASSIGN_OR_RETURN(c.type, ReadOptionalValType(r, s));
          const size_t refines_at = r.offset();
          uint8_t refines;
          WASMHOST_RETURN_IF_ERROR(r.ReadU8(&refines));
          if (refines != 0) {
            return r.Error(refines_at,
                           "variant case refinements are not "
                           "supported (0x00 expected)");
          }
          t.cases.push_back(std::move(c));
          return absl::OkStatus();
        }));
        if (t.cases.empty()) return r.Error(at, "variant without cases");
        break;
      }
      case 0x70:    // list
      case 0x6b: {  // option
        t.kind = code == 0x70 ? TypeKind::kList : TypeKind::kOption;
        WASMHOST_ASSIGN_OR_RETURN(t.element, ReadValType(r, s));
        break;
      }
      case 0x67: {  // fixed-size list
        t.kind = TypeKind::kList;
        WASMHOST_ASSIGN_OR_RETURN(t.element, ReadValType(r, s));
        const size_t len_at = r.offset();
        WASMHOST_RETURN_IF_ERROR(r.ReadU32(&t.fixed_length));
        if (t.fixed_length == 0) {
          return r.Error(len_at, "fixed-size list of length 0");
        }
        break;
      }
      case 0x6f: {  // tuple
        t.kind = TypeKind::kTuple;
        WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
          Field f;
          WASMHOST_ASSIGN_OR_RETURN(f.type, ReadValType(r, s));
          t.fields.push_back(std::move(f));
          return absl::OkStatus();
        }));
        if (t.fields.empty()) return r.Error(at, "tuple without elements");
        break;
      }
      case 0x6e:    // flags
      case 0x6d: {  // enum
        t.kind = code == 0x6e ? TypeKind::kFlags : TypeKind::kEnum;
        WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
          const size_t label_at = r.offset();
          WASMHOST_ASSIGN_OR_RETURN(std::string label, ReadLabel(r));
          WASMHOST_RETURN_IF_ERROR(CheckUnique(r, label_at, seen, label,
                                               code == 0x6e ? "flag" : "case"));
          t.labels.push_back(std::move(label));
          return absl::OkStatus();
        }));
        if (t.labels.empty()) {
          return r.Error(at,
                         absl::StrCat(TypeKindName(t.kind), " without labels"));
        }
        if (t.kind == TypeKind::kFlags && t.labels.size() > 32) {
          return r.Error(at, absl::StrCat("flags with ", t.labels.size(),
                                          " labels (at most 32)"));
        }
        break;
      }
      case 0x6a: {  // result
        t.kind = TypeKind::kResult;
        WASMHOST_ASSIGN_OR_RETURN(t.ok, ReadOptionalValType(r, s));
        WASMHOST_ASSIGN_OR_RETURN(t.error, ReadOptionalValType(r, s));
        break;
      }
      case 0x69:    // own
      case 0x68: {  // borrow
        t.kind = code == 0x69 ? TypeKind::kOwn : TypeKind::kBorrow;
        WASMHOST_ASSIGN_OR_RETURN(t.element, ReadResourceIndex(r, s));
        break;
      }
      case 0x66:    // stream
      case 0x65: {  // future
        t.kind = code == 0x66 ? TypeKind::kStream : TypeKind::kFuture;
        WASMHOST_ASSIGN_OR_RETURN(t.element, ReadOptionalValType(r, s));
        // Binary.md: rejected for now, until its encoding is settled.
        if (code == 0x66 && t.element.has_value() &&
            arena_[*t.element].kind == TypeKind::kChar) {
          return r.Error(at, "(stream char) is not valid at this time");
        }
        break;
      }
      case 0x63: {  // map
        t.kind = TypeKind::kMap;
        WASMHOST_ASSIGN_OR_RETURN(t.element, ReadValType(r, s));
        WASMHOST_ASSIGN_OR_RETURN(t.ok, ReadValType(r, s));
        break;
      }
      case 0x40:    // func
      case 0x43: {  // async func
        t.kind = TypeKind::kFunc;
        t.async = code == 0x43;
        WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
          const size_t param_at = r.offset();
          Field f;
          WASMHOST_ASSIGN_OR_RETURN(f.name, ReadLabel(r));
          WASMHOST_RETURN_IF_ERROR(
              CheckUnique(r, param_at, seen, f.name, "parameter"));
          WASMHOST_ASSIGN_OR_RETURN(f.type, ReadValType(r, s));
          t.fields.push_back(std::move(f));
          return absl::OkStatus();
        }));
        WASMHOST_ASSIGN_OR_RETURN(t.ok, ReadResultList(r, s));
        if (t.ok.has_value() && ContainsBorrow(*t.ok)) {
          return r.Error(at, "a function result contains a borrow");
        }
        break;
      }
      case 0x41:  // component type
      case 0x42:  // instance type
        return ReadComponentOrInstanceType(r, at, code == 0x41, s);
      case 0x3f: {  // resource
        if (in_type_scope_) {
          return r.Error(at, "resource type defined inside a type");
        }
        t.kind = TypeKind::kResource;
        t.defined = true;
        const size_t rep_at = r.offset();
        uint8_t rep;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&rep));
        if (rep != 0x7f) {
          return r.Error(rep_at,
                         absl::StrFormat("resource representation 0x%02x (only "
                                         "i32 is valid)",
                                         rep));
        }
        const size_t dtor_at = r.offset();
        uint8_t has_dtor;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&has_dtor));
        if (has_dtor > 1) {
          return r.Error(
              dtor_at, absl::StrFormat("invalid option flag 0x%02x", has_dtor));
        }
        if (has_dtor) {
          const size_t index_at = r.offset();
          WASMHOST_ASSIGN_OR_RETURN(
              uint32_t dtor, ReadIndex(r, s.core_counts[0], "core func"));
          WASMHOST_RETURN_IF_ERROR(CheckCoreFunc(r, index_at, s, dtor,
                                                 {{ValType::kI32}, {}},
                                                 "the resource's destructor"));
          t.dtor = dtor;
        }
        break;
      }
      default:
        return r.Error(at, absl::StrFormat("unknown type opcode 0x%02x", code));
    }
    WASMHOST_ASSIGN_OR_RETURN(const TypeId id, AddType(r, at, std::move(t)));
    // Keeps the canonical ABI's size arithmetic far from overflow.
    if (IsValueType(arena_[id].kind) && flat_.ElemSize(id) >= kMaxElemSize) {
      return r.Error(at, absl::StrCat("the ", TypeKindName(arena_[id].kind),
                                      " type's byte size exceeds 2^28 (the "
                                      "maximum element size)"));
    }
    return id;
  }

  // True if `id` is or mentions a resource type (through handles, members
  // or the imports and exports of component and instance types).
  bool RefersToResource(TypeId id) {
    return Memoized(id, refers_to_resource_, &Reader::RefersToResourceUncached);
  }

  bool RefersToResourceUncached(TypeId id) {
    const Type& t = arena_[id];
    if (t.kind == TypeKind::kResource) return true;
    if (IsPrimitive(t.kind)) return false;
    for (const Field& f : t.fields) {
      if (RefersToResource(f.type)) return true;
    }
    for (const Case& c : t.cases) {
      if (c.type.has_value() && RefersToResource(*c.type)) return true;
    }
    for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
      if (o.has_value() && RefersToResource(*o)) return true;
    }
    for (const auto* decls : {&t.imports, &t.exports}) {
      for (const ExternDecl& d : *decls) {
        if (d.desc.kind != ExternKind::kCoreModule &&
            RefersToResource(d.desc.type)) {
          return true;
        }
      }
    }
    return false;
  }

  bool ContainsBorrow(TypeId id) {
    return Memoized(id, contains_borrow_, &Reader::ContainsBorrowUncached);
  }

  // Types form a DAG whose shared parts a walk would visit once per path
  // (exponentially many): queries over it are cached per TypeId.
  bool Memoized(TypeId id, std::vector<int8_t>& cache,
                bool (Reader::*compute)(TypeId)) {
    if (cache.size() <= id) cache.resize(id + 1, -1);
    if (cache[id] < 0) {
      const bool value = (this->*compute)(id);
      if (cache.size() <= id) cache.resize(id + 1, -1);
      cache[id] = value;
    }
    return cache[id] == 1;
  }

  bool ContainsBorrowUncached(TypeId id) {
    const Type& t = arena_[id];
    if (t.kind == TypeKind::kBorrow) return true;
    if (t.kind == TypeKind::kResource || IsPrimitive(t.kind) ||
        t.kind == TypeKind::kOwn) {
      return false;
    }
    for (const Field& f : t.fields) {
      if (ContainsBorrow(f.type)) return true;
    }
    for (const Case& c : t.cases) {
      if (c.type.has_value() && ContainsBorrow(*c.type)) return true;
    }
    for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
      if (o.has_value() && ContainsBorrow(*o)) return true;
    }
    return false;
  }

  // `componenttype` (0x41) or `instancetype` (0x42) in its own scope.
  absl::StatusOr<TypeId> ReadComponentOrInstanceType(BinaryReader& r, size_t at,
                                                     bool component,
                                                     Scope& parent) {
    WASMHOST_RETURN_IF_ERROR(Enter(r));
    const TypeId first_inner = static_cast<TypeId>(arena_.size());
    Scope s;
    s.parent = &parent;
    s.checks_visibility = component;
    const bool saved_in_type = in_type_scope_;
    in_type_scope_ = true;
    WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
      const size_t decl_at = r.offset();
      uint8_t kind;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&kind));
      switch (kind) {
        case 0x00: {
          WASMHOST_ASSIGN_OR_RETURN(uint32_t t, ReadCoreType(r, s));
          s.core_types.push_back(t);
          return absl::OkStatus();
        }
        case 0x01: {
          WASMHOST_ASSIGN_OR_RETURN(TypeId t, ReadDefType(r, s));
          s.types.push_back(t);
          return absl::OkStatus();
        }
        case 0x02: {
          Alias alias;
          return ReadAlias(r, s, &alias);
        }
        case 0x03:
          if (component) {
            std::string name;
            ExternDesc desc;
            return ReadImportDecl(r, s, &name, &desc);
          }
          break;
        case 0x04: {
          const size_t name_at = r.offset();
          std::optional<std::string> implements;
          WASMHOST_ASSIGN_OR_RETURN(std::string name,
                                    ReadExternName(r, &implements));
          WASMHOST_RETURN_IF_ERROR(
              CheckUnique(r, name_at, s.export_names, name, "export name"));
          WASMHOST_ASSIGN_OR_RETURN(ExternDesc desc,
                                    ReadExternType(r, s, name));
          WASMHOST_RETURN_IF_ERROR(
              CheckImplements(r, name_at, name, implements, desc.kind));
          // Each instance a type declares has resources of its own.
          if (desc.kind == ExternKind::kInstance) {
            WASMHOST_ASSIGN_OR_RETURN(desc.type,
                                      FreshInstance(r, name_at, desc.type));
          }
          WASMHOST_RETURN_IF_ERROR(
              Located(r, name_at,
                      CheckResourceFuncName(arena_, name, desc, s.exports)));
          WASMHOST_RETURN_IF_ERROR(CheckExportVisible(r, name_at, s, desc));
          Push(s, desc);
          s.exports.push_back({std::move(name), desc});
          return absl::OkStatus();
        }
        default:
          break;
      }
      return r.Error(
          decl_at, absl::StrFormat("unknown %s declaration 0x%02x",
                                   component ? "component" : "instance", kind));
    }));
    in_type_scope_ = saved_in_type;
    --depth_;
    Type t;
    t.kind = component ? TypeKind::kComponent : TypeKind::kInstance;
    t.imports = std::move(s.imports);
    t.exports = std::move(s.exports);
    WASMHOST_ASSIGN_OR_RETURN(const TypeId id, AddType(r, at, std::move(t)));
    first_inner_type_[id] = first_inner;
    return id;
  }

  // Every resource type `id` refers to, once each, into `out`.
  void CollectResources(TypeId id, absl::flat_hash_set<TypeId>* seen,
                        std::vector<TypeId>* out) {
    if (!seen->insert(id).second) return;
    const Type& t = arena_[id];
    if (t.kind == TypeKind::kResource) {
      out->push_back(id);
      return;
    }
    for (const Field& f : t.fields) CollectResources(f.type, seen, out);
    for (const Case& c : t.cases) {
      if (c.type.has_value()) CollectResources(*c.type, seen, out);
    }
    for (const std::optional<TypeId>& o : {t.element, t.ok, t.error}) {
      if (o.has_value()) CollectResources(*o, seen, out);
    }
    for (const auto* decls : {&t.imports, &t.exports}) {
      for (const ExternDecl& d : *decls) {
        if (d.desc.kind != ExternKind::kCoreModule) {
          CollectResources(d.desc.type, seen, out);
        }
      }
    }
  }

  // Maps each of `resources` to a new abstract resource of the same name:
  // resource types are generative, a new one per instantiation or import.
  absl::Status Freshen(BinaryReader& r, size_t at,
                       const std::vector<TypeId>& resources,
                       absl::flat_hash_map<TypeId, TypeId>* map) {
    for (TypeId id : resources) {
      Type fresh;
      fresh.kind = TypeKind::kResource;
      fresh.name = arena_[id].name;
      WASMHOST_ASSIGN_OR_RETURN((*map)[id], AddType(r, at, std::move(fresh)));
    }
    return absl::OkStatus();
  }

  // An imported instance type with its own `(sub resource)` exports
  // replaced by new ones: two imports of one instance type have distinct
  // resources. Resources it aliases from outside stay what they are.
  absl::StatusOr<TypeId> FreshInstance(BinaryReader& r, size_t at,
                                       TypeId instance) {
    auto first = first_inner_type_.find(instance);
    if (first == first_inner_type_.end()) return instance;
    absl::flat_hash_set<TypeId> seen;
    std::vector<TypeId> resources;
    CollectResources(instance, &seen, &resources);
    resources.erase(std::remove_if(resources.begin(), resources.end(),
                                   [&](TypeId id) {
                                     return id < first->second || id > instance;
                                   }),
                    resources.end());
    if (resources.empty()) return instance;
    absl::flat_hash_map<TypeId, TypeId> map;
    WASMHOST_RETURN_IF_ERROR(Freshen(r, at, resources, &map));
    return Substitute(r, at, instance, map);
  }

  // An `externtype`; `name` names a fresh abstract resource.
  absl::StatusOr<ExternDesc> ReadExternType(BinaryReader& r, Scope& s,
                                            absl::string_view name) {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    ExternDesc d;
    auto typed = [&](TypeKind expected) -> absl::Status {
      const size_t index_at = r.offset();
      WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                ReadIndex(r, s.types.size(), "type"));
      d.type = s.types[index];
      if (arena_[d.type].kind != expected) {
        return r.Error(index_at, absl::StrCat("type ", index, " is a ",
                                              TypeKindName(arena_[d.type].kind),
                                              " type, not a ",
                                              TypeKindName(expected), " type"));
      }
      return absl::OkStatus();
    };
    switch (code) {
      case 0x00: {
        d.kind = ExternKind::kCoreModule;
        const size_t sort_at = r.offset();
        uint8_t sort;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
        if (sort != 0x11) {
          return r.Error(sort_at, "core extern type other than a module");
        }
        const size_t index_at = r.offset();
        WASMHOST_ASSIGN_OR_RETURN(
            uint32_t index, ReadIndex(r, s.core_types.size(), "core type"));
        d.core_type = s.core_types[index];
        if (!arena_.core(d.core_type).is_module) {
          return r.Error(index_at, absl::StrCat("core type ", index,
                                                " is not a module type"));
        }
        return d;
      }
      case 0x01: {
        d.kind = ExternKind::kFunc;
        WASMHOST_RETURN_IF_ERROR(typed(TypeKind::kFunc));
        return d;
      }
      case 0x02: {
        d.kind = ExternKind::kValue;
        const size_t bound_at = r.offset();
        uint8_t bound;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&bound));
        if (bound == 0x00) {
          WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                    ReadIndex(r, s.values.size(), "value"));
          d.type = s.values[index];
        } else if (bound == 0x01) {
          WASMHOST_ASSIGN_OR_RETURN(d.type, ReadValType(r, s));
        } else {
          return r.Error(bound_at,
                         absl::StrFormat("unknown value bound 0x%02x", bound));
        }
        return d;
      }
      case 0x03: {
        d.kind = ExternKind::kType;
        const size_t bound_at = r.offset();
        uint8_t bound;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&bound));
        if (bound == 0x00) {
          WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                    ReadIndex(r, s.types.size(), "type"));
          d.type = s.types[index];
        } else if (bound == 0x01) {
          Type resource;
          resource.kind = TypeKind::kResource;
          resource.name = std::string(name);
          WASMHOST_ASSIGN_OR_RETURN(d.type,
                                    AddType(r, at, std::move(resource)));
        } else {
          return r.Error(bound_at,
                         absl::StrFormat("unknown type bound 0x%02x", bound));
        }
        return d;
      }
      case 0x04:
        d.kind = ExternKind::kComponent;
        WASMHOST_RETURN_IF_ERROR(typed(TypeKind::kComponent));
        return d;
      case 0x05:
        d.kind = ExternKind::kInstance;
        WASMHOST_RETURN_IF_ERROR(typed(TypeKind::kInstance));
        return d;
      default:
        return r.Error(at, absl::StrFormat("unknown extern type 0x%02x", code));
    }
  }

  // `status` of a check that knows no offsets, located at `at`.
  static absl::Status Located(BinaryReader& r, size_t at,
                              const absl::Status& status) {
    return status.ok() ? status : r.Error(at, status.message());
  }

  // An export of component (type) `s` may use what it imported or
  // exported before.
  absl::Status CheckExportVisible(BinaryReader& r, size_t at, Scope& s,
                                  const ExternDesc& desc) {
    if (!s.checks_visibility) return absl::OkStatus();
    WASMHOST_RETURN_IF_ERROR(
        Located(r, at,
                CheckVisible(arena_, desc, "export", s.imported_named,
                             &s.exported_named)));
    AddNamed(arena_, desc, &s.exported_named);
    return absl::OkStatus();
  }

  // An import of `s` (a component or a component type).
  absl::Status ReadImportDecl(BinaryReader& r, Scope& s, std::string* name,
                              ExternDesc* desc) {
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

  // --- Core types ----------------------------------------------------------

  absl::StatusOr<uint32_t> ReadCoreType(BinaryReader& r, const Scope& s) {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    if (code == 0x60) {
      CoreType t;
      WASMHOST_RETURN_IF_ERROR(ReadCoreFuncType(r, &t.func));
      return arena_.AddCore(std::move(t));
    }
    if (code == 0x50) return ReadModuleType(r, s);
    // `(sub final? (func ...))` without supertypes (0x00 0x50 is the
    // non-final form, 0x4f the final one) is a plain function type as far
    // as components go; other GC types are not supported.
    if (code == 0x00 || code == 0x4f) {
      uint8_t sub = 0x50;
      if (code == 0x00) WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sub));
      uint32_t supertypes = 0;
      uint8_t comp = 0;
      if (sub == 0x50) WASMHOST_RETURN_IF_ERROR(r.ReadU32(&supertypes));
      if (sub == 0x50 && supertypes == 0) {
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&comp));
      }
      if (comp == 0x60) {
        CoreType t;
        WASMHOST_RETURN_IF_ERROR(ReadCoreFuncType(r, &t.func));
        return arena_.AddCore(std::move(t));
      }
    }
    if (code == 0x00 || code == 0x4e || code == 0x4f || code == 0x5e ||
        code == 0x5f) {
      return r.Error(at,
                     "GC core types other than function subtypes "
                     "without supertypes are not supported");
    }
    return r.Error(at,
                   absl::StrFormat("unknown core type opcode 0x%02x", code));
  }

  static absl::Status ReadCoreFuncType(BinaryReader& r, CoreFuncType* out) {
    for (std::vector<ValType>* list : {&out->params, &out->results}) {
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        ValType v;
        WASMHOST_RETURN_IF_ERROR(wasm::ReadValType(r, &v));
        list->push_back(v);
        return absl::OkStatus();
      }));
    }
    return absl::OkStatus();
  }

  // A component's core modules and module types may not import one
  // (module, name) pair twice: the component model mangles the two levels
  // into one name.
  static absl::Status CheckCoreImportUnique(
      BinaryReader& r, size_t at,
      absl::flat_hash_set<std::pair<std::string, std::string>>& seen,
      const std::string& module, const std::string& name) {
    if (!seen.insert({module, name}).second) {
      return r.Error(at, absl::StrCat("duplicate core import name \"", module,
                                      ":", name, "\""));
    }
    return absl::OkStatus();
  }

  // `core:moduletype`, with its own core type space; outer aliases reach
  // the enclosing scopes (count 1 is `s`).
  absl::StatusOr<uint32_t> ReadModuleType(BinaryReader& r, const Scope& s) {
    std::vector<uint32_t> types;
    CoreType module;
    module.is_module = true;
    absl::flat_hash_set<std::pair<std::string, std::string>> import_names;
    WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&]() -> absl::Status {
      const size_t at = r.offset();
      uint8_t kind;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&kind));
      switch (kind) {
        case 0x00: {
          CoreType::Entity e;
          WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.module));
          WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.name));
          WASMHOST_RETURN_IF_ERROR(
              CheckCoreImportUnique(r, at, import_names, e.module, e.name));
          WASMHOST_ASSIGN_OR_RETURN(e.kind, ReadCoreExternType(r, types));
          module.imports.push_back(std::move(e));
          return absl::OkStatus();
        }
        case 0x01: {
          const size_t type_at = r.offset();
          uint8_t code;
          WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
          if (code != 0x60) {
            return r.Error(type_at,
                           absl::StrFormat("core type 0x%02x in a module type "
                                           "(only function types)",
                                           code));
          }
          CoreType t;
          WASMHOST_RETURN_IF_ERROR(ReadCoreFuncType(r, &t.func));
          types.push_back(arena_.AddCore(std::move(t)));
          return absl::OkStatus();
        }
        case 0x02: {
          const size_t alias_at = r.offset();
          uint8_t sort, target;
          WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
          WASMHOST_RETURN_IF_ERROR(r.ReadU8(&target));
          if (sort != 0x10 || target != 0x01) {
            return r.Error(alias_at,
                           "module type alias other than an outer "
                           "core type alias");
          }
          const size_t count_at = r.offset();
          uint32_t count;
          WASMHOST_RETURN_IF_ERROR(r.ReadU32(&count));
          if (count == 0) {
            WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                      ReadIndex(r, types.size(), "core type"));
            types.push_back(types[index]);
            return absl::OkStatus();
          }
          const Scope* target_scope = &s;
          for (uint32_t i = 1; i < count && target_scope != nullptr; ++i) {
            target_scope = target_scope->parent;
          }
          if (target_scope == nullptr) {
            return r.Error(count_at, absl::StrCat("outer alias count ", count,
                                                  " beyond the outermost "
                                                  "scope"));
          }
          WASMHOST_ASSIGN_OR_RETURN(
              uint32_t index,
              ReadIndex(r, target_scope->core_types.size(), "core type"));
          const uint32_t t = target_scope->core_types[index];
          if (arena_.core(t).is_module) {
            return r.Error(alias_at,
                           "outer alias of a module type in a "
                           "module type");
          }
          types.push_back(t);
          return absl::OkStatus();
        }
        case 0x03: {
          CoreType::Entity e;
          WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.name));
          for (const CoreType::Entity& other : module.exports) {
            if (other.name == e.name) {
              return r.Error(
                  at, absl::StrCat("duplicate export name \"", e.name, "\""));
            }
          }
          WASMHOST_ASSIGN_OR_RETURN(e.kind, ReadCoreExternType(r, types));
          module.exports.push_back(std::move(e));
          return absl::OkStatus();
        }
        default:
          return r.Error(
              at,
              absl::StrFormat("unknown module type declaration 0x%02x", kind));
      }
    }));
    return arena_.AddCore(std::move(module));
  }

  // A `core:externtype`; returns its code (0 func ... 4 tag).
  absl::StatusOr<uint8_t> ReadCoreExternType(
      BinaryReader& r, const std::vector<uint32_t>& types) {
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    switch (code) {
      case 0x00: {
        const size_t index_at = r.offset();
        WASMHOST_ASSIGN_OR_RETURN(uint32_t index,
                                  ReadIndex(r, types.size(), "core type"));
        if (arena_.core(types[index]).is_module) {
          return r.Error(index_at, absl::StrCat("core type ", index,
                                                " is not a function type"));
        }
        return code;
      }
      case 0x01: {
        ValType element;
        wasm::Limits limits;
        WASMHOST_RETURN_IF_ERROR(wasm::ReadRefType(r, &element));
        WASMHOST_RETURN_IF_ERROR(wasm::ReadLimits(r, false, &limits));
        return code;
      }
      case 0x02: {
        const size_t limits_at = r.offset();
        wasm::Limits limits;
        WASMHOST_RETURN_IF_ERROR(wasm::ReadLimits(r, true, &limits));
        // The core spec's bound for 32-bit memories: 2^16 pages of 64 KiB.
        constexpr uint64_t kMaxMemoryPages = uint64_t{1} << 16;
        if (limits.min > kMaxMemoryPages ||
            limits.max.value_or(0) > kMaxMemoryPages) {
          return r.Error(limits_at,
                         "memory size must be at most 65536 pages "
                         "(4 GiB)");
        }
        return code;
      }
      case 0x03: {
        ValType type;
        WASMHOST_RETURN_IF_ERROR(wasm::ReadValType(r, &type));
        const size_t mut_at = r.offset();
        uint8_t mut;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&mut));
        if (mut > 1) {
          return r.Error(mut_at,
                         absl::StrFormat("invalid mutability 0x%02x", mut));
        }
        return code;
      }
      case 0x04: {
        const size_t attr_at = r.offset();
        uint8_t attribute;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&attribute));
        if (attribute != 0) {
          return r.Error(attr_at, "invalid tag attribute");
        }
        WASMHOST_RETURN_IF_ERROR(
            ReadIndex(r, types.size(), "core type").status());
        return code;
      }
      default:
        return r.Error(
            at, absl::StrFormat("unknown core extern type 0x%02x", code));
    }
  }

  // --- Instances -----------------------------------------------------------

  absl::Status ReadCoreInstance(BinaryReader& r, ComponentDef* def) {
    Scope& s = *scope_;
    const size_t at = r.offset();
    uint8_t form;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
    CoreInstance instance;
    absl::flat_hash_map<std::string, CoreEntity> exports;
    if (form == 0x00) {
      WASMHOST_ASSIGN_OR_RETURN(
          uint32_t module, ReadIndex(r, s.core_modules.size(), "core module"));
      instance.module = module;
      absl::flat_hash_set<std::string> names;
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        const size_t arg_at = r.offset();
        CoreInstance::Arg arg;
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&arg.name));
        if (!names.insert(arg.name).second) {
          return r.Error(arg_at,
                         absl::StrCat("duplicate argument \"", arg.name, "\""));
        }
        const size_t sort_at = r.offset();
        uint8_t sort;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
        if (sort != 0x12) {
          return r.Error(sort_at,
                         "core instantiation argument that is not "
                         "an instance");
        }
        WASMHOST_ASSIGN_OR_RETURN(
            arg.instance,
            ReadIndex(r, s.core_instances.size(), "core instance"));
        instance.args.push_back(std::move(arg));
        return absl::OkStatus();
      }));
      const CoreType& type = arena_.core(s.core_modules[module]);
      auto typed = module_entities_.find(s.core_modules[module]);
      for (size_t i = 0; i < type.imports.size(); ++i) {
        const CoreType::Entity& import = type.imports[i];
        auto arg = std::find_if(instance.args.begin(), instance.args.end(),
                                [&](const CoreInstance::Arg& a) {
                                  return a.name == import.module;
                                });
        if (arg == instance.args.end()) {
          return r.Error(
              at, absl::StrCat("no argument for module \"", import.module,
                               "\" of core module ", module));
        }
        const auto& provided = s.core_instances[arg->instance];
        auto it = provided.find(import.name);
        if (it == provided.end() || it->second.kind != import.kind) {
          return r.Error(
              at,
              absl::StrCat("core instance ", arg->instance, " does not export ",
                           CoreSortName(import.kind), " \"", import.name,
                           "\" (imported from \"", import.module,
                           "\" by core module ", module, ")"));
        }
        if (typed == module_entities_.end()) continue;
        if (absl::Status st =
                CheckCoreEntity(it->second, typed->second.imports[i].entity);
            !st.ok()) {
          return r.Error(
              at,
              absl::StrCat("core instance ", arg->instance, "'s \"",
                           import.name, "\" does not match the import \"",
                           import.module, "\" \"", import.name,
                           "\" of core module ", module, ": ", st.message()));
        }
      }
      if (typed != module_entities_.end()) {
        exports = typed->second.exports;
      } else {
        for (const CoreType::Entity& e : type.exports) {
          CoreEntity entity;
          entity.kind = e.kind;
          exports.emplace(e.name, entity);
        }
      }
    } else if (form == 0x01) {
      WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
        const size_t export_at = r.offset();
        CoreInstance::Export e;
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&e.name));
        WASMHOST_ASSIGN_OR_RETURN(uint8_t sort, ReadCoreSort(r));
        if (sort > kCoreTagCode) {
          return r.Error(export_at,
                         "core instance export of a type, module "
                         "or instance");
        }
        WASMHOST_ASSIGN_OR_RETURN(
            e.item.index, ReadIndex(r, CoreCount(s, sort),
                                    absl::StrCat("core ", CoreSortName(sort))));
        e.item.sort = CoreSortToSort(sort);
        CoreEntity entity;
        entity.kind = sort;
        if (sort == kCoreFuncCode) entity = s.core_funcs[e.item.index];
        if (!exports.emplace(e.name, entity).second) {
          return r.Error(export_at, absl::StrCat("duplicate export name \"",
                                                 e.name, "\""));
        }
        instance.exports.push_back(std::move(e));
        return absl::OkStatus();
      }));
    } else {
      return r.Error(
          at, absl::StrFormat("unknown core instance form 0x%02x", form));
    }
    s.core_instances.push_back(std::move(exports));
    def->core_instances.push_back(std::move(instance));
    Order(def, Definition::Kind::kCoreInstance, def->core_instances.size());
    return absl::OkStatus();
  }

  absl::Status ReadInstance(BinaryReader& r, ComponentDef* def) {
    Scope& s = *scope_;
    const size_t at = r.offset();
    uint8_t form;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&form));
    if (form > 0x01) {
      return r.Error(at, absl::StrFormat("unknown instance form 0x%02x", form));
    }
    Instance instance;
    absl::flat_hash_set<std::string> names;
    if (form == 0x00) {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t c,
                                ReadIndex(r, s.components.size(), "component"));
      instance.component = c;
    }
    WASMHOST_RETURN_IF_ERROR(ReadVec(r, 1, [&] {
      const size_t arg_at = r.offset();
      Instance::Arg arg;
      std::optional<std::string> implements;
      if (form == 0x00) {
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&arg.name));
      } else {
        WASMHOST_ASSIGN_OR_RETURN(arg.name, ReadExternName(r, &implements));
      }
      WASMHOST_RETURN_IF_ERROR(
          CheckUnique(r, arg_at, names, arg.name,
                      form == 0x00 ? "argument" : "export name"));
      WASMHOST_ASSIGN_OR_RETURN(arg.item, ReadSortIndex(r, s));
      if (form == 0x01 && static_cast<int>(arg.item.sort) <
                              static_cast<int>(Sort::kCoreModule)) {
        return r.Error(arg_at,
                       "instance export of a core sort other than a "
                       "module");
      }
      WASMHOST_RETURN_IF_ERROR(CheckImplements(
          r, arg_at, arg.name, implements, SortToExternKind(arg.item.sort)));
      instance.args.push_back(std::move(arg));
      return absl::OkStatus();
    }));
    Type type;
    type.kind = TypeKind::kInstance;
    if (form == 0x01) {
      // A bag of exports is checked as an instance type's exports are.
      for (const Instance::Arg& arg : instance.args) {
        ExternDecl e{arg.name, DescOf(s, arg.item.sort, arg.item.index)};
        WASMHOST_RETURN_IF_ERROR(NameExportedType(r, at, e.name, &e.desc));
        WASMHOST_RETURN_IF_ERROR(Located(
            r, at,
            CheckResourceFuncName(arena_, e.name, e.desc, type.exports)));
        type.exports.push_back(std::move(e));
      }
    } else {
      WASMHOST_ASSIGN_OR_RETURN(
          type.exports, Instantiate(r, at, *instance.component, instance));
    }
    WASMHOST_ASSIGN_OR_RETURN(instance.type, AddType(r, at, std::move(type)));
    s.instances.push_back(instance.type);
    def->instances.push_back(std::move(instance));
    Order(def, Definition::Kind::kInstance, def->instances.size());
    return absl::OkStatus();
  }

  // The exports of component `c` instantiated with `instance.args`: each
  // import must be supplied with a subtype of its type, and the types it
  // imports are replaced by the arguments' in the exports' types.
  absl::StatusOr<std::vector<ExternDecl>> Instantiate(
      BinaryReader& r, size_t at, uint32_t c, const Instance& instance) {
    const Scope& s = *scope_;
    const Type& component = arena_[s.components[c]];
    SubtypeChecker checker(arena_);
    absl::flat_hash_map<TypeId, TypeId> substitution;
    for (const ExternDecl& import : component.imports) {
      auto arg = std::find_if(
          instance.args.begin(), instance.args.end(),
          [&](const Instance::Arg& a) { return a.name == import.name; });
      if (arg == instance.args.end()) {
        return r.Error(at, absl::StrCat("no argument for import \"",
                                        import.name, "\" of component ", c));
      }
      const ExternDesc given = DescOf(s, arg->item.sort, arg->item.index);
      if (static_cast<int>(arg->item.sort) <
          static_cast<int>(Sort::kCoreModule)) {
        return r.Error(
            at, absl::StrCat("argument \"", import.name, "\" is a ",
                             SortName(arg->item.sort), ", the import is a ",
                             ExternKindName(import.desc.kind)));
      }
      // Imports are checked in order, so a type import's binding applies
      // to the imports after it that use the type.
      if (absl::Status st = checker.Check(given, import); !st.ok()) {
        return r.Error(at, absl::StrCat("argument \"", import.name,
                                        "\" does not match the import of "
                                        "component ",
                                        c, ": ", st.message()));
      }
      // The exports' types then use the arguments' types, resources or not
      // (so the names an argument's types have carry over).
      if (import.desc.kind == ExternKind::kType) {
        substitution.try_emplace(import.desc.type, given.type);
      } else if (import.desc.kind == ExternKind::kInstance) {
        const Type& provided = arena_[given.type];
        for (const ExternDecl& e : arena_[import.desc.type].exports) {
          if (e.desc.kind != ExternKind::kType) continue;
          for (const ExternDecl& p : provided.exports) {
            if (p.name == e.name && p.desc.kind == ExternKind::kType) {
              substitution.try_emplace(e.desc.type, p.desc.type);
            }
          }
        }
      }
    }
    for (const auto& [expected, given] : checker.bindings()) {
      substitution[expected] = given;
    }
    // What the component defines (or its type leaves abstract) is new for
    // each instantiation; what it imports is the arguments'.
    // (A copy: adding types below may move the arena's types.)
    std::vector<ExternDecl> exports = component.exports;
    absl::flat_hash_set<TypeId> seen;
    std::vector<TypeId> resources;
    for (const ExternDecl& e : exports) {
      if (e.desc.kind != ExternKind::kCoreModule) {
        CollectResources(e.desc.type, &seen, &resources);
      }
    }
    // An exported name of a resource becomes what the resource becomes.
    std::vector<TypeId> names;
    for (TypeId id : resources) {
      if (arena_[id].resource_of.has_value()) names.push_back(id);
    }
    for (TypeId id : names) {
      const TypeId resource = *arena_[id].resource_of;
      if (seen.insert(resource).second) resources.push_back(resource);
    }
    resources.erase(std::remove_if(resources.begin(), resources.end(),
                                   [&](TypeId id) {
                                     return substitution.contains(id) ||
                                            arena_[id].resource_of.has_value();
                                   }),
                    resources.end());
    WASMHOST_RETURN_IF_ERROR(Freshen(r, at, resources, &substitution));
    for (TypeId id : names) {
      const TypeId resource = *arena_[id].resource_of;
      auto it = substitution.find(resource);
      substitution.try_emplace(id,
                               it == substitution.end() ? resource : it->second);
    }
    for (ExternDecl& e : exports) {
      if (e.desc.kind == ExternKind::kCoreModule) continue;
      WASMHOST_ASSIGN_OR_RETURN(e.desc.type,
                                Substitute(r, at, e.desc.type, substitution));
    }
    return exports;
  }

  // `id` with the types in `map` replaced; new types only where something
  // changed. `map` also memoizes. Depth is bounded by the type nesting the
  // reader allows, and each type is visited once.
  absl::StatusOr<TypeId> Substitute(BinaryReader& r, size_t at, TypeId id,
                                    absl::flat_hash_map<TypeId, TypeId>& map) {
    if (auto it = map.find(id); it != map.end()) return it->second;
    if (IsPrimitive(arena_[id].kind) ||
        arena_[id].kind == TypeKind::kResource) {
      return id;
    }
    Type t = arena_[id];
    bool changed = false;
    auto sub = [&](TypeId& member) -> absl::Status {
      WASMHOST_ASSIGN_OR_RETURN(TypeId replaced,
                                Substitute(r, at, member, map));
      changed |= replaced != member;
      member = replaced;
      return absl::OkStatus();
    };
    for (Field& f : t.fields) WASMHOST_RETURN_IF_ERROR(sub(f.type));
    for (Case& c : t.cases) {
      if (c.type.has_value()) WASMHOST_RETURN_IF_ERROR(sub(*c.type));
    }
    for (std::optional<TypeId>* o : {&t.element, &t.ok, &t.error}) {
      if (o->has_value()) WASMHOST_RETURN_IF_ERROR(sub(**o));
    }
    for (std::vector<ExternDecl>* decls : {&t.imports, &t.exports}) {
      for (ExternDecl& d : *decls) {
        if (d.desc.kind != ExternKind::kCoreModule) {
          WASMHOST_RETURN_IF_ERROR(sub(d.desc.type));
        }
      }
    }
    TypeId result = id;
    if (changed) {
      WASMHOST_ASSIGN_OR_RETURN(result, AddType(r, at, std::move(t)));
    }
    map[id] = result;
    return result;
  }

  // --- Aliases -------------------------------------------------------------

  absl::Status ReadAlias(BinaryReader& r, Scope& s, Alias* alias) {
    const size_t at = r.offset();
    WASMHOST_ASSIGN_OR_RETURN(alias->sort, ReadSort(r));
    const size_t target_at = r.offset();
    uint8_t target;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&target));
    // Component and instance types declare types and instances only.
    if (in_type_scope_ && alias->sort != Sort::kType &&
        alias->sort != Sort::kCoreType && alias->sort != Sort::kInstance) {
      return r.Error(at, absl::StrCat("an alias in a type declarator may only "
                                      "refer to types or instances, not a ",
                                      SortName(alias->sort)));
    }
    switch (target) {
      case 0x00: {  // export of an instance
        alias->target = Alias::Target::kExport;
        if (static_cast<int>(alias->sort) <
            static_cast<int>(Sort::kCoreModule)) {
          return r.Error(at, "export alias of a core sort other than a module");
        }
        WASMHOST_ASSIGN_OR_RETURN(alias->instance,
                                  ReadIndex(r, s.instances.size(), "instance"));
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&alias->name));
        const Type& instance = arena_[s.instances[alias->instance]];
        for (const ExternDecl& e : instance.exports) {
          if (e.name != alias->name) continue;
          if (e.desc.kind != SortToExternKind(alias->sort)) {
            return r.Error(
                at, absl::StrCat("instance ", alias->instance, " exports \"",
                                 alias->name, "\" as a ",
                                 ExternKindName(e.desc.kind), ", not a ",
                                 SortName(alias->sort)));
          }
          Push(s, e.desc);
          return absl::OkStatus();
        }
        return r.Error(
            at, absl::StrCat("instance ", alias->instance, " has no export \"",
                             alias->name, "\""));
      }
      case 0x01: {  // export of a core instance
        alias->target = Alias::Target::kCoreExport;
        const int sort = static_cast<int>(alias->sort);
        if (sort > static_cast<int>(Sort::kCoreTag)) {
          return r.Error(at, absl::StrCat("core export alias of a ",
                                          SortName(alias->sort)));
        }
        WASMHOST_ASSIGN_OR_RETURN(
            alias->instance,
            ReadIndex(r, s.core_instances.size(), "core instance"));
        WASMHOST_RETURN_IF_ERROR(r.ReadName(&alias->name));
        const auto& exports = s.core_instances[alias->instance];
        auto it = exports.find(alias->name);
        if (it == exports.end() || it->second.kind != sort) {
          return r.Error(at, absl::StrCat("core instance ", alias->instance,
                                          " has no ", SortName(alias->sort),
                                          " export \"", alias->name, "\""));
        }
        if (sort == kCoreFuncCode) {
          AddCoreFunc(s, it->second);
        } else {
          ++s.core_counts[sort];
        }
        return absl::OkStatus();
      }
      case 0x02: {  // outer
        alias->target = Alias::Target::kOuter;
        if (alias->sort != Sort::kCoreModule &&
            alias->sort != Sort::kCoreType && alias->sort != Sort::kType &&
            alias->sort != Sort::kComponent) {
          return r.Error(
              at, absl::StrCat("outer alias of a ", SortName(alias->sort)));
        }
        const size_t count_at = r.offset();
        WASMHOST_RETURN_IF_ERROR(r.ReadU32(&alias->instance));
        const Scope* outer = &s;
        bool crosses_component = false;
        for (uint32_t i = 0; i < alias->instance && outer != nullptr; ++i) {
          crosses_component |= outer->is_component;
          outer = outer->parent;
        }
        if (outer == nullptr) {
          return r.Error(count_at,
                         absl::StrCat("outer alias count ", alias->instance,
                                      " beyond the outermost scope"));
        }
        WASMHOST_ASSIGN_OR_RETURN(alias->index,
                                  ReadIndex(r, SortCount(*outer, alias->sort),
                                            SortName(alias->sort)));
        // Resource types are generative: a component sees only its own
        // and those it imports, never an enclosing component's.
        if (alias->sort == Sort::kType && crosses_component &&
            RefersToResource(outer->types[alias->index])) {
          return r.Error(at, absl::StrCat("outer alias of type ", alias->index,
                                          " across a component boundary: it "
                                          "transitively refers to resources"));
        }
        if (alias->sort == Sort::kCoreType) {
          s.core_types.push_back(outer->core_types[alias->index]);
        } else {
          Push(s, DescOf(*outer, alias->sort, alias->index));
        }
        return absl::OkStatus();
      }
      default:
        return r.Error(target_at,
                       absl::StrFormat("unknown alias target 0x%02x", target));
    }
  }

  // --- Canonical functions, start, exports ---------------------------------

  absl::Status ReadCanonOptions(BinaryReader& r, const Scope& s,
                                CanonOptions* out) {
    bool seen[8] = {};
    return ReadVec(r, 1, [&]() -> absl::Status {
      const size_t at = r.offset();
      uint8_t code;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
      if (code > 0x07) {
        return r.Error(
            at, absl::StrFormat("unknown canonical option 0x%02x", code));
      }
      // The three encodings conflict with each other as well.
      const int slot = code <= 0x02 ? 0 : code;
      if (seen[slot]) {
        return r.Error(at, code <= 0x02 ? "conflicting string encodings"
                                        : "duplicate canonical option");
      }
      seen[slot] = true;
      switch (code) {
        case 0x00:
        case 0x01:
        case 0x02:
          out->string_encoding = static_cast<StringEncoding>(code);
          return absl::OkStatus();
        case 0x03: {
          WASMHOST_ASSIGN_OR_RETURN(
              uint32_t m, ReadIndex(r, s.core_counts[2], "core memory"));
          out->memory = m;
          return absl::OkStatus();
        }
        case 0x06:
          out->async = true;
          return absl::OkStatus();
        default: {
          WASMHOST_ASSIGN_OR_RETURN(
              uint32_t f, ReadIndex(r, s.core_counts[0], "core func"));
          (code == 0x04   ? out->realloc
           : code == 0x05 ? out->post_return
                          : out->callback) = f;
          return absl::OkStatus();
        }
      }
    });
  }

  // The async, thread and error-context built-ins (Binary.md's canon
  // opcodes 0x05..0x42 other than resource.*): their immediates, each index
  // checked. They define one core function.
  absl::Status ReadOtherBuiltin(BinaryReader& r, size_t at, uint8_t code,
                                const Scope& s, Canon* canon) {
    canon->kind = Canon::Kind::kOtherBuiltin;
    // A flag byte that must be 0 or 1 (async?, cancel?, shared?).
    auto flag = [&r]() -> absl::Status {
      const size_t flag_at = r.offset();
      uint8_t b;
      WASMHOST_RETURN_IF_ERROR(r.ReadU8(&b));
      if (b > 1) {
        return r.Error(flag_at, absl::StrFormat("invalid flag 0x%02x", b));
      }
      return absl::OkStatus();
    };
    auto type = [&]() -> absl::Status {
      WASMHOST_ASSIGN_OR_RETURN(uint32_t t,
                                ReadIndex(r, s.types.size(), "type"));
      canon->type = s.types[t];
      return absl::OkStatus();
    };
    auto core_type = [&]() {
      return ReadIndex(r, s.core_types.size(), "core type").status();
    };
    auto options = [&]() { return ReadCanonOptions(r, s, &canon->options); };
    switch (code) {
      case 0x05:  // task.cancel
      case 0x0d:  // subtask.drop
      case 0x1e:  // error-context.drop
      case 0x1f:  // waitable-set.new
      case 0x22:  // waitable-set.drop
      case 0x23:  // waitable.join
      case 0x24:  // backpressure.inc
      case 0x25:  // backpressure.dec
      case 0x26:  // thread.index
      case 0x28:  // thread.resume-later
        return absl::OkStatus();
      case 0x09: {  // task.return
        WASMHOST_ASSIGN_OR_RETURN(std::optional<TypeId> result,
                                  ReadResultList(r, s));
        if (result.has_value()) canon->type = *result;
        return options();
      }
      case 0x0a:    // context.get
      case 0x0b: {  // context.set
        ValType v;
        WASMHOST_RETURN_IF_ERROR(wasm::ReadValType(r, &v));
        uint32_t slot;
        return r.ReadU32(&slot);
      }
      case 0x06:  // subtask.cancel
      case 0x0c:  // thread.yield
      case 0x29:  // thread.suspend
      case 0x2a:
      case 0x2b:
      case 0x2c:
      case 0x2d:
      case 0x42:  // thread.available-parallelism
        return flag();
      case 0x0e:  // stream.new
      case 0x13:  // stream.drop-readable
      case 0x14:  // stream.drop-writable
      case 0x15:  // future.new
      case 0x1a:  // future.drop-readable
      case 0x1b:  // future.drop-writable
        return type();
      case 0x0f:  // stream.read
      case 0x10:  // stream.write
      case 0x16:  // future.read
      case 0x17:  // future.write
        WASMHOST_RETURN_IF_ERROR(type());
        return options();
      case 0x11:  // stream.cancel-read
      case 0x12:  // stream.cancel-write
      case 0x18:  // future.cancel-read
      case 0x19:  // future.cancel-write
        WASMHOST_RETURN_IF_ERROR(type());
        return flag();
      case 0x1c:  // error-context.new
      case 0x1d:  // error-context.debug-message
        return options();
      case 0x20:  // waitable-set.wait
      case 0x21:  // waitable-set.poll
        WASMHOST_RETURN_IF_ERROR(flag());
        return ReadIndex(r, s.core_counts[2], "core memory").status();
      case 0x27:  // thread.new-indirect
        WASMHOST_RETURN_IF_ERROR(core_type());
        return ReadIndex(r, s.core_counts[1], "core table").status();
      case 0x40:  // thread.spawn-ref
        WASMHOST_RETURN_IF_ERROR(flag());
        return core_type();
      case 0x41:  // thread.spawn-indirect
        WASMHOST_RETURN_IF_ERROR(flag());
        WASMHOST_RETURN_IF_ERROR(core_type());
        return ReadIndex(r, s.core_counts[1], "core table").status();
      default:
        return r.Error(
            at, absl::StrFormat("unknown canonical function 0x%02x", code));
    }
  }

  // Appends a core function of type `entity` to `s`.
  static void AddCoreFunc(Scope& s, CoreEntity entity) {
    ++s.core_counts[0];
    s.core_funcs.push_back(std::move(entity));
  }

  // `canon.func`'s core function (a lift's callee, or an option's) must
  // have type `expected` where its type is known.
  static absl::Status CheckCoreFunc(BinaryReader& r, size_t at, const Scope& s,
                                    uint32_t func, const CoreFuncType& expected,
                                    absl::string_view what) {
    const CoreEntity& given = s.core_funcs[func];
    if (absl::Status st = CheckCoreEntity(given, FuncEntity(expected));
        !st.ok()) {
      return r.Error(at,
                     absl::StrCat(what, " (core func ", func,
                                  ") has the wrong signature: ", st.message()));
    }
    return absl::OkStatus();
  }

  // The options `canon lift/lower` of func type `canon.type` needs
  // (CanonicalABI.md's canonopt validation): `memory` wherever values pass
  // through linear memory, `realloc` wherever the callee side allocates,
  // `post-return` only on lifts. The direction matters: a lift lowers its
  // results into the caller and lifts its parameters out of the callee.
  absl::Status CheckCanonOptions(BinaryReader& r, size_t at, bool lift,
                                 const Canon& canon) {
    const CanonOptions& o = canon.options;
    const char* what = lift ? "canon lift" : "canon lower";
    if (o.realloc.has_value() && !o.memory.has_value()) {
      return r.Error(at, absl::StrCat(what,
                                      ": canonical option `realloc` "
                                      "requires `memory`"));
    }
    if (!lift && o.post_return.has_value()) {
      return r.Error(at,
                     "canon lower: canonical option `post-return` is "
                     "only allowed on lifts");
    }
    const Type& f = arena_[canon.type];
    bool params_in_memory = false;
    for (const Field& p : f.fields) {
      params_in_memory |= flat_.ContainsStringOrList(p.type);
    }
    const bool result_in_memory =
        f.ok.has_value() && flat_.ContainsStringOrList(*f.ok);
    // Async calls have limits of their own and always need `memory`
    // (checked by the async built-ins' users, not here).
    const bool params_spill =
        !o.async && flat_.FlatCount(f.fields) > kMaxFlatParams;
    const bool results_spill = !o.async && f.ok.has_value() &&
                               flat_.FlatCount(*f.ok) > kMaxFlatResults;
    // The side that receives a string or list (or spilled parameters)
    // allocates it with realloc; the side that gives one needs only memory.
    const bool needs_realloc =
        lift ? params_in_memory || params_spill : result_in_memory;
    const bool needs_memory = needs_realloc || params_in_memory ||
                              result_in_memory || params_spill || results_spill;
    if (needs_memory && !o.memory.has_value()) {
      return r.Error(at, absl::StrCat(what,
                                      ": canonical option `memory` is "
                                      "required by the function type"));
    }
    if (needs_realloc && !o.realloc.has_value()) {
      return r.Error(at, absl::StrCat(what,
                                      ": canonical option `realloc` is "
                                      "required by the function type"));
    }
    const Scope& s = *scope_;
    if (o.realloc.has_value()) {
      WASMHOST_RETURN_IF_ERROR(CheckCoreFunc(
          r, at, s, *o.realloc,
          {{ValType::kI32, ValType::kI32, ValType::kI32, ValType::kI32},
           {ValType::kI32}},
          "canonical option `realloc`"));
    }
    if (o.async) return absl::OkStatus();  // Async signatures differ.
    const CoreFuncType core = FlattenFuncType(arena_, flat_, canon.type, lift);
    if (lift) {
      WASMHOST_RETURN_IF_ERROR(
          CheckCoreFunc(r, at, s, canon.func, core, "the lifted function"));
    }
    if (o.post_return.has_value()) {
      WASMHOST_RETURN_IF_ERROR(CheckCoreFunc(r, at, s, *o.post_return,
                                             {core.results, {}},
                                             "canonical option `post-return`"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadCanon(BinaryReader& r, ComponentDef* def) {
    Scope& s = *scope_;
    const size_t at = r.offset();
    uint8_t code;
    WASMHOST_RETURN_IF_ERROR(r.ReadU8(&code));
    Canon canon;
    canon.opcode = code;
    switch (code) {
      case 0x00:
      case 0x01: {
        const size_t sort_at = r.offset();
        uint8_t sort;
        WASMHOST_RETURN_IF_ERROR(r.ReadU8(&sort));
        if (sort != 0x00) {
          return r.Error(sort_at,
                         absl::StrFormat("canon %s of sort 0x%02x "
                                         "(0x00, func, expected)",
                                         code ? "lower" : "lift", sort));
        }
        if (code == 0x00) {
          canon.kind = Canon::Kind::kLift;
          WASMHOST_ASSIGN_OR_RETURN(
              canon.func, ReadIndex(r, s.core_counts[0], "core func"));
          WASMHOST_RETURN_IF_ERROR(ReadCanonOptions(r, s, &canon.options));
          const size_t type_at = r.offset();
          WASMHOST_ASSIGN_OR_RETURN(uint32_t t,
                                    ReadIndex(r, s.types.size(), "type"));
          canon.type = s.types[t];
          if (arena_[canon.type].kind != TypeKind::kFunc) {
            return r.Error(type_at,
                           absl::StrCat("type ", t, " is a ",
                                        TypeKindName(arena_[canon.type].kind),
                                        " type, not a func type"));
          }
          WASMHOST_RETURN_IF_ERROR(
              CheckCanonOptions(r, at, /*lift=*/true, canon));
          s.funcs.push_back(canon.type);
        } else {
          canon.kind = Canon::Kind::kLower;
          WASMHOST_ASSIGN_OR_RETURN(canon.func,
                                    ReadIndex(r, s.funcs.size(), "func"));
          canon.type = s.funcs[canon.func];
          WASMHOST_RETURN_IF_ERROR(ReadCanonOptions(r, s, &canon.options));
          WASMHOST_RETURN_IF_ERROR(
              CheckCanonOptions(r, at, /*lift=*/false, canon));
          CoreEntity lowered;  // Async lowerings: not typed here.
          if (!canon.options.async) {
            lowered = FuncEntity(FlattenFuncType(arena_, flat_, canon.type,
                                                 /*lift=*/false));
          }
          AddCoreFunc(s, std::move(lowered));
        }
        break;
      }
      case 0x02:
      case 0x03:
      case 0x04: {
        canon.kind = code == 0x02   ? Canon::Kind::kResourceNew
                     : code == 0x03 ? Canon::Kind::kResourceDrop
                                    : Canon::Kind::kResourceRep;
        const size_t type_at = r.offset();
        WASMHOST_ASSIGN_OR_RETURN(canon.type, ReadResourceIndex(r, s));
        if (code != 0x03 && !arena_[canon.type].defined) {
          return r.Error(type_at,
                         absl::StrCat("resource.", code == 0x02 ? "new" : "rep",
                                      " of a resource this component "
                                      "does not define"));
        }
        // (rep: i32) for drop; handle to rep and back for new and rep.
        AddCoreFunc(s, FuncEntity({{ValType::kI32},
                                   code == 0x03
                                       ? std::vector<ValType>{}
                                       : std::vector<ValType>{ValType::kI32}}));
        break;
      }
      default:
        WASMHOST_RETURN_IF_ERROR(ReadOtherBuiltin(r, at, code, s, &canon));
        AddCoreFunc(s, CoreEntity{});
        break;
    }
    def->canons.push_back(std::move(canon));
    Order(def, Definition::Kind::kCanon, def->canons.size());
    return absl::OkStatus();
  }

  absl::Status ReadStart(BinaryReader& r, ComponentDef* def) {
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

  // An exported record, variant, enum, flags or resource is a new type
  // that only the export's index names (what later exports must use to be
  // visible). A resource's new type stands for it (`resource_of`): handles
  // and subtyping see one resource.
  absl::Status NameExportedType(BinaryReader& r, size_t at,
                                absl::string_view name, ExternDesc* desc) {
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

  absl::Status ReadExport(BinaryReader& r, ComponentDef* def) {
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
        return r.Error(
            ascribed_at,
            absl::StrCat("export \"", e.name, "\" is a ",
                         ExternKindName(e.desc.kind), ", its ascribed type a ",
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
    WASMHOST_RETURN_IF_ERROR(Located(
        r, at, CheckResourceFuncName(arena_, e.name, e.desc, s.exports)));
    Push(s, e.desc);
    s.exports.push_back({e.name, e.desc});
    def->exports.push_back(std::move(e));
    Order(def, Definition::Kind::kExport, def->exports.size());
    return absl::OkStatus();
  }

  absl::Span<const uint8_t> bytes_;
  const ReadOptions& options_;
  TypeArena& arena_;
  FlatInfo flat_{arena_};
  Scope* scope_ = nullptr;
  // Memoized type queries (-1: not computed), indexed by TypeId.
  std::vector<int8_t> refers_to_resource_;
  std::vector<int8_t> contains_borrow_;
  // The typed imports and exports of each core module defined in the
  // binary, by its module type (TypeArena::core index).
  absl::flat_hash_map<uint32_t, ModuleEntities> module_entities_;
  // Of each component and instance type: the first TypeId created while
  // reading it (its own types lie in [first, itself)).
  absl::flat_hash_map<TypeId, TypeId> first_inner_type_;
  // Nesting depth of each type (primitives 0), indexed by TypeId.
  std::vector<int> depths_;
  int depth_ = 0;
  bool in_type_scope_ = false;
};

}  // namespace

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
