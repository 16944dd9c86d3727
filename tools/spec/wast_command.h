// tools/spec/wast_command.h: the commands of one .wast file, as wast2json
// writes them.
//
//   CommandType  module, register, action or one of the assertions
//   Action       an invoke of an exported function or a get of a global
//   Command      one command with its source line
//
// Plain values: thread-compatible.

#ifndef WASMHOST_TOOLS_SPEC_WAST_COMMAND_H_
#define WASMHOST_TOOLS_SPEC_WAST_COMMAND_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/spec/spec_value.h"

namespace wasmhost::spec {

enum class CommandType : uint8_t {
  kModule,
  kRegister,
  kAction,
  kAssertReturn,
  kAssertTrap,
  kAssertExhaustion,
  kAssertInvalid,
  kAssertMalformed,
  kAssertUnlinkable,
  kAssertUninstantiable,
};

struct Action {
  enum class Type : uint8_t { kInvoke, kGet };
  Type type = Type::kInvoke;
  // The module's "$name"; empty for the most recent module.
  std::string module;
  std::string field;
  std::vector<SpecValue> args;  // kInvoke only
};

struct Command {
  CommandType type = CommandType::kModule;
  int line = 0;
  // kModule: the module's "$name" (may be empty). kRegister: the module
  // registered (empty: the most recent).
  std::string name;
  // kRegister: the import module name it is registered as.
  std::string as;
  // The module's file, relative to the JSON file's directory: kModule and
  // the assertions on modules (assert_trap on a module too).
  std::string filename;
  // The module is WebAssembly text, not binary (`module quote`).
  bool text_module = false;
  // The action of kAction, kAssertReturn, kAssertExhaustion and an
  // assert_trap on an action.
  std::optional<Action> action;
  // kAssertReturn: the results.
  std::vector<SpecValue> expected;
  // What the assertion expects, e.g. "integer divide by zero".
  std::string text;
};

// Parses the JSON wast2json wrote for one .wast file.
// Returns InvalidArgument if it is not JSON, or a command or value is not
// of a known shape.
absl::StatusOr<std::vector<Command>> ParseWastJson(absl::string_view json);

}  // namespace wasmhost::spec

#endif  // WASMHOST_TOOLS_SPEC_WAST_COMMAND_H_
