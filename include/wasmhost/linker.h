// wasmhost/linker.h: the capabilities a host grants to guests.
//
//   Caller  what a host function sees of the instance that called it
//   Linker  host functions, globals, tables, memories and other instances'
//           exports by module and name; the only imports a guest can get
//           (deny by default)

#ifndef WASMHOST_LINKER_H_
#define WASMHOST_LINKER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/export.h"
#include "wasmhost/instance.h"
#include "wasmhost/internal/func_traits.h"
#include "wasmhost/memory.h"
#include "wasmhost/value.h"

namespace wasmhost {

class Global;
class Instance;
class Table;

namespace internal {
class ApiAccess;
struct ExternState;
struct InstanceState;

// Linker::Define takes these as objects, anything else as a host function.
template <typename T>
inline constexpr bool kIsExternHandle =
    std::is_same_v<T, Global> || std::is_same_v<T, Table> ||
    std::is_same_v<T, Memory>;

// A host function whose signature has references, which RawVals cannot
// hold: it takes and fills Vals.
using ValHostThunk = absl::Status (*)(void* callable, Caller& caller,
                                      absl::Span<const Val> args,
                                      absl::Span<Val> results);

// A host function lowered to the type-erased convention.
struct HostFunc {
  FuncType type;
  std::shared_ptr<void> callable;
  HostThunk thunk;
  // Set for a signature with references; the engine calls it instead of
  // `thunk`.
  ValHostThunk val_thunk = nullptr;
};
}  // namespace internal

// Passed to host functions that take `Caller&` as their first parameter:
// the calling instance's memory, exports and embedder context. Valid only
// during that host call; what it returns (memory views, function handles)
// must not be kept past it either. A start function's host calls see the
// memory (after the data segments) and exports too, except in a module too
// big for the engine to defer its start function (then the memory is empty
// and GetFunc returns FailedPrecondition). Made by the engine only.
// Thread-affine.
class WASMHOST_EXPORT Caller {
 public:
  Caller(const Caller&) = delete;
  Caller& operator=(const Caller&) = delete;

  // The calling instance's linear memory.
  [[nodiscard]] Memory memory() const { return Memory(instance_); }

  // The calling instance's function export `name`, e.g. the guest's
  // allocator, to call from the host function:
  //   caller.GetFunc<int32_t(int32_t)>("malloc")
  // The call re-enters the guest under default CallOptions (no deadline or
  // fuel of its own; the outer call's deadline still stops it); a failure
  // is returned to the host function, which usually returns it (the outer
  // call then fails with it, marked kHostError). With fuel metering the
  // nested call runs on the enclosing call's budget (the instance has one
  // fuel counter); giving it CallOptions::fuel is InvalidArgument.
  // Returns NotFound, or InvalidArgument (not a function, or its signature
  // is not Sig), as Instance::GetFunc does.
  template <typename Sig>
  [[nodiscard]] absl::StatusOr<TypedFunc<Sig>> GetFunc(
      absl::string_view name) const {
    absl::StatusOr<internal::FuncExport> found = Instance::FindFuncExport(
        *instance_, name, &internal::SignatureOf<Sig>::Get());
    if (!found.ok()) return found.status();
    return TypedFunc<Sig>(instance_, found->index);
  }

  // The calling instance's function export `name` for dynamic calls.
  // Returns NotFound or InvalidArgument (not a function).
  [[nodiscard]] absl::StatusOr<Func> GetFunc(absl::string_view name) const {
    absl::StatusOr<internal::FuncExport> found =
        Instance::FindFuncExport(*instance_, name, nullptr);
    if (!found.ok()) return found.status();
    return Func(instance_, found->index, found->type);
  }

  // The context given to InstanceOptions::SetContext<T>() for the calling
  // instance; nullptr when none of type T was set.
  template <typename T>
  [[nodiscard]] T* context() const {
    return static_cast<T*>(
        internal::InstanceContext(*instance_, internal::TypeKey<T>()));
  }

 private:
  friend class internal::ApiAccess;
  explicit Caller(internal::InstanceState* instance) : instance_(instance) {}

