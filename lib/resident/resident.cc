// ResidentInstance: ticks under budgets, snapshots into wasmhost.v1.Snapshot
// and restores from one after checking its hashes, chain and grants. A
// module's resident and a component's share all of it but instantiation,
// the tick call and the component's handle tables: both are a list of core
// instances.

#include "wasmhost/resident.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "lib/resident/component_parts.h"
#include "lib/resident/grants.h"
#include "lib/resident/lineage.h"
#include "lib/resident/page_codec.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/module_state.h"
#include "lib/util/api_access.h"
#include "lib/util/mutex.h"
#include "lib/util/sha256.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"
#include "lib/wasi/carry.h"
#include "proto/wasmhost/v1/snapshot.pb.h"
#include "wasmhost/component_typed.h"

namespace wasmhost {
namespace internal {

// The resident's stdio, shared with the source and sinks in its WasiContext.
struct ResidentStdio {
  std::string in;
  size_t in_read = 0;  // bytes of `in` the guest has read
  std::string out;
  std::string err;
};

// A core instance of the resident: a module's one, or a component's.
struct ResidentCore {
  Module module;
  std::string module_sha256;
  // Whether it defines its memory (a component's core instance may import
  // another's, which that one carries).
  bool owns_memory = true;
  Instance* instance = nullptr;  // set once instantiated
};

struct ResidentState {
  ResidentOptions options;
  // Exactly one of the two: what the resident is an instance of.
  std::optional<Module> module;
  std::optional<component::Component> component;
  std::shared_ptr<ResidentStdio> stdio = std::make_shared<ResidentStdio>();
  // Also the instance's context; null without WASI.
  std::shared_ptr<wasi::WasiContext> wasi;
  std::optional<Instance> instance;
  std::optional<component::Instance> component_instance;
  std::vector<ResidentCore> cores;
  // The tick: a module's, or a component's typed (when func()) and dynamic.
  std::optional<TypedFunc<void()>> tick;
  std::optional<component::TypedFunc<void()>> component_tick;
  std::optional<component::Func> component_func;
  uint64_t ticks = 0;
  uint64_t fuel_used = 0;
  std::optional<uint64_t> fuel_left;
  absl::Status stop_reason;
  std::vector<v1::LineageRecord> lineage;
  // The chain hash lineage.front() chains to; empty when it is the first.
  std::string lineage_base;
  std::vector<std::string> pending_widenings;

