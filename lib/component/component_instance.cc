// component::Instance: replays a component's plan with the core API (one
// wasmhost::Instance per core instantiation, linked through core Linkers)
// and runs the canonical ABI at its boundary: export calls (canon lift),
// host trampolines (canon lower), resource built-ins.

// wasmhost/component_instance.h comes through component_state.h, after the lib/
// headers (see there).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>  // NOLINT(build/c++11): the owner thread's id
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/component/canonical_abi.h"
#include "lib/component/component_state.h"
#include "lib/component/handle_table.h"
#include "lib/component/linker_state.h"
#include "lib/runtime/instance_state.h"
#include "lib/runtime/module_state.h"
#include "lib/util/api_access.h"
#include "lib/util/error_status.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/component_driver.h"
#include "wasmhost/internal/component_call.h"
#include "wasmhost/linker.h"

namespace wasmhost::component {
inline namespace api {

struct CallerAccess {
  static Caller Make(internal::InstanceState* s) { return Caller(s); }
};

struct FuncAccess {
  static const internal::ExportState* Export(const Func& f) { return f.func_; }
  static internal::InstanceState* State(const Func& f) { return f.instance_; }
};

struct InstanceAccess {
  static internal::InstanceState& State(Instance& i) { return *i.state_; }
  static Instance Make(std::unique_ptr<internal::InstanceState> state) {
    return Instance(std::move(state));
  }
};

}  // namespace api

namespace internal {

// A memory option over a core instance's exported memory, with the realloc
// option when given.
class CoreGuestMemory final : public GuestMemory {
 public:
  CoreGuestMemory(wasmhost::Memory memory,
                  std::optional<wasmhost::Func> realloc)
      : memory_(std::move(memory)), realloc_(std::move(realloc)) {}

  absl::Span<uint8_t> Bytes() override { return memory_.data(); }

  absl::StatusOr<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size,
                                   uint32_t align, uint32_t new_size) override {
    if (!realloc_.has_value()) {
      return absl::FailedPreconditionError("the function has no realloc");
    }
    ++reallocs_;
    const wasmhost::Val args[] = {
        wasmhost::Val::I32(static_cast<int32_t>(old_ptr)),
        wasmhost::Val::I32(static_cast<int32_t>(old_size)),
        wasmhost::Val::I32(static_cast<int32_t>(align)),
        wasmhost::Val::I32(static_cast<int32_t>(new_size))};
    WASMHOST_ASSIGN_OR_RETURN(std::vector<wasmhost::Val> result,
                              realloc_->Call(args));
    return static_cast<uint32_t>(result.at(0).i32());
  }

  // How many times Realloc called the guest.
  [[nodiscard]] uint64_t reallocs() const { return reallocs_; }

 private:
  wasmhost::Memory memory_;
  std::optional<wasmhost::Func> realloc_;
  uint64_t reallocs_ = 0;
};

// Canonical options resolved to core objects.
struct ResolvedOptions {
  std::unique_ptr<CoreGuestMemory> memory;
  std::optional<wasmhost::Func> post_return;
  CanonicalOptions opts;
};

struct ExportState {
  InstanceState* instance = nullptr;
  const LiftedExport* plan = nullptr;
  FuncType type;
  std::vector<TypeId> params;
  std::vector<TypeId> results;
  uint32_t step = 0;
  std::optional<wasmhost::Func> callee;
  ResolvedOptions options;
};

struct LoweredState {
  const LoweredImport* plan = nullptr;
  // The host function; null when the plan lowers a lifted function.
  std::shared_ptr<const HostFunc> func;
  std::vector<TypeId> params;
  std::vector<TypeId> results;
  // Resolved at the first call: the memory may belong to a core instance
  // made after the one importing the trampoline.
  std::optional<ResolvedOptions> options;
};

struct InstanceState {
  explicit InstanceState(api::Component c) : component(std::move(c)) {}
  api::Component component;
  const ComponentState* state = nullptr;
  std::thread::id thread = std::this_thread::get_id();
  std::vector<wasmhost::Instance> core;
  // One per component instance of the plan (nested ones flattened).
  std::vector<std::unique_ptr<HandleTable>> tables;
  // The guest resource handles held outside the guest (by the host, or
  // passing between nested component instances).
  std::unique_ptr<HostHandles> host_handles;
  bool poisoned = false;
  std::vector<std::unique_ptr<ExportState>> exports;
  // Plan::lifted's functions another part of the component calls, made at
  // the first call (their core instance may not exist before).
  std::vector<std::unique_ptr<ExportState>> lifted;
  std::vector<std::unique_ptr<LoweredState>> lowered;
  // Guest resources' destructors by resource type at run time, resolved
  // once made.
  absl::flat_hash_map<uint32_t, wasmhost::Func> dtors;
  std::optional<uint32_t> main_step;
  // Fuel (BeginFuel/EndFuel): what the last call with CallOptions::fuel
  // left, and the calls of the instance on the stack.
  std::optional<uint64_t> remaining_fuel;
  int calls_running = 0;
  // component::PoolOptions::SetHandles's result for this instance, if any.
  std::shared_ptr<void> pool_handles;

