// wasmhost/module.h: a compiled WebAssembly module.
//
//   ImportType   one import with its signature
//   ExportType   one export with its signature
//   MemoryType   the limits of a memory, in 64 KiB pages
//   TableType    a table's element type and limits, in elements
//   GlobalType   a global's value type and mutability
//   CustomSection  a custom section's name and size
//   Module       compiled code plus what it imports and exports

#ifndef WASMHOST_MODULE_H_
#define WASMHOST_MODULE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/strings/string_view.h"
#include "wasmhost/export.h"
#include "wasmhost/value.h"

namespace wasmhost {

namespace internal {
struct ModuleState;
class ApiAccess;
class PoolState;
}  // namespace internal

struct WASMHOST_EXPORT MemoryType {
  uint64_t min_pages = 0;
  std::optional<uint64_t> max_pages;  // nullopt: no maximum declared
};

struct WASMHOST_EXPORT TableType {
  ValType element = ValType::kFuncRef;  // kFuncRef or kExternRef
  uint64_t min_size = 0;
  std::optional<uint64_t> max_size;  // nullopt: no maximum declared
};

struct WASMHOST_EXPORT GlobalType {
  ValType type = ValType::kI32;
  bool is_mutable = false;
};

struct WASMHOST_EXPORT ImportType {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  FuncType func_type;  // for kFunc
  MemoryType memory;   // for kMemory
  TableType table;     // for kTable
  GlobalType global;   // for kGlobal
};

struct WASMHOST_EXPORT ExportType {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  FuncType func_type;  // for kFunc
  MemoryType memory;   // for kMemory
  TableType table;     // for kTable
  GlobalType global;   // for kGlobal
};

struct WASMHOST_EXPORT CustomSection {
  std::string name;
  uint64_t size = 0;  // payload bytes after the name
};

// A validated, compiled module. Immutable: copies share the compiled code
// and are cheap, and any thread may instantiate it. Made by
// Engine::Compile. Thread-safe.
class WASMHOST_EXPORT Module {
 public:
  [[nodiscard]] const std::vector<ImportType>& imports() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  [[nodiscard]] const std::vector<ExportType>& exports() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // The memory the module defines or imports; nullopt when it has none.
  [[nodiscard]] std::optional<MemoryType> memory() const;
  // The module's name from its name section; empty when it has none.
  [[nodiscard]] const std::string& name() const ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // Custom sections in module order (including "name").
  [[nodiscard]] const std::vector<CustomSection>& custom_sections() const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

 private:
  friend class Engine;
  friend class Instance;
  friend class internal::ApiAccess;
  friend class internal::PoolState;
  explicit Module(std::shared_ptr<const internal::ModuleState> state)
      : state_(std::move(state)) {}

  std::shared_ptr<const internal::ModuleState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_MODULE_H_