  bool poisoned() const {
    return component_instance ? component_instance->poisoned()
                              : instance->poisoned();
  }
  absl::StatusOr<uint64_t> remaining_fuel() const {
    return component_instance ? component_instance->remaining_fuel()
                              : instance->remaining_fuel();
  }
};

}  // namespace internal

namespace {

using internal::ApiAccess;
using internal::ChainHash;
using internal::DeterministicBytes;
using internal::GrantsOf;
using internal::LimitsOf;
using internal::ResidentCore;
using internal::ResidentState;
using internal::ResidentStdio;
using internal::Sha256;
using internal::ShortHex;
using internal::VerifyLineage;
using internal::Widenings;

constexpr uint32_t kFormatVersion = 1;
constexpr uint64_t kWasmPage = 64 * 1024;

// SHA-256 of the module as the engine runs it: the rewrites depend only on
// the bytes and on fuel metering, so equal hashes mean the same code with
// the same metering. Computed once per live module (a game server makes
// hundreds of residents of one module; hashing a 40 KB module took most of
// a restore).
std::string ModuleSha256(const Module& module) {
  using internal::ModuleState;
  static internal::Mutex mutex;
  // By module: the module, weakly (an entry of a dead module is stale,
  // whatever its address), and its hash.
  static auto& hashes = *new absl::flat_hash_map<
      const ModuleState*,
      std::pair<std::weak_ptr<const ModuleState>, std::string>>();
  const std::shared_ptr<const ModuleState>& state = ApiAccess::StateOf(module);
  {
    internal::MutexLock lock(&mutex);
    auto it = hashes.find(state.get());
    if (it != hashes.end() && it->second.first.lock() == state) {
      return it->second.second;
    }
  }
  const absl::Span<const uint8_t> bytes = v8backend::WireBytes(*state->code);
  std::string hash = Sha256::Hash(absl::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  internal::MutexLock lock(&mutex);
  absl::erase_if(
      hashes, [](const auto& entry) { return entry.second.first.expired(); });
  hashes[state.get()] = {state, hash};
  return hash;
}

// `bytes` as a snapshot. Returns InvalidArgument when they are not one.
absl::StatusOr<v1::Snapshot> ParseSnapshot(absl::string_view bytes) {
  v1::Snapshot parsed;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !parsed.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        "the bytes are not a wasmhost.v1.Snapshot");
  }
  return parsed;
}

// A WasiContext over `given` with the resident's stdio buffers.
absl::StatusOr<std::shared_ptr<wasi::WasiContext>> MakeWasi(
    wasi::WasiOptions options, const std::shared_ptr<ResidentStdio>& stdio) {
  options.stdin_source = wasi::InputSource::FromCallback(
      [stdio](absl::Span<uint8_t> buffer) -> absl::StatusOr<size_t> {
        const size_t n =
            std::min(buffer.size(), stdio->in.size() - stdio->in_read);
        std::memcpy(buffer.data(), stdio->in.data() + stdio->in_read, n);
        stdio->in_read += n;
        return n;
      });
  options.stdout_sink =
      wasi::OutputSink::ToCallback([stdio](absl::string_view bytes) {
        stdio->out.append(bytes.data(), bytes.size());
        return absl::OkStatus();
      });
  options.stderr_sink =
      wasi::OutputSink::ToCallback([stdio](absl::string_view bytes) {
        stdio->err.append(bytes.data(), bytes.size());
        return absl::OkStatus();
      });
  WASMHOST_ASSIGN_OR_RETURN(std::unique_ptr<wasi::WasiContext> context,
                            wasi::WasiContext::Create(std::move(options)));
  return std::shared_ptr<wasi::WasiContext>(std::move(context));
}

// The instance's options for the resident's, with its WASI context.
InstanceOptions InstanceOptionsFor(const ResidentState& state) {
  InstanceOptions options;
  options.limits = state.options.limits;
  options.start_call = state.options.init_call;
  if (state.wasi) options.SetContext(state.wasi);
  return options;
}

// The resident's core instances with their modules, before instantiation.
void PlanCores(ResidentState& state) {
  if (state.module) {
    state.cores.push_back({*state.module, ModuleSha256(*state.module)});
    return;
  }
  for (internal::ComponentCore& core : internal::CoresOf(*state.component)) {
    std::string hash = ModuleSha256(core.module);
    state.cores.push_back(
        {std::move(core.module), std::move(hash), core.owns_memory});
  }
}

// Looks the tick export up and the core instances; the state then owns a
// usable instance.
absl::Status BindTick(ResidentState& state) {
  if (state.instance) {
    state.cores.front().instance = &*state.instance;
    WASMHOST_ASSIGN_OR_RETURN(
        TypedFunc<void()> tick,
        state.instance->GetFunc<void()>(state.options.tick_export));
    state.tick = tick;
    return absl::OkStatus();
  }
  std::vector<Instance*> instances =
      internal::CoreInstancesOf(*state.component_instance);
  if (instances.size() != state.cores.size() || instances.empty()) {
    return absl::InternalError(
        "the component's core instances are not its plan's");
  }
  for (size_t i = 0; i < instances.size(); ++i) {
    state.cores[i].instance = instances[i];
  }
  const std::string& interface = state.options.tick_interface;
  const std::string& name = state.options.tick_export;
  WASMHOST_ASSIGN_OR_RETURN(state.component_func,
                            state.component_instance->GetFunc(interface, name));
  absl::StatusOr<component::TypedFunc<void()>> typed =
      state.component_instance->GetFunc<void()>(interface, name);
  // Another type is ticked by TickWith.
  if (typed.ok()) state.component_tick = *typed;
  return absl::OkStatus();
}

// Why a snapshot of `core`'s instance cannot be taken; OK if it can. A
// module's resident must own all its state; a component's core instances
// import only each other's, which the others carry.
absl::Status CheckCapturable(const ResidentCore& core, bool alone) {
  const internal::ModuleState& module_state = *ApiAccess::StateOf(core.module);
  if (!module_state.resettable) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the module's state cannot be captured: ", module_state.reset_refusal));
  }
  if (!alone) return absl::OkStatus();
  for (const ImportType& import : core.module.imports()) {
    const bool shared =
        import.kind == ExternKind::kMemory ||
        import.kind == ExternKind::kTable ||
        (import.kind == ExternKind::kGlobal && import.global.is_mutable);
    if (shared) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the module imports ", ExternKindName(import.kind), " ",
          import.module, ".", import.name,
          ", state it shares with others, which a snapshot cannot own"));
    }
  }
  return absl::OkStatus();
}