  const TypeArena& types() const { return *state->types; }
};

namespace {

absl::Status NotMade(const CoreItem& item) {
  return absl::UnimplementedError(
      absl::StrCat("a canonical option naming core item ", item.name,
                   " that is not a core instance's export is not supported"));
}

absl::StatusOr<wasmhost::Func> CoreFunc(const InstanceState& s,
                                        const CoreItem& item) {
  if (item.kind != CoreItem::Kind::kExport) return NotMade(item);
  if (item.index >= s.core.size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "core function ", item.name, " is used before its instance exists"));
  }
  return s.core[item.index].GetFunc(item.name);
}

absl::StatusOr<ResolvedOptions> Resolve(const InstanceState& s,
                                        const PlannedOptions& planned) {
  ResolvedOptions resolved;
  resolved.opts.string_encoding = planned.string_encoding;
  if (planned.memory.has_value()) {
    const CoreItem& item = *planned.memory;
    if (item.kind != CoreItem::Kind::kExport) return NotMade(item);
    if (item.index >= s.core.size()) {
      return absl::FailedPreconditionError(
          absl::StrCat("memory ", item.name, " is used before it exists"));
    }
    WASMHOST_ASSIGN_OR_RETURN(wasmhost::Memory memory,
                              s.core[item.index].GetMemory(item.name));
    std::optional<wasmhost::Func> realloc;
    if (planned.realloc.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(realloc, CoreFunc(s, *planned.realloc));
    }
    resolved.memory = std::make_unique<CoreGuestMemory>(std::move(memory),
                                                        std::move(realloc));
    resolved.opts.memory = resolved.memory.get();
    resolved.opts.realloc = planned.realloc.has_value();
  }
  if (planned.post_return.has_value()) {
    WASMHOST_ASSIGN_OR_RETURN(resolved.post_return,
                              CoreFunc(s, *planned.post_return));
    resolved.opts.post_return = true;
  }
  return resolved;
}

void Signature(const TypeArena& types, TypeId func, std::vector<TypeId>& params,
               std::vector<TypeId>& results) {
  for (const Field& param : types[func].fields) params.push_back(param.type);
  if (types[func].ok.has_value()) results.push_back(*types[func].ok);
}

std::string ImportName(absl::string_view interface, absl::string_view name) {
  return interface.empty()
             ? absl::StrCat("function ", name, " of the world")
             : absl::StrCat("function ", name, " of interface ", interface);
}

// LowerFlatValues for values from outside the guest (cx.host set): the
// owns the guest took end on the host's side once every value is lowered;
// if one fails, the handles made for the others go again, so the caller
// still holds what it held.
absl::StatusOr<std::vector<wasmhost::Val>> LowerForGuest(
    LiftLowerContext& cx, size_t max_flat, absl::Span<const Val> values,
    absl::Span<const TypeId> types, CoreValueIter* out_param) {
  absl::StatusOr<std::vector<wasmhost::Val>> flat =
      LowerFlatValues(cx, max_flat, values, types, out_param);
  if (!flat.ok()) {
    for (auto it = cx.made.rbegin(); it != cx.made.rend(); ++it) {
      (void)cx.handles->Remove(*it);
    }
    return flat.status();
  }
  for (const GuestHandle& moved : cx.moved) cx.host->End(moved);
  return flat;
}

absl::StatusOr<std::unique_ptr<ExportState>> MakeExportState(
    InstanceState& s, const LiftedExport& lifted) {
  auto e = std::make_unique<ExportState>();
  e->instance = &s;
  e->plan = &lifted;
  e->type = MakeFuncType(s.state->types, lifted.type);
  Signature(s.types(), lifted.type, e->params, e->results);
  e->step = lifted.callee.index;
  WASMHOST_ASSIGN_OR_RETURN(e->callee, CoreFunc(s, lifted.callee));
  WASMHOST_ASSIGN_OR_RETURN(e->options, Resolve(s, lifted.options));
  return e;
}

// canon lift's side of a call of `e` with `args`: lowers them into the
// guest, calls the core function, lifts the results, runs post-return and
// ends the call's borrow scope. `guest_ran` says whether the guest ran
// before a failure (a host value refused before it did is the caller's).
absl::StatusOr<std::vector<Val>> CallLifted(InstanceState& s,
                                            const ExportState& e,
                                            const CallOptions& options,
                                            absl::Span<const Val> args,
                                            bool& guest_ran) {
  guest_ran = false;
  if (args.size() != e.params.size()) {
    return wasmhost::internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(e.plan->name, " takes ", e.params.size(),
                     " arguments, got ", args.size()));
  }
  HandleTable& handles = *s.tables[e.plan->table];
  const uint32_t scope = handles.EnterCall();
  LiftLowerContext cx{s.types(), e.options.opts, &handles, scope};
  cx.resources = &s.state->plan.resource_ids[e.plan->table];
  cx.host = s.host_handles.get();
  const uint64_t reallocs =
      e.options.memory != nullptr ? e.options.memory->reallocs() : 0;
  absl::StatusOr<std::vector<wasmhost::Val>> flat =
      LowerForGuest(cx, kMaxFlatParams, args, e.params, nullptr);
  if (!flat.ok()) {
    (void)handles.ExitCall(scope);
    // A failure once realloc ran (the spec's trap for the pointer it
    // returned) is the guest's, as on the typed paths.
    guest_ran =
        e.options.memory != nullptr && e.options.memory->reallocs() != reallocs;
    return flat.status();
  }
  absl::Status fuel = BeginFuel(e, options);
  if (!fuel.ok()) {
    (void)handles.ExitCall(scope);
    return fuel;
  }
  absl::StatusOr<std::vector<wasmhost::Val>> called =
      e.callee->Call(options, *flat);
  absl::Status status = EndFuel(e, options, called.status());
  if (!status.ok()) {
    // Over the budget after the guest ran; a failed core call says itself.
    guest_ran = called.ok();
    return status;
  }
  std::vector<wasmhost::Val> core = *std::move(called);
  guest_ran = true;
  CoreValueIter vi(core);
  WASMHOST_ASSIGN_OR_RETURN(std::vector<Val> results,
                            LiftFlatValues(cx, kMaxFlatResults, vi, e.results));
  WASMHOST_RETURN_IF_ERROR(PostReturn(e, core));
  WASMHOST_RETURN_IF_ERROR(handles.ExitCall(scope));
  return results;
}

