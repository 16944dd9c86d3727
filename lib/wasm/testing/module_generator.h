// lib/wasm/testing/module_generator.h: big synthetic modules for
// benchmarks and tests of the compile pipeline, generated from a seed.
//
//   GeneratorOptions   how much code, data and custom section to generate
//   DataHeavyOptions   ~20 MB of data segments, little code
//   CodeHeavyOptions   ~20 MB of code, little data
//   GenerateModule     the module's bytes
//
// The module is valid (MVP plus bulk memory, sign extension and
// non-trapping float-to-int) and has the shape of compiled C: thousands of
// functions with locals, nested blocks, loops, ifs and br_tables, direct
// and indirect calls, loads and stores, memory.fill/copy, mutable globals;
// one table holding every function; a memory with active data segments; a
// "name" section; optionally a debug-info-like custom section. Exports:
// "run" (() -> i32, a leaf that reads memory and a global), "memory", and
// every 64th generated function as "f<index>" (some with f64 in their
// signature). Generated functions only call functions of lower index, and
// their loops count down a dedicated local, so every call ends; running
// them may still trap (an indirect call through a slot of another type).

#ifndef WASMHOST_LIB_WASM_TESTING_MODULE_GENERATOR_H_
#define WASMHOST_LIB_WASM_TESTING_MODULE_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wasmhost::wasm::testing {

// What GenerateModule generates. Equal options give equal bytes, on every
// platform. Plain value: thread-compatible.
struct GeneratorOptions {
  // Seed of every pseudo-random choice.
  uint64_t seed = 1;
  // Bytes of function bodies to generate, approximately (the last
  // function may overshoot by a few KB); at least one function is always
  // generated. Default 64 KiB.
  size_t code_bytes = 64 * 1024;
  // Bytes of data segment contents, approximately (segments of 1-256 KiB:
  // pseudo-random bytes, zeros, text and repeated patterns). 0: no data
  // section. Default 64 KiB.
  size_t data_bytes = 64 * 1024;
  // Bytes of a ".debug_info" custom section (pseudo-random), after the
  // data section as a C toolchain puts it. 0: none (the default).
  size_t custom_bytes = 0;
};

// ~20 MB of data segments, 256 KiB of code, 2 MB of custom section: the
// shape of a program carrying its assets (a speech synthesiser's voices).
[[nodiscard]] GeneratorOptions DataHeavyOptions(uint64_t seed = 1);

// ~20 MB of code (about 9,000 functions), 256 KiB of data: the shape of a
// language runtime.
[[nodiscard]] GeneratorOptions CodeHeavyOptions(uint64_t seed = 1);

// The module described by `options`. Cannot fail.
[[nodiscard]] std::vector<uint8_t> GenerateModule(
    const GeneratorOptions& options);

}  // namespace wasmhost::wasm::testing

#endif  // WASMHOST_LIB_WASM_TESTING_MODULE_GENERATOR_H_