// "core instance N of the component: " for a component's core instance.
std::string CorePrefix(const ResidentState& state, size_t index) {
  if (state.module) return "";
  return absl::StrCat("core instance ", index, " of the component: ");
}

// Writes `saved`'s memories and globals into `core`'s fresh instance.
absl::Status RestoreCore(const ResidentState& state, const ResidentCore& core,
                         const v1::CoreInstanceState& saved) {
  v8backend::BackendInstance& backend =
      *ApiAccess::StateOf(*core.instance).backend;
  const internal::ModuleState& module_state = *ApiAccess::StateOf(core.module);
  // An imported memory is the owner's to restore.
  absl::Span<uint8_t> memory =
      core.owns_memory ? backend.MemoryBytes() : absl::Span<uint8_t>();
  if (saved.memories_size() > 1 ||
      (saved.memories_size() == 1) == memory.empty()) {
    return absl::DataLossError(
        absl::StrCat("the snapshot has ", saved.memories_size(),
                     " memories, the module ", memory.empty() ? 0 : 1));
  }
  if (saved.memories_size() == 1) {
    const v1::LinearMemory& bytes = saved.memories(0);
    const uint64_t limit = state.options.limits.max_memory_bytes;
    if (limit != 0 && bytes.byte_length() > limit) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the snapshot's memory is ", bytes.byte_length(),
                       " bytes, over max_memory_bytes ", limit));
    }
    if (bytes.byte_length() % kWasmPage != 0 ||
        bytes.byte_length() < memory.size()) {
      return absl::DataLossError(absl::StrCat(
          "the snapshot's memory of ", bytes.byte_length(),
          " bytes cannot be the module's, which starts at ", memory.size()));
    }
    if (bytes.byte_length() > memory.size()) {
      WASMHOST_RETURN_IF_ERROR(backend.GrowMemoryTo(bytes.byte_length()));
      memory = backend.MemoryBytes();
    }
    // Without deferral the data segments may have been written: drop every
    // page (a fresh instance's memory is private anonymous memory, which
    // reads as zeros after MADV_DONTNEED; untouched pages cost nothing).
    // A component's shims may have written into it too, before this.
    if ((!module_state.deferred_init || state.component) &&
        madvise(memory.data(), memory.size(), MADV_DONTNEED) != 0) {
      std::memset(memory.data(), 0, memory.size());
    }
    WASMHOST_RETURN_IF_ERROR(internal::DecodeMemory(bytes, memory));
  }

  const std::vector<ValType>& global_types = module_state.state_global_types;
  if (static_cast<size_t>(saved.globals_size()) != global_types.size()) {
    return absl::DataLossError(
        absl::StrCat("the snapshot has ", saved.globals_size(),
                     " mutable globals, the module ", global_types.size()));
  }
  std::vector<internal::RawVal> globals;
  for (int i = 0; i < saved.globals_size(); ++i) {
    if (saved.globals(i).type() != static_cast<uint32_t>(global_types[i])) {
      return absl::DataLossError(absl::StrCat("the snapshot's global ", i,
                                              " is not of the module's type"));
    }
    globals.push_back(saved.globals(i).bits());
  }
  return backend.WriteStateGlobals(globals);
}

// Create's and Restore's common part: `options` go into `state` (its cores
// planned) with the WASI context they ask for; `instantiate` makes its
// instance, whose tick export is then bound.
absl::Status InstantiateState(
    ResidentState& state, ResidentOptions options,
    const std::function<absl::Status(ResidentState&)>& instantiate) {
  state.options = std::move(options);
  if (state.options.wasi) {
    WASMHOST_ASSIGN_OR_RETURN(state.wasi,
                              MakeWasi(*state.options.wasi, state.stdio));
  }
  WASMHOST_RETURN_IF_ERROR(instantiate(state));
  return BindTick(state);
}

