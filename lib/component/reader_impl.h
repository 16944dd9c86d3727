// lib/component/reader_impl.h: the Reader behind ReadComponent, internal to
// the :reader target, whose files implement it by concern:
//
//   reader.cc            components and sections, imports, exports, start
//   reader_indices.cc    index spaces, sorts, extern names and labels
//   reader_types.cc      value, function, component, instance and resource
//                        types; resource generativity
//   reader_core.cc       core modules, core types, core instances
//   reader_instances.cc  instances, instantiation (substitution), aliases
//   reader_canon.cc      canonical functions and their options
//
// One Reader walks the sections of the root and of every nested component,
// keeping one Scope (the index spaces) per component, component type and
// instance type, and resolves every type index to a TypeId as it goes.

#ifndef WASMHOST_LIB_COMPONENT_READER_IMPL_H_
#define WASMHOST_LIB_COMPONENT_READER_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/component/core_entities.h"
#include "lib/component/definitions.h"
#include "lib/component/flatten.h"
#include "lib/component/reader.h"
#include "lib/component/types.h"
#include "lib/component/visibility.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_reader.h"

namespace wasmhost::component::reader_internal {

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

bool IsPrimitiveCode(uint8_t b);
TypeKind PrimitiveKind(uint8_t b);
absl::string_view CoreSortName(uint8_t code);
Sort CoreSortToSort(uint8_t code);
uint8_t ExternKindCoreCode(wasm::ExternKind kind);
ExternKind SortToExternKind(Sort sort);

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

  absl::Status ReadPreamble(BinaryReader& r);

  absl::Status ReadComponentBody(BinaryReader& r, Scope* parent,
                                 ComponentDef* def);

  static absl::string_view SectionContext(uint8_t id);

  absl::Status ReadSection(uint8_t id, size_t at, BinaryReader& r,
                           ComponentDef* def);

  // Records the last-pushed entry (vector size `size`) in `def->order`.
  static void Order(ComponentDef* def, Definition::Kind kind, size_t size);

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

  absl::Status Enter(BinaryReader& r);

  absl::Status ReadCoreModule(BinaryReader& r, ComponentDef* def);

  absl::Status ReadNestedComponent(BinaryReader& r, ComponentDef* def);

  // --- Indices -------------------------------------------------------------

  static absl::Status CheckIndex(BinaryReader& r, size_t at, uint32_t index,
                                 size_t bound, absl::string_view what);

  // Reads an index into a space of `bound` entries.
  static absl::StatusOr<uint32_t> ReadIndex(BinaryReader& r, size_t bound,
                                            absl::string_view what);

  static size_t CoreCount(const Scope& s, uint8_t code);

  static absl::StatusOr<uint8_t> ReadCoreSort(BinaryReader& r);

  // A sort: core sorts as Sort::kCore*, then the component sorts.
  static absl::StatusOr<Sort> ReadSort(BinaryReader& r);

  static size_t SortCount(const Scope& s, Sort sort);

  // The extern description of entry `index` of `sort` (a component sort,
  // or kCoreModule).
  static ExternDesc DescOf(const Scope& s, Sort sort, uint32_t index);

  // Appends an entity described by `d` to its index space.
  static void Push(Scope& s, const ExternDesc& d);

  absl::StatusOr<SortIndex> ReadSortIndex(BinaryReader& r, const Scope& s);

  // --- Names ---------------------------------------------------------------

  // A `labellit`: a kebab-case label.
  static absl::StatusOr<std::string> ReadLabel(BinaryReader& r);

  // Labels of one record, variant, flags, enum or parameter list are
  // strongly unique (case-insensitively).
  static absl::Status CheckUnique(BinaryReader& r, size_t at,
                                  absl::flat_hash_set<std::string>& seen,
                                  absl::string_view name,
                                  absl::string_view what);

