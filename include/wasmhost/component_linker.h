// wasmhost/component_linker.h: the interfaces a host grants to components.
//
//   component::Caller        what a host function sees of the calling
//                            component instance
//   component::HostFunc      a host function over dynamic component::Vals
//   component::HostResourceDtor  what runs when a guest drops a host
//                            resource it owns
//   component::HostResourceImage  how a fresh-state pool keeps a host
//                            resource's objects in its state image
//   component::LinkerInstance  one interface of a Linker, to define into
//   component::Linker        interfaces, functions and resources by name;
//                            the only imports a component can get (deny
//                            by default)
//
// A host resource is identified to guests by a 32-bit `rep` the host
// chooses (an index into the host's own table, say): a host function
// returning Val::Own(rep) gives the guest a new handle to it, a function
// taking borrow<R> or own<R> receives the rep of the guest's handle, and
// when the guest drops its last own handle the resource's destructor gets
// the rep. A resource the component defines reaches host functions as a
// component::GuestHandle instead (component_val.h); a borrow of one ends
// when the host function returns.

#ifndef WASMHOST_COMPONENT_LINKER_H_
#define WASMHOST_COMPONENT_LINKER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "wasmhost/component_type.h"
#include "wasmhost/component_val.h"
#include "wasmhost/export.h"
#include "wasmhost/internal/func_traits.h"

