// lib/component/types.h: the Component Model's type model, as the reader
// builds it and the canonical ABI and the linker will consume it.
//
//   TypeId       a type's place in a TypeArena
//   TypeKind     primitive, defined value, function, component, instance,
//                resource types
//   Field, Case  a named (or positional) member of a record/tuple/function
//                parameter list, a variant case
//   ExternKind, ExternDesc, ExternDecl
//                what an import or export is (the binary's externtype)
//   Type         one type, its members by kind
//   TypeArena    owns every type of a component and its canonical ABI
//                layout (layout.h); primitives interned
//   CoreFuncType a core function type (the core types of module types)
//
// Types refer to each other by TypeId, never by the binary's per-scope
// indices: the reader resolves every index (type definitions, aliases,
// imports with `eq` bounds, instantiations) to the TypeId it denotes, so two
// index spaces that see the same type hold the same TypeId. A resource's
// identity is its TypeId, except that an exported resource gets a new
// TypeId standing for it (Type::resource_of; ResourceIdentity).

#ifndef WASMHOST_LIB_COMPONENT_TYPES_H_
#define WASMHOST_LIB_COMPONENT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/component/layout.h"
#include "wasmhost/value.h"

namespace wasmhost::component {

enum class TypeKind : uint8_t {
  // Primitive value types (binary codes 0x7f..0x73, 0x64).
  kBool,
  kS8,
  kU8,
  kS16,
  kU16,
  kS32,
  kU32,
  kS64,
  kU64,
  kF32,
  kF64,
  kChar,
  kString,
  kErrorContext,
  // Defined value types.
  kRecord,   // fields
  kVariant,  // cases
  kList,     // element; fixed_length when the list has a fixed size
  kTuple,    // fields (unnamed)
  kFlags,    // labels (1 to 32)
  kEnum,     // labels
  kOption,   // element
  kResult,   // ok, error (each optional)
  kOwn,      // element: the resource
  kBorrow,   // element: the resource
  kStream,   // element (optional)
  kFuture,   // element (optional)
  kMap,      // element: key, ok: value
  // Other types.
  kFunc,       // fields: the parameters; ok: the result, if any
  kComponent,  // imports, exports
  kInstance,   // exports
  kResource,   // a resource type: defined (rep, dtor) or abstract (imported)
};

// The binary format's name of a kind ("record", "own", "s32", ...).
[[nodiscard]] absl::string_view TypeKindName(TypeKind kind);

// True for kBool..kErrorContext.
[[nodiscard]] bool IsPrimitive(TypeKind kind);

// A record field, a function parameter or (with an empty name) a tuple
// element.
struct Field {
  std::string name;
  TypeId type = 0;
};

struct Case {
  std::string name;
  std::optional<TypeId> type;  // Unset: the case carries no payload.
};

// The sorts an import or export can have.
enum class ExternKind : uint8_t {
  kCoreModule,
  kFunc,
  kValue,
  kType,
  kComponent,
  kInstance,
};

[[nodiscard]] absl::string_view ExternKindName(ExternKind kind);

// What an import or export is. `type` is the module, function, value,
// component or instance type; for kType it is the type itself (an `eq`
// bound: the type it equals; a `sub resource` bound: a fresh abstract
// kResource type).
struct ExternDesc {
  ExternKind kind = ExternKind::kFunc;
  TypeId type = 0;
  // kCoreModule: the index of the module type in `TypeArena::core_types`.
  uint32_t core_type = 0;
};

// A named import or export of a component or instance (type).
struct ExternDecl {
  std::string name;
  ExternDesc desc;
};

// One type. Which members are meaningful depends on `kind` (see TypeKind).
struct Type {
  TypeKind kind = TypeKind::kBool;
  std::vector<Field> fields;
  std::vector<Case> cases;
  std::vector<std::string> labels;
  std::optional<TypeId> element;
  std::optional<TypeId> ok;
  std::optional<TypeId> error;
  uint32_t fixed_length = 0;        // kList: 0 for an ordinary list.
  bool async = false;               // kFunc.
  std::vector<ExternDecl> imports;  // kComponent.
  std::vector<ExternDecl> exports;  // kComponent, kInstance.
  // kResource: the name it was imported or exported under, when it was
  // (for messages and WIT); defined resources also have a representation
  // (always i32 today) and maybe a destructor (a core function index of the
  // defining component).
  std::string name;
  bool defined = false;
  std::optional<uint32_t> dtor;
  // kResource: set on the new type an export gives a resource (what later
  // imports and exports must use to be visible), naming the resource it
  // stands for. Identity (handles, subtyping) is that resource's: see
  // ResourceIdentity.
  std::optional<TypeId> resource_of;
};

// A core function type; module types list their imports and exports.
struct CoreFuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
};

