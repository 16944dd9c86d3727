// component::InstancePool: the module pool's machinery (lib/runtime/pool.cc)
// over component instances, through a PoolGuest that restores every core
// instance of a component to an image, and its handle tables and the host
// objects they name to what they held then.

// wasmhost/component_pool.h comes after the lib/ headers (see
// component_state.h), so clang-format may not sort this block.
// clang-format off
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/component/component_state.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/pool_guest.h"
#include "lib/util/api_access.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"
#include "wasmhost/component_pool.h"  // NOLINT(build/include_order)
// clang-format on

namespace wasmhost::component {
namespace internal {
namespace {

using wasmhost::internal::CoreStateImage;
using wasmhost::internal::PoolOptionsAccess;

// A component's instances, for component::InstancePool.
class ComponentGuest final : public wasmhost::internal::PoolGuest {
 public:
  ComponentGuest(api::Component component, api::Linker linker,
                 api::PoolOptions options)
      : PoolGuest(PoolOptionsAccess::Settings(options)),
        component_(std::move(component)),
        linker_(std::move(linker)),
        options_(std::move(options)) {}

  const api::Component& component() const { return component_; }
  const api::Linker& linker() const { return linker_; }
  const api::PoolOptions& options() const { return options_; }

  // A component imports only functions and resources from the host: all
  // the state its core instances share is its own.
  absl::Status CheckOwnsItsState() const override { return absl::OkStatus(); }
  absl::StatusOr<void*> NewInstance() const override;
  void Destroy(void* instance) const override { delete &Of(instance); }
  absl::Status TakeImage(void* first) override;
  bool has_image() const override { return has_image_; }
  std::string fresh_state_refusal() const override { return refusal_; }
  bool poisoned(void* instance) const override {
    return Of(instance).poisoned();
  }
  bool ClearNormalExit(void* instance) const override;
  absl::Status ResetToImage(void* instance) const override;
  absl::Status ResetHost(void* instance) const override;
  void HandBackToOwnerThread(void* instance,
                             std::function<void()> release) const override;
  void* Handles(void* instance, const void* type_key) const override {
    if (type_key != PoolOptionsAccess::HandlesKey(options_)) return nullptr;
    return PoolHandles(Of(instance)).get();
  }

 private:
  static api::Instance& Of(void* instance) {
    return *static_cast<api::Instance*>(instance);
  }

