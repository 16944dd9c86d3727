// lib/component/reader.h: ReadComponent, the Component Model binary reader.
//
//   IsComponent     whether bytes carry the component layer
//   ReadComponent   parses and validates a component binary
//
// Covers the binary format as wit-component and jco emit it (see
// Binary.md): core modules (checked by the core reader, kept as byte
// ranges), core instances, core func and module types, component types
// (every defined value type, func, component, instance and resource types),
// imports and exports with name attributes, aliases (export, core export,
// outer), canon lift/lower and resource.new/drop/rep with their options,
// the async, thread and error-context built-ins (parsed only), nested
// components, instances, start, custom sections. Value definitions and GC
// core types other than function subtypes without supertypes (gated
// features wit-component does not emit) are rejected as unsupported.

#ifndef WASMHOST_LIB_COMPONENT_READER_H_
#define WASMHOST_LIB_COMPONENT_READER_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/component/definitions.h"

namespace wasmhost::component {

// True if `bytes` start with the Wasm magic and the component layer (1),
// false for core modules (layer 0) and anything else.
[[nodiscard]] bool IsComponent(absl::Span<const uint8_t> bytes);

// Validates one core module's bytes in full, function bodies included:
// what the core pipeline runs before rewriting a module
// (v8backend::ValidateModule), passed in so this library stays without V8.
// Returns InvalidArgument with the reason when the module is invalid.
using CoreModuleValidator =
    std::function<absl::Status(absl::Span<const uint8_t> module)>;

struct ReadOptions {
  // Run on every core module of the component (nested ones included) after
  // the core reader's structural checks. Unset: function bodies are not
  // validated here (compiling the module validates them later). Default
  // unset.
  CoreModuleValidator validate_core_module;
};

// Parses a component binary. Does not retain `bytes`: core modules are
// referred to by offset.
//
// Returns InvalidArgument "at offset <n>: <reason>" for anything malformed:
// a bad preamble (a core module is named as such), truncation, unknown
// section ids or opcodes, bad LEB128s, counts larger than the input,
// invalid UTF-8 names or labels, empty or duplicate labels, duplicate
// import or export names, out-of-range indices of every sort, references
// to the wrong kind of type (own of a non-resource, a value type that is a
// function, ...), aliases of names an instance does not export, missing or
// duplicate instantiation arguments, conflicting canonical options, a
// second start section, nesting deeper than 100 levels, an invalid core
// module (the core reader's or `options.validate_core_module`'s message
// follows), and unsupported gated
// features; and for what breaks a validation rule: instantiation
// arguments or ascribed types that are not subtypes of what is expected,
// core instantiation arguments of the wrong core type, imports and exports
// using unnamed records/variants/enums/flags/resources, resource function
// names whose types do not fit, canonical options a function type needs
// but lacks, core functions whose signature differs from the canonical
// ABI's, value types of 2^28 bytes or more, and resource.new/rep of a
// resource the component does not define.
[[nodiscard]] absl::StatusOr<Component> ReadComponent(
    absl::Span<const uint8_t> bytes, const ReadOptions& options = {});

}  // namespace wasmhost::component

#endif  // WASMHOST_LIB_COMPONENT_READER_H_
