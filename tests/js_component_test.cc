// A component made by a JavaScript-to-component toolchain: guests/components/
// js/text.{js,wit}, built by componentize-qjs (QuickJS snapshotted by Wizer,
// wit-dylib bindings; tools/js_components.bzl). What it needs of the engine
// (extended constant expressions, mutable globals imported across its eight
// core modules), its world, and its exports called through the dynamic API.
//
// Its WASI 0.2 imports are satisfied two ways: by test doubles (every
// imported function fails with Unimplemented, every resource is granted),
// which shows the analyser's functions never reach WASI and the one that
// does (stamp's Date) gets the double's status back; and by the real WASI
// 0.2 (wasmhost/wasi_component.h): Date reads its virtual clock, and an
// uncaught JavaScript exception's panic message reaches its stderr.
//
// guests/components/js/cli.{js,wit}, a JavaScript command, runs through
// wasi::RunComponentCommand: args, env, stdin, stdout, stderr and a
// preopen's file, escapes from the preopen denied by the host, its run's
// ok and err as exit codes 0 and 1.

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "guests/components/js/js.h"
#include "tests/test_util.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_pool.h"
#include "wasmhost/component_type.h"
#include "wasmhost/instance.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::component {
namespace {

using ::testing::HasSubstr;
using ::wasmhost::testing::IsOkAndHolds;
using ::wasmhost::testing::SharedEngine;

constexpr absl::string_view kAnalyze = "demo:text/analyze@0.1.0";

// Compiling takes 0.1-0.2 s, so each component is compiled once.
Component CompileOrDie(absl::Span<const uint8_t> bytes) {
  absl::StatusOr<Component> compiled =
      Component::Compile(SharedEngine(), bytes);
  if (!compiled.ok()) {
    ADD_FAILURE() << compiled.status();
    std::abort();
  }
  return *std::move(compiled);
}

const Component& TextComponent() {
  static const Component* component =
      new Component(CompileOrDie(guests::text_wasm()));
  return *component;
}

const Component& CliComponent() {
  static const Component* component =
      new Component(CompileOrDie(guests::cli_wasm()));
  return *component;
}

// Test doubles for the WASI 0.2 imports (not WASI): every imported function
// fails with Unimplemented naming itself, every imported resource is
// granted without a destructor.
Linker WasiTestDoubles(const Component& component) {
  Linker linker;
  for (const ComponentFunc& func : component.imported_funcs()) {
    const std::string name = absl::StrCat(func.interface, " ", func.name);
    EXPECT_OK(linker.Instance(func.interface)
                  .Define(func.name, [name](Caller&, absl::Span<const Val>,
                                            std::vector<Val>&) {
                    return absl::UnimplementedError(
                        absl::StrCat("test double: ", name));
                  }));
  }
  for (const ComponentResource& resource : component.imported_resources()) {
    EXPECT_OK(linker.Instance(resource.interface)
                  .DefineResource(resource.name, nullptr));
  }
  return linker;
}

absl::StatusOr<std::vector<Val>> Call(const Instance& instance,
                                      absl::string_view name,
                                      std::vector<Val> args) {
  absl::StatusOr<Func> func = instance.GetFunc(kAnalyze, name);
  if (!func.ok()) return func.status();
  return func->Call(args);
}

TEST(JsComponentTest, CompilesWithItsCoreModules) {
  const Component& component = TextComponent();
  // QuickJS as a shared library, wasi-libc, wit-dylib's bindings, the
  // shims and fixups linking them: more core modules than any C guest.
  EXPECT_GE(component.num_core_modules(), 5u);
  EXPECT_GE(component.num_core_instances(), component.num_core_modules());
}

TEST(JsComponentTest, WorldIsTheWit) {
  const Component& component = TextComponent();
  const Type stats = Type::Record({{"words", Type::U32()},
                                   {"sentences", Type::U32()},
                                   {"longest-word", Type::String()}});
  const Type keyword =
      Type::Record({{"word", Type::String()}, {"count", Type::U32()}});
  const std::vector<std::pair<std::string, FuncType>> expected = {
      {"describe", FuncType{{{"text", Type::String()}}, stats}},
      {"top-keywords", FuncType{{{"text", Type::String()}, {"n", Type::U32()}},
                                Type::List(keyword)}},
      {"score", FuncType{{{"text", Type::String()},
                          {"weights", Type::List(Type::F64())}},
                         Type::Result(Type::F64(), Type::String())}},
      {"tone-of", FuncType{{{"text", Type::String()}},
                           Type::Enum({"positive", "neutral", "negative"})}},
      {"stamp", FuncType{{{"text", Type::String()}}, Type::String()}},
  };
  std::vector<std::pair<std::string, FuncType>> analyze;
  for (const ComponentFunc& func : component.exported_funcs()) {
    if (func.interface == kAnalyze) analyze.emplace_back(func.name, func.type);
  }
  EXPECT_EQ(analyze, expected);

  // componentize-qjs adds its `init` export, and imports WASI 0.2 only.
  bool has_init = false;
  for (const ComponentFunc& func : component.exported_funcs()) {
    if (func.interface.empty() && func.name == "init") has_init = true;
  }
  EXPECT_TRUE(has_init);
  EXPECT_FALSE(component.imported_funcs().empty());
  for (const ComponentFunc& func : component.imported_funcs()) {
    EXPECT_TRUE(absl::StartsWith(func.interface, "wasi:") &&
                absl::EndsWith(func.interface, "@0.2.12"))
        << func.interface << " " << func.name;
  }

  // As `wasmhost inspect` prints it.
  const std::string wit = component.WitText();
  EXPECT_THAT(wit, HasSubstr("export demo:text/analyze@0.1.0;"));
  EXPECT_THAT(wit, HasSubstr("import wasi:cli/stdout@0.2.12;"));
  EXPECT_THAT(wit, HasSubstr("score: func(text: string, weights: list<f64>) "
                             "-> result<f64, string>;"));
  EXPECT_THAT(wit, HasSubstr("enum tone {"));
}

TEST(JsComponentTest, MissingWasiImportIsNotFound) {
  EXPECT_STATUS(Instance::Create(TextComponent(), Linker()).status(),
                absl::StatusCode::kNotFound, "of interface wasi:");
  // Everything but one function.
  Linker linker = WasiTestDoubles(TextComponent());
  Linker partial;
  for (const ComponentFunc& func : TextComponent().imported_funcs()) {
    if (func.name == "get-stdout") continue;
    ASSERT_OK(partial.Instance(func.interface)
                  .Define(func.name,
                          [](Caller&, absl::Span<const Val>,
                             std::vector<Val>&) { return absl::OkStatus(); }));
  }
  for (const ComponentResource& resource :
       TextComponent().imported_resources()) {
    ASSERT_OK(partial.Instance(resource.interface)
                  .DefineResource(resource.name, nullptr));
  }
  EXPECT_STATUS(Instance::Create(TextComponent(), partial).status(),
                absl::StatusCode::kNotFound,
                "get-stdout of interface wasi:cli/stdout@0.2.12");
  EXPECT_OK(Instance::Create(TextComponent(), linker).status());
}

TEST(JsComponentTest, ExportsRunOnTheDynamicApi) {
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      Instance::Create(TextComponent(), WasiTestDoubles(TextComponent())));
  const std::string text =
      "The café was great. Great coffee, slow service! Would go again?";

