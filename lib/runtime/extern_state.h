// lib/runtime/extern_state.h: what Global, Table and Memory handles, and a
// Linker's non-host definitions, share.

#ifndef WASMHOST_LIB_RUNTIME_EXTERN_STATE_H_
#define WASMHOST_LIB_RUNTIME_EXTERN_STATE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "lib/v8/backend.h"
#include "wasmhost/module.h"
#include "wasmhost/value.h"

namespace wasmhost::internal {

struct InstanceState;

// A function, global, table or memory object of one thread's isolate with
// its type. Immutable once made (the object it names is not); thread-affine
// like the object.
struct ExternState {
  ExternKind kind = ExternKind::kFunc;
  // The member for `kind`. A table's or memory's limits are those it was
  // made with (its maximum is enforced; its size is asked of the object).
  FuncType func_type;
  GlobalType global;
  TableType table;
  MemoryType memory;
  std::shared_ptr<v8backend::ExternObject> object;
  // The instance that exported it, kept alive because the object may call
  // into it (its host-function bindings live in its backend instance);
  // null for an object the host made.
  std::shared_ptr<InstanceState> instance;

  // FailedPrecondition naming `what` unless called on the object's thread.
  absl::Status CheckThread(absl::string_view what) const;
};

// InvalidArgument unless `value` has type `expected`; `what` names the
// destination in the message.
absl::Status CheckValType(const Val& value, ValType expected,
                          absl::string_view what);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RUNTIME_EXTERN_STATE_H_
