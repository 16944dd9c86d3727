// ModuleLimits (wasmhost/limits.h): Engine::Compile refuses a module over
// one of them with ResourceExhausted naming the limit, before V8 compiles
// it. A process of its own: the limits are engine options, fixed when V8 is
// initialised; this engine sets small ones, and the defaults are checked on
// generated modules just past them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "wasmhost/engine.h"
#include "wasmhost/instance.h"
#include "wasmhost/limits.h"

namespace wasmhost {
namespace {

constexpr uint64_t kSmallExports = 3;
constexpr uint64_t kSmallImports = 2;

const Engine& SmallLimitsEngine() {
  static const Engine* engine = [] {
    EngineOptions options;
    options.module_limits.max_exports = kSmallExports;
    options.module_limits.max_imports = kSmallImports;
    options.module_limits.max_module_bytes = 1 << 20;
    options.module_limits.max_function_locals = 100;
    options.module_limits.max_functions = 10;
    options.module_limits.max_function_body_bytes = 200'000;
    absl::StatusOr<Engine> created = Engine::Create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    return new Engine(*std::move(created));
  }();
  return *engine;
}

// A minimal module writer: enough to make modules of a given shape.
void Leb(std::vector<uint8_t>& out, uint64_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    out.push_back(value != 0 ? (byte | 0x80) : byte);
  } while (value != 0);
}

void Section(std::vector<uint8_t>& module, uint8_t id,
             const std::vector<uint8_t>& payload) {
  module.push_back(id);
  Leb(module, payload.size());
  module.insert(module.end(), payload.begin(), payload.end());
}

std::vector<uint8_t> Name(absl::string_view name) {
  std::vector<uint8_t> out;
  Leb(out, name.size());
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

struct Shape {
  uint64_t imports = 0;    // functions "env"."f<i>" of type () -> ()
  uint64_t functions = 1;  // defined, each () -> ()
  uint64_t exports = 0;    // of function 0, as "e<i>"
  uint64_t locals = 0;     // i32 locals of every function
  uint64_t nesting = 0;    // nested loops in every function
  uint64_t padding = 0;    // `nop`s in every function
};

std::vector<uint8_t> MakeModule(const Shape& shape) {
  std::vector<uint8_t> module = {0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
  Section(module, 1, {1, 0x60, 0, 0});  // type 0: () -> ()
  if (shape.imports > 0) {
    std::vector<uint8_t> imports;
    Leb(imports, shape.imports);
    for (uint64_t i = 0; i < shape.imports; ++i) {
      std::vector<uint8_t> module_name = Name("env");
      std::vector<uint8_t> name = Name(absl::StrCat("f", i));
      imports.insert(imports.end(), module_name.begin(), module_name.end());
      imports.insert(imports.end(), name.begin(), name.end());
      imports.push_back(0x00);  // func
      imports.push_back(0);     // type 0
    }
    Section(module, 2, imports);
  }
  std::vector<uint8_t> functions;
  Leb(functions, shape.functions);
  for (uint64_t i = 0; i < shape.functions; ++i) functions.push_back(0);
  Section(module, 3, functions);
  if (shape.exports > 0) {
    std::vector<uint8_t> exports;
    Leb(exports, shape.exports);
    for (uint64_t i = 0; i < shape.exports; ++i) {
      std::vector<uint8_t> name = Name(absl::StrCat("e", i));
      exports.insert(exports.end(), name.begin(), name.end());
      exports.push_back(0x00);      // func
      Leb(exports, shape.imports);  // the first defined function
    }
    Section(module, 7, exports);
  }
  std::vector<uint8_t> body;
  if (shape.locals > 0) {
    body = {1};
    Leb(body, shape.locals);
    body.push_back(0x7f);  // i32
  } else {
    body = {0};
  }
  for (uint64_t i = 0; i < shape.nesting; ++i)
    body.insert(body.end(), {0x03, 0x40});
  body.insert(body.end(), shape.padding, 0x01);
  for (uint64_t i = 0; i < shape.nesting; ++i) body.push_back(0x0b);
  body.push_back(0x0b);
  std::vector<uint8_t> code;
  Leb(code, shape.functions);
  for (uint64_t i = 0; i < shape.functions; ++i) {
    Leb(code, body.size());
    code.insert(code.end(), body.begin(), body.end());
  }
  Section(module, 10, code);
  return module;
}

TEST(ModuleLimitsTest, ModulesWithinTheLimitsCompile) {
  Shape shape;
  shape.imports = kSmallImports;
  shape.functions = 10 - kSmallImports;
  shape.exports = kSmallExports;
  shape.locals = 100;
  ASSERT_OK_AND_ASSIGN(Module module,
                       SmallLimitsEngine().Compile(MakeModule(shape)));
  EXPECT_EQ(module.exports().size(), kSmallExports);
}

TEST(ModuleLimitsTest, EachLimitIsNamed) {
  struct Case {
    Shape shape;
    const char* message;
  };
  Shape exports;
  exports.exports = kSmallExports + 1;
  Shape imports;
  imports.imports = kSmallImports + 1;
  Shape functions;
  functions.functions = 11;
  Shape locals;
  locals.locals = 101;
  Shape body;
  body.padding = 200'000;
  Shape size;
  size.functions = 2;
  size.padding = 600'000;
  const Case cases[] = {
      {exports, "module over ModuleLimits::max_exports (3): 4 exports"},
      {imports, "module over ModuleLimits::max_imports (2): 3 imports"},
      {functions, "module over ModuleLimits::max_functions (10): 11 functions"},
      {locals, "ModuleLimits::max_function_locals (100): 101 locals"},
      {body, "ModuleLimits::max_function_body_bytes (200000)"},
      {size, "ModuleLimits::max_module_bytes (1048576)"},
  };
  for (const Case& c : cases) {
    EXPECT_STATUS(SmallLimitsEngine().Compile(MakeModule(c.shape)),
                  absl::StatusCode::kResourceExhausted, c.message);
  }
}

TEST(ModuleLimitsTest, DeepNestingIsRefusedBeforeV8CompilesIt) {
  const uint64_t limit = ModuleLimits().max_nesting_depth;
  Shape over;
  over.nesting = 40'000;  // TurboFan would take gigabytes and many seconds
  const absl::Time start = absl::Now();
  EXPECT_STATUS(SmallLimitsEngine().Compile(MakeModule(over)),
                absl::StatusCode::kResourceExhausted,
                absl::StrCat("ModuleLimits::max_nesting_depth (", limit,
                             "): 40000 blocks open at once"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));

  Shape at_limit;
  at_limit.nesting = limit;
  ASSERT_OK_AND_ASSIGN(Module module,
                       SmallLimitsEngine().Compile(MakeModule(at_limit)));
  Shape just_over;
  just_over.nesting = limit + 1;
  EXPECT_STATUS(SmallLimitsEngine().Compile(MakeModule(just_over)),
                absl::StatusCode::kResourceExhausted, "max_nesting_depth");
}

TEST(ModuleLimitsTest, DefaultsMatchTheHeader) {
  const ModuleLimits defaults;
  EXPECT_EQ(defaults.max_module_bytes, 256u << 20);
  EXPECT_EQ(defaults.max_functions, 1'000'000u);
  EXPECT_EQ(defaults.max_function_body_bytes, 7'654'321u);
  EXPECT_EQ(defaults.max_function_locals, 50'000u);
  EXPECT_EQ(defaults.max_nesting_depth, 2'000u);
  EXPECT_EQ(defaults.max_imports, 20'000u);
  EXPECT_EQ(defaults.max_exports, 20'000u);
}

}  // namespace
}  // namespace wasmhost