// A call of Plan::lifted[index] from elsewhere in the component (one
// nested component calling another), inside the calling guest's call.
absl::StatusOr<std::vector<Val>> CallLiftedIndex(InstanceState& s,
                                                 uint32_t index,
                                                 absl::Span<const Val> args) {
  if (s.lifted.size() <= index) s.lifted.resize(index + 1);
  if (s.lifted[index] == nullptr) {
    WASMHOST_ASSIGN_OR_RETURN(s.lifted[index],
                              MakeExportState(s, s.state->plan.lifted[index]));
  }
  bool guest_ran = false;
  return CallLifted(s, *s.lifted[index], CallOptions(), args, guest_ran);
}

// The core host function of Plan::lowered[index]: lifts the guest's flat
// arguments, calls the host function, lowers its results.
absl::Status CallHost(InstanceState& s, LoweredState& l,
                      absl::Span<const wasmhost::Val> args,
                      absl::Span<wasmhost::Val> results) {
  if (!l.options.has_value()) {
    WASMHOST_ASSIGN_OR_RETURN(l.options, Resolve(s, l.plan->options));
  }
  HandleTable& handles = *s.tables[l.plan->table];
  LiftLowerContext cx{s.types(), l.options->opts, &handles};
  cx.resources = &s.state->plan.resource_ids[l.plan->type_scope];
  cx.host = s.host_handles.get();
  // A host function's byte lists (stream writes, bodies) as Val::Bytes;
  // a nested component's lowering takes them as they are.
  cx.lift_bytes = true;
  CoreValueIter vi(args);
  WASMHOST_ASSIGN_OR_RETURN(std::vector<Val> lifted,
                            LiftFlatValues(cx, kMaxFlatParams, vi, l.params));
  std::vector<Val> out;
  absl::Status status;
  if (l.func != nullptr) {
    Caller caller = CallerAccess::Make(&s);
    status = (*l.func)(caller, lifted, out);
  } else {
    absl::StatusOr<std::vector<Val>> called =
        CallLiftedIndex(s, *l.plan->lifted, lifted);
    if (called.ok()) {
      out = *std::move(called);
    } else {
      status = called.status();
    }
  }
  // The borrows the call was given end with it.
  for (const GuestHandle& borrow : cx.host_borrows) s.host_handles->End(borrow);
  if (status.ok() && out.size() != l.results.size()) {
    status = wasmhost::internal::UsageError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("host ", ImportName(l.plan->interface, l.plan->name),
                     " gave ", out.size(), " results; its type has ",
                     l.results.size()));
  }
  if (status.ok()) {
    absl::StatusOr<std::vector<wasmhost::Val>> flat =
        LowerForGuest(cx, kMaxFlatResults, out, l.results, &vi);
    if (flat.ok() && flat->size() == results.size()) {
      std::copy(flat->begin(), flat->end(), results.begin());
    } else if (flat.ok()) {
      status = absl::InternalError("flat results do not fit the core type");
    } else {
      status = flat.status();
    }
  }
  handles.ReleaseLends(cx.lends);
  return status;
}

absl::Status DefineCoreImport(InstanceState& s, wasmhost::Linker& linker,
                              const CoreStep::Import& import,
                              const ImportType& type) {
  const CoreItem& item = import.item;
  switch (item.kind) {
    case CoreItem::Kind::kExport:
      return wasmhost::internal::ApiAccess::DefineExport(
          linker, import.module, import.name, s.core[item.index], item.name,
          type.kind);
    case CoreItem::Kind::kLowered: {
      LoweredState* l = s.lowered[item.index].get();
      InstanceState* sp = &s;
      return linker.DefineDynamic(
          import.module, import.name, type.func_type,
          [sp, l](wasmhost::Caller&, absl::Span<const wasmhost::Val> args,
                  absl::Span<wasmhost::Val> results) {
            return CallHost(*sp, *l, args, results);
          });
    }
    case CoreItem::Kind::kResourceNew:
    case CoreItem::Kind::kResourceDrop:
    case CoreItem::Kind::kResourceRep: {
      HandleTable* handles = s.tables[item.table].get();
      const TypeId resource = item.index;
      const CoreItem::Kind kind = item.kind;
      return linker.DefineDynamic(
          import.module, import.name, type.func_type,
          [handles, resource, kind](
              wasmhost::Caller&, absl::Span<const wasmhost::Val> args,
              absl::Span<wasmhost::Val> results) -> absl::Status {
            const auto arg = static_cast<uint32_t>(args.at(0).i32());
            if (kind == CoreItem::Kind::kResourceDrop) {
              return handles->ResourceDrop(resource, arg);
            }
            absl::StatusOr<uint32_t> out =
                kind == CoreItem::Kind::kResourceNew
                    ? handles->ResourceNew(resource, arg)
                    : handles->ResourceRep(resource, arg);
            if (!out.ok()) return out.status();
            results.at(0) = wasmhost::Val::I32(static_cast<int32_t>(*out));
            return absl::OkStatus();
          });
    }
  }
  return absl::OkStatus();
}

