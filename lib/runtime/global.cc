#include "wasmhost/global.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/runtime/extern_state.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"

namespace wasmhost {

absl::StatusOr<Global> Global::Create(const GlobalType& type,
                                      const Val& value) {
  WASMHOST_RETURN_IF_ERROR(
      internal::CheckValType(value, type.type, "a global"));
  auto state = std::make_shared<internal::ExternState>();
  state->kind = ExternKind::kGlobal;
  state->global = type;
  WASMHOST_ASSIGN_OR_RETURN(state->object,
                            v8backend::ExternObject::NewGlobal(type, value));
  return Global(std::move(state));
}

const GlobalType& Global::type() const { return state_->global; }

absl::StatusOr<Val> Global::Get() const {
  WASMHOST_RETURN_IF_ERROR(state_->CheckThread("the global"));
  return state_->object->GlobalGet(state_->global, state_->instance);
}

absl::Status Global::Set(const Val& value) const {
  WASMHOST_RETURN_IF_ERROR(state_->CheckThread("the global"));
  if (!state_->global.is_mutable) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        absl::StrCat("the global is immutable (",
                     ValTypeName(state_->global.type), ")"));
  }
  WASMHOST_RETURN_IF_ERROR(
      internal::CheckValType(value, state_->global.type, "the global"));
  return state_->object->GlobalSet(state_->global, value);
}

}  // namespace wasmhost