  EXPECT_THAT(Call(instance, "describe", {Val::String(text)}),
              IsOkAndHolds(std::vector<Val>{Val::Record({
                  {"words", Val::U32(11)},
                  {"sentences", Val::U32(3)},
                  {"longest-word", Val::String("service")},
              })}));

  auto keyword = [](const char* word, uint32_t count) {
    return Val::Record(
        {{"word", Val::String(word)}, {"count", Val::U32(count)}});
  };
  EXPECT_THAT(Call(instance, "top-keywords", {Val::String(text), Val::U32(3)}),
              IsOkAndHolds(std::vector<Val>{Val::List({
                  keyword("great", 2),
                  keyword("again", 1),
                  keyword("café", 1),
              })}));
  EXPECT_THAT(Call(instance, "top-keywords", {Val::String(""), Val::U32(3)}),
              IsOkAndHolds(std::vector<Val>{Val::List({})}));

  // A word of n letters weighs weights[n - 1]: (1 + 2 + 3 + 4) / 4.
  EXPECT_THAT(
      Call(instance, "score",
           {Val::String("a bb ccc dddd"),
            Val::List({Val::F64(1), Val::F64(2), Val::F64(3), Val::F64(4)})}),
      IsOkAndHolds(std::vector<Val>{Val::Ok(Val::F64(2.5))}));

