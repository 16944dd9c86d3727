// lib/component/definitions.h: a component binary as ReadComponent parsed
// it, definition by definition, for the instantiation plan to walk.
//
//   Sort, SortIndex     the binary's sorts and (sort, index) references
//   CoreModule          an embedded core module: where its bytes lie
//   CoreInstance        instantiate a module, or a bag of core exports
//   Instance            instantiate a component, or a bag of exports
//   Alias               export, core export and outer aliases
//   StringEncoding, CanonOptions, Canon   canonical functions
//   Start, Import, Export, CustomSection
//   Definition          one definition's kind and place, in binary order
//   ComponentDef        one component's definitions (nested ones inside)
//   Component           the root definition and the types of all of them
//
// Indices are the binary's, into the index spaces of the component that
// holds the definition; types are already resolved to TypeIds.

#ifndef WASMHOST_LIB_COMPONENT_DEFINITIONS_H_
#define WASMHOST_LIB_COMPONENT_DEFINITIONS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/component/types.h"
#include "lib/wasm/reader.h"

namespace wasmhost::component {

enum class Sort : uint8_t {
  kCoreFunc,
  kCoreTable,
  kCoreMemory,
  kCoreGlobal,
  kCoreTag,
  kCoreType,
  kCoreModule,
  kCoreInstance,
  kFunc,
  kValue,
  kType,
  kComponent,
  kInstance,
};

// "core func", "type", ... as the text format writes them.
[[nodiscard]] absl::string_view SortName(Sort sort);

struct SortIndex {
  Sort sort = Sort::kFunc;
  uint32_t index = 0;
};

// A core module: its bytes are input[offset, offset + size) of the
// component binary (nested components included, offsets are absolute), to
// be compiled by the core pipeline; `info` is the core reader's view.
struct CoreModule {
  size_t offset = 0;
  size_t size = 0;
  wasm::ModuleInfo info;
};

struct CoreInstance {
  // Set: `(instantiate module (with name (instance i))*)`; unset: the
  // inline `exports` form.
  std::optional<uint32_t> module;
  struct Arg {
    std::string name;
    uint32_t instance = 0;
  };
  std::vector<Arg> args;
  struct Export {
    std::string name;
    SortIndex item;  // A core sort.
  };
  std::vector<Export> exports;
};

struct Instance {
  // Set: `(instantiate component (with name item)*)`; unset: the inline
  // `exports` form.
  std::optional<uint32_t> component;
  struct Arg {
    std::string name;
    SortIndex item;
  };
  std::vector<Arg> args;  // Also the inline exports.
  TypeId type = 0;        // The resulting kInstance type.
};

struct Alias {
  enum class Target : uint8_t { kExport, kCoreExport, kOuter };
  Sort sort = Sort::kFunc;
  Target target = Target::kExport;
  uint32_t instance = 0;  // kExport, kCoreExport; kOuter: the scope count.
  std::string name;       // kExport, kCoreExport.
  uint32_t index = 0;     // kOuter: the index in that scope's space.
};

enum class StringEncoding : uint8_t { kUtf8, kUtf16, kLatin1Utf16 };

struct CanonOptions {
  StringEncoding string_encoding = StringEncoding::kUtf8;
  std::optional<uint32_t> memory;       // Core memory index.
  std::optional<uint32_t> realloc;      // Core function index.
  std::optional<uint32_t> post_return;  // Core function index.
  bool async = false;
  std::optional<uint32_t> callback;  // Core function index.
};

struct Canon {
  enum class Kind : uint8_t {
    kLift,          // core func `func` → func of type `type`
    kLower,         // func `func` → core func
    kResourceNew,   // resource `type` → core func
    kResourceDrop,  // resource `type` → core func
    kResourceRep,   // resource `type` → core func
    // An async, thread or error-context built-in (gated features): parsed
    // and its indices checked, not implemented. `opcode` says which.
    kOtherBuiltin,
  };
  Kind kind = Kind::kLift;
  uint8_t opcode = 0;  // The canon opcode (0x00 lift ... 0x42).
  uint32_t func = 0;
  CanonOptions options;
  // kLift: the function type; resource.*: the resource; kOtherBuiltin:
  // the stream/future type or task.return's result, if it has one.
  TypeId type = 0;
};

// The start function (a gated feature wit-component does not emit).
struct Start {
  uint32_t func = 0;
  std::vector<uint32_t> args;  // Value indices.
  uint32_t results = 0;
};

struct Import {
  std::string name;
  ExternDesc desc;
};

struct Export {
  std::string name;
  SortIndex item;
  ExternDesc desc;  // The exported item's type (the ascribed one if given).
};

struct CustomSection {
  std::string name;
  size_t offset = 0;  // Of the content after the name.
  size_t size = 0;
};

struct Definition {
  enum class Kind : uint8_t {
    kCoreModule,
    kCoreInstance,
    kCoreType,
    kComponent,
    kInstance,
    kAlias,
    kType,
    kCanon,
    kStart,
    kImport,
    kExport,
  };
  Kind kind = Kind::kCoreModule;
  // Into the ComponentDef vector of that kind; for kType and kCoreType,
  // the index in the (core) type index space.
  uint32_t index = 0;
};

// One component's definitions. `types` is its whole type index space
// (TypeIds of definitions, aliases, imports and exports, in index order),
// `core_types` its core type index space (indices into TypeArena::core).
// Move-only (nested components are owned).
struct ComponentDef {
  std::vector<CoreModule> core_modules;
  std::vector<CoreInstance> core_instances;
  std::vector<uint32_t> core_types;
  std::vector<std::unique_ptr<ComponentDef>> components;
  std::vector<Instance> instances;
  std::vector<Alias> aliases;
  std::vector<TypeId> types;
  std::vector<Canon> canons;
  std::optional<Start> start;
  std::vector<Import> imports;
  std::vector<Export> exports;
  std::vector<CustomSection> custom_sections;
  std::vector<Definition> order;  // Every definition above, in binary order.
  TypeId type = 0;                // Its kComponent type: imports and exports.
};

// A parsed component binary. Move-only; thread-compatible.
struct Component {
  TypeArena types;
  ComponentDef root;
};

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_DEFINITIONS_H_