// Each defined memory's limit: its initial size plus an equal share of
// what options' limit leaves above every defined memory's initial size.
absl::StatusOr<std::vector<uint64_t>> MemoryLimits(const ComponentState& state,
                                                   uint64_t max_memory_bytes) {
  constexpr uint64_t kPage = 64 * 1024;
  std::vector<uint64_t> limits(state.plan.steps.size(), max_memory_bytes);
  if (max_memory_bytes == 0) return limits;
  uint64_t initial = 0;
  uint64_t defined = 0;
  std::vector<bool> defines(state.plan.steps.size(), false);
  for (size_t i = 0; i < state.plan.steps.size(); ++i) {
    const Module& module = state.modules[state.plan.steps[i].module];
    if (!DefinesMemory(module)) continue;
    defines[i] = true;
    initial += module.memory()->min_pages * kPage;
    ++defined;
  }
  if (initial > max_memory_bytes) {
    return wasmhost::internal::LimitError(
        LimitKind::kMemory,
        absl::StrCat("the component's memories start at ", initial,
                     " bytes, over Limits::max_memory_bytes ",
                     max_memory_bytes));
  }
  if (defined == 0) return limits;
  const uint64_t share = (max_memory_bytes - initial) / defined;
  for (size_t i = 0; i < limits.size(); ++i) {
    if (!defines[i]) continue;
    const Module& module = state.modules[state.plan.steps[i].module];
    limits[i] = module.memory()->min_pages * kPage + share;
  }
  return limits;
}

// Parameter and result types equal; parameter names are not compared (a
// host function's C++ signature has none).
bool SameSignature(const FuncType& a, const FuncType& b) {
  if (a.params.size() != b.params.size() || a.result != b.result) {
    return false;
  }
  for (size_t i = 0; i < a.params.size(); ++i) {
    if (a.params[i].second != b.params[i].second) return false;
  }
  return true;
}

const Linker::Definitions::Func* FindFunc(const Linker& linker,
                                          absl::string_view interface,
                                          absl::string_view name) {
  const Linker::Definitions::Interface* iface =
      LinkerAccess::FindInterface(linker, interface);
  if (iface == nullptr) return nullptr;
  auto found = iface->funcs.find(name);
  return found == iface->funcs.end() ? nullptr : &found->second;
}

absl::Status BindImports(InstanceState& s, const Linker& linker) {
  const ComponentState& state = *s.state;
  for (const ComponentFunc& func : state.imported_funcs) {
    const Linker::Definitions::Func* def =
        FindFunc(linker, func.interface, func.name);
    if (def == nullptr) {
      return wasmhost::internal::MakeError(
          absl::StatusCode::kNotFound, ErrorKind::kLinkError,
          absl::StrCat("import ", ImportName(func.interface, func.name), " ",
                       func.type.ToString(), " is not granted by the linker"));
    }
    const std::optional<FuncType>& expected = def->expected;
    if (expected.has_value() && !SameSignature(*expected, func.type)) {
      return wasmhost::internal::MakeError(
          absl::StatusCode::kInvalidArgument, ErrorKind::kLinkError,
          absl::StrCat("import ", ImportName(func.interface, func.name),
                       " has type ", func.type.ToString(),
                       " but the linker defines it as ", expected->ToString()));
    }
  }
  for (const LoweredImport& lowered : state.plan.lowered) {
    auto l = std::make_unique<LoweredState>();
    l->plan = &lowered;
    if (!lowered.lifted.has_value()) {
      // Every imported function was found above.
      const Linker::Definitions::Func* def =
          FindFunc(linker, lowered.interface, lowered.name);
      if (def == nullptr) {
        return absl::InternalError("lowered an unknown import");
      }
      l->func = def->func;
    }
    Signature(s.types(), lowered.type, l->params, l->results);
    s.lowered.push_back(std::move(l));
  }
  for (const ComponentResource& resource : state.imported_resources) {
    const Linker::Definitions::Interface* iface =
        LinkerAccess::FindInterface(linker, resource.interface);
    const Linker::Definitions::Resource* def = nullptr;
    if (iface != nullptr) {
      auto found = iface->resources.find(resource.name);
      if (found != iface->resources.end()) def = &found->second;
    }
    if (def == nullptr) {
      return wasmhost::internal::MakeError(
          absl::StatusCode::kNotFound, ErrorKind::kLinkError,
          absl::StrCat("import resource ", resource.name, " of interface ",
                       resource.interface, " is not granted by the linker"));
    }
    for (const auto& [id, named] : state.resource_names) {
      if (named.interface != resource.interface ||
          named.name != resource.name) {
        continue;
      }
      const std::optional<uint32_t> type = RootResource(state, id);
      if (!type.has_value()) continue;
      ResourceImpl impl;
      impl.host = true;
      // `s` is heap-allocated and outlives its tables.
      InstanceState* instance = &s;
      std::shared_ptr<const HostResourceDtorWithCaller> dtor = def->dtor;
      if (*dtor) {
        impl.dtor = [dtor, instance](uint32_t rep) {
          Caller caller = CallerAccess::Make(instance);
          return (*dtor)(caller, rep);
        };
      }
      if (std::shared_ptr<const HostResourceImage> image = def->image) {
        impl.capture = [image, instance](uint32_t rep) {
          Caller caller = CallerAccess::Make(instance);
          return image->capture(caller, rep);
        };
        impl.restore = [image, instance](uint32_t rep, const void* captured) {
          Caller caller = CallerAccess::Make(instance);
          return image->restore(caller, rep, captured);
        };
      }
      for (auto& table : s.tables) table->DefineResource(*type, impl);
    }
  }
  return absl::OkStatus();
}

