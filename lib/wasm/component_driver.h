// lib/wasm/component_driver.h: the component driver, a small module that
// makes one typed component call in one entry into the engine: each
// cabi_realloc for an argument's bytes followed by a host callback that
// copies them in, the lifted core function, a host callback that lifts
// its result, and post-return.
//
//   ComponentDriverSpec    what a driver is built for
//   CheckComponentDriver   whether a spec can have a driver
//   BuildComponentDriver   the driver module's bytes

#ifndef WASMHOST_LIB_WASM_COMPONENT_DRIVER_H_
#define WASMHOST_LIB_WASM_COMPONENT_DRIVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "wasmhost/value.h"

namespace wasmhost::wasm {

// The driver imports, from kAdapterImportModule (lib/wasm/boundary.h):
//   "callee"   the lifted core function, of type `callee`
//   "realloc"  cabi_realloc (i32 i32 i32 i32) -> i32   with allocations
//   "copy"     a host function (i32 allocation, i32 ptr) -> ()  with them
//   "lift"     a host function (i32 result) -> ()   when callee returns one
//   "post"     post-return, (callee's results) -> ()  with post_return
// and exports "run", BoundaryType(callee)'s parameters -> (). run calls,
// for each allocation k in order, realloc(0, 0, align, <param>) with the
// byte length the host passed in the allocation's pointer parameter, then
// copy(k, pointer) and puts the pointer in that parameter; then callee
// with the parameters (floats from their bits), lift(result), post(result).
// A trap or a throwing callback anywhere stops it there, as the canonical
// ABI's sequence of separate calls would.
struct ComponentDriverSpec {
  struct Allocation {
    uint32_t param = 0;  // the i32 pointer parameter the bytes go to
    uint32_t align = 1;
  };
  FuncType callee;
  std::vector<Allocation> allocations;
  bool post_return = false;

  // Text naming the module the spec builds, for the isolate's cache.
  [[nodiscard]] std::string Key() const;
};

// InvalidArgument unless `spec` can have a driver: callee's parameters are
// numbers, it returns nothing or one i32, and each allocation names an i32
// parameter with a power-of-two alignment.
[[nodiscard]] absl::Status CheckComponentDriver(
    const ComponentDriverSpec& spec);

// The driver module for `spec` (which CheckComponentDriver accepted).
[[nodiscard]] std::vector<uint8_t> BuildComponentDriver(
    const ComponentDriverSpec& spec);

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_COMPONENT_DRIVER_H_
