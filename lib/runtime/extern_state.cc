#include "lib/runtime/extern_state.h"

#include "absl/strings/str_cat.h"
#include "lib/util/error_status.h"

namespace wasmhost::internal {

absl::Status ExternState::CheckThread(absl::string_view what) const {
  if (object->OnOwnerThread()) return absl::OkStatus();
  return WrongThreadError(absl::StrCat(
      what,
      " belongs to another thread's isolate, or to one disposed when "
      "its thread exited: use it on the thread that made it"));
}

absl::Status CheckValType(const Val& value, ValType expected,
                          absl::string_view what) {
  if (value.type() == expected) return absl::OkStatus();
  return UsageError(absl::StatusCode::kInvalidArgument,
                    absl::StrCat("value ", value.ToString(), " does not match ",
                                 what, " of type ", ValTypeName(expected)));
}

}  // namespace wasmhost::internal