  // `nameattributes`: an extern name and, in form 0x02, attributes
  // (implements, version suffix, external id) that only annotate it.
  // `*implements` gets the `implements` attribute's interface name, if any.
  static absl::StatusOr<std::string> ReadExternName(
      BinaryReader& r, std::optional<std::string>* implements);

  // `implements` annotates only instances with plain names.
  static absl::Status CheckImplements(
      BinaryReader& r, size_t at, absl::string_view name,
      const std::optional<std::string>& implements, ExternKind kind);

  // --- Types ---------------------------------------------------------------

  // Adds `type`, bounding the arena's size and the nesting depth of types
  // (so recursion over a type stays shallow).
  absl::StatusOr<TypeId> AddType(BinaryReader& r, size_t at, Type type);

  static bool IsValueType(TypeKind kind) { return kind <= TypeKind::kMap; }

  // A `valtype`: a primitive code, or a non-negative s33 index of a defined
  // value type.
  absl::StatusOr<TypeId> ReadValType(BinaryReader& r, const Scope& s);

  absl::StatusOr<std::optional<TypeId>> ReadOptionalValType(BinaryReader& r,
                                                            const Scope& s);

  // A `resultlist`: 0x00 one result, 0x01 0x00 none.
  absl::StatusOr<std::optional<TypeId>> ReadResultList(BinaryReader& r,
                                                       const Scope& s);

  absl::StatusOr<TypeId> ReadResourceIndex(BinaryReader& r, const Scope& s);

  // A `deftype` of `s` (a component or a component/instance type).
  absl::StatusOr<TypeId> ReadDefType(BinaryReader& r, Scope& s);

  // True if `id` is or mentions a resource type (through handles, members
  // or the imports and exports of component and instance types).
  bool RefersToResource(TypeId id);

  bool RefersToResourceUncached(TypeId id);

  bool ContainsBorrow(TypeId id);

  // Types form a DAG whose shared parts a walk would visit once per path
  // (exponentially many): queries over it are cached per TypeId.
  bool Memoized(TypeId id, std::vector<int8_t>& cache,
                bool (Reader::*compute)(TypeId));

  bool ContainsBorrowUncached(TypeId id);

  // `componenttype` (0x41) or `instancetype` (0x42) in its own scope.
  absl::StatusOr<TypeId> ReadComponentOrInstanceType(BinaryReader& r, size_t at,
                                                     bool component,
                                                     Scope& parent);

  // Every resource type `id` refers to, once each, into `out`.
  void CollectResources(TypeId id, absl::flat_hash_set<TypeId>* seen,
                        std::vector<TypeId>* out);

  // Maps each of `resources` to a new abstract resource of the same name:
  // resource types are generative, a new one per instantiation or import.
  absl::Status Freshen(BinaryReader& r, size_t at,
                       const std::vector<TypeId>& resources,
                       absl::flat_hash_map<TypeId, TypeId>* map);

  // An imported instance type with its own `(sub resource)` exports
  // replaced by new ones: two imports of one instance type have distinct
  // resources. Resources it aliases from outside stay what they are.
  absl::StatusOr<TypeId> FreshInstance(BinaryReader& r, size_t at,
                                       TypeId instance);

  // An `externtype`; `name` names a fresh abstract resource.
  absl::StatusOr<ExternDesc> ReadExternType(BinaryReader& r, Scope& s,
                                            absl::string_view name);

  // `status` of a check that knows no offsets, located at `at`.
  static absl::Status Located(BinaryReader& r, size_t at,
                              const absl::Status& status);

  // An export of component (type) `s` may use what it imported or
  // exported before.
  absl::Status CheckExportVisible(BinaryReader& r, size_t at, Scope& s,
                                  const ExternDesc& desc);

  // An import of `s` (a component or a component type).
  absl::Status ReadImportDecl(BinaryReader& r, Scope& s, std::string* name,
                              ExternDesc* desc);

  // --- Core types ----------------------------------------------------------

  absl::StatusOr<uint32_t> ReadCoreType(BinaryReader& r, const Scope& s);

