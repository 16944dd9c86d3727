#include "wasmhost/linker.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/runtime/extern_state.h"
#include "lib/runtime/instance_state.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"
#include "wasmhost/global.h"
#include "wasmhost/instance.h"
#include "wasmhost/table.h"

namespace wasmhost {
namespace {

bool IsNumberType(ValType type) {
  return type == ValType::kI32 || type == ValType::kI64 ||
         type == ValType::kF32 || type == ValType::kF64;
}

// The callable behind DefineDynamic. A signature of numbers only takes the
// raw convention (Call); one with references or v128 (which takes two
// RawVals) takes Vals (CallVals).
struct DynamicHostFunc {
  FuncType type;
  Linker::DynamicFunc func;

  static bool Call(void* callable, Caller& caller, const internal::RawVal* args,
                   internal::RawVal* results, absl::Status* error) {
    return internal::HostResult<absl::Status>::Store(
        CallRaw(callable, caller, args, results), results, error);
  }

  static absl::Status CallVals(void* callable, Caller& caller,
                               absl::Span<const Val> args,
                               absl::Span<Val> results) {
    const DynamicHostFunc& self = *static_cast<DynamicHostFunc*>(callable);
    absl::Status status = self.func(caller, args, results);
    if (!status.ok()) return status;
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i].type() != self.type.results[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("dynamic host function set result ", i, " to ",
                         results[i].ToString(), " but its signature is ",
                         self.type.ToString()));
      }
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status CallRaw(void* callable, Caller& caller,
                              const internal::RawVal* args,
                              internal::RawVal* results) {
    const DynamicHostFunc& self = *static_cast<DynamicHostFunc*>(callable);
    std::vector<Val> arg_vals;
    arg_vals.reserve(self.type.params.size());
    for (size_t i = 0; i < self.type.params.size(); ++i) {
      arg_vals.push_back(Val::FromBits(self.type.params[i], args[i]));
    }
    std::vector<Val> result_vals;
    result_vals.reserve(self.type.results.size());
    for (ValType type : self.type.results) {
      result_vals.push_back(Val::FromBits(type, 0));
    }
    WASMHOST_RETURN_IF_ERROR(
        CallVals(callable, caller, arg_vals, absl::MakeSpan(result_vals)));
    for (size_t i = 0; i < result_vals.size(); ++i) {
      results[i] = result_vals[i].bits();
    }
    return absl::OkStatus();
  }
};

}  // namespace

absl::Status Linker::DefineDynamic(absl::string_view module,
                                   absl::string_view name, FuncType type,
                                   DynamicFunc func) {
  bool numbers_only = true;
  for (const std::vector<ValType>* types : {&type.params, &type.results}) {
    for (ValType value_type : *types) {
      numbers_only = numbers_only && IsNumberType(value_type);
    }
  }
  FuncType signature = type;
  return DefineHostFunc(
      module, name,
      internal::HostFunc{std::move(signature),
                         std::make_shared<DynamicHostFunc>(
                             DynamicHostFunc{std::move(type), std::move(func)}),
                         &DynamicHostFunc::Call,
                         numbers_only ? nullptr : &DynamicHostFunc::CallVals});
}

std::shared_ptr<const internal::HostFunc> Linker::Find(
    absl::string_view module, absl::string_view name) const {
  auto it = funcs_.find(std::make_pair(std::string(module), std::string(name)));
  return it == funcs_.end() ? nullptr : it->second;
}

std::shared_ptr<const internal::ExternState> Linker::FindExtern(
    absl::string_view module, absl::string_view name) const {
  auto it =
      externs_.find(std::make_pair(std::string(module), std::string(name)));
  return it == externs_.end() ? nullptr : it->second;
}

bool Linker::Defines(absl::string_view module, absl::string_view name) const {
  return Find(module, name) != nullptr || FindExtern(module, name) != nullptr;
}

std::optional<FuncType> Linker::HostFuncType(absl::string_view module,
                                             absl::string_view name) const {
  std::shared_ptr<const internal::HostFunc> func = Find(module, name);
  if (func == nullptr) return std::nullopt;
  return func->type;
}

absl::Status Linker::CheckUndefined(absl::string_view module,
                                    absl::string_view name) const {
  if (!Defines(module, name)) return absl::OkStatus();
  return internal::UsageError(
      absl::StatusCode::kAlreadyExists,
      absl::StrCat(module, ".", name, " is already defined in this linker"));
}

absl::Status Linker::DefineHostFunc(absl::string_view module,
                                    absl::string_view name,
                                    internal::HostFunc func) {
  WASMHOST_RETURN_IF_ERROR(CheckUndefined(module, name));
  funcs_.emplace(std::make_pair(std::string(module), std::string(name)),
                 std::make_shared<const internal::HostFunc>(std::move(func)));
  return absl::OkStatus();
}

absl::Status Linker::DefineExtern(
    absl::string_view module, absl::string_view name,
    std::shared_ptr<const internal::ExternState> object) {
  WASMHOST_RETURN_IF_ERROR(CheckUndefined(module, name));
  externs_.emplace(std::make_pair(std::string(module), std::string(name)),
                   std::move(object));
  return absl::OkStatus();
}

absl::Status Linker::Define(absl::string_view module, absl::string_view name,
                            const Global& global) {
  return DefineExtern(module, name, global.state_);
}

absl::Status Linker::Define(absl::string_view module, absl::string_view name,
                            const Table& table) {
  return DefineExtern(module, name, table.state_);
}

absl::Status Linker::Define(absl::string_view module, absl::string_view name,
                            const Memory& memory) {
  if (memory.object_ == nullptr) {
    return internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("memory for ", module, ".", name,
                     ": an Instance::memory() view cannot be shared; use "
                     "Instance::GetMemory or Memory::Create"));
  }
  return DefineExtern(module, name, memory.object_);
}

absl::Status Linker::DefineInstance(absl::string_view module,
                                    const Instance& instance) {
  const std::vector<ExportType>& exports = instance.module().exports();
  for (const ExportType& exported : exports) {
    WASMHOST_RETURN_IF_ERROR(CheckUndefined(module, exported.name));
  }
  // Every export first, so a failure defines nothing.
  std::vector<std::pair<absl::string_view,
                        std::shared_ptr<const internal::ExternState>>>
      objects;
  for (const ExportType& exported : exports) {
    if (exported.kind == ExternKind::kTag) continue;  // tags cannot cross
    WASMHOST_ASSIGN_OR_RETURN(
        std::shared_ptr<const internal::ExternState> object,
        instance.FindExtern(exported.name, exported.kind));
    objects.emplace_back(exported.name, std::move(object));
  }
  for (auto& [name, object] : objects) {
    // Export names are unique and were checked above: this cannot fail.
    WASMHOST_RETURN_IF_ERROR(DefineExtern(module, name, std::move(object)));
  }
  return absl::OkStatus();
}

namespace internal {

void* InstanceContext(const InstanceState& instance, const void* type_key) {
  auto it = instance.contexts.find(type_key);
  return it == instance.contexts.end() ? nullptr : it->second.get();
}

}  // namespace internal
}  // namespace wasmhost