  internal::InstanceState* instance_;
};

// A set of definitions that guests may import: host functions, globals,
// tables and memories (host-made, or another instance's exports). A module
// instantiated through a Linker gets exactly the definitions it imports;
// any other import fails instantiation with NotFound.
//
// Host functions are any C++ callable (function pointer, lambda with
// captures, move-only functor). The Wasm signature comes from the C++ one:
//   parameters:  int32_t/uint32_t (i32), int64_t/uint64_t (i64), float,
//                double; optionally preceded by `Caller&`
//   result:      void, one of those types, or std::tuple of them
//                (multi-value), optionally wrapped as absl::Status /
//                absl::StatusOr<T>. A non-OK status traps the guest, and the
//                call that entered the guest returns that status unchanged.
// A host function may be called on any thread that runs an instance, so
// it must be safe to call concurrently if instances run on several threads.
//
// Globals, tables, memories and instance exports live in one thread's
// isolate: a module that imports one can only be instantiated on that
// thread (elsewhere Instance::Create returns FailedPrecondition), and a
// Linker holding them must be destroyed on that thread too.
//
// Copying a Linker copies the set; the definitions themselves are shared.
// Thread-compatible; instantiating from a const Linker on many threads at
// once is safe.
class WASMHOST_EXPORT Linker {
 public:
  using DynamicFunc = std::function<absl::Status(
      Caller& caller, absl::Span<const Val> args, absl::Span<Val> results)>;

  Linker() = default;

  // Grants `module`.`name` as `func`.
  // Returns AlreadyExists if `module`.`name` is already defined.
  template <typename F, typename = std::enable_if_t<
                            !internal::kIsExternHandle<std::decay_t<F>>>>
  absl::Status Define(absl::string_view module, absl::string_view name,
                      F&& func) {
    using Callable = std::decay_t<F>;
    using Thunk = internal::HostThunkFor<
        Callable, typename internal::CallableTraits<Callable>::Params>;
    return DefineHostFunc(
        module, name,
        internal::HostFunc{Thunk::Signature(),
                           std::make_shared<Callable>(std::forward<F>(func)),
                           &Thunk::Call});
  }

  // Grants `module`.`name` as a global, table or memory: an instance's
  // export, or one made by Create. Importers share it with the host.
  // Returns AlreadyExists if `module`.`name` is already defined, and (for a
  // Memory) InvalidArgument for a view from memory() rather than
  // Instance::GetMemory or Memory::Create.
  absl::Status Define(absl::string_view module, absl::string_view name,
                      const Global& global);
  absl::Status Define(absl::string_view module, absl::string_view name,
                      const Table& table);
  absl::Status Define(absl::string_view module, absl::string_view name,
                      const Memory& memory);

  // Grants every export of `instance` (functions, globals, tables, memory)
  // as `module`.<export name>, like the spec's `register`: importers call
  // its functions directly, Wasm to Wasm, and share its objects. The
  // definitions keep the instance's engine state alive.
  // Returns AlreadyExists if one of the names is already defined (nothing
  // is defined then), and FailedPrecondition on a thread other than the
  // instance's.
  absl::Status DefineInstance(absl::string_view module,
                              const Instance& instance);

  // Grants `module`.`name` with a signature given at run time. `func`
  // receives args of `type.params` and fills results, pre-sized and typed
  // as `type.results` (references start null). Every value type crosses,
  // bit-exactly (NaN payloads and v128 lanes intact); a funcref argument is
  // callable (Func::FromRef) through the calling instance.
  // Returns AlreadyExists if `module`.`name` is already defined.
  absl::Status DefineDynamic(absl::string_view module, absl::string_view name,
                             FuncType type, DynamicFunc func);

  // Whether `module`.`name` is defined (as anything).
  [[nodiscard]] bool Defines(absl::string_view module,
                             absl::string_view name) const;

  // The signature of the host function granted as `module`.`name`; nullopt
  // when it is not a host function (or not defined).
  [[nodiscard]] std::optional<FuncType> HostFuncType(
      absl::string_view module, absl::string_view name) const;

 private:
  friend class internal::ApiAccess;
  // The host function granted as `module`.`name`, or nullptr.
  std::shared_ptr<const internal::HostFunc> Find(absl::string_view module,
                                                 absl::string_view name) const;
  // The engine object granted as `module`.`name`, or nullptr.
  std::shared_ptr<const internal::ExternState> FindExtern(
      absl::string_view module, absl::string_view name) const;

  absl::Status DefineHostFunc(absl::string_view module, absl::string_view name,
                              internal::HostFunc func);
  absl::Status DefineExtern(
      absl::string_view module, absl::string_view name,
      std::shared_ptr<const internal::ExternState> object);
  // AlreadyExists if `module`.`name` is defined.
  absl::Status CheckUndefined(absl::string_view module,
                              absl::string_view name) const;

  absl::flat_hash_map<std::pair<std::string, std::string>,
                      std::shared_ptr<const internal::HostFunc>>
      funcs_;
  absl::flat_hash_map<std::pair<std::string, std::string>,
                      std::shared_ptr<const internal::ExternState>>
      externs_;
};

}  // namespace wasmhost

#endif  // WASMHOST_LINKER_H_