// Every table knows each guest resource's destructor (dropping the last
// own handle runs it wherever the handle is); only the defining instance's
// table treats it as local.
absl::Status DefineGuestResources(InstanceState& s) {
  for (const GuestResource& resource : s.state->plan.resources) {
    ResourceImpl impl;
    if (resource.dtor.has_value()) {
      WASMHOST_ASSIGN_OR_RETURN(wasmhost::Func dtor,
                                CoreFunc(s, *resource.dtor));
      s.dtors.emplace(resource.type, dtor);
      impl.dtor = [dtor](uint32_t rep) -> absl::Status {
        const wasmhost::Val arg[] = {
            wasmhost::Val::I32(static_cast<int32_t>(rep))};
        return dtor.Call(arg).status();
      };
    }
    for (size_t t = 0; t < s.tables.size(); ++t) {
      impl.local = t == resource.table;
      s.tables[t]->DefineResource(resource.type, impl);
    }
  }
  return absl::OkStatus();
}

absl::Status MakeExports(InstanceState& s) {
  for (const LiftedExport& lifted : s.state->plan.exports) {
    WASMHOST_ASSIGN_OR_RETURN(std::unique_ptr<ExportState> e,
                              MakeExportState(s, lifted));
    if (!s.main_step.has_value()) s.main_step = e->step;
    s.exports.push_back(std::move(e));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> ResourceTypeNames(const ComponentState& state) {
  std::vector<std::string> names(state.plan.resource_types.size());
  for (const auto& [id, named] : state.resource_names) {
    const std::optional<uint32_t> type = RootResource(state, id);
    if (!type.has_value() || !names[*type].empty()) continue;
    names[*type] = named.interface.empty()
                       ? named.name
                       : absl::StrCat(named.name, " of ", named.interface);
  }
  return names;
}

std::optional<uint32_t> RootResource(const ComponentState& state, TypeId id) {
  const ResourceIds& root = state.plan.resource_ids.at(0);
  auto it = root.find(ResourceIdentity(*state.types, id));
  if (it == root.end()) return std::nullopt;
  return it->second;
}

bool DefinesMemory(const wasmhost::Module& module) {
  for (const ImportType& import : module.imports()) {
    if (import.kind == wasmhost::ExternKind::kMemory) return false;
  }
  return module.memory().has_value();
}

std::vector<wasmhost::Instance*> CoreInstances(api::Instance& instance) {
  std::vector<wasmhost::Instance*> core;
  for (wasmhost::Instance& each : InstanceAccess::State(instance).core) {
    core.push_back(&each);
  }
  return core;
}

absl::StatusOr<std::vector<HandleTable::Snapshot>> SaveHandles(
    api::Instance& instance) {
  std::vector<HandleTable::Snapshot> saved;
  for (auto& table : InstanceAccess::State(instance).tables) {
    WASMHOST_ASSIGN_OR_RETURN(HandleTable::Snapshot snapshot, table->Save());
    saved.push_back(std::move(snapshot));
  }
  return saved;
}

absl::Status RestoreHandles(api::Instance& instance,
                            const std::vector<HandleTable::Snapshot>& saved) {
  absl::Status status;
  std::vector<std::unique_ptr<HandleTable>>& tables =
      InstanceAccess::State(instance).tables;
  for (size_t i = 0; i < tables.size() && i < saved.size(); ++i) {
    status.Update(tables[i]->Restore(saved[i]));
  }
  // What the host held of the last lease is not the next one's.
  InstanceAccess::State(instance).host_handles->EndAll();
  return status;
}

absl::Status RestoreHostObjects(
    api::Instance& instance, const std::vector<HandleTable::Snapshot>& saved) {
  absl::Status status;
  std::vector<std::unique_ptr<HandleTable>>& tables =
      InstanceAccess::State(instance).tables;
  for (size_t i = 0; i < tables.size() && i < saved.size(); ++i) {
    status.Update(tables[i]->RestoreHostObjects(saved[i]));
  }
  return status;
}

void ClearPoison(api::Instance& instance) {
  InstanceAccess::State(instance).poisoned = false;
}

std::shared_ptr<void>& PoolHandles(api::Instance& instance) {
  return InstanceAccess::State(instance).pool_handles;
}

const ExportState& FuncExport(const Func& func) {
  return *FuncAccess::Export(func);
}
InstanceState& FuncInstance(const Func& func) {
  return *FuncAccess::State(func);
}
const wasmhost::Instance& CoreInstance(const ExportState& e) {
  return e.instance->core[e.step];
}
absl::string_view CoreExportName(const ExportState& e) {
  return e.plan->callee.name;
}
CallStringEncoding StringEncodingOf(const ExportState& e) {
  return static_cast<CallStringEncoding>(e.options.opts.string_encoding);
}
bool HasPostReturn(const ExportState& e) {
  return e.options.post_return.has_value();
}

absl::Status BeginCall(InstanceState& instance) {
  if (std::this_thread::get_id() != instance.thread) {
    return wasmhost::internal::WrongThreadError(
        "the component instance belongs to another thread's isolate");
  }
  if (instance.poisoned) {
    return wasmhost::internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "the component instance is poisoned: an earlier call failed in the "
        "guest or a host function");
  }
  return absl::OkStatus();
}

absl::Status EndCall(InstanceState& instance, absl::Status status,
                     bool guest_ran) {
  if (status.ok()) return status;
  // A core instance poisons itself when the guest trapped, was stopped or
  // a host function failed, wherever the failure surfaced (a realloc while
  // lowering, a host trampoline's InvalidArgument).
  bool core_poisoned = false;
  for (const wasmhost::Instance& core : instance.core) {
    core_poisoned |= core.poisoned();
  }
  if (guest_ran || core_poisoned) instance.poisoned = true;
  return status;
}

namespace {

v8backend::BackendInstance& Backend(wasmhost::Instance& core) {
  return *wasmhost::internal::ApiAccess::StateOf(core).backend;
}

bool Metered(const wasmhost::Instance& core) {
  return wasmhost::internal::ApiAccess::StateOf(
             wasmhost::internal::ApiAccess::StateOf(core).module)
      ->fuel.has_value();
}

int64_t FuelValue(uint64_t fuel) {
  return static_cast<int64_t>(std::min<uint64_t>(fuel, INT64_MAX));
}

}  // namespace

// One counter per core instance (the fuel rewrite's global); a shared
// counter would need every module to import it, moving their global
// indices. So each instance gets the whole budget and the total is
// checked after the call: a call never succeeds having used more than its
// fuel, but may run up to (core instances) x fuel before it fails.
absl::Status BeginFuel(const ExportState& e, const CallOptions& options) {
  InstanceState& s = *e.instance;
  if (s.calls_running > 0) {
    if (options.fuel.has_value()) {
      return wasmhost::internal::UsageError(
          absl::StatusCode::kInvalidArgument,
          "a call made inside another call of the component instance cannot "
          "set CallOptions::fuel: it runs on the enclosing call's");
    }
  } else if (options.fuel.has_value()) {
    const int64_t fuel = FuelValue(*options.fuel);
    for (size_t i = 0; i < s.core.size(); ++i) {
      if (i == e.step || !Metered(s.core[i])) continue;
      WASMHOST_RETURN_IF_ERROR(Backend(s.core[i]).SetFuel(fuel));
    }
  }
  ++s.calls_running;
  return absl::OkStatus();
}

absl::Status EndFuel(const ExportState& e, const CallOptions& options,
                     absl::Status status) {
  InstanceState& s = *e.instance;
  --s.calls_running;
  if (s.calls_running > 0 || !options.fuel.has_value() ||
      !Metered(s.core[e.step])) {
    return status;
  }
  const uint64_t budget = static_cast<uint64_t>(FuelValue(*options.fuel));
  uint64_t used = 0;
  for (size_t i = 0; i < s.core.size(); ++i) {
    if (!Metered(s.core[i])) continue;
    int64_t left = 0;
    if (i == e.step) {
      // The core call set and read its own instance's counter.
      absl::StatusOr<uint64_t> remaining = s.core[i].remaining_fuel();
      if (remaining.ok()) left = FuelValue(*remaining);
    } else {
      absl::StatusOr<int64_t> read = Backend(s.core[i]).ReadFuel();
      // Other instances run unlimited between metered calls.
      absl::Status lifted = Backend(s.core[i]).SetFuel(INT64_MAX);
      if (!read.ok() || !lifted.ok()) {
        status.Update(read.ok() ? lifted : read.status());
        continue;
      }
      left = *read;
    }
    used += budget - static_cast<uint64_t>(
                         std::clamp<int64_t>(left, 0, FuelValue(budget)));
  }
  s.remaining_fuel = used >= budget ? 0 : budget - used;
  if (status.ok() && used > budget) {
    return wasmhost::internal::LimitError(
        LimitKind::kFuel,
        absl::StrCat("out of fuel: the component's core instances used ", used,
                     " together, the call allowed ", budget));
  }
  return status;
}

absl::Span<uint8_t> MemoryBytes(const ExportState& e) {
  if (e.options.memory == nullptr) return {};
  return e.options.memory->Bytes();
}

absl::StatusOr<uint32_t> Realloc(const ExportState& e, uint32_t old_ptr,
                                 uint32_t old_size, uint32_t align,
                                 uint32_t new_size) {
  if (e.options.memory == nullptr) {
    return absl::FailedPreconditionError("the function has no memory");
  }
  return e.options.memory->Realloc(old_ptr, old_size, align, new_size);
}

// The core export a canonical option names, for typed calls' handles.
const wasmhost::Instance* OptionExport(const ExportState& e,
                                       const std::optional<CoreItem>& item,
                                       absl::string_view* name) {
  if (!item.has_value() || item->kind != CoreItem::Kind::kExport ||
      item->index >= e.instance->core.size()) {
    return nullptr;
  }
  *name = item->name;
  return &e.instance->core[item->index];
}

const wasmhost::Instance* ReallocExport(const ExportState& e,
                                        absl::string_view* name) {
  return OptionExport(e, e.plan->options.realloc, name);
}

const wasmhost::Instance* PostReturnExport(const ExportState& e,
                                           absl::string_view* name) {
  return OptionExport(e, e.plan->options.post_return, name);
}

absl::Status PostReturn(const ExportState& e,
                        absl::Span<const wasmhost::Val> flat) {
  if (!e.options.post_return.has_value()) return absl::OkStatus();
  return e.options.post_return->Call(flat).status();
}

struct DriverState {
  wasm::ComponentDriverSpec spec;
  uint32_t callee_export = 0;
  // The options' core exports; null when the spec does not import them.
  std::shared_ptr<const wasmhost::internal::ExternState> realloc;
  std::shared_ptr<const wasmhost::internal::ExternState> post_return;
};

namespace {

// Option `name` of `e`'s core instance (`owner`, which must be it: a
// driver call marks only that instance as run, for its pool's reset) as an
// engine object; null otherwise.
std::shared_ptr<const wasmhost::internal::ExternState> DriverImport(
    const ExportState& e, const wasmhost::Instance* owner,
    absl::string_view name) {
  if (owner != &CoreInstance(e)) return nullptr;
  absl::StatusOr<std::shared_ptr<const wasmhost::internal::ExternState>>
      object = wasmhost::internal::ApiAccess::FindFuncObject(*owner, name);
  return object.ok() ? *std::move(object) : nullptr;
}

}  // namespace

std::shared_ptr<const DriverState> MakeDriver(
    const ExportState& e, absl::Span<const DriverAllocation> allocations) {
  const bool post_return = HasPostReturn(e);
  if (allocations.empty() && !post_return) return nullptr;
  absl::StatusOr<wasmhost::internal::FuncExport> callee =
      wasmhost::internal::ApiAccess::FindFuncExport(CoreInstance(e),
                                                    CoreExportName(e));
  if (!callee.ok()) return nullptr;
  auto driver = std::make_shared<DriverState>();
  driver->callee_export = callee->index;
  driver->spec.callee = *callee->type;
  for (const DriverAllocation& a : allocations) {
    driver->spec.allocations.push_back({a.param, a.align});
  }
  driver->spec.post_return = post_return;
  if (!wasm::CheckComponentDriver(driver->spec).ok()) return nullptr;
  absl::string_view name;
  if (!allocations.empty()) {
    driver->realloc = DriverImport(e, ReallocExport(e, &name), name);
    if (driver->realloc == nullptr) return nullptr;
  }
  if (post_return) {
    driver->post_return = DriverImport(e, PostReturnExport(e, &name), name);
    if (driver->post_return == nullptr) return nullptr;
  }
  return driver;
}

absl::Status CallDriven(const ExportState& e, const DriverState& driver,
                        const CallOptions& options,
                        const wasmhost::internal::RawVal* args,
                        absl::Span<const DriverBytes> bytes,
                        absl::FunctionRef<absl::Status(uint32_t result)> lift) {
  WASMHOST_RETURN_IF_ERROR(BeginFuel(e, options));
  auto copy = [&](uint32_t k, uint32_t ptr) -> absl::Status {
    if (k >= bytes.size()) {
      return wasmhost::internal::InternalError(
          "a component driver copied an allocation it was not given");
    }
    absl::Span<uint8_t> memory = MemoryBytes(e);
    WASMHOST_RETURN_IF_ERROR(CheckRange(memory, ptr, bytes[k].byte_length,
                                        driver.spec.allocations[k].align));
    if (bytes[k].byte_length != 0) {
      std::memcpy(memory.data() + ptr, bytes[k].data, bytes[k].byte_length);
    }
    return absl::OkStatus();
  };
  const v8backend::BackendInstance::DriverHooks hooks{copy, lift};
  wasmhost::internal::InstanceState& core =
      wasmhost::internal::ApiAccess::StateOf(e.instance->core[e.step]);
  absl::Status status;
  if (!core.poison.ok()) {
    status = wasmhost::internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "the component's core instance is poisoned by an earlier failure");
  } else if (!core.backend->CallDriver(&e, driver.spec, driver.callee_export,
                                       driver.realloc != nullptr
                                           ? driver.realloc->object.get()
                                           : nullptr,
                                       driver.post_return != nullptr
                                           ? driver.post_return->object.get()
                                           : nullptr,
                                       args, options, hooks)) {
    v8backend::BackendInstance::CallFailure failure =
        core.backend->TakeCallFailure();
    if (failure.guest_ran) core.poison = failure.status;
    status = std::move(failure.status);
  }
  return EndFuel(e, options, std::move(status));
}

