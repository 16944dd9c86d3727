// tests/limit_module.h: modules generated at V8's limits on imports and
// exports, for the tests that the SDK's rewrites never push one past them.

#ifndef WASMHOST_TESTS_LIMIT_MODULE_H_
#define WASMHOST_TESTS_LIMIT_MODULE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wasmhost::testing {

// V8's wasm-limits.h.
inline constexpr size_t kV8MaxImports = 100000;
inline constexpr size_t kV8MaxExports = 100000;

// A module with `imports` function imports env.f<i> of type () -> i32, a
// memory of 1 to 2 pages, a mutable i32 global, and one function `bump`
// exported `exports` times as e<i>. bump adds the first import's result
// (or 1 without imports) to a counter in memory and to the global, and
// returns the global.
std::vector<uint8_t> LimitModule(size_t imports, size_t exports);

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_LIMIT_MODULE_H_
