// A component's resident's view of lib/component: core modules in plan
// order, the glue hash, and the handle tables as snapshot messages.

// lib/component's headers come first (see component_state.h), so
// clang-format may not sort this block.
// clang-format off
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/component/component_state.h"
#include "lib/component/handle_table.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/carry.h"
#include "lib/resident/component_parts.h"  // NOLINT(build/include_order)
// clang-format on

namespace wasmhost::internal {
namespace {

using component::HandleTable;
using component::ResourceHandle;
using component::internal::ComponentState;

const ComponentState& StateOf(const component::api::Component& component) {
  return component::ComponentAccess::State(component);
}

// Whether run-time resource type `type` is one the component defines: the
// only handles a snapshot carries.
bool IsGuestResource(const ComponentState& state, uint32_t type) {
  for (const component::GuestResource& resource : state.plan.resources) {
    if (resource.type == type) return true;
  }
  return false;
}

// The world's name of run-time resource type `type`, if it has one.
const component::api::ComponentResource* NameOf(const ComponentState& state,
                                                uint32_t type) {
  if (type >= state.plan.resource_types.size()) return nullptr;
  auto named = state.resource_names.find(state.plan.resource_types[type].type);
  return named == state.resource_names.end() ? nullptr : &named->second;
}

std::string ResourceName(const ComponentState& state, uint32_t type) {
  const component::api::ComponentResource* named = NameOf(state, type);
  if (named == nullptr) return absl::StrCat("resource type ", type);
  return absl::StrCat("resource ", named->name, " of interface ",
                      named->interface);
}

// Whether `type` is WASI 0.2's input-stream or output-stream (any 0.2.x).
bool IsWasiStream(const ComponentState& state, uint32_t type) {
  const component::api::ComponentResource* named = NameOf(state, type);
  return named != nullptr &&
         absl::StartsWith(named->interface, "wasi:io/streams@0.2.") &&
         (named->name == "input-stream" || named->name == "output-stream");
}

using Stdio = wasi::CarriedStdioStream;
using v1::ResourceHandleState;

ResourceHandleState::WasiStdio ToProto(Stdio::Kind kind) {
  switch (kind) {
    case Stdio::Kind::kStdin:
      return ResourceHandleState::WASI_STDIN;
    case Stdio::Kind::kStdout:
      return ResourceHandleState::WASI_STDOUT;
    case Stdio::Kind::kStderr:
      return ResourceHandleState::WASI_STDERR;
  }
  return ResourceHandleState::WASI_STDIO_NONE;
}

}  // namespace

std::vector<ComponentCore> CoresOf(const component::api::Component& component) {
  const ComponentState& state = StateOf(component);
  std::vector<ComponentCore> cores;
  for (const component::CoreStep& step : state.plan.steps) {
    const Module& module = state.modules[step.module];
    cores.push_back({module, component::internal::DefinesMemory(module)});
  }
  return cores;
}

std::vector<Instance*> CoreInstancesOf(component::api::Instance& instance) {
  return component::internal::CoreInstances(instance);
}

const std::string& GlueSha256(const component::api::Component& component) {
  return StateOf(component).glue_sha256;
}

absl::Status CaptureHandles(component::api::Instance& instance,
                            const wasi::WasiContext* wasi,
                            v1::ResidentState& out) {
  const ComponentState& state = StateOf(instance.component());
  const std::vector<std::unique_ptr<HandleTable>>& tables =
      component::internal::HandleTables(instance);
  for (size_t t = 0; t < tables.size(); ++t) {
    WASMHOST_ASSIGN_OR_RETURN(const HandleTable::Snapshot saved,
                              tables[t]->Save());
    v1::HandleTableState& table = *out.add_handle_tables();
    table.set_length(static_cast<uint32_t>(saved.slots.size()));
    for (size_t i = 1; i < saved.slots.size(); ++i) {
      const std::optional<ResourceHandle>& handle = saved.slots[i];
      if (!handle.has_value()) continue;
      std::optional<Stdio> stream;
      if (wasi != nullptr && IsWasiStream(state, handle->type)) {
        stream = wasi::StdioStreamAt(*wasi, handle->rep);
      }
      if (tables[t]->IsHost(handle->type) && !stream.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the component holds handle ", i, " of host ",
            ResourceName(state, handle->type),
            ", a live host object a snapshot cannot carry (drop it before "
            "the snapshot)"));
      }
      if (!handle->own || handle->num_lends != 0) {
        return absl::FailedPreconditionError(
            absl::StrCat("the component holds handle ", i, " of ",
                         ResourceName(state, handle->type),
                         handle->own ? " lent to a call" : " as a borrow",
                         ", which exists only during a call"));
      }
      v1::ResourceHandleState& kept = *table.add_handles();
      kept.set_index(static_cast<uint32_t>(i));
      kept.set_type(handle->type);
      kept.set_rep(handle->rep);
      if (stream.has_value()) {
        kept.set_wasi_stdio(ToProto(stream->kind));
        kept.set_wasi_closed(stream->closed);
      }
    }
    for (uint32_t index : saved.free) table.add_free(index);
  }
  return absl::OkStatus();
}