// Restore's common part: `parsed`'s lineage and grants checked against
// `state` (a module's or a component's, its cores planned and their hashes
// checked) asked with `options`; `instantiate` makes its instance; then the
// state goes in.
absl::StatusOr<std::unique_ptr<ResidentState>> RestoreState(
    std::unique_ptr<ResidentState> state, const v1::Snapshot& parsed,
    ResidentOptions options, const RestoreOptions& restore,
    const std::function<absl::Status(ResidentState&)>& instantiate) {
  const v1::ResidentState& had = parsed.state();
  WASMHOST_RETURN_IF_ERROR(VerifyLineage(parsed));

  const v1::Grants asked = state->module ? GrantsOf(*state->module, options)
                                         : GrantsOf(*state->component, options);
  if (!internal::SameImports(had.grants(), asked)) {
    return absl::DataLossError(
        absl::StrCat("the snapshot's granted imports are not the ",
                     state->module ? "module's imports"
                                   : "component's imported interfaces"));
  }
  std::vector<std::string> wider = Widenings(had, asked, LimitsOf(options));
  if (!wider.empty() && !restore.allow_widening) {
    return absl::PermissionDeniedError(absl::StrCat(
        "restoring would grant more than the snapshot carries: ",
        absl::StrJoin(wider, ", "),
        " (RestoreOptions::allow_widening allows it, recorded in the "
        "lineage)"));
  }

  // The clock goes on as it ran: another tick would change what the guest
  // sees from now on.
  if (options.wasi && options.wasi->virtual_clock &&
      had.wasi().has_virtual_clock_now_nanos() &&
      options.wasi->virtual_clock->tick_nanos !=
          had.wasi().virtual_clock_tick_nanos()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the snapshot's virtual clock ticks ",
        had.wasi().virtual_clock_tick_nanos(), " ns, the options' ",
        options.wasi->virtual_clock->tick_nanos));
  }
  WASMHOST_RETURN_IF_ERROR(
      InstantiateState(*state, std::move(options), instantiate));

  // Memories first (a component's shims may write into their owner's at
  // instantiation), then globals, per core instance.
  for (size_t i = 0; i < state->cores.size(); ++i) {
    absl::Status restored =
        RestoreCore(*state, state->cores[i], had.instances(i));
    if (!restored.ok()) {
      return absl::Status(restored.code(), absl::StrCat(CorePrefix(*state, i),
                                                        restored.message()));
    }
  }
  if (state->component_instance) {
    WASMHOST_RETURN_IF_ERROR(internal::RestoreHandles(
        *state->component_instance, state->wasi.get(), had));
  }

  if (state->wasi) {
    wasi::CarriedWasiState carried;
    if (had.wasi().has_virtual_clock_now_nanos()) {
      carried.virtual_now = had.wasi().virtual_clock_now_nanos();
    }
    if (had.wasi().random_state_size() == 4) {
      carried.random_state.emplace();
      for (int i = 0; i < 4; ++i) {
        (*carried.random_state)[i] = had.wasi().random_state(i);
      }
    }
    WASMHOST_RETURN_IF_ERROR(wasi::ResumeWasiState(*state->wasi, carried));
  }
  state->stdio->in = had.wasi().stdin_pending();
  state->stdio->out = had.wasi().stdout_pending();
  state->stdio->err = had.wasi().stderr_pending();

  state->ticks = had.ticks();
  state->fuel_used = had.fuel_used();
  if (state->options.fuel_account) {
    // The account continues where it was, moved by any change of its size.
    const int64_t change = static_cast<int64_t>(*state->options.fuel_account) -
                           static_cast<int64_t>(had.limits().fuel_account());
    const int64_t left =
        had.has_fuel_left()
            ? static_cast<int64_t>(had.fuel_left()) + change
            : static_cast<int64_t>(*state->options.fuel_account);
    state->fuel_left = static_cast<uint64_t>(std::max<int64_t>(left, 0));
  }
  state->lineage.assign(parsed.lineage().begin(), parsed.lineage().end());
  state->lineage_base = parsed.lineage_base_sha256();
  state->pending_widenings = std::move(wider);
  return state;
}