// Instance::Create; with `from_image` the core instances skip their data
// segments and start functions (InstantiateForRestore).
absl::StatusOr<api::Instance> Instantiate(const api::Component& component,
                                          const api::Linker& linker,
                                          const InstanceOptions& options,
                                          bool from_image) {
  auto s = std::make_unique<InstanceState>(component);
  s->state = &ComponentAccess::State(component);
  const ComponentState& state = *s->state;
  for (uint32_t t = 0; t < state.plan.num_tables; ++t) {
    s->tables.push_back(std::make_unique<HandleTable>());
  }
  s->host_handles = std::make_unique<HostHandles>(ResourceTypeNames(state));
  WASMHOST_RETURN_IF_ERROR(BindImports(*s, linker));
  WASMHOST_ASSIGN_OR_RETURN(
      std::vector<uint64_t> memory_limits,
      MemoryLimits(state, options.limits.max_memory_bytes));
  for (size_t i = 0; i < state.plan.steps.size(); ++i) {
    const CoreStep& step = state.plan.steps[i];
    const Module& module = state.modules[step.module];
    wasmhost::Linker core_linker;
    for (const CoreStep::Import& import : step.imports) {
      const ImportType* type = nullptr;
      for (const ImportType& candidate : module.imports()) {
        if (candidate.module == import.module &&
            candidate.name == import.name) {
          type = &candidate;
        }
      }
      if (type == nullptr) {
        return absl::InternalError(absl::StrCat(
            "core import ", import.module, ".", import.name, " not found"));
      }
      WASMHOST_RETURN_IF_ERROR(
          DefineCoreImport(*s, core_linker, import, *type));
    }
    InstanceOptions core_options = options;
    core_options.limits.max_memory_bytes = memory_limits[i];
    absl::StatusOr<wasmhost::Instance> core =
        from_image
            ? wasmhost::internal::ApiAccess::InstantiateForRestore(
                  module, core_linker, core_options)
            : wasmhost::Instance::Create(module, core_linker, core_options);
    if (!core.ok()) {
      return wasmhost::internal::WithPrefix(
          absl::StrCat("core instance ", i, " of the component: "),
          core.status());
    }
    s->core.push_back(*std::move(core));
  }
  WASMHOST_RETURN_IF_ERROR(DefineGuestResources(*s));
  WASMHOST_RETURN_IF_ERROR(MakeExports(*s));
  return InstanceAccess::Make(std::move(s));
}

