// lib/resident/grants.h: what a resident is granted, as a snapshot records
// it, and what a restore would grant beyond it.

#ifndef WASMHOST_LIB_RESIDENT_GRANTS_H_
#define WASMHOST_LIB_RESIDENT_GRANTS_H_

#include <string>
#include <vector>

#include "proto/wasmhost/v1/snapshot.pb.h"
#include "wasmhost/component.h"
#include "wasmhost/module.h"
#include "wasmhost/resident.h"

namespace wasmhost::internal {

// The module's imports, or the component's imported interfaces, and the
// WASI grants of `options`.
v1::Grants GrantsOf(const Module& module, const ResidentOptions& options);
v1::Grants GrantsOf(const component::Component& component,
                    const ResidentOptions& options);

// Whether `a` and `b` record the same imports or interfaces.
bool SameImports(const v1::Grants& a, const v1::Grants& b);

// The limits and fuel account of `options`.
v1::ResidentLimits LimitsOf(const ResidentOptions& options);

// What `asked` and `asked_limits` grant beyond what `had` carries, one
// description each ("env NAME", "write access to preopen /data",
// "max_memory_bytes", ...); empty when nothing is wider.
std::vector<std::string> Widenings(const v1::ResidentState& had,
                                   const v1::Grants& asked,
                                   const v1::ResidentLimits& asked_limits);

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_RESIDENT_GRANTS_H_