// Parses `snapshot` and checks its format version.
absl::StatusOr<v1::Snapshot> ParseVersioned(absl::string_view snapshot) {
  WASMHOST_ASSIGN_OR_RETURN(v1::Snapshot parsed, ParseSnapshot(snapshot));
  if (parsed.format_version() != kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot format version ", parsed.format_version(),
                     " is not the supported ", kFormatVersion));
  }
  return parsed;
}

// Checks that `state`'s planned cores are the snapshot's, by module hash.
absl::Status CheckCoreHashes(const ResidentState& state,
                             const v1::ResidentState& had) {
  if (static_cast<size_t>(had.instances_size()) != state.cores.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the snapshot has ", had.instances_size(), " core instances; ",
        state.module ? "a module's resident has one"
                     : absl::StrCat("the component has ", state.cores.size())));
  }
  for (size_t i = 0; i < state.cores.size(); ++i) {
    const std::string& saved = had.instances(i).module_sha256();
    if (saved != state.cores[i].module_sha256) {
      return absl::FailedPreconditionError(absl::StrCat(
          CorePrefix(state, i), "the snapshot is of module sha256:",
          absl::BytesToHexString(saved), ", not of this module, sha256:",
          absl::BytesToHexString(state.cores[i].module_sha256)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

ResidentInstance::ResidentInstance(std::unique_ptr<ResidentState> state)
    : state_(std::move(state)) {}

ResidentInstance::~ResidentInstance() = default;

absl::StatusOr<std::unique_ptr<ResidentInstance>> ResidentInstance::Create(
    const Module& module, const Linker& linker, ResidentOptions options) {
  auto state = std::make_unique<ResidentState>();
  state->module = module;
  state->fuel_left = options.fuel_account;
  PlanCores(*state);
  WASMHOST_RETURN_IF_ERROR(InstantiateState(
      *state, std::move(options), [&](ResidentState& s) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(
            Instance instance,
            Instance::Create(module, linker, InstanceOptionsFor(s)));
        s.instance.emplace(std::move(instance));
        return absl::OkStatus();
      }));
  if (state->wasi) {
    WASMHOST_RETURN_IF_ERROR(
        wasi::InitializeReactor(*state->instance, state->options.init_call));
  }
  return std::unique_ptr<ResidentInstance>(
      new ResidentInstance(std::move(state)));
}

absl::StatusOr<std::unique_ptr<ResidentInstance>> ResidentInstance::Create(
    const component::Component& component, const component::Linker& linker,
    ResidentOptions options) {
  auto state = std::make_unique<ResidentState>();
  state->component = component;
  state->fuel_left = options.fuel_account;
  PlanCores(*state);
  WASMHOST_RETURN_IF_ERROR(InstantiateState(
      *state, std::move(options), [&](ResidentState& s) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(
            component::Instance instance,
            component::Instance::Create(component, linker,
                                        InstanceOptionsFor(s)));
        s.component_instance.emplace(std::move(instance));
        return absl::OkStatus();
      }));
  return std::unique_ptr<ResidentInstance>(
      new ResidentInstance(std::move(state)));
}

absl::StatusOr<ResidentOptions> ResidentInstance::OptionsOf(
    absl::string_view snapshot) {
  WASMHOST_ASSIGN_OR_RETURN(const v1::Snapshot parsed, ParseSnapshot(snapshot));
  const v1::ResidentState& state = parsed.state();
  ResidentOptions options;
  options.tick_export = state.tick_export();
  options.tick_interface = state.tick_interface();
  options.limits.max_memory_bytes = state.limits().max_memory_bytes();
  options.limits.max_stack_bytes = state.limits().max_stack_bytes();
  options.limits.max_table_elements = state.limits().max_table_elements();
  if (state.limits().has_fuel_account()) {
    options.fuel_account = state.limits().fuel_account();
  }
  if (state.grants().wasi()) {
    wasi::WasiOptions& wasi = options.wasi.emplace();
    wasi.args.assign(state.grants().args().begin(),
                     state.grants().args().end());
    for (const v1::EnvVar& var : state.grants().env()) {
      wasi.env.emplace_back(var.name(), var.value());
    }
    for (const v1::PreopenGrant& preopen : state.grants().preopens()) {
      wasi.preopens.push_back(
          {preopen.host_path(), preopen.guest_path(), preopen.read_only()});
    }
    if (state.wasi().has_virtual_clock_now_nanos()) {
      wasi.virtual_clock = wasi::WasiOptions::VirtualClock{
          state.wasi().virtual_clock_now_nanos(),
          state.wasi().virtual_clock_tick_nanos()};
    }
    if (state.wasi().random_state_size() > 0) wasi.random_seed = 0;
  }
  return options;
}

absl::StatusOr<std::unique_ptr<ResidentInstance>> ResidentInstance::Restore(
    absl::string_view snapshot, const Module& module, const Linker& linker,
    ResidentOptions options, const RestoreOptions& restore) {
  WASMHOST_ASSIGN_OR_RETURN(const v1::Snapshot parsed,
                            ParseVersioned(snapshot));
  if (!parsed.state().component_sha256().empty()) {
    return absl::InvalidArgumentError(
        "the snapshot is of a component's resident, not a module's");
  }
  auto state = std::make_unique<ResidentState>();
  state->module = module;
  PlanCores(*state);
  WASMHOST_RETURN_IF_ERROR(CheckCoreHashes(*state, parsed.state()));
  WASMHOST_ASSIGN_OR_RETURN(
      state, RestoreState(std::move(state), parsed, std::move(options), restore,
                          [&](ResidentState& s) -> absl::Status {
                            WASMHOST_ASSIGN_OR_RETURN(
                                Instance instance,
                                ApiAccess::InstantiateForRestore(
                                    module, linker, InstanceOptionsFor(s)));
                            s.instance.emplace(std::move(instance));
                            return absl::OkStatus();
                          }));
  return std::unique_ptr<ResidentInstance>(
      new ResidentInstance(std::move(state)));
}

absl::StatusOr<std::unique_ptr<ResidentInstance>> ResidentInstance::Restore(
    absl::string_view snapshot, const component::Component& component,
    const component::Linker& linker, ResidentOptions options,
    const RestoreOptions& restore) {
  WASMHOST_ASSIGN_OR_RETURN(const v1::Snapshot parsed,
                            ParseVersioned(snapshot));
  const std::string& glue = internal::GlueSha256(component);
  if (parsed.state().component_sha256().empty()) {
    return absl::InvalidArgumentError(
        "the snapshot is of a module's resident, not a component's");
  }
  if (parsed.state().component_sha256() != glue) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the snapshot is of component sha256:",
        absl::BytesToHexString(parsed.state().component_sha256()),
        " (outside its core modules), not of this component, sha256:",
        absl::BytesToHexString(glue)));
  }
  auto state = std::make_unique<ResidentState>();
  state->component = component;
  PlanCores(*state);
  WASMHOST_RETURN_IF_ERROR(CheckCoreHashes(*state, parsed.state()));
  WASMHOST_ASSIGN_OR_RETURN(
      state, RestoreState(std::move(state), parsed, std::move(options), restore,
                          [&](ResidentState& s) -> absl::Status {
                            WASMHOST_ASSIGN_OR_RETURN(
                                component::Instance instance,
                                internal::InstantiateComponentForRestore(
                                    component, linker, InstanceOptionsFor(s)));
                            s.component_instance.emplace(std::move(instance));
                            return absl::OkStatus();
                          }));
  return std::unique_ptr<ResidentInstance>(
      new ResidentInstance(std::move(state)));
}