absl::StatusOr<api::Instance> InstantiateForRestore(
    const api::Component& component, const api::Linker& linker,
    const InstanceOptions& options) {
  return Instantiate(component, linker, options, /*from_image=*/true);
}

const std::vector<std::unique_ptr<HandleTable>>& HandleTables(
    api::Instance& instance) {
  return InstanceAccess::State(instance).tables;
}

}  // namespace internal

inline namespace api {

void* Caller::Context(const void* type_key) const {
  if (instance_->core.empty()) return nullptr;
  return wasmhost::internal::InstanceContext(
      wasmhost::internal::ApiAccess::StateOf(instance_->core.front()),
      type_key);
}

const FuncType& Func::type() const { return func_->type; }

absl::StatusOr<std::vector<Val>> Func::Call(const CallOptions& options,
                                            absl::Span<const Val> args) const {
  WASMHOST_RETURN_IF_ERROR(internal::BeginCall(*instance_));
  bool guest_ran = false;
  absl::StatusOr<std::vector<Val>> results =
      internal::CallLifted(*instance_, *func_, options, args, guest_ran);
  if (!results.ok()) {
    return internal::EndCall(*instance_, results.status(), guest_ran);
  }
  return results;
}

absl::StatusOr<Instance> Instance::Create(const Component& component,
                                          const Linker& linker,
                                          const InstanceOptions& options) {
  return internal::Instantiate(component, linker, options,
                               /*from_image=*/false);
}

Instance::Instance(std::unique_ptr<internal::InstanceState> state)
    : state_(std::move(state)) {}
Instance::Instance(Instance&& other) noexcept = default;
Instance& Instance::operator=(Instance&& other) noexcept = default;
Instance::~Instance() = default;

absl::StatusOr<Func> Instance::GetFunc(absl::string_view name) const {
  return GetFunc("", name);
}

absl::StatusOr<Func> Instance::GetFunc(absl::string_view interface,
                                       absl::string_view name) const {
  for (const auto& e : state_->exports) {
    if (e->plan->interface == interface && e->plan->name == name) {
      return Func(state_.get(), e.get());
    }
  }
  return absl::NotFoundError(absl::StrCat(
      "the component exports no ",
      interface.empty()
          ? absl::StrCat("function ", name)
          : absl::StrCat("function ", name, " of interface ", interface)));
}

absl::Status Instance::DropResource(const GuestHandle& handle) {
  WASMHOST_RETURN_IF_ERROR(internal::BeginCall(*state_));
  WASMHOST_ASSIGN_OR_RETURN(uint32_t type,
                            state_->host_handles->OwnType(handle));
  const uint32_t rep = handle.rep();
  state_->host_handles->End(handle);
  auto dtor = state_->dtors.find(type);
  if (dtor == state_->dtors.end()) return absl::OkStatus();
  const wasmhost::Val arg[] = {wasmhost::Val::I32(static_cast<int32_t>(rep))};
  return internal::EndCall(*state_, dtor->second.Call(arg).status(), true);
}

bool Instance::poisoned() const { return state_->poisoned; }

absl::StatusOr<uint64_t> Instance::remaining_fuel() const {
  if (state_->remaining_fuel.has_value()) return *state_->remaining_fuel;
  if (!state_->main_step.has_value()) {
    return absl::FailedPreconditionError("the component exports no function");
  }
  // Not metered, or no call set fuel yet: the core instance says which.
  return state_->core[*state_->main_step].remaining_fuel();
}

const Component& Instance::component() const { return state_->component; }

void* Instance::Context(const void* type_key) const {
  if (state_->core.empty()) return nullptr;
  return wasmhost::internal::InstanceContext(
      wasmhost::internal::ApiAccess::StateOf(state_->core.front()), type_key);
}

}  // namespace api
}  // namespace wasmhost::component