namespace wasmhost::component {
namespace internal {
struct InstanceState;
}  // namespace internal

inline namespace api {

class Linker;

// Passed to every host function: the calling component instance's
// embedder context. Valid only during that host call. Made by the runtime
// only. Thread-affine.
class WASMHOST_EXPORT Caller {
 public:
  Caller(const Caller&) = delete;
  Caller& operator=(const Caller&) = delete;

  // The context given to InstanceOptions::SetContext<T>() for the calling
  // component instance; nullptr when none of type T was set.
  template <typename T>
  [[nodiscard]] T* context() const {
    return static_cast<T*>(Context(wasmhost::internal::TypeKey<T>()));
  }

 private:
  friend struct CallerAccess;
  explicit Caller(internal::InstanceState* instance) : instance_(instance) {}
  void* Context(const void* type_key) const;
  internal::InstanceState* instance_;
};

// A host function: receives the arguments lifted from the guest, in the
// import's parameter order and types (every list<u8> as one Val::Bytes,
// read with Val::bytes()), and appends its result (none or one) to
// `results`, which the runtime lowers into the guest. A non-OK
// status traps the guest; the call that entered the component returns it
// unchanged and the component instance is poisoned. A result that does
// not fit the import's type fails the call with InvalidArgument.
// May be called on any thread that runs an instance.
using HostFunc = std::function<absl::Status(
    Caller& caller, absl::Span<const Val> args, std::vector<Val>& results)>;

// Runs when a guest drops its own handle to a host resource: `rep` is the
// host's. An error traps the guest like a host function's.
using HostResourceDtor = std::function<absl::Status(uint32_t rep)>;
// The same with the component instance whose handle was dropped, for a
// host that keeps its resources per instance (in a context it reaches
// through Caller::context<T>(), as WASI 0.2 does).
using HostResourceDtorWithCaller =
    std::function<absl::Status(Caller& caller, uint32_t rep)>;

// What a fresh-state component::InstancePool (component_pool.h) keeps of a
// host resource whose own handle a component instance holds when the pool
// takes its state image (e.g. a stream the guest opened in
// initialize_instance), so that the handle, restored with the image, works
// the same in every lease and every instance of the pool:
//   capture  copies the host object behind `rep` into an immutable value
//            kept with the image, which any of the pool's threads reads
//   restore  makes the instance's host object behind `rep` a copy of
//            `captured` (what capture returned, never null) again,
//            replacing what is there (the guest may have
//            changed, dropped or replaced it); runs after reset_instance
//            on every reset, and on each new instance made from the image
//            (whose host state setup_instance made)
// Give both or neither. A capture error fails InstancePool::Create (or
// Reload); a restore error discards the instance, or fails the Acquire
// making it. Without them the rep is kept as it is, so it must name a host
// object valid for every lease and every instance.
struct HostResourceImage {
  std::function<absl::StatusOr<std::shared_ptr<const void>>(Caller& caller,
                                                            uint32_t rep)>
      capture;
  std::function<absl::Status(Caller& caller, uint32_t rep,
                             const void* captured)>
      restore;
};

}  // namespace api

namespace internal {
// A host function made from a C++ callable: its WIT type and the HostFunc
// converting its arguments and result (MakeTypedHostFunc is defined in
// component_typed.h, which typed definitions need).
struct TypedHostFunc {
  FuncType type;
  HostFunc func;
};
template <typename F>
TypedHostFunc MakeTypedHostFunc(F&& callable);
}  // namespace internal

inline namespace api {

// One interface of a Linker ("demo:kv/store@0.1.0"), or the world's own
// functions (Linker::Root()). A view: it must not outlive its Linker.
// Thread-compatible, like the Linker.
class WASMHOST_EXPORT LinkerInstance {
 public:
  // Grants function `name` ("get", "[constructor]blob", "[method]blob.size")
  // of this interface, for any WIT type the import has.
  // Returns AlreadyExists if `name` is already defined here.
  absl::Status Define(absl::string_view name, HostFunc func);
  // The same, checked at instantiation: an import of `name` whose
  // parameter or result types are not `expected`'s (parameter names are
  // not compared) fails Instance::Create with InvalidArgument giving both.
  absl::Status Define(absl::string_view name, FuncType expected, HostFunc func);
  // Grants function `name` implemented by a C++ callable typed as
  // component_typed.h describes (include it to use this); its WIT type,
  // inferred from the callable's signature, is checked at instantiation
  // as `expected` is above. Returns AlreadyExists as above.
  template <typename F,
            typename = std::enable_if_t<!std::is_convertible_v<F, HostFunc>>>
  absl::Status Define(absl::string_view name, F&& callable) {
    internal::TypedHostFunc typed =
        internal::MakeTypedHostFunc(std::forward<F>(callable));
    return Define(name, std::move(typed.type), std::move(typed.func));
  }
  // Grants resource `name` ("blob") of this interface; `dtor` (may be
  // empty) runs when a guest drops an own handle to it.
  // Returns AlreadyExists if `name` is already defined here.
  absl::Status DefineResource(absl::string_view name, HostResourceDtor dtor);
  // The same with a destructor that is given the calling instance, and
  // how a fresh-state pool keeps the resource's objects in its image.
  // Returns AlreadyExists as above, InvalidArgument when `image` has only
  // one of capture and restore.
  absl::Status DefineResourceWithCaller(absl::string_view name,
                                        HostResourceDtorWithCaller dtor,
                                        HostResourceImage image = {});

 private:
  friend class Linker;
  LinkerInstance(Linker* linker, std::string name)
      : linker_(linker), name_(std::move(name)) {}
  absl::Status DefineFunc(absl::string_view name, HostFunc func,
                          std::optional<FuncType> expected);
  Linker* linker_;
  std::string name_;
};

// The interfaces, functions and resources a component may import. A
// component instantiated through a Linker gets exactly what it imports;
// any other import fails Instance::Create with NotFound naming the
// interface and function.
//
// An import "ns:pkg/iface@1.2.3" is satisfied by a definition of exactly
// that name, else by one of the same interface whose version is
// semver-compatible (same major version, or for 0.x the same minor): the
// definition with the highest such version.
//
// Copying a Linker copies the definitions (the host functions are shared).
// Thread-compatible; instantiating from a const Linker on many threads at
// once is safe.
class WASMHOST_EXPORT Linker {
 public:
  Linker();
  Linker(const Linker&);
  Linker& operator=(const Linker&);
  Linker(Linker&&) noexcept;
  Linker& operator=(Linker&&) noexcept;
  ~Linker();

  // What the Linker holds (opaque; lib/component/linker_state.h).
  struct Definitions;

  // The interface `name`, to define into ("demo:kv/store@0.1.0").
  [[nodiscard]] LinkerInstance Instance(absl::string_view name);
  // The world's own functions (imports with plain names, "host-log").
  [[nodiscard]] LinkerInstance Root();
  // Shorthand for Root().Define(...).
  absl::Status Define(absl::string_view name, HostFunc func) {
    return Root().Define(name, std::move(func));
  }
  // Shorthand for Root().Define(...) with a typed callable.
  template <typename F,
            typename = std::enable_if_t<!std::is_convertible_v<F, HostFunc>>>
  absl::Status Define(absl::string_view name, F&& callable) {
    return Root().Define(name, std::forward<F>(callable));
  }

  // Whether function or resource `name` of `interface` (empty: the world's
  // own) is defined, exactly as named.
  [[nodiscard]] bool Defines(absl::string_view interface,
                             absl::string_view name) const;

 private:
  friend class LinkerInstance;
  friend struct LinkerAccess;
  std::unique_ptr<Definitions> defs_;
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_COMPONENT_LINKER_H_
