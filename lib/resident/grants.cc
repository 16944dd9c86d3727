#include "lib/resident/grants.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/resident/lineage.h"

namespace wasmhost::internal {
namespace {

// Whether a limit (0: none) of `asked` is above `had`.
bool WiderLimit(uint64_t had, uint64_t asked) {
  return had != 0 && (asked == 0 || asked > had);
}

// The WASI grants of `options` into `grants`.
void AddWasiGrants(const ResidentOptions& options, v1::Grants& grants) {
  if (options.wasi) {
    grants.set_wasi(true);
    for (const std::string& arg : options.wasi->args) grants.add_args(arg);
    for (const auto& [name, value] : options.wasi->env) {
      v1::EnvVar* var = grants.add_env();
      var->set_name(name);
      var->set_value(value);
    }
    for (const wasi::Preopen& preopen : options.wasi->preopens) {
      v1::PreopenGrant* out = grants.add_preopens();
      out->set_host_path(preopen.host_path);
      out->set_guest_path(preopen.guest_path);
      out->set_read_only(preopen.read_only);
    }
  }
}

// The grant of `interface` in `grants`, added at the end when new.
v1::InterfaceGrant& InterfaceIn(v1::Grants& grants,
                                const std::string& interface) {
  for (v1::InterfaceGrant& each : *grants.mutable_interfaces()) {
    if (each.name() == interface) return each;
  }
  v1::InterfaceGrant& added = *grants.add_interfaces();
  added.set_name(interface);
  return added;
}

}  // namespace

v1::Grants GrantsOf(const Module& module, const ResidentOptions& options) {
  v1::Grants grants;
  for (const ImportType& import : module.imports()) {
    v1::Import* out = grants.add_imports();
    out->set_module(import.module);
    out->set_name(import.name);
    out->set_kind(static_cast<uint32_t>(import.kind));
  }
  AddWasiGrants(options, grants);
  return grants;
}

v1::Grants GrantsOf(const component::Component& component,
                    const ResidentOptions& options) {
  v1::Grants grants;
  for (const component::ComponentFunc& func : component.imported_funcs()) {
    InterfaceIn(grants, func.interface).add_funcs(func.name);
  }
  for (const component::ComponentResource& resource :
       component.imported_resources()) {
    InterfaceIn(grants, resource.interface).add_resources(resource.name);
  }
  AddWasiGrants(options, grants);
  return grants;
}

bool SameImports(const v1::Grants& a, const v1::Grants& b) {
  // Compared as messages holding only the imports and interfaces.
  const auto imports_of = [](const v1::Grants& grants) {
    v1::Grants only;
    *only.mutable_imports() = grants.imports();
    *only.mutable_interfaces() = grants.interfaces();
    return DeterministicBytes(only);
  };
  return imports_of(a) == imports_of(b);
}

v1::ResidentLimits LimitsOf(const ResidentOptions& options) {
  v1::ResidentLimits limits;
  limits.set_max_memory_bytes(options.limits.max_memory_bytes);
  limits.set_max_stack_bytes(options.limits.max_stack_bytes);
  limits.set_max_table_elements(options.limits.max_table_elements);
  if (options.fuel_account) limits.set_fuel_account(*options.fuel_account);
  return limits;
}

std::vector<std::string> Widenings(const v1::ResidentState& had,
                                   const v1::Grants& asked,
                                   const v1::ResidentLimits& asked_limits) {
  std::vector<std::string> wider;
  const v1::Grants& grants = had.grants();
  if (asked.wasi() && !grants.wasi()) wider.push_back("WASI");
  if (asked.wasi() && grants.wasi()) {
    if (!std::equal(asked.args().begin(), asked.args().end(),
                    grants.args().begin(), grants.args().end())) {
      wider.push_back("other args");
    }
    for (const v1::EnvVar& var : asked.env()) {
      const bool held = std::any_of(
          grants.env().begin(), grants.env().end(), [&](const v1::EnvVar& v) {
            return v.name() == var.name() && v.value() == var.value();
          });
      if (!held) wider.push_back(absl::StrCat("env ", var.name()));
    }
    for (const v1::PreopenGrant& preopen : asked.preopens()) {
      auto held =
          std::find_if(grants.preopens().begin(), grants.preopens().end(),
                       [&](const v1::PreopenGrant& p) {
                         return p.guest_path() == preopen.guest_path();
                       });
      if (held == grants.preopens().end()) {
        wider.push_back(absl::StrCat("preopen ", preopen.guest_path()));
      } else if (held->host_path() != preopen.host_path()) {
        wider.push_back(absl::StrCat("preopen ", preopen.guest_path(),
                                     " at host path ", preopen.host_path(),
                                     " (was ", held->host_path(), ")"));
      } else if (held->read_only() && !preopen.read_only()) {
        wider.push_back(
            absl::StrCat("write access to preopen ", preopen.guest_path()));
      }
    }
  }
  const v1::ResidentLimits& limits = had.limits();
  if (WiderLimit(limits.max_memory_bytes(), asked_limits.max_memory_bytes())) {
    wider.push_back("max_memory_bytes");
  }
  if (WiderLimit(limits.max_stack_bytes(), asked_limits.max_stack_bytes())) {
    wider.push_back("max_stack_bytes");
  }
  if (WiderLimit(limits.max_table_elements(),
                 asked_limits.max_table_elements())) {
    wider.push_back("max_table_elements");
  }
  if (limits.has_fuel_account() &&
      (!asked_limits.has_fuel_account() ||
       asked_limits.fuel_account() > limits.fuel_account())) {
    wider.push_back("fuel_account");
  }
  return wider;
}

}  // namespace wasmhost::internal