namespace {

// Runs one tick's guest call, `call`, under `budget` and the fuel account,
// counting it and stopping the resident when it poisons the instance.
absl::Status RunTick(
    ResidentState& state, const TickBudget& budget,
    const std::function<absl::Status(const CallOptions&)>& call) {
  if (!state.stop_reason.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the resident was stopped: ", state.stop_reason.message()));
  }
  CallOptions options;
  options.timeout = budget.timeout;
  options.fuel = budget.fuel;
  if (state.fuel_left) {
    if (*state.fuel_left == 0) {
      state.stop_reason =
          absl::ResourceExhaustedError("the resident's fuel account is empty");
      return state.stop_reason;
    }
    options.fuel =
        std::min(budget.fuel.value_or(*state.fuel_left), *state.fuel_left);
  }
  absl::Status status = call(options);
  if (options.fuel) {
    absl::StatusOr<uint64_t> left = state.remaining_fuel();
    if (left.ok() && (status.ok() || state.poisoned())) {
      const uint64_t used = *options.fuel - *left;
      state.fuel_used += used;
      if (state.fuel_left) *state.fuel_left -= used;
    }
  }
  if (status.ok()) {
    ++state.ticks;
  } else if (state.poisoned()) {
    state.stop_reason = status;
  }
  return status;
}

}  // namespace

