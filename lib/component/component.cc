// component::Component: read, plan and compile once.

// wasmhost/component.h comes through component_state.h, after the lib/
// headers (see there).
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/component/canonical_abi.h"
#include "lib/component/component_state.h"
#include "lib/component/reader.h"
#include "lib/component/wit_printer.h"
#include "lib/util/sha256.h"
#include "lib/util/status_macros.h"

namespace wasmhost::component {
inline namespace api {
namespace {

// Every function of the world must have types the runtime lifts and
// lowers, and its canon functions options that fit them.
absl::Status CheckTypes(const internal::ComponentState& state) {
  const TypeArena& types = *state.types;
  auto check = [&](TypeId func) -> absl::Status {
    if (types[func].async) return absl::UnimplementedError("async functions");
    for (const Field& param : types[func].fields) {
      WASMHOST_RETURN_IF_ERROR(CheckSupported(types, param.type));
    }
    if (!types[func].ok.has_value()) return absl::OkStatus();
    return CheckSupported(types, *types[func].ok);
  };
  for (const LoweredImport& lowered : state.plan.lowered) {
    WASMHOST_RETURN_IF_ERROR(check(lowered.type));
  }
  for (const LiftedExport& lifted : state.plan.exports) {
    WASMHOST_RETURN_IF_ERROR(check(lifted.type));
  }
  return absl::OkStatus();
}

// The world's resources (each under the interface that defines it: WIT
// lists an interface before those that `use` its types), then its
// functions, typed over an arena where those resources have their names.
void CollectWorld(internal::ComponentState& state) {
  auto types = std::make_shared<TypeArena>(state.world.types);
  auto add_resources = [&](const std::vector<WorldItem>& items,
                           std::vector<ComponentResource>& out) {
    for (const WorldItem& item : items) {
      for (const NamedType& named : item.interface.types) {
        if ((*types)[named.type].kind != TypeKind::kResource) continue;
        ComponentResource resource{item.name, named.name};
        if (!state.resource_names.emplace(named.type, resource).second) {
          continue;
        }
        if ((*types)[named.type].name.empty()) {
          types->Mutable(named.type).name = named.name;
        }
        out.push_back(std::move(resource));
      }
    }
  };
  add_resources(state.world.imports, state.imported_resources);
  add_resources(state.world.exports, state.exported_resources);
  state.types = std::move(types);
  auto add_funcs = [&](const std::vector<WorldItem>& items,
                       std::vector<ComponentFunc>& funcs) {
    for (const WorldItem& item : items) {
      if (item.kind == WorldItem::Kind::kFunc) {
        funcs.push_back({"", item.name, MakeFuncType(state.types, item.type)});
      } else if (item.kind == WorldItem::Kind::kInterface) {
        for (const NamedFunc& func : item.interface.funcs) {
          funcs.push_back(
              {item.name, func.name, MakeFuncType(state.types, func.type)});
        }
      }
    }
  };
  add_funcs(state.world.imports, state.imported_funcs);
  add_funcs(state.world.exports, state.exported_funcs);
}

}  // namespace

absl::StatusOr<Component> Component::Compile(const Engine& engine,
                                             absl::Span<const uint8_t> bytes) {
  auto state = std::make_shared<internal::ComponentState>();
  WASMHOST_ASSIGN_OR_RETURN(ParsedComponent parsed, ReadComponent(bytes));
  WASMHOST_ASSIGN_OR_RETURN(state->world, ResolveWorld(parsed));
  WASMHOST_ASSIGN_OR_RETURN(state->plan, MakePlan(parsed));
  CollectWorld(*state);
  WASMHOST_RETURN_IF_ERROR(CheckTypes(*state));
  for (size_t i = 0; i < state->plan.modules.size(); ++i) {
    const PlannedModule& planned = state->plan.modules[i];
    absl::StatusOr<Module> module =
        engine.Compile(bytes.subspan(planned.offset, planned.size));
    if (!module.ok()) {
      absl::Status status(module.status().code(),
                          absl::StrCat("core module ", i, " of the component: ",
                                       module.status().message()));
      module.status().ForEachPayload(
          [&](absl::string_view url, const absl::Cord& payload) {
            status.SetPayload(url, payload);
          });
      return status;
    }
    state->modules.push_back(*std::move(module));
  }
  // The glue: everything but the core modules, which residents hash one by
  // one as the engine runs them.
  std::vector<PlannedModule> ranges = state->plan.modules;
  std::sort(ranges.begin(), ranges.end(),
            [](const PlannedModule& a, const PlannedModule& b) {
              return a.offset < b.offset;
            });
  wasmhost::internal::Sha256 glue;
  size_t hashed = 0;
  for (const PlannedModule& planned : ranges) {
    if (planned.offset < hashed) continue;  // a range listed twice
    glue.Update(bytes.data() + hashed, planned.offset - hashed);
    hashed = planned.offset + planned.size;
  }
  glue.Update(bytes.data() + hashed, bytes.size() - hashed);
  const wasmhost::internal::Sha256::Digest digest = glue.Finish();
  state->glue_sha256.assign(digest.begin(), digest.end());
  return ComponentAccess::Make(std::move(state));
}

const std::vector<ComponentFunc>& Component::imported_funcs() const {
  return state_->imported_funcs;
}
const std::vector<ComponentFunc>& Component::exported_funcs() const {
  return state_->exported_funcs;
}
const std::vector<ComponentResource>& Component::imported_resources() const {
  return state_->imported_resources;
}
const std::vector<ComponentResource>& Component::exported_resources() const {
  return state_->exported_resources;
}
std::string Component::WitText() const { return PrintWit(state_->world); }
size_t Component::num_core_modules() const { return state_->modules.size(); }
size_t Component::num_core_instances() const {
  return state_->plan.steps.size();
}

}  // namespace api
}  // namespace wasmhost::component