absl::Status RestoreHandles(component::api::Instance& instance,
                            wasi::WasiContext* wasi,
                            const v1::ResidentState& saved) {
  const ComponentState& state = StateOf(instance.component());
  const size_t num_tables = component::internal::HandleTables(instance).size();
  if (static_cast<size_t>(saved.handle_tables_size()) != num_tables) {
    return absl::DataLossError(
        absl::StrCat("the snapshot has ", saved.handle_tables_size(),
                     " handle tables, the component ", num_tables));
  }
  std::vector<HandleTable::Snapshot> tables;
  for (int t = 0; t < saved.handle_tables_size(); ++t) {
    const v1::HandleTableState& table = saved.handle_tables(t);
    if (table.length() == 0 || table.length() > HandleTable::kMaxLength) {
      return absl::DataLossError(absl::StrCat(
          "handle table ", t, " has an impossible length ", table.length()));
    }
    HandleTable::Snapshot& out = tables.emplace_back();
    out.slots.resize(table.length());
    for (const ResourceHandleState& handle : table.handles()) {
      const bool stream =
          handle.wasi_stdio() != ResourceHandleState::WASI_STDIO_NONE;
      if (handle.index() == 0 || handle.index() >= table.length() ||
          out.slots[handle.index()].has_value() ||
          !(stream ? IsWasiStream(state, handle.type())
                   : IsGuestResource(state, handle.type()))) {
        return absl::DataLossError(
            absl::StrCat("handle ", handle.index(), " of table ", t,
                         " cannot be the component's (its index or its type)"));
      }
      uint32_t rep = handle.rep();
      if (stream) {
        if (wasi == nullptr) {
          return absl::DataLossError(
              absl::StrCat("handle ", handle.index(), " of table ", t,
                           " is a WASI stream, and the resident has no WASI"));
        }
        Stdio remade;
        remade.kind = handle.wasi_stdio() == ResourceHandleState::WASI_STDIN
                          ? Stdio::Kind::kStdin
                      : handle.wasi_stdio() == ResourceHandleState::WASI_STDERR
                          ? Stdio::Kind::kStderr
                          : Stdio::Kind::kStdout;
        remade.closed = handle.wasi_closed();
        WASMHOST_ASSIGN_OR_RETURN(rep, wasi::AddStdioStream(*wasi, remade));
      }
      out.slots[handle.index()] =
          ResourceHandle{handle.type(), rep, /*own=*/true, std::nullopt, 0};
    }
    absl::flat_hash_set<uint32_t> free;
    for (uint32_t index : table.free()) {
      if (index == 0 || index >= table.length() ||
          out.slots[index].has_value() || !free.insert(index).second) {
        return absl::DataLossError(absl::StrCat(
            "free index ", index, " of handle table ", t, " is not free"));
      }
      out.free.push_back(index);
    }
  }
  // The tables are fresh: nothing of the host's is dropped.
  return component::internal::RestoreHandles(instance, tables);
}

absl::StatusOr<component::api::Instance> InstantiateComponentForRestore(
    const component::api::Component& component,
    const component::api::Linker& linker, const InstanceOptions& options) {
  return component::internal::InstantiateForRestore(component, linker, options);
}

}  // namespace wasmhost::internal
