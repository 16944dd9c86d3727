// component::Linker: host functions and resources by interface and name.

#include "wasmhost/component_linker.h"

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/component/linker_state.h"

namespace wasmhost::component {
inline namespace api {
namespace {

struct Version {
  uint64_t major = 0, minor = 0, patch = 0;
};

// "ns:pkg/iface@1.2.3" as ("ns:pkg/iface", 1.2.3); nullopt without a
// plain numeric version (prereleases and build metadata match exactly
// only).
std::optional<std::pair<absl::string_view, Version>> SplitVersion(
    absl::string_view name) {
  const size_t at = name.rfind('@');
  if (at == absl::string_view::npos) return std::nullopt;
  std::vector<absl::string_view> parts =
      absl::StrSplit(name.substr(at + 1), '.');
  Version version;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &version.major) ||
      !absl::SimpleAtoi(parts[1], &version.minor) ||
      !absl::SimpleAtoi(parts[2], &version.patch)) {
    return std::nullopt;
  }
  return std::make_pair(name.substr(0, at), version);
}

// Semver compatibility as the component ecosystem applies it: the same
// major version, or for 0.x the same minor, or for 0.0.x the same patch.
bool Compatible(const Version& a, const Version& b) {
  if (a.major != b.major) return false;
  if (a.major > 0) return true;
  if (a.minor != b.minor) return false;
  return a.minor > 0 || a.patch == b.patch;
}

}  // namespace

Linker::Linker() : defs_(std::make_unique<Definitions>()) {}
Linker::Linker(const Linker& other)
    : defs_(std::make_unique<Definitions>(*other.defs_)) {}
Linker& Linker::operator=(const Linker& other) {
  defs_ = std::make_unique<Definitions>(*other.defs_);
  return *this;
}
Linker::Linker(Linker&&) noexcept = default;
Linker& Linker::operator=(Linker&&) noexcept = default;
Linker::~Linker() = default;

LinkerInstance Linker::Instance(absl::string_view name) {
  return LinkerInstance(this, std::string(name));
}

LinkerInstance Linker::Root() { return LinkerInstance(this, ""); }

bool Linker::Defines(absl::string_view interface,
                     absl::string_view name) const {
  auto it = defs_->interfaces.find(interface);
  if (it == defs_->interfaces.end()) return false;
  return it->second.funcs.contains(name) || it->second.resources.contains(name);
}

absl::Status LinkerInstance::Define(absl::string_view name, HostFunc func) {
  return DefineFunc(name, std::move(func), std::nullopt);
}

absl::Status LinkerInstance::Define(absl::string_view name, FuncType expected,
                                    HostFunc func) {
  return DefineFunc(name, std::move(func), std::move(expected));
}

absl::Status LinkerInstance::DefineFunc(absl::string_view name, HostFunc func,
                                        std::optional<FuncType> expected) {
  Linker::Definitions::Func def;
  def.func = std::make_shared<const HostFunc>(std::move(func));
  def.expected = std::move(expected);
  auto& funcs = linker_->defs_->interfaces[name_].funcs;
  if (!funcs.emplace(name, std::move(def)).second) {
    return absl::AlreadyExistsError(absl::StrCat(
        "function ", name, " of ", name_.empty() ? "the world" : name_,
        " is already defined"));
  }
  return absl::OkStatus();
}

absl::Status LinkerInstance::DefineResource(absl::string_view name,
                                            HostResourceDtor dtor) {
  HostResourceDtorWithCaller with_caller;
  if (dtor) {
    with_caller = [dtor = std::move(dtor)](Caller&, uint32_t rep) {
      return dtor(rep);
    };
  }
  return DefineResourceWithCaller(name, std::move(with_caller));
}

absl::Status LinkerInstance::DefineResourceWithCaller(
    absl::string_view name, HostResourceDtorWithCaller dtor,
    HostResourceImage image) {
  if (static_cast<bool>(image.capture) != static_cast<bool>(image.restore)) {
    return absl::InvalidArgumentError(
        absl::StrCat("resource ", name,
                     ": a HostResourceImage needs both capture and "
                     "restore"));
  }
  Linker::Definitions::Resource def;
  def.dtor =
      std::make_shared<const HostResourceDtorWithCaller>(std::move(dtor));
  if (image.capture) {
    def.image = std::make_shared<const HostResourceImage>(std::move(image));
  }
  auto& resources = linker_->defs_->interfaces[name_].resources;
  if (!resources.emplace(name, std::move(def)).second) {
    return absl::AlreadyExistsError(absl::StrCat(
        "resource ", name, " of ", name_.empty() ? "the world" : name_,
        " is already defined"));
  }
  return absl::OkStatus();
}

const Linker::Definitions::Interface* LinkerAccess::FindInterface(
    const Linker& linker, absl::string_view name) {
  const auto& interfaces = linker.defs_->interfaces;
  auto exact = interfaces.find(name);
  if (exact != interfaces.end()) return &exact->second;
  auto wanted = SplitVersion(name);
  if (!wanted.has_value()) return nullptr;
  const Linker::Definitions::Interface* best = nullptr;
  Version best_version;
  for (const auto& [defined_name, defined] : interfaces) {
    auto have = SplitVersion(defined_name);
    if (!have.has_value() || have->first != wanted->first ||
        !Compatible(have->second, wanted->second)) {
      continue;
    }
    const Version& v = have->second;
    if (best == nullptr || std::tie(v.major, v.minor, v.patch) >
                               std::tie(best_version.major, best_version.minor,
                                        best_version.patch)) {
      best = &defined;
      best_version = v;
    }
  }
  return best;
}

}  // namespace api
}  // namespace wasmhost::component