absl::Status ResidentInstance::Tick(const TickBudget& budget) {
  ResidentState& state = *state_;
  if (state.component_instance && !state.component_tick) {
    return absl::InvalidArgumentError(
        absl::StrCat("the tick export ", state.options.tick_export, " is ",
                     state.component_func->type().ToString(),
                     ", not func(): TickWith calls it"));
  }
  return RunTick(state, budget, [&](const CallOptions& options) {
    return state.tick ? state.tick->Call(options)
                      : state.component_tick->Call(options);
  });
}

absl::StatusOr<std::vector<component::Val>> ResidentInstance::TickWith(
    const TickBudget& budget, absl::Span<const component::Val> args) {
  ResidentState& state = *state_;
  if (!state.component_func) {
    return absl::InvalidArgumentError(
        "a module's resident ticks with Tick, not TickWith");
  }
  std::vector<component::Val> results;
  WASMHOST_RETURN_IF_ERROR(
      RunTick(state, budget, [&](const CallOptions& options) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(results,
                                  state.component_func->Call(options, args));
        return absl::OkStatus();
      }));
  return results;
}

absl::StatusOr<std::string> ResidentInstance::Snapshot() {
  ResidentState& state = *state_;
  if (!state.stop_reason.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the resident was stopped: ", state.stop_reason.message()));
  }
  for (size_t i = 0; i < state.cores.size(); ++i) {
    absl::Status capturable =
        CheckCapturable(state.cores[i], state.module.has_value());
    if (!capturable.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(CorePrefix(state, i), capturable.message()));
    }
  }
  if (!ApiAccess::StateOf(*state.cores.front().instance)
           .backend->OnOwnerThread()) {
    return absl::FailedPreconditionError(
        "a resident is snapshotted on its own thread");
  }

  v1::Snapshot snapshot;
  snapshot.set_format_version(kFormatVersion);
  v1::ResidentState& out = *snapshot.mutable_state();
  for (size_t i = 0; i < state.cores.size(); ++i) {
    const ResidentCore& core = state.cores[i];
    v8backend::BackendInstance& backend =
        *ApiAccess::StateOf(*core.instance).backend;
    v1::CoreInstanceState& saved = *out.add_instances();
    if (state.component) saved.set_name(absl::StrCat(i));
    saved.set_module_sha256(core.module_sha256);
    absl::Span<uint8_t> memory =
        core.owns_memory ? backend.MemoryBytes() : absl::Span<uint8_t>();
    if (!memory.empty()) {
      v1::LinearMemory* bytes = saved.add_memories();
      bytes->set_index(0);
      internal::EncodeMemory(memory, bytes);
    }
    WASMHOST_ASSIGN_OR_RETURN(std::vector<internal::RawVal> globals,
                              backend.ReadStateGlobals());
    const std::vector<ValType>& global_types =
        ApiAccess::StateOf(core.module)->state_global_types;
    for (size_t g = 0; g < globals.size(); ++g) {
      v1::GlobalValue* global = saved.add_globals();
      global->set_type(static_cast<uint32_t>(global_types[g]));
      global->set_bits(globals[g]);
    }
  }
  if (state.component_instance) {
    out.set_component_sha256(internal::GlueSha256(*state.component));
    WASMHOST_RETURN_IF_ERROR(internal::CaptureHandles(*state.component_instance,
                                                      state.wasi.get(), out));
  }

  v1::WasiState& wasi = *out.mutable_wasi();
  if (state.wasi) {
    WASMHOST_ASSIGN_OR_RETURN(wasi::CarriedWasiState carried,
                              wasi::CarryWasiState(*state.wasi));
    if (carried.virtual_now) {
      wasi.set_virtual_clock_now_nanos(*carried.virtual_now);
      wasi.set_virtual_clock_tick_nanos(
          state.options.wasi->virtual_clock->tick_nanos);
    }
    if (carried.random_state) {
      for (uint64_t word : *carried.random_state) wasi.add_random_state(word);
    }
  }
  wasi.set_stdin_pending(state.stdio->in.substr(state.stdio->in_read));
  wasi.set_stdout_pending(state.stdio->out);
  wasi.set_stderr_pending(state.stdio->err);

  if (state.fuel_left) out.set_fuel_left(*state.fuel_left);
  out.set_fuel_used(state.fuel_used);
  out.set_ticks(state.ticks);
  *out.mutable_grants() = state.module
                              ? GrantsOf(*state.module, state.options)
                              : GrantsOf(*state.component, state.options);
  *out.mutable_limits() = LimitsOf(state.options);
  out.set_tick_export(state.options.tick_export);
  out.set_tick_interface(state.options.tick_interface);

  v1::LineageRecord record;
  if (!state.lineage.empty()) {
    record.set_parent_id(state.lineage.back().snapshot_id());
  }
  record.set_state_sha256(Sha256::Hash(DeterministicBytes(out)));
  record.set_host_id(state.options.host_id);
  record.set_unix_nanos(absl::ToUnixNanos(absl::Now()));
  for (const std::string& widened : state.pending_widenings) {
    record.add_widened(widened);
  }
  const std::string chain = ChainHash(
      state.lineage.empty() ? "" : state.lineage.back().chain_sha256(), record);
  record.set_chain_sha256(chain);
  record.set_snapshot_id(ShortHex(chain));

  state.lineage.push_back(record);
  state.pending_widenings.clear();
  const size_t keep = std::max<size_t>(state.options.max_lineage_records, 1);
  if (state.lineage.size() > keep) {
    const size_t drop = state.lineage.size() - keep;
    state.lineage_base = state.lineage[drop - 1].chain_sha256();
    state.lineage.erase(state.lineage.begin(), state.lineage.begin() + drop);
  }
  snapshot.set_lineage_base_sha256(state.lineage_base);
  for (const v1::LineageRecord& each : state.lineage) {
    *snapshot.add_lineage() = each;
  }
  return snapshot.SerializeAsString();
}