  EXPECT_THAT(Call(instance, "tone-of", {Val::String(text)}),
              IsOkAndHolds(std::vector<Val>{Val::Enum(0)}));  // positive
  EXPECT_THAT(Call(instance, "tone-of", {Val::String("slow and sad")}),
              IsOkAndHolds(std::vector<Val>{Val::Enum(2)}));  // negative
  EXPECT_FALSE(instance.poisoned());
}

TEST(JsComponentTest, ThrownStringIsTheResultsError) {
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      Instance::Create(TextComponent(), WasiTestDoubles(TextComponent())));
  EXPECT_THAT(Call(instance, "score", {Val::String("words"), Val::List({})}),
              IsOkAndHolds(
                  std::vector<Val>{Val::Err(Val::String("weights is empty"))}));
  EXPECT_THAT(
      Call(instance, "score", {Val::String("?!"), Val::List({Val::F64(1)})}),
      IsOkAndHolds(
          std::vector<Val>{Val::Err(Val::String("text has no words"))}));
  // An error result is a value: the instance goes on.
  EXPECT_FALSE(instance.poisoned());
  EXPECT_THAT(
      Call(instance, "score", {Val::String("ok"), Val::List({Val::F64(7)})}),
      IsOkAndHolds(std::vector<Val>{Val::Ok(Val::F64(7))}));
}

TEST(JsComponentTest, WrongArgumentsAreRefusedBeforeTheCall) {
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      Instance::Create(TextComponent(), WasiTestDoubles(TextComponent())));
  EXPECT_STATUS(Call(instance, "score", {Val::String("x")}).status(),
                absl::StatusCode::kInvalidArgument,
                "score takes 2 arguments, got 1");
  EXPECT_STATUS(
      Call(instance, "describe", {Val::String(std::string("\xff\xfe", 2))})
          .status(),
      absl::StatusCode::kInvalidArgument, "UTF-8");
  EXPECT_FALSE(instance.poisoned());
  EXPECT_STATUS(instance.GetFunc(kAnalyze, "missing").status(),
                absl::StatusCode::kNotFound, "missing");
}

// Date reads wasi:clocks/wall-clock: the double's error comes back
// unchanged and poisons the instance.
TEST(JsComponentTest, WasiCallReachesTheTestDouble) {
  ASSERT_OK_AND_ASSIGN(
      Instance instance,
      Instance::Create(TextComponent(), WasiTestDoubles(TextComponent())));
  EXPECT_STATUS(Call(instance, "stamp", {Val::String("now")}).status(),
                absl::StatusCode::kUnimplemented,
                "test double: wasi:clocks/wall-clock@0.2.12 now");
  EXPECT_TRUE(instance.poisoned());
  EXPECT_STATUS(Call(instance, "tone-of", {Val::String("good")}).status(),
                absl::StatusCode::kFailedPrecondition, "poisoned");
}

struct WasiInstance {
  std::unique_ptr<wasi::WasiContext> context;
  Instance instance;
};

// The text component on the real WASI 0.2, its stdout and stderr kept in
// `out` and `err`, its clocks virtual from 2027-01-15T08:00:00Z.
absl::StatusOr<WasiInstance> InstantiateOnWasi(std::string* out,
                                               std::string* err) {
  wasi::WasiOptions options;
  options.stdout_sink = wasi::OutputSink::ToString(out);
  options.stderr_sink = wasi::OutputSink::ToString(err);
  options.virtual_clock.emplace();
  options.virtual_clock->start_nanos = 1'800'000'000'000'000'000;
  absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
      wasi::WasiContext::Create(options);
  if (!context.ok()) return context.status();
  Linker linker;
  if (absl::Status added = wasi::AddToComponentLinker(linker); !added.ok()) {
    return added;
  }
  InstanceOptions instance_options;
  instance_options.SetContext(context->get());
  absl::StatusOr<Instance> instance =
      Instance::Create(TextComponent(), linker, instance_options);
  if (!instance.ok()) return instance.status();
  return WasiInstance{*std::move(context), *std::move(instance)};
}

