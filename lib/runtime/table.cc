#include "wasmhost/table.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/runtime/extern_state.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"

namespace wasmhost {
namespace {

// V8's limit on table sizes (v8_flags.wasm_max_table_size's default).
constexpr uint64_t kMaxTableSize = 10'000'000;

absl::Status CheckIndex(uint64_t index, uint64_t size) {
  if (index < size) return absl::OkStatus();
  return internal::UsageError(
      absl::StatusCode::kOutOfRange,
      absl::StrCat("table index ", index, " is outside the table of ", size,
                   " elements"));
}

}  // namespace

absl::StatusOr<Table> Table::Create(const TableType& type, const Val& init) {
  if (type.element != ValType::kFuncRef &&
      type.element != ValType::kExternRef) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("a table's elements must be funcref or externref, not ",
                     ValTypeName(type.element)));
  }
  if (type.max_size.has_value() && type.min_size > *type.max_size) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("the table's minimum size ", type.min_size,
                     " exceeds its maximum ", *type.max_size));
  }
  if (type.min_size > kMaxTableSize) {
    return internal::LimitError(
        LimitKind::kEngineLimits,
        absl::StrCat("a table of ", type.min_size, " elements exceeds the ",
                     "engine's limit of ", kMaxTableSize));
  }
  WASMHOST_RETURN_IF_ERROR(
      internal::CheckValType(init, type.element, "a table"));
  auto state = std::make_shared<internal::ExternState>();
  state->kind = ExternKind::kTable;
  state->table = type;
  WASMHOST_ASSIGN_OR_RETURN(state->object,
                            v8backend::ExternObject::NewTable(type, init));
  return Table(std::move(state));
}

const TableType& Table::type() const { return state_->table; }

uint64_t Table::size() const { return state_->object->TableSize(); }

absl::StatusOr<Val> Table::Get(uint64_t index) const {
  WASMHOST_RETURN_IF_ERROR(state_->CheckThread("the table"));
  WASMHOST_RETURN_IF_ERROR(CheckIndex(index, size()));
  return state_->object->TableGet(index, state_->table.element,
                                  state_->instance);
}

absl::Status Table::Set(uint64_t index, const Val& value) const {
  WASMHOST_RETURN_IF_ERROR(state_->CheckThread("the table"));
  WASMHOST_RETURN_IF_ERROR(
      internal::CheckValType(value, state_->table.element, "the table"));
  WASMHOST_RETURN_IF_ERROR(CheckIndex(index, size()));
  return state_->object->TableSet(index, value);
}

absl::StatusOr<uint64_t> Table::Grow(uint64_t delta, const Val& init) const {
  WASMHOST_RETURN_IF_ERROR(state_->CheckThread("the table"));
  WASMHOST_RETURN_IF_ERROR(
      internal::CheckValType(init, state_->table.element, "the table"));
  const uint64_t old_size = size();
  const uint64_t max = state_->table.max_size.value_or(kMaxTableSize);
  if (delta > max - old_size) {
    return internal::LimitError(
        LimitKind::kTableElements,
        absl::StrCat("growing the table of ", old_size, " elements by ", delta,
                     " passes its maximum of ", max));
  }
  return state_->object->TableGrow(delta, init);
}

}  // namespace wasmhost