  const api::Component component_;
  const api::Linker linker_;
  const api::PoolOptions options_;
  // By core instance, in plan order; set by TakeImage.
  std::vector<CoreStateImage> images_;
  // The handle tables when the image was taken, with the host objects
  // their own handles name (a reactor's initialisation may keep handles,
  // e.g. WASI streams, in guest state).
  std::vector<HandleTable::Snapshot> handles_;
  bool has_image_ = false;
  std::string refusal_;
};

absl::StatusOr<void*> ComponentGuest::NewInstance() const {
  InstanceOptions instance_options = options_.instance_options;
  if (options_.setup_instance) {
    WASMHOST_RETURN_IF_ERROR(wasmhost::internal::WithDefaultKind(
        options_.setup_instance(instance_options), ErrorKind::kHostError));
  }
  WASMHOST_ASSIGN_OR_RETURN(
      api::Instance instance,
      api::Instance::Create(component_, linker_, instance_options));
  auto owned = std::make_unique<api::Instance>(std::move(instance));
  if (has_image_) {
    // Starts from the image: initialised already. Its host state is new
    // (setup_instance), so the image's host objects go straight in.
    WASMHOST_RETURN_IF_ERROR(ResetToImage(owned.get()));
    WASMHOST_RETURN_IF_ERROR(RestoreHostObjects(*owned, handles_));
  } else if (options_.initialize_instance) {
    WASMHOST_RETURN_IF_ERROR(wasmhost::internal::WithDefaultKind(
        options_.initialize_instance(*owned), ErrorKind::kHostError));
  }
  absl::StatusOr<std::shared_ptr<void>> handles =
      PoolOptionsAccess::MakeHandles(options_, *owned);
  if (!handles.ok()) {
    return wasmhost::internal::WithDefaultKind(handles.status(),
                                               ErrorKind::kHostError);
  }
  PoolHandles(*owned) = *std::move(handles);
  return owned.release();
}

absl::Status ComponentGuest::TakeImage(void* first) {
  const ComponentState& state = ComponentAccess::State(component_);
  std::vector<wasmhost::Instance*> core = CoreInstances(Of(first));
  for (size_t i = 0; i < core.size(); ++i) {
    const wasmhost::Module& module = state.modules[state.plan.steps[i].module];
    absl::StatusOr<CoreStateImage> image =
        CoreStateImage::Capture(*core[i], DefinesMemory(module));
    if (absl::IsFailedPrecondition(image.status())) {
      // Not resettable: every lease gets a new instance.
      refusal_ = absl::StrCat("core instance ", i,
                              " of the component: ", image.status().message());
      images_.clear();
      return absl::OkStatus();
    }
    WASMHOST_RETURN_IF_ERROR(image.status());
    images_.push_back(*std::move(image));
  }
  WASMHOST_ASSIGN_OR_RETURN(handles_, SaveHandles(Of(first)));
  has_image_ = true;
  WASMHOST_RETURN_IF_ERROR(ResetToImage(first));
  // Undoes what initialize_instance did to host state, so the first
  // instance's first lease starts where every later one does.
  return wasmhost::internal::WithDefaultKind(ResetHost(first),
                                             ErrorKind::kHostError);
}

bool ComponentGuest::ClearNormalExit(void* instance) const {
  if (!has_image_ || !options_.is_normal_exit) return false;
  // The poison is in the core instances that failed; a canonical-ABI trap
  // poisons only the component instance, and is never an exit.
  std::vector<wasmhost::Instance*> poisoned;
  for (wasmhost::Instance* core : CoreInstances(Of(instance))) {
    if (!core->poisoned()) continue;
    if (!options_.is_normal_exit(
            wasmhost::internal::ApiAccess::StateOf(*core).poison)) {
      return false;
    }
    poisoned.push_back(core);
  }
  if (poisoned.empty()) return false;
  for (wasmhost::Instance* core : poisoned) {
    wasmhost::internal::ApiAccess::StateOf(*core).poison = absl::OkStatus();
  }
  ClearPoison(Of(instance));
  return true;
}

absl::Status ComponentGuest::ResetToImage(void* instance) const {
  // Handles first: a host resource's destructor sees the lease's state.
  WASMHOST_RETURN_IF_ERROR(RestoreHandles(Of(instance), handles_));
  std::vector<wasmhost::Instance*> core = CoreInstances(Of(instance));
  for (size_t i = 0; i < core.size(); ++i) {
    WASMHOST_RETURN_IF_ERROR(images_[i].Restore(*core[i], KeepResidentPages()));
  }
  return absl::OkStatus();
}

absl::Status ComponentGuest::ResetHost(void* instance) const {
  if (options_.reset_instance) {
    WASMHOST_RETURN_IF_ERROR(options_.reset_instance(Of(instance)));
  }
  // After the host's reset, which may have emptied its own tables (as
  // WasiContext::Reset does), the image's handles get their objects back.
  return RestoreHostObjects(Of(instance), handles_);
}

void ComponentGuest::HandBackToOwnerThread(
    void* instance, std::function<void()> release) const {
  std::vector<wasmhost::Instance*> core = CoreInstances(Of(instance));
  // Without core instances nothing of it lives in an isolate.
  if (core.empty()) {
    release();
    return;
  }
  wasmhost::internal::HandBackToOwnerThread(*core.front(), std::move(release));
}

std::shared_ptr<const ComponentGuest> CurrentComponentGuest(
    const wasmhost::internal::PoolState& pool) {
  // A component pool installs only ComponentGuests.
  return std::static_pointer_cast<const ComponentGuest>(
      wasmhost::internal::CurrentGuest(pool));
}

}  // namespace
}  // namespace internal

inline namespace api {

absl::StatusOr<std::unique_ptr<InstancePool>> InstancePool::Create(
    const Component& component, const Linker& linker,
    const PoolOptions& options) {
  WASMHOST_ASSIGN_OR_RETURN(
      std::shared_ptr<wasmhost::internal::PoolState> state,
      wasmhost::internal::CreatePool(std::make_unique<internal::ComponentGuest>(
          component, linker, options)));
  return std::unique_ptr<InstancePool>(new InstancePool(std::move(state)));
}

InstancePool::~InstancePool() { wasmhost::internal::ClosePool(state_); }

absl::StatusOr<Lease> InstancePool::Acquire() {
  WASMHOST_ASSIGN_OR_RETURN(wasmhost::internal::LeaseBase lease,
                            wasmhost::internal::AcquireFrom(state_));
  return Lease(std::move(lease));
}

absl::Status InstancePool::Warm(size_t count) {
  return wasmhost::internal::WarmPool(state_, count);
}

absl::Status InstancePool::Reload(const Component& component) {
  std::shared_ptr<const internal::ComponentGuest> current =
      internal::CurrentComponentGuest(*state_);
  return Reload(component, current->linker(), current->options());
}

absl::Status InstancePool::Reload(const Component& component,
                                  const Linker& linker,
                                  const PoolOptions& options) {
  return wasmhost::internal::ReloadPool(
      state_,
      std::make_unique<internal::ComponentGuest>(component, linker, options));
}

PoolStats InstancePool::stats() const {
  return wasmhost::internal::StatsOf(*state_);
}

PoolOptions InstancePool::options() const {
  return internal::CurrentComponentGuest(*state_)->options();
}

}  // namespace api
}  // namespace wasmhost::component