TEST(JsComponentTest, DateReadsTheWasiClock) {
  std::string out, err;
  ASSERT_OK_AND_ASSIGN(WasiInstance wasi, InstantiateOnWasi(&out, &err));
  EXPECT_THAT(Call(wasi.instance, "stamp", {Val::String("hello")}),
              IsOkAndHolds(std::vector<Val>{
                  Val::String("2027-01-15T08:00:00.000Z hello")}));
  EXPECT_THAT(Call(wasi.instance, "tone-of", {Val::String("a good day")}),
              IsOkAndHolds(std::vector<Val>{Val::Enum(0)}));
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
}

// A JavaScript exception where the WIT has no result to carry it:
// componentize-qjs's runtime panics, prints why on stderr and traps.
TEST(JsComponentTest, UncaughtExceptionTraps) {
  std::string out, err;
  ASSERT_OK_AND_ASSIGN(WasiInstance wasi, InstantiateOnWasi(&out, &err));
  EXPECT_STATUS(
      Call(wasi.instance, "top-keywords", {Val::String("a"), Val::U32(5000)})
          .status(),
      absl::StatusCode::kAborted, "unreachable");
  EXPECT_THAT(err, HasSubstr("n is 5000, over 1000"));
  EXPECT_TRUE(wasi.instance.poisoned());
}

// Without a WasiContext the real interfaces refuse the call.
TEST(JsComponentTest, WasiWithoutContextFailsTheCall) {
  Linker linker;
  ASSERT_OK(wasi::AddToComponentLinker(linker));
  ASSERT_OK_AND_ASSIGN(Instance instance,
                       Instance::Create(TextComponent(), linker));
  EXPECT_THAT(Call(instance, "describe", {Val::String("no WASI needed")}),
              IsOkAndHolds(std::vector<Val>{Val::Record({
                  {"words", Val::U32(3)},
                  {"sentences", Val::U32(1)},
                  {"longest-word", Val::String("needed")},
              })}));
  EXPECT_STATUS(Call(instance, "stamp", {Val::String("x")}).status(),
                absl::StatusCode::kFailedPrecondition, "WasiContext");
  EXPECT_TRUE(instance.poisoned());
}

// What a run of the cli command gave.
struct CommandRun {
  absl::StatusOr<int> exit_code;
  std::string out;
  std::string err;
};

// Runs the cli command with WASI 0.2 on `options` (its stdout and stderr
// are captured) in a new instance.
CommandRun RunCli(wasi::WasiOptions options) {
  CommandRun run;
  options.stdout_sink = wasi::OutputSink::ToString(&run.out);
  options.stderr_sink = wasi::OutputSink::ToString(&run.err);
  absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
      wasi::WasiContext::Create(options);
  if (!context.ok()) {
    run.exit_code = context.status();
    return run;
  }
  Linker linker;
  EXPECT_OK(wasi::AddToComponentLinker(linker));
  InstanceOptions instance_options;
  instance_options.SetContext(context->get());
  absl::StatusOr<Instance> instance =
      Instance::Create(CliComponent(), linker, instance_options);
  if (!instance.ok()) {
    run.exit_code = instance.status();
    return run;
  }
  run.exit_code = wasi::RunComponentCommand(*instance);
  return run;
}

// The JavaScript component in a fresh-state pool on the real WASI 0.2, a
// context per instance reset on release: every lease answers as a new
// instance would, and one that traps is replaced.
TEST(JsComponentTest, ServesLeasesFromAPool) {
  Linker linker;
  ASSERT_OK(wasi::AddToComponentLinker(linker));
  PoolOptions options;
  options.setup_instance = [](InstanceOptions& instance_options) {
    absl::StatusOr<std::unique_ptr<wasi::WasiContext>> context =
        wasi::WasiContext::Create(wasi::WasiOptions());
    if (!context.ok()) return context.status();
    instance_options.SetContext(
        std::shared_ptr<wasi::WasiContext>(*std::move(context)));
    return absl::OkStatus();
  };
  options.reset_instance = [](Instance& instance) {
    return instance.context<wasi::WasiContext>()->Reset();
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InstancePool> pool,
                       InstancePool::Create(TextComponent(), linker, options));
  for (int lease_number = 0; lease_number < 3; ++lease_number) {
    ASSERT_OK_AND_ASSIGN(Lease lease, pool->Acquire());
    EXPECT_THAT(
        Call(lease.instance(), "tone-of", {Val::String("slow and sad")}),
        IsOkAndHolds(std::vector<Val>{Val::Enum(2)}));
    if (lease_number == 1) {
      // n > 1000 throws a RangeError: a trap poisons this instance only.
      EXPECT_FALSE(Call(lease.instance(), "top-keywords",
                        {Val::String("a"), Val::U32(1001)})
                       .ok());
    }
  }
  EXPECT_EQ(pool->stats().traps, 1u);
}

