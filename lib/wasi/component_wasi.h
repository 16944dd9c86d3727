// lib/wasi/component_wasi.h: what the WASI 0.2 host interfaces share
// (component_wasi_io.cc: wasi:cli, wasi:io, wasi:clocks, wasi:random,
// wasi:sockets; component_wasi_filesystem.cc: wasi:filesystem).
//
//   kWasiVersion      the version the interfaces are defined at
//   ContextFunc       a host function over the caller's WasiContextImpl
//   DefineFunc        defines one on an interface of a component::Linker
//   DefineResource    a resource whose rep indexes the context's table
//   ResourceOf        the object behind a handle argument
//   NewResource       a new own handle for an object
//   ErrorCode         wasi:filesystem's error-code case for a WASI errno
//   StreamError       wasi:io/streams' stream-error for a failed operation

#ifndef WASMHOST_LIB_WASI_COMPONENT_WASI_H_
#define WASMHOST_LIB_WASI_COMPONENT_WASI_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/wasi/context.h"
#include "lib/wasi/p2_resources.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_val.h"

namespace wasmhost::wasi::p2 {

using component::Val;

// Imports of any 0.2.x version match it (component::Linker's semver rule).
inline constexpr absl::string_view kWasiVersion = "0.2.12";

// "wasi:cli/stdout" at kWasiVersion.
inline std::string Interface(absl::string_view name) {
  return absl::StrCat(name, "@", kWasiVersion);
}

using ContextFunc = std::function<absl::Status(WasiContextImpl& context,
                                               absl::Span<const Val> args,
                                               std::vector<Val>& results)>;

// Defines function `name` of `interface` (without version) on `linker`,
// calling `func` with the calling instance's context. Without one (an
// instance granted no WASI) the call traps with FailedPrecondition.
absl::Status DefineFunc(component::Linker& linker, absl::string_view interface,
                        absl::string_view name, ContextFunc func);

// Defines resource `name` of `interface`: dropping a guest's own handle
// removes its object from the context's table, and a fresh-state pool
// keeps a copy of each object its image's handles name, put back after
// every reset (component::HostResourceImage).
absl::Status DefineResource(component::Linker& linker,
                            absl::string_view interface,
                            absl::string_view name);

// The object of type T behind handle argument `handle` (a borrow or own),
// or Internal (the runtime checked the handle's type, so only a host bug
// gets here).
template <typename T>
absl::StatusOr<T*> ResourceOf(WasiContextImpl& context, const Val& handle) {
  T* object = context.resources().Get<T>(handle.rep());
  if (object == nullptr) {
    return absl::InternalError(
        absl::StrCat("WASI 0.2: no host object for rep ", handle.rep()));
  }
  return object;
}

// Adds `object` to the context's table: an own handle to it, or
// ResourceExhausted (trapping the guest) when the table is full.
absl::StatusOr<Val> NewResource(WasiContextImpl& context, Object object);

// wasi:filesystem/types error-code case index for WASI errno `error`.
uint32_t ErrorCode(int32_t error);

// Err(error-code) for WASI errno `error`.
inline Val ErrorResult(int32_t error) {
  return Val::Err(Val::Enum(ErrorCode(error)));
}

// stream-error's closed case.
inline Val StreamClosed() { return Val::Variant(1, std::nullopt); }

// stream-error's last-operation-failed case with a new io error carrying
// `message` and WASI errno `error`.
absl::StatusOr<Val> StreamFailed(WasiContextImpl& context, int32_t error,
                                 std::string message);

absl::Status AddIo(component::Linker& linker);
absl::Status AddCli(component::Linker& linker);
absl::Status AddClocksAndRandom(component::Linker& linker);
absl::Status AddSockets(component::Linker& linker);
absl::Status AddFilesystem(component::Linker& linker);

}  // namespace wasmhost::wasi::p2

#endif  // WASMHOST_LIB_WASI_COMPONENT_WASI_H_
