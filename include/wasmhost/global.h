// wasmhost/global.h: a WebAssembly global outside the guest.
//
//   Global  a global variable: an instance's export, or made by the host to
//           be imported through a Linker

#ifndef WASMHOST_GLOBAL_H_
#define WASMHOST_GLOBAL_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wasmhost/export.h"
#include "wasmhost/module.h"
#include "wasmhost/value.h"

namespace wasmhost {

namespace internal {
struct ExternState;
}  // namespace internal

// A handle to a global: Instance::GetGlobal gives an instance's exported
// global, Global::Create a new one that Linker::Define grants to guests.
// Several instances importing the same global share it: a write by one is
// seen by all. Cheap to copy; copies refer to the same global. A handle
// keeps the global (and the instance that exported it) alive.
//
// Thread-affine: the global lives in the isolate of the thread that made it
// (Create, or the exporting instance's thread). Use and destroy handles on
// that thread; elsewhere methods return FailedPrecondition.
class WASMHOST_EXPORT Global {
 public:
  // A new global of `type` holding `value`, in the calling thread's
  // isolate. Returns:
  //   FailedPrecondition no Engine has been created yet
  //   InvalidArgument  value's type is not type.type
  // Every value type crosses, numbers and v128 bit-exactly (a NaN keeps
  // its sign and payload).
  [[nodiscard]] static absl::StatusOr<Global> Create(const GlobalType& type,
                                                     const Val& value);

  [[nodiscard]] const GlobalType& type() const;

  // The current value. Returns FailedPrecondition on another thread.
  [[nodiscard]] absl::StatusOr<Val> Get() const;

  // Sets the value. Returns:
  //   FailedPrecondition  the global is immutable, or another thread
  //   InvalidArgument     value's type is not type().type
  absl::Status Set(const Val& value) const;

 private:
  friend class Instance;
  friend class Linker;
  explicit Global(std::shared_ptr<const internal::ExternState> state)
      : state_(std::move(state)) {}

  std::shared_ptr<const internal::ExternState> state_;
};

}  // namespace wasmhost

#endif  // WASMHOST_GLOBAL_H_