TEST(JsCommandTest, ExportsWasiCliRun) {
  const std::string wit = CliComponent().WitText();
  EXPECT_THAT(wit, HasSubstr("export wasi:cli/run@0.2.12;"));
  EXPECT_THAT(wit, HasSubstr("import wasi:filesystem/preopens@0.2.12;"));
}

TEST(JsCommandTest, RunsWithArgsEnvStdinAndAPreopen) {
  const wasmhost::testing::SandboxLayout layout =
      wasmhost::testing::MakeSandboxLayout();
  wasmhost::testing::WriteFile(layout.sandbox + "/notes.txt",
                               "first note\nsecond\n");
  wasi::WasiOptions options;
  options.args = {"js_cli", "zoë", "/sandbox/notes.txt"};
  options.env = {{"GREETING", "hi"}};
  options.stdin_source = wasi::InputSource::FromString("one\ntwo\nthree");
  options.preopens = {
      wasi::Preopen{layout.sandbox, "/sandbox", /*read_only=*/true}};
  CommandRun run = RunCli(std::move(options));
  EXPECT_THAT(run.exit_code, IsOkAndHolds(0)) << run.err;
  EXPECT_EQ(run.out,
            "hello from JavaScript, zoë\n"
            "GREETING=hi\n"
            "stdin: 13 bytes, 2 lines\n"
            "/sandbox/notes.txt: 18 bytes, first line: first note\n");
  EXPECT_EQ(run.err, "");
}

// Every way out of the preopen is refused by the host (the guest only
// splits off the preopen's name): "..", an absolute path, symlinks to the
// outside; a path under no preopen never reaches the host. Any failure
// makes run's result err: exit code 1.
TEST(JsCommandTest, EscapesAreDeniedAndTheRunIsErr) {
  const wasmhost::testing::SandboxLayout layout =
      wasmhost::testing::MakeSandboxLayout();
  wasmhost::testing::WriteFile(layout.sandbox + "/in.txt", "inside\n");
  ASSERT_EQ(symlink("../secret", (layout.sandbox + "/up").c_str()), 0);
  ASSERT_EQ(symlink((layout.root + "/secret").c_str(),
                    (layout.sandbox + "/abs").c_str()),
            0);
  wasi::WasiOptions options;
  options.args = {"js_cli",
                  "x",
                  "/sandbox/../secret",
                  "/sandbox//etc/passwd",
                  "/sandbox/up",
                  "/sandbox/abs",
                  "/etc/passwd",
                  "/sandbox/in.txt"};
  options.preopens = {wasi::Preopen{layout.sandbox, "/sandbox"}};
  CommandRun run = RunCli(std::move(options));
  EXPECT_THAT(run.exit_code, IsOkAndHolds(1));
  EXPECT_EQ(run.out,
            "hello from JavaScript, x\n"
            "GREETING is not set\n"
            "stdin: 0 bytes, 0 lines\n"
            "/sandbox/in.txt: 7 bytes, first line: inside\n");
  EXPECT_EQ(run.err,
            "js_cli: /sandbox/../secret: not-permitted\n"
            "js_cli: /sandbox//etc/passwd: not-permitted\n"
            "js_cli: /sandbox/up: not-permitted\n"
            "js_cli: /sandbox/abs: not-permitted\n"
            "js_cli: /etc/passwd: no preopen holds it\n");
}

TEST(JsCommandTest, UsageErrorIsExitOne) {
  wasi::WasiOptions options;
  options.args = {"js_cli"};
  CommandRun run = RunCli(std::move(options));
  EXPECT_THAT(run.exit_code, IsOkAndHolds(1));
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "usage: js_cli NAME [FILE...]\n");
}

// The text component is a reactor: it has no wasi:cli/run to run.
TEST(JsCommandTest, ReactorIsNotACommand) {
  std::string out, err;
  ASSERT_OK_AND_ASSIGN(WasiInstance wasi, InstantiateOnWasi(&out, &err));
  EXPECT_STATUS(wasi::RunComponentCommand(wasi.instance).status(),
                absl::StatusCode::kNotFound, "exports no wasi:cli/run");
}

}  // namespace
}  // namespace wasmhost::component
