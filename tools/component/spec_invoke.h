// tools/component/spec_invoke.h: the reference tests' invocations run on
// the component runtime (public API only).
//
//   SpecInvoker  instantiates each component the manifest names, once, and
//                runs invoke, assert_return and assert_trap lines on it
//
// Values come as wast_split.mjs writes them: s-expressions on one line,
// strings as #<hex>, e.g. `(record.const (field #6b str.const #61))`.

#ifndef WASMHOST_TOOLS_COMPONENT_SPEC_INVOKE_H_
#define WASMHOST_TOOLS_COMPONENT_SPEC_INVOKE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/engine.h"

namespace wasmhost::spec {

// Runs invocations against component instances made on the calling
// thread. Thread-affine.
class SpecInvoker {
 public:
  explicit SpecInvoker(Engine engine) : engine_(std::move(engine)) {}

  // Runs one manifest line's invocation: `kind` "invoke", "return" or
  // "trap", `file` the component's binary (read from `dir`; "<binary>@<n>"
  // names instance n of it), `note` its "<NAME> (<ARG>...) (<RES>...)".
  // `kind` "instance" only instantiates. OK when it behaved as expected;
  // otherwise the reason. kUnimplemented: the runtime cannot run it
  // (the component uses what is not supported, or imports anything).
  absl::Status Run(absl::string_view dir, absl::string_view kind,
                   absl::string_view file, absl::string_view note);

 private:
  Engine engine_;
  // By binary file; an entry whose instance could not be made holds why.
  struct Made {
    absl::Status status;
    std::unique_ptr<component::api::Instance> instance;
  };
  std::map<std::string, Made> instances_;
};

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_COMPONENT_SPEC_INVOKE_H_
