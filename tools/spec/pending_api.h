// tools/spec/pending_api.h: how the runner expresses the suite's values
// and actions with the public API. (Named for the gaps it once stood in
// for; each is now filled by the API.)
//
//   HostRefs           the host values standing for `ref.extern N`
//   ToVal / ToBytes    SpecValue <-> Val
//   ResultMatches      whether a result satisfies an expected value
//   GetGlobal          read an exported global
//   RegisterInstance   make an instance's exports importable by name
//
// Thread-compatible, like the Instance and Linker they are given.

#ifndef WASMHOST_TOOLS_SPEC_PENDING_API_H_
#define WASMHOST_TOOLS_SPEC_PENDING_API_H_

#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/spec/spec_value.h"
#include "wasmhost/instance.h"
#include "wasmhost/linker.h"
#include "wasmhost/value.h"

namespace wasmhost::spec {

// One host value per `ref.extern N` of a file, so that the same N is the
// same externref (identity is the pointer) in arguments and results.
class HostRefs {
 public:
  // The value standing for N, made on first use.
  const std::shared_ptr<void>& Get(uint64_t n);

 private:
  absl::flat_hash_map<uint64_t, std::shared_ptr<void>> refs_;
};

// `value` as an argument; `ref.extern N` is refs.Get(N). Returns
// InvalidArgument for a non-null funcref, which the suite cannot write as
// an argument.
absl::StatusOr<Val> ToVal(const SpecValue& value, HostRefs& refs);

// A number's or v128's bits, for Matches and FormatBytes.
ValueBytes ToBytes(const Val& value);

// Whether `got` satisfies `expected`: numbers and v128 by Matches;
// references null or not as expected, `ref.extern N` by identity, and an
// expected reference of neither kind by being non-null.
bool ResultMatches(const SpecValue& expected, const Val& got, HostRefs& refs);

// The value of `instance`'s exported global `name`.
absl::StatusOr<Val> GetGlobal(const Instance& instance, absl::string_view name);

// Defines every export of `instance` on `linker` under module name `as`,
// as the spec's `register` does.
absl::Status RegisterInstance(Linker& linker, absl::string_view as,
                              const Instance& instance);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_PENDING_API_H_