// A core type: a function type or a module type (its imports and exports,
// by name and kind, which is what instantiation checks against).
struct CoreType {
  bool is_module = false;
  CoreFuncType func;  // !is_module
  struct Entity {
    std::string module;  // Imports only.
    std::string name;
    uint8_t kind = 0;  // The core:externtype code: 0 func ... 4 tag.
  };
  std::vector<Entity> imports;  // is_module
  std::vector<Entity> exports;  // is_module
};

// Every type of one component binary, nested components included. Ids are
// stable: types are only ever appended. The primitive types are interned at
// ids equal to their TypeKind values (kBool is 0, ..., kErrorContext 13).
// Plain value: thread-compatible.
class TypeArena {
 public:
  TypeArena();

  [[nodiscard]] const Type& operator[](TypeId id) const { return types_[id]; }
  [[nodiscard]] size_t size() const { return types_.size(); }

  // The id of primitive `kind` (which must be IsPrimitive).
  [[nodiscard]] static TypeId Primitive(TypeKind kind) {
    return static_cast<TypeId>(kind);
  }

  // Type `id` to change in place (naming a resource, say): ids stay. Not
  // its shape: its layout was computed when it was added.
  [[nodiscard]] Type& Mutable(TypeId id) { return types_[id]; }

  // Adds `type`, whose members must already be in the arena, and computes
  // its layout.
  TypeId Add(Type type);

  // The canonical ABI layout of type `id`, computed by Add: constant from
  // then on, so threads sharing a finished arena read it without a lock.
  [[nodiscard]] const TypeLayout& layout(TypeId id) const {
    return layouts_[id];
  }
  // flatten_type of `id` if layout(id).flat_count <= kMaxCachedFlat, else
  // empty (use FlattenType). Invalid after the next Add.
  [[nodiscard]] absl::Span<const ValType> flat(TypeId id) const {
    const TypeLayout& l = layouts_[id];
    if (l.flat_count > kMaxCachedFlat) return {};
    return absl::MakeConstSpan(flat_).subspan(l.flat_begin, l.flat_count);
  }

  uint32_t AddCore(CoreType type) {
    core_types_.push_back(std::move(type));
    return static_cast<uint32_t>(core_types_.size() - 1);
  }
  [[nodiscard]] const CoreType& core(uint32_t index) const {
    return core_types_[index];
  }

 private:
  std::vector<Type> types_;
  std::vector<TypeLayout> layouts_;  // Parallel to types_.
  std::vector<ValType> flat_;        // The cached flattenings.
  std::vector<CoreType> core_types_;
};

// The resource a kResource type `id` is: itself, or the one an exported
// name stands for.
[[nodiscard]] inline TypeId ResourceIdentity(const TypeArena& arena,
                                             TypeId id) {
  return arena[id].resource_of.value_or(id);
}

// Resource TypeIds (ResourceIdentity applied) -> resource types at run
// time, in one component instance's view (lib/component/plan.h's
// Plan::resource_ids; handle tables hold the latter).
using ResourceIds = absl::flat_hash_map<TypeId, uint32_t>;

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_TYPES_H_