  static absl::Status ReadCoreFuncType(BinaryReader& r, CoreFuncType* out);

  // A component's core modules and module types may not import one
  // (module, name) pair twice: the component model mangles the two levels
  // into one name.
  static absl::Status CheckCoreImportUnique(
      BinaryReader& r, size_t at,
      absl::flat_hash_set<std::pair<std::string, std::string>>& seen,
      const std::string& module, const std::string& name);

  // `core:moduletype`, with its own core type space; outer aliases reach
  // the enclosing scopes (count 1 is `s`).
  absl::StatusOr<uint32_t> ReadModuleType(BinaryReader& r, const Scope& s);

  // A `core:externtype`; returns its code (0 func ... 4 tag).
  absl::StatusOr<uint8_t> ReadCoreExternType(
      BinaryReader& r, const std::vector<uint32_t>& types);

  // --- Instances -----------------------------------------------------------

  absl::Status ReadCoreInstance(BinaryReader& r, ComponentDef* def);

  absl::Status ReadInstance(BinaryReader& r, ComponentDef* def);

  // The exports of component `c` instantiated with `instance.args`: each
  // import must be supplied with a subtype of its type, and the types it
  // imports are replaced by the arguments' in the exports' types.
  absl::StatusOr<std::vector<ExternDecl>> Instantiate(BinaryReader& r,
                                                      size_t at, uint32_t c,
                                                      const Instance& instance);

  // `id` with the types in `map` replaced; new types only where something
  // changed. `map` also memoizes. Depth is bounded by the type nesting the
  // reader allows, and each type is visited once.
  absl::StatusOr<TypeId> Substitute(BinaryReader& r, size_t at, TypeId id,
                                    absl::flat_hash_map<TypeId, TypeId>& map);

  // --- Aliases -------------------------------------------------------------

  absl::Status ReadAlias(BinaryReader& r, Scope& s, Alias* alias);

  // --- Canonical functions, start, exports ---------------------------------

  absl::Status ReadCanonOptions(BinaryReader& r, const Scope& s,
                                CanonOptions* out);

  // The async, thread and error-context built-ins (Binary.md's canon
  // opcodes 0x05..0x42 other than resource.*): their immediates, each index
  // checked. They define one core function.
  absl::Status ReadOtherBuiltin(BinaryReader& r, size_t at, uint8_t code,
                                const Scope& s, Canon* canon);

  // Appends a core function of type `entity` to `s`.
  static void AddCoreFunc(Scope& s, CoreEntity entity);

  // `canon.func`'s core function (a lift's callee, or an option's) must
  // have type `expected` where its type is known.
  static absl::Status CheckCoreFunc(BinaryReader& r, size_t at, const Scope& s,
                                    uint32_t func, const CoreFuncType& expected,
                                    absl::string_view what);

  // The options `canon lift/lower` of func type `canon.type` needs
  // (CanonicalABI.md's canonopt validation): `memory` wherever values pass
  // through linear memory, `realloc` wherever the callee side allocates,
  // `post-return` only on lifts. The direction matters: a lift lowers its
  // results into the caller and lifts its parameters out of the callee.
  absl::Status CheckCanonOptions(BinaryReader& r, size_t at, bool lift,
                                 const Canon& canon);

  absl::Status ReadCanon(BinaryReader& r, ComponentDef* def);

  absl::Status ReadStart(BinaryReader& r, ComponentDef* def);

  // An exported record, variant, enum, flags or resource is a new type
  // that only the export's index names (what later exports must use to be
  // visible). A resource's new type stands for it (`resource_of`): handles
  // and subtyping see one resource.
  absl::Status NameExportedType(BinaryReader& r, size_t at,
                                absl::string_view name, ExternDesc* desc);

  absl::Status ReadExport(BinaryReader& r, ComponentDef* def);

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

}  // namespace wasmhost::component::reader_internal

#endif  // WASMHOST_LIB_COMPONENT_READER_IMPL_H_