void ResidentInstance::FeedStdin(absl::string_view bytes) {
  ResidentStdio& stdio = *state_->stdio;
  // What was read is dropped before more is appended.
  stdio.in.erase(0, stdio.in_read);
  stdio.in_read = 0;
  stdio.in.append(bytes.data(), bytes.size());
}

std::string ResidentInstance::TakeStdout() {
  return std::exchange(state_->stdio->out, std::string());
}

std::string ResidentInstance::TakeStderr() {
  return std::exchange(state_->stdio->err, std::string());
}

uint64_t ResidentInstance::ticks() const { return state_->ticks; }
uint64_t ResidentInstance::fuel_used() const { return state_->fuel_used; }
std::optional<uint64_t> ResidentInstance::fuel_left() const {
  return state_->fuel_left;
}
bool ResidentInstance::stopped() const { return !state_->stop_reason.ok(); }
const absl::Status& ResidentInstance::stop_reason() const {
  return state_->stop_reason;
}

std::vector<std::string> ResidentInstance::lineage_ids() const {
  std::vector<std::string> ids;
  for (const v1::LineageRecord& record : state_->lineage) {
    ids.push_back(record.snapshot_id());
  }
  return ids;
}

const std::vector<std::string>& ResidentInstance::pending_widenings() const {
  return state_->pending_widenings;
}

Instance& ResidentInstance::instance() {
  return *state_->cores.front().instance;
}

component::Instance* ResidentInstance::component_instance() {
  return state_->component_instance ? &*state_->component_instance : nullptr;
}

}  // namespace wasmhost
