#include "tools/spec/wast_command.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace wasmhost::spec {
namespace {

using ::testing::HasSubstr;

TEST(WastCommandTest, ParsesEveryShapeWast2jsonWrites) {
  absl::StatusOr<std::vector<Command>> commands = ParseWastJson(R"json({
    "source_filename": "x.wast",
    "commands": [
      {"type": "module", "line": 1, "name": "$M", "filename": "x.0.wasm"},
      {"type": "register", "line": 2, "name": "$M", "as": "m"},
      {"type": "assert_return", "line": 3,
       "action": {"type": "invoke", "module": "$M", "field": "f",
                  "args": [{"type": "v128", "lane_type": "i64",
                            "value": ["1", "2"]}]},
       "expected": [{"type": "f32", "value": "nan:arithmetic"}]},
      {"type": "assert_trap", "line": 4,
       "action": {"type": "get", "field": "g"},
       "text": "x", "expected": [{"type": "i32"}]},
      {"type": "assert_malformed", "line": 5, "filename": "x.1.wat",
       "text": "y", "module_type": "text"}
    ]})json");
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_EQ(commands->size(), 5u);
  const std::vector<Command>& c = *commands;
  EXPECT_EQ(c[0].type, CommandType::kModule);
  EXPECT_EQ(c[0].name, "$M");
  EXPECT_EQ(c[0].filename, "x.0.wasm");
  EXPECT_EQ(c[1].type, CommandType::kRegister);
  EXPECT_EQ(c[1].as, "m");
  EXPECT_EQ(c[2].line, 3);
  ASSERT_TRUE(c[2].action.has_value());
  EXPECT_EQ(c[2].action->module, "$M");
  EXPECT_EQ(c[2].action->field, "f");
  ASSERT_EQ(c[2].action->args.size(), 1u);
  EXPECT_EQ(c[2].action->args[0].ToString(), "v128:i64x2[1 2]");
  ASSERT_EQ(c[2].expected.size(), 1u);
  EXPECT_EQ(c[2].expected[0].ToString(), "f32:nan:arithmetic");
  EXPECT_EQ(c[3].action->type, Action::Type::kGet);
  EXPECT_TRUE(c[3].expected.empty());  // result types only
  EXPECT_EQ(c[3].text, "x");
  EXPECT_TRUE(c[4].text_module);
}

TEST(WastCommandTest, RejectsWhatItCannotRun) {
  struct Case {
    std::string json;
    std::string message;
  } cases[] = {
      {"{", "not JSON"},
      {R"({"commands": [1]})", "a command is not an object"},
      {R"({"commands": [{"type": "assert_fun", "line": 1}]})",
       "unknown command type \"assert_fun\""},
      {R"({"commands": [{"type": "module"}]})",
       "module command without a line"},
      {R"({"commands": [{"type": "module", "line": 4}]})",
       "line 4: module without a module filename"},
      {R"({"commands": [{"type": "register", "line": 2}]})",
       "line 2: register without \"as\""},
      {R"({"commands": [{"type": "assert_return", "line": 3}]})",
       "line 3: assert_return without an action"},
      {R"({"commands": [{"type": "action", "line": 1,
           "action": {"type": "call", "field": "f"}}]})",
       "unknown action type \"call\""},
      {R"({"commands": [{"type": "assert_return", "line": 1,
           "action": {"type": "invoke", "field": "f"},
           "expected": [{"type": "i32", "value": "x"}]}]})",
       "'x' is not a i32 bit pattern"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<Command>> commands = ParseWastJson(c.json);
    EXPECT_EQ(commands.status().code(), absl::StatusCode::kInvalidArgument)
        << c.json;
    EXPECT_THAT(std::string(commands.status().message()), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace wasmhost::spec
