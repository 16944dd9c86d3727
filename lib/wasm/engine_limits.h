// lib/wasm/engine_limits.h: the counts V8 refuses a module beyond (its
// wasm-limits.h), which what the host's rewrites add must stay within too.

#ifndef WASMHOST_LIB_WASM_ENGINE_LIMITS_H_
#define WASMHOST_LIB_WASM_ENGINE_LIMITS_H_

#include <cstddef>

namespace wasmhost::wasm {

inline constexpr size_t kMaxImports = 100000;
inline constexpr size_t kMaxExports = 100000;
inline constexpr size_t kMaxFunctions = 1000000;
inline constexpr size_t kMaxGlobals = 1000000;
inline constexpr size_t kMaxTypes = 1000000;

}  // namespace wasmhost::wasm

#endif  // WASMHOST_LIB_WASM_ENGINE_LIMITS_H_
