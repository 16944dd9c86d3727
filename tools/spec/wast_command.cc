#include "tools/spec/wast_command.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "lib/util/status_macros.h"

namespace wasmhost::spec {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

const Value* Find(const Struct& object, const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> GetString(const Struct& object,
                                      const std::string& key) {
  const Value* value = Find(object, key);
  if (value == nullptr || value->kind_case() != Value::kStringValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing string field \"", key, "\""));
  }
  return value->string_value();
}

// Empty when the field is absent.
std::string GetOptionalString(const Struct& object, const std::string& key) {
  const Value* value = Find(object, key);
  return value != nullptr && value->kind_case() == Value::kStringValue
             ? value->string_value()
             : std::string();
}

absl::StatusOr<const Struct*> GetObject(const Struct& object,
                                        const std::string& key) {
  const Value* value = Find(object, key);
  if (value == nullptr || value->kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing object field \"", key, "\""));
  }
  return &value->struct_value();
}

// The elements of list `key`; empty when the field is absent.
absl::StatusOr<std::vector<const Value*>> GetList(const Struct& object,
                                                  const std::string& key) {
  std::vector<const Value*> elements;
  const Value* value = Find(object, key);
  if (value == nullptr) return elements;
  if (value->kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("field \"", key, "\" is not a list"));
  }
  for (const Value& element : value->list_value().values()) {
    elements.push_back(&element);
  }
  return elements;
}

// {"type": "i32", "value": "1"}, {"type": "v128", "lane_type": "i8",
// "value": ["1", ...]}, {"type": "externref"} (any non-null).
absl::StatusOr<SpecValue> ParseValue(const Value& json) {
  if (json.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError("a value is not an object");
  }
  const Struct& object = json.struct_value();
  WASMHOST_ASSIGN_OR_RETURN(std::string type, GetString(object, "type"));
  std::vector<std::string> lanes;
  const Value* value = Find(object, "value");
  if (value != nullptr && value->kind_case() == Value::kStringValue) {
    lanes.push_back(value->string_value());
  } else if (value != nullptr && value->kind_case() == Value::kListValue) {
    for (const Value& lane : value->list_value().values()) {
      lanes.push_back(lane.string_value());
    }
  }
  return ParseSpecValue(type, GetOptionalString(object, "lane_type"), lanes);
}

absl::StatusOr<std::vector<SpecValue>> ParseValues(const Struct& object,
                                                   const std::string& key) {
  WASMHOST_ASSIGN_OR_RETURN(std::vector<const Value*> list,
                            GetList(object, key));
  std::vector<SpecValue> values;
  for (const Value* json : list) {
    WASMHOST_ASSIGN_OR_RETURN(SpecValue value, ParseValue(*json));
    values.push_back(std::move(value));
  }
  return values;
}

absl::StatusOr<Action> ParseAction(const Struct& object) {
  Action action;
  WASMHOST_ASSIGN_OR_RETURN(std::string type, GetString(object, "type"));
  if (type == "invoke") {
    action.type = Action::Type::kInvoke;
  } else if (type == "get") {
    action.type = Action::Type::kGet;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown action type \"", type, "\""));
  }
  action.module = GetOptionalString(object, "module");
  WASMHOST_ASSIGN_OR_RETURN(action.field, GetString(object, "field"));
  WASMHOST_ASSIGN_OR_RETURN(action.args, ParseValues(object, "args"));
  return action;
}

absl::StatusOr<CommandType> ParseCommandType(const std::string& type) {
  static constexpr struct {
    const char* name;
    CommandType type;
  } kTypes[] = {
      {"module", CommandType::kModule},
      {"register", CommandType::kRegister},
      {"action", CommandType::kAction},
      {"assert_return", CommandType::kAssertReturn},
      {"assert_trap", CommandType::kAssertTrap},
      {"assert_exhaustion", CommandType::kAssertExhaustion},
      {"assert_invalid", CommandType::kAssertInvalid},
      {"assert_malformed", CommandType::kAssertMalformed},
      {"assert_unlinkable", CommandType::kAssertUnlinkable},
      {"assert_uninstantiable", CommandType::kAssertUninstantiable},
  };
  for (const auto& known : kTypes) {
    if (type == known.name) return known.type;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command type \"", type, "\""));
}

absl::StatusOr<Command> ParseCommand(const Struct& object) {
  Command command;
  WASMHOST_ASSIGN_OR_RETURN(std::string type, GetString(object, "type"));
  WASMHOST_ASSIGN_OR_RETURN(command.type, ParseCommandType(type));
  const Value* line = Find(object, "line");
  if (line == nullptr || line->kind_case() != Value::kNumberValue) {
    return absl::InvalidArgumentError(
        absl::StrCat(type, " command without a line"));
  }
  command.line = static_cast<int>(line->number_value());
  command.name = GetOptionalString(object, "name");
  command.as = GetOptionalString(object, "as");
  command.filename = GetOptionalString(object, "filename");
  command.text_module = GetOptionalString(object, "module_type") == "text";
  command.text = GetOptionalString(object, "text");
  if (Find(object, "action") != nullptr) {
    WASMHOST_ASSIGN_OR_RETURN(const Struct* action,
                              GetObject(object, "action"));
    WASMHOST_ASSIGN_OR_RETURN(command.action, ParseAction(*action));
  }
  // Other commands list only the result types there.
  if (command.type == CommandType::kAssertReturn) {
    WASMHOST_ASSIGN_OR_RETURN(command.expected,
                              ParseValues(object, "expected"));
  }

  const bool on_action = command.type == CommandType::kAction ||
                         command.type == CommandType::kAssertReturn ||
                         command.type == CommandType::kAssertExhaustion;
  if (on_action && !command.action.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", command.line, ": ", type, " without an action"));
  }
  const bool on_module = command.type != CommandType::kRegister && !on_action &&
                         !command.action.has_value();
  if (on_module && command.filename.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", command.line, ": ", type, " without a module filename"));
  }
  if (command.type == CommandType::kRegister && command.as.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", command.line, ": register without \"as\""));
  }
  return command;
}

}  // namespace

absl::StatusOr<std::vector<Command>> ParseWastJson(absl::string_view json) {
  Struct root;
  google::protobuf::util::Status parsed =
      google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(json.data(), json.size()), &root);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON: ", parsed.ToString()));
  }
  WASMHOST_ASSIGN_OR_RETURN(std::vector<const Value*> list,
                            GetList(root, "commands"));
  std::vector<Command> commands;
  for (const Value* json_command : list) {
    if (json_command->kind_case() != Value::kStructValue) {
      return absl::InvalidArgumentError("a command is not an object");
    }
    WASMHOST_ASSIGN_OR_RETURN(Command command,
                              ParseCommand(json_command->struct_value()));
    commands.push_back(std::move(command));
  }
  return commands;
}

}  // namespace wasmhost::spec
