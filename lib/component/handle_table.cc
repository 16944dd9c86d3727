#include "lib/component/handle_table.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
namespace {

absl::Status CheckType(const ResourceHandle& h, TypeId type, uint32_t index) {
  if (h.type == type) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(
      "handle ", index, " has resource type ", h.type, ", not ", type));
}

}  // namespace

void HandleTable::DefineResource(TypeId type, ResourceImpl impl) {
  impls_[type] = std::move(impl);
}

bool HandleTable::IsLocal(TypeId type) const {
  auto it = impls_.find(type);
  return it != impls_.end() && it->second.local;
}

bool HandleTable::IsHost(TypeId type) const {
  auto it = impls_.find(type);
  return it != impls_.end() && it->second.host;
}

absl::StatusOr<uint32_t> HandleTable::Add(ResourceHandle handle) {
  if (!free_.empty()) {
    const uint32_t i = free_.back();
    free_.pop_back();
    slots_[i] = std::move(handle);
    return i;
  }
  const auto i = static_cast<uint32_t>(slots_.size());
  if (i > max_length_) {
    return absl::AbortedError(
        absl::StrCat("handle table full (", max_length_, " handles)"));
  }
  slots_.push_back(std::move(handle));
  return i;
}

absl::StatusOr<ResourceHandle*> HandleTable::Get(uint32_t index) {
  if (index >= slots_.size() || !slots_[index].has_value()) {
    return absl::AbortedError(absl::StrCat("unknown handle ", index));
  }
  return &*slots_[index];
}

absl::StatusOr<ResourceHandle> HandleTable::Remove(uint32_t index) {
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle * h, Get(index));
  ResourceHandle out = std::move(*h);
  slots_[index].reset();
  free_.push_back(index);
  return out;
}

absl::StatusOr<uint32_t> HandleTable::ResourceNew(TypeId type, uint32_t rep) {
  return Add(ResourceHandle{type, rep, /*own=*/true, std::nullopt, 0});
}

absl::Status HandleTable::ResourceDrop(TypeId type, uint32_t index) {
  // Checked before removing so that a trap leaves the table as it was.
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle * h, Get(index));
  WASMHOST_RETURN_IF_ERROR(CheckType(*h, type, index));
  if (h->num_lends != 0) {
    return absl::AbortedError(absl::StrCat("handle ", index, " is lent to ",
                                           h->num_lends, " call(s)"));
  }
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle dropped, Remove(index));
  if (!dropped.own) {
    --num_borrows_[*dropped.borrow_scope];
    return absl::OkStatus();
  }
  auto it = impls_.find(type);
  if (it == impls_.end() || !it->second.dtor) return absl::OkStatus();
  return it->second.dtor(dropped.rep);
}

absl::StatusOr<HandleTable::Snapshot> HandleTable::Save() const {
  Snapshot snapshot{slots_, free_, {}};
  snapshot.host_objects.resize(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    const std::optional<ResourceHandle>& handle = slots_[i];
    if (!handle.has_value() || !handle->own) continue;
    auto it = impls_.find(handle->type);
    if (it == impls_.end() || !it->second.capture) continue;
    WASMHOST_ASSIGN_OR_RETURN(snapshot.host_objects[i],
                              it->second.capture(handle->rep));
  }
  return snapshot;
}

absl::Status HandleTable::RestoreHostObjects(const Snapshot& snapshot) const {
  absl::Status status;
  for (size_t i = 0; i < snapshot.host_objects.size(); ++i) {
    if (snapshot.host_objects[i] == nullptr) continue;
    // Saved with a capture, so an own handle whose type has a restore.
    const ResourceHandle& handle = *snapshot.slots[i];
    const ResourceImpl& impl = impls_.at(handle.type);
    status.Update(impl.restore(handle.rep, snapshot.host_objects[i].get()));
  }
  return status;
}

absl::Status HandleTable::Restore(const Snapshot& snapshot) {
  absl::Status status;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const std::optional<ResourceHandle>& handle = slots_[i];
    if (!handle.has_value() || !handle->own) continue;
    if (i < snapshot.slots.size() && snapshot.slots[i].has_value() &&
        snapshot.slots[i]->own && snapshot.slots[i]->type == handle->type &&
        snapshot.slots[i]->rep == handle->rep) {
      continue;  // the snapshot's own
    }
    auto it = impls_.find(handle->type);
    if (it == impls_.end() || !it->second.host || !it->second.dtor) continue;
    status.Update(it->second.dtor(handle->rep));
  }
  slots_ = snapshot.slots;
  free_ = snapshot.free;
  num_borrows_.clear();
  return status;
}

absl::StatusOr<uint32_t> HandleTable::ResourceRep(TypeId type, uint32_t index) {
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle * h, Get(index));
  WASMHOST_RETURN_IF_ERROR(CheckType(*h, type, index));
  return h->rep;
}

absl::StatusOr<uint32_t> HandleTable::LiftOwn(TypeId type, uint32_t index) {
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle * h, Get(index));
  WASMHOST_RETURN_IF_ERROR(CheckType(*h, type, index));
  if (h->num_lends != 0) {
    return absl::AbortedError(absl::StrCat("handle ", index, " is lent to ",
                                           h->num_lends, " call(s)"));
  }
  if (!h->own) {
    return absl::AbortedError(
        absl::StrCat("handle ", index, " is a borrow, not an own"));
  }
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle removed, Remove(index));
  return removed.rep;
}

absl::StatusOr<uint32_t> HandleTable::LiftBorrow(TypeId type, uint32_t index,
                                                 std::vector<uint32_t>& lends) {
  WASMHOST_ASSIGN_OR_RETURN(ResourceHandle * h, Get(index));
  WASMHOST_RETURN_IF_ERROR(CheckType(*h, type, index));
  ++h->num_lends;
  lends.push_back(index);
  return h->rep;
}

void HandleTable::ReleaseLends(absl::Span<const uint32_t> lends) {
  // A lent handle cannot be removed, so every index is still live.
  for (uint32_t i : lends) --slots_[i]->num_lends;
}

absl::StatusOr<uint32_t> HandleTable::LowerOwn(TypeId type, uint32_t rep) {
  return Add(ResourceHandle{type, rep, /*own=*/true, std::nullopt, 0});
}

absl::StatusOr<uint32_t> HandleTable::LowerBorrow(TypeId type, uint32_t rep,
                                                  uint32_t scope) {
  if (IsLocal(type)) return rep;
  WASMHOST_ASSIGN_OR_RETURN(
      uint32_t index, Add(ResourceHandle{type, rep, /*own=*/false, scope, 0}));
  ++num_borrows_[scope];
  return index;
}

uint32_t HandleTable::EnterCall() {
  const uint32_t scope = next_scope_++;
  num_borrows_[scope] = 0;
  return scope;
}

absl::Status HandleTable::ExitCall(uint32_t scope) {
  auto it = num_borrows_.find(scope);
  const uint32_t left = it == num_borrows_.end() ? 0 : it->second;
  if (left != 0) {
    return absl::AbortedError(absl::StrCat(
        left, " borrow handle(s) not dropped before the call returned"));
  }
  num_borrows_.erase(scope);
  return absl::OkStatus();
}

}  // namespace wasmhost::component
