#include "lib/component/host_handles.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"

namespace wasmhost::component {
namespace {

uint64_t NextInstanceId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

HostHandles::HostHandles(std::vector<std::string> names)
    : id_(NextInstanceId()), names_(std::move(names)) {}

std::string HostHandles::Name(uint32_t type) const {
  if (type < names_.size() && !names_[type].empty()) return names_[type];
  return absl::StrCat("resource type ", type);
}

GuestHandle HostHandles::Add(uint32_t type, uint32_t rep, bool own) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.type = type;
  slot.rep = rep;
  slot.own = own;
  slot.live = true;
  ++live_;
  return internal::GuestHandleAccess::Make(id_, index, slot.generation, rep);
}

absl::StatusOr<const HostHandles::Slot*> HostHandles::Live(
    const GuestHandle& handle, const std::string& what) const {
  using internal::GuestHandleAccess;
  if (!handle.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     " of the component needs a handle a call gave the "
                     "host, not a rep"));
  }
  if (GuestHandleAccess::Instance(handle) != id_) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": the handle belongs to another component instance"));
  }
  const uint32_t index = GuestHandleAccess::Index(handle);
  if (index >= slots_.size() || !slots_[index].live ||
      slots_[index].generation != GuestHandleAccess::Generation(handle)) {
    return absl::FailedPreconditionError(absl::StrCat(
        what,
        ": the handle was dropped or moved into the component, its "
        "call returned, or the instance was reset since"));
  }
  return &slots_[index];
}

absl::StatusOr<uint32_t> HostHandles::Check(const GuestHandle& handle,
                                            uint32_t type, bool own) const {
  const std::string what =
      absl::StrCat(own ? "own<" : "borrow<", Name(type), ">");
  absl::StatusOr<const Slot*> slot = Live(handle, what);
  if (!slot.ok()) return slot.status();
  if ((*slot)->type != type) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " given a handle of ", Name((*slot)->type)));
  }
  if (own && !(*slot)->own) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " cannot take a borrowed handle"));
  }
  return (*slot)->rep;
}

absl::StatusOr<uint32_t> HostHandles::OwnType(const GuestHandle& handle) const {
  absl::StatusOr<const Slot*> slot = Live(handle, "dropping a resource");
  if (!slot.ok()) return slot.status();
  if (!(*slot)->own) {
    return absl::InvalidArgumentError(
        absl::StrCat("dropping a resource: the handle of ", Name((*slot)->type),
                     " is a borrow, which its call ends"));
  }
  return (*slot)->type;
}

void HostHandles::End(const GuestHandle& handle) {
  using internal::GuestHandleAccess;
  if (GuestHandleAccess::Instance(handle) != id_) return;
  const uint32_t index = GuestHandleAccess::Index(handle);
  if (index >= slots_.size()) return;
  Slot& slot = slots_[index];
  if (!slot.live || slot.generation != GuestHandleAccess::Generation(handle)) {
    return;
  }
  slot.live = false;
  ++slot.generation;
  --live_;
  free_.push_back(index);
}

void HostHandles::EndAll() {
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (!slot.live) continue;
    slot.live = false;
    ++slot.generation;
    free_.push_back(i);
  }
  live_ = 0;
}

}  // namespace wasmhost::component
