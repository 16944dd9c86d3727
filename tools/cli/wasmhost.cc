// wasmhost: the command-line tool.
//
//   wasmhost inspect FILE   imports, exports with signatures, memory limits
//                           and custom sections of a module; a component's
//                           WIT world
//   wasmhost run [OPTIONS] FILE [ARGS...]
//                           runs a WASI command (or calls a reactor's
//                           export), like `wasmtime run`; or a component's
//                           wasi:cli/run with WASI 0.2; see kUsage
//   wasmhost serve [OPTIONS] COMPONENT
//                           serves a wasi:http component over HTTP
//                           (lib/serve), a fresh-state instance per
//                           request, reloaded when the file changes
//   wasmhost bindgen c-guest|cpp-host --wit DIR_OR_FILE [--world NAME]
//                           --out DIR
//                           C guest or C++ host bindings for a component
//                           from WIT (lib/bindgen/command.h)
//
// `run` exit status, as wasmtime's on Unix:
//   N    the guest's exit code: the code it gave proc_exit, 0 when _start
//        returned (with --invoke: 0 when the call returned); for a
//        component 0 when run returned ok, 1 for err or wasi:cli/exit(err)
//   134  the guest trapped, ran out of fuel or hit --timeout (wasmtime
//        reports a trap as an abort, 128 + SIGABRT); the reason goes to
//        stderr
//   1    the tool failed before the guest ran: unreadable or invalid
//        module, an import not granted, a missing preopen, no _start
//   2    a usage error

#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/bindgen/command.h"
#include "lib/component/reader.h"
#include "lib/component/wit_printer.h"
#include "lib/component/world.h"
#include "lib/serve/component_service.h"
#include "lib/serve/http_server.h"
#include "lib/util/status_macros.h"
#include "wasmhost/component.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/engine.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"
#include "wasmhost/limits.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"
#include "wasmhost/value.h"
#include "wasmhost/wasi.h"
#include "wasmhost/wasi_component.h"

namespace {

constexpr char kUsage[] =
    "usage: wasmhost inspect FILE\n"
    "       wasmhost run [OPTIONS] FILE [ARGS...]\n"
    "       wasmhost serve [OPTIONS] COMPONENT\n"
    "       wasmhost bindgen c-guest|cpp-host --wit DIR_OR_FILE [--world "
    "NAME] --out DIR\n"
    "  inspect  print a module's imports, exports with signatures, memory\n"
    "           limits and custom sections; a component's WIT world\n"
    "  run      run a WASI command's _start with ARGS (argv[0] is FILE), or\n"
    "           a component's wasi:cli/run with WASI 0.2 (same options);\n"
    "           the guest's stdin, stdout and stderr are the tool's, and its\n"
    "           exit code is the tool's (134 if it traps)\n"
    "run options (as wasmtime run's):\n"
    "  --dir HOST[::GUEST]   let the guest use host directory HOST as GUEST\n"
    "                        (default: the same path); repeatable\n"
    "  --env KEY=VALUE       set an environment variable; --env KEY passes\n"
    "                        the tool's own value; repeatable\n"
    "  --invoke NAME         run _initialize (if exported), then call export\n"
    "                        NAME with ARGS as its parameters and print each\n"
    "                        result on a line\n"
    "  --fuel N              stop the guest (trap) after N units of fuel\n"
    "  --timeout DURATION    stop the guest (trap) after DURATION, e.g. 2s,\n"
    "                        500ms\n"
    "  --max-memory BYTES    the most linear memory the guest may grow to\n"
    "  --                    end of options\n"
    "  serve    serve a component exporting wasi:http/incoming-handler over\n"
    "           HTTP, each request on a fresh-state instance; the file is\n"
    "           reloaded when it changes (requests in flight finish on the\n"
    "           old version; a version that fails is refused and logged);\n"
    "           stops on SIGINT or SIGTERM\n"
    "serve options: --dir, --env, --fuel, --timeout (per request),\n"
    "  --max-memory (per instance) as for run, and:\n"
    "  --addr IP:PORT        listen there (default 127.0.0.1:8080; port 0\n"
    "                        picks a free one, printed when listening)\n"
    "  --threads N           serving threads (default: one per core)\n"
    "  --allow-outgoing HOST:PORT\n"
    "                        let the guest send requests there (plain\n"
    "                        HTTP/1.1, no https); repeatable\n"
    "                        (default: every outgoing request is denied)\n"
    "  --reload-poll DURATION\n"
    "                        how often the file is checked (default 500ms;\n"
    "                        0 never)\n"
    "bindgen: C guest (c-guest) or C++ host (cpp-host) bindings for a\n"
    "         component from WIT (`wasmhost bindgen` for its options)\n";

// Exit statuses of `run` besides the guest's own code.
constexpr int kExitToolError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitTrap = 134;  // 128 + SIGABRT, as wasmtime

absl::StatusOr<std::vector<uint8_t>> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>());
}

std::string Limits(const wasmhost::MemoryType& memory) {
  std::string text = absl::StrCat("min ", memory.min_pages, " pages (",
                                  memory.min_pages * 64, " KiB)");
  if (memory.max_pages.has_value()) {
    absl::StrAppend(&text, ", max ", *memory.max_pages, " pages (",
                    *memory.max_pages * 64, " KiB)");
  } else {
    absl::StrAppend(&text, ", no max");
  }
  return text;
}

template <typename ExternType>
std::string Describe(const ExternType& type) {
  switch (type.kind) {
    case wasmhost::ExternKind::kFunc:
      return absl::StrCat("func ", type.func_type.ToString());
    case wasmhost::ExternKind::kMemory:
      return absl::StrCat("memory ", Limits(type.memory));
    default:
      return std::string(wasmhost::ExternKindName(type.kind));
  }
}

// A component (told by its layer field): its definitions counted, then its
// world in WIT. Reads it with lib/component until the public component API
// exists.
int InspectComponent(const std::string& path,
                     const std::vector<uint8_t>& bytes) {
  namespace component = wasmhost::component;
  // auto: the public component::api::Component is visible here too.
  auto parsed = component::ReadComponent(bytes);
  if (!parsed.ok()) {
    std::cerr << "wasmhost: " << path << ": " << parsed.status() << "\n";
    return 1;
  }
  absl::StatusOr<component::World> world = component::ResolveWorld(*parsed);
  if (!world.ok()) {
    std::cerr << "wasmhost: " << path << ": " << world.status() << "\n";
    return 1;
  }
  const component::ComponentDef& root = parsed->root;
  std::cout << path << ": " << bytes.size() << " bytes, component ("
            << root.core_modules.size() << " core modules, "
            << root.core_instances.size() << " core instances, "
            << root.components.size() << " nested components, "
            << root.canons.size() << " canonical functions)\n\n"
            << component::PrintWit(*world);
  return 0;
}

int Inspect(const std::string& path) {
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(path);
  if (!bytes.ok()) {
    std::cerr << "wasmhost: " << bytes.status().message() << "\n";
    return 1;
  }
  if (wasmhost::component::IsComponent(*bytes)) {
    return InspectComponent(path, *bytes);
  }
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  if (!engine.ok()) {
    std::cerr << "wasmhost: " << engine.status() << "\n";
    return 1;
  }
  absl::StatusOr<wasmhost::Module> module = engine->Compile(*bytes);
  if (!module.ok()) {
    std::cerr << "wasmhost: " << path << ": " << module.status() << "\n";
    return 1;
  }
  std::cout << path << ": " << bytes->size() << " bytes";
  if (!module->name().empty()) std::cout << ", module $" << module->name();
  std::cout << "\n";

  std::cout << "imports (" << module->imports().size() << "):\n";
  for (const wasmhost::ImportType& import : module->imports()) {
    std::cout << "  " << import.module << "." << import.name << ": "
              << Describe(import) << "\n";
  }
  std::cout << "exports (" << module->exports().size() << "):\n";
  for (const wasmhost::ExportType& exported : module->exports()) {
    std::cout << "  " << exported.name << ": " << Describe(exported) << "\n";
  }
  std::cout << "memory: "
            << (module->memory().has_value() ? Limits(*module->memory())
                                             : "none")
            << "\n";
  std::cout << "custom sections (" << module->custom_sections().size()
            << "):\n";
  for (const wasmhost::CustomSection& section : module->custom_sections()) {
    std::cout << "  \"" << section.name << "\": " << section.size << " bytes\n";
  }
  return 0;
}

struct RunFlags {
  std::vector<wasmhost::wasi::Preopen> preopens;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<std::string> invoke;
  std::optional<uint64_t> fuel;
  std::optional<absl::Duration> timeout;
  uint64_t max_memory_bytes = 0;
  // serve's.
  wasmhost::serve::HttpServerOptions http;
  std::vector<std::string> allow_outgoing;
  absl::Duration reload_poll = absl::Milliseconds(500);
  std::string file;
  std::vector<std::string> args;  // after FILE
};

// Parses `run`'s arguments (after "run"), or with `serve` `serve`'s.
// Options come before FILE, as `--flag VALUE` or `--flag=VALUE`; everything
// after FILE goes to the guest.
absl::StatusOr<RunFlags> ParseRunFlags(const std::vector<std::string>& argv,
                                       bool serve = false) {
  RunFlags flags;
  size_t i = 0;
  for (; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (!absl::StartsWith(arg, "-") || arg == "-") break;
    std::string name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    static const char* const kFlags[] = {"--dir",  "--env",     "--invoke",
                                         "--fuel", "--timeout", "--max-memory"};
    static const char* const kServeFlags[] = {
        "--addr", "--threads", "--allow-outgoing", "--reload-poll"};
    bool known = false;
    for (const char* flag : kFlags) known = known || name == flag;
    if (serve) {
      known = (known && name != "--invoke");
      for (const char* flag : kServeFlags) known = known || name == flag;
    }
    if (!known)
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", name));
    if (!has_value) {
      if (i + 1 >= argv.size()) {
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      }
      value = argv[++i];
    }
    if (name == "--dir") {
      wasmhost::wasi::Preopen preopen;
      if (size_t sep = value.find("::"); sep != std::string::npos) {
        preopen.host_path = value.substr(0, sep);
        preopen.guest_path = value.substr(sep + 2);
      } else {
        preopen.host_path = preopen.guest_path = value;
      }
      if (preopen.host_path.empty() || preopen.guest_path.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--dir ", value, ": expected HOST[::GUEST]"));
      }
      flags.preopens.push_back(std::move(preopen));
    } else if (name == "--env") {
      if (value.empty() || value[0] == '=') {
        return absl::InvalidArgumentError("--env: expected KEY=VALUE or KEY");
      }
      if (size_t eq = value.find('='); eq != std::string::npos) {
        flags.env.emplace_back(value.substr(0, eq), value.substr(eq + 1));
      } else if (const char* host = std::getenv(value.c_str())) {
        flags.env.emplace_back(value, host);
      }
    } else if (name == "--invoke") {
      flags.invoke = value;
    } else if (name == "--fuel") {
      uint64_t fuel;
      if (!absl::SimpleAtoi(value, &fuel)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--fuel ", value, ": not a number"));
      }
      flags.fuel = fuel;
    } else if (name == "--timeout") {
      absl::Duration timeout;
      if (!absl::ParseDuration(value, &timeout) ||
          timeout <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--timeout ", value, ": not a positive duration (e.g. 2s, 500ms)"));
      }
      flags.timeout = timeout;
    } else if (name == "--max-memory") {
      if (!absl::SimpleAtoi(value, &flags.max_memory_bytes) ||
          flags.max_memory_bytes == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--max-memory ", value, ": not a positive number of bytes"));
      }
    } else if (name == "--addr") {
      WASMHOST_RETURN_IF_ERROR(
          wasmhost::serve::ParseListenAddress(value, &flags.http));
    } else if (name == "--threads") {
      if (!absl::SimpleAtoi(value, &flags.http.threads) ||
          flags.http.threads == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--threads ", value, ": not a positive number"));
      }
    } else if (name == "--allow-outgoing") {
      flags.allow_outgoing.push_back(value);
    } else if (name == "--reload-poll") {
      if (!absl::ParseDuration(value, &flags.reload_poll) ||
          flags.reload_poll < absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--reload-poll ", value, ": not a duration (e.g. 1s, 0)"));
      }
    }
  }
  if (i >= argv.size()) return absl::InvalidArgumentError("no FILE given");
  flags.file = argv[i++];
  flags.args.assign(argv.begin() + i, argv.end());
  if (serve && !flags.args.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument after COMPONENT: ", flags.args[0]));
  }
  return flags;
}

// The engine `run` and `serve` use: metering fuel when --fuel is given.
absl::StatusOr<wasmhost::Engine> EngineFor(const RunFlags& flags) {
  wasmhost::EngineOptions options;
  options.consume_fuel = flags.fuel.has_value();
  return wasmhost::Engine::Create(options);
}

// Parses a command-line argument as a value of `type` (--invoke's params).
absl::StatusOr<wasmhost::Val> ParseVal(wasmhost::ValType type,
                                       const std::string& text) {
  bool ok = false;
  wasmhost::Val val;
  switch (type) {
    case wasmhost::ValType::kI32: {
      int32_t v;
      uint32_t u;
      if ((ok = absl::SimpleAtoi(text, &v))) {
        val = wasmhost::Val::I32(v);
      } else if ((ok = absl::SimpleAtoi(text, &u))) {
        val = wasmhost::Val::I32(static_cast<int32_t>(u));
      }
      break;
    }
    case wasmhost::ValType::kI64: {
      int64_t v;
      uint64_t u;
      if ((ok = absl::SimpleAtoi(text, &v))) {
        val = wasmhost::Val::I64(v);
      } else if ((ok = absl::SimpleAtoi(text, &u))) {
        val = wasmhost::Val::I64(static_cast<int64_t>(u));
      }
      break;
    }
    case wasmhost::ValType::kF32: {
      float v;
      if ((ok = absl::SimpleAtof(text, &v))) val = wasmhost::Val::F32(v);
      break;
    }
    case wasmhost::ValType::kF64: {
      double v;
      if ((ok = absl::SimpleAtod(text, &v))) val = wasmhost::Val::F64(v);
      break;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("cannot pass a ", wasmhost::ValTypeName(type),
                       " from the command line"));
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a ", wasmhost::ValTypeName(type)));
  }
  return val;
}

// A result as wasmtime prints it: the bare number.
std::string FormatVal(const wasmhost::Val& val) {
  switch (val.type()) {
    case wasmhost::ValType::kI32:
      return absl::StrCat(val.i32());
    case wasmhost::ValType::kI64:
      return absl::StrCat(val.i64());
    case wasmhost::ValType::kF32:
      return absl::StrCat(val.f32());
    case wasmhost::ValType::kF64:
      return absl::StrCat(val.f64());
    default:
      return val.ToString();
  }
}

// The exit status for a guest call that did not return normally: the
// guest's exit code after proc_exit, kExitTrap after a trap, fuel running
// out or the deadline, kExitToolError otherwise.
int GuestFailure(const absl::Status& status) {
  if (std::optional<int> code = wasmhost::wasi::GetExitCode(status))
    return *code;
  if (std::optional<wasmhost::TrapInfo> trap = wasmhost::GetTrapInfo(status)) {
    std::cerr << "wasmhost: error: guest trapped: "
              << wasmhost::TrapKindName(trap->kind);
    if (!trap->message.empty()) std::cerr << " (" << trap->message << ")";
    std::cerr << "\n";
    for (const wasmhost::Frame& frame : trap->backtrace) {
      std::cerr << "  at "
                << (frame.function_name.empty()
                        ? absl::StrCat("func[", frame.function_index, "]")
                        : frame.function_name)
                << " @ 0x" << std::hex << frame.module_offset << std::dec
                << "\n";
    }
    return kExitTrap;
  }
  if (absl::IsDeadlineExceeded(status)) {
    std::cerr << "wasmhost: error: guest stopped: --timeout passed\n";
    return kExitTrap;
  }
  if (absl::IsResourceExhausted(status)) {
    std::cerr << "wasmhost: error: guest stopped: " << status.message() << "\n";
    return kExitTrap;
  }
  std::cerr << "wasmhost: error: " << status << "\n";
  return kExitToolError;
}

// Instantiation failed: a start function (or the module's data
// initialisation, or a component's core start) that exits, traps or runs
// past --timeout is the guest's doing; anything else the tool's.
int InstantiationFailure(const std::string& file, const absl::Status& status) {
  const wasmhost::ErrorInfo error = wasmhost::GetErrorInfo(status);
  if (error.kind == wasmhost::ErrorKind::kGuestExit ||
      error.kind == wasmhost::ErrorKind::kTrap ||
      (error.kind == wasmhost::ErrorKind::kLimit &&
       error.limit == wasmhost::LimitKind::kDeadline)) {
    return GuestFailure(status);
  }
  std::cerr << "wasmhost: " << file << ": " << status << "\n";
  return kExitToolError;
}

// Runs a component's wasi:cli/run with WASI 0.2 on the same context and
// limits as a module gets.
int RunComponent(const RunFlags& flags, const wasmhost::Engine& engine,
                 absl::Span<const uint8_t> bytes,
                 const wasmhost::InstanceOptions& instance_options,
                 const wasmhost::CallOptions& call) {
  // The public API's names (lib/component's own are visible here too).
  namespace component = wasmhost::component::api;
  if (flags.invoke.has_value()) {
    std::cerr << "wasmhost run: --invoke is for modules; a component runs "
                 "its wasi:cli/run\n";
    return kExitUsage;
  }
  absl::StatusOr<component::Component> compiled =
      component::Component::Compile(engine, bytes);
  if (!compiled.ok()) {
    std::cerr << "wasmhost: " << flags.file << ": " << compiled.status()
              << "\n";
    return kExitToolError;
  }
  component::Linker linker;
  if (absl::Status status = wasmhost::wasi::AddToComponentLinker(linker);
      !status.ok()) {
    std::cerr << "wasmhost: " << status << "\n";
    return kExitToolError;
  }
  absl::StatusOr<component::Instance> instance =
      component::Instance::Create(*compiled, linker, instance_options);
  if (!instance.ok())
    return InstantiationFailure(flags.file, instance.status());
  absl::StatusOr<int> code =
      wasmhost::wasi::RunComponentCommand(*instance, call);
  if (absl::IsNotFound(code.status())) {
    std::cerr << "wasmhost: " << flags.file << ": " << code.status().message()
              << "\n";
    return kExitToolError;
  }
  if (!code.ok()) return GuestFailure(code.status());
  return *code;
}

int Run(const std::vector<std::string>& argv) {
  absl::StatusOr<RunFlags> flags = ParseRunFlags(argv);
  if (!flags.ok()) {
    std::cerr << "wasmhost run: " << flags.status().message() << "\n" << kUsage;
    return kExitUsage;
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = ReadFile(flags->file);
  if (!bytes.ok()) {
    std::cerr << "wasmhost: " << bytes.status().message() << "\n";
    return kExitToolError;
  }
  absl::StatusOr<wasmhost::Engine> engine = EngineFor(*flags);
  if (!engine.ok()) {
    std::cerr << "wasmhost: " << engine.status() << "\n";
    return kExitToolError;
  }
  wasmhost::wasi::WasiOptions wasi;
  wasi.args.push_back(flags->file);
  // With --invoke, ARGS are the export's parameters, but the guest still
  // sees them as argv, as under wasmtime.
  wasi.args.insert(wasi.args.end(), flags->args.begin(), flags->args.end());
  wasi.env = flags->env;
  wasi.preopens = flags->preopens;
  wasi.stdin_source = wasmhost::wasi::InputSource::FromFd(0);
  wasi.stdout_sink = wasmhost::wasi::OutputSink::ToFd(1);
  wasi.stderr_sink = wasmhost::wasi::OutputSink::ToFd(2);
  absl::StatusOr<std::unique_ptr<wasmhost::wasi::WasiContext>> context =
      wasmhost::wasi::WasiContext::Create(std::move(wasi));
  if (!context.ok()) {
    std::cerr << "wasmhost: " << context.status().message() << "\n";
    return kExitToolError;
  }

  wasmhost::CallOptions call;
  if (flags->timeout.has_value()) call.deadline = absl::Now() + *flags->timeout;
  call.fuel = flags->fuel;

  wasmhost::InstanceOptions instance_options;
  instance_options.limits.max_memory_bytes = flags->max_memory_bytes;
  instance_options.start_call.deadline = call.deadline;
  instance_options.SetContext(context->get());

  if (wasmhost::component::IsComponent(*bytes)) {
    return RunComponent(*flags, *engine, *bytes, instance_options, call);
  }

  absl::StatusOr<wasmhost::Module> module = engine->Compile(*bytes);
  if (!module.ok()) {
    std::cerr << "wasmhost: " << flags->file << ": " << module.status() << "\n";
    return kExitToolError;
  }

  wasmhost::Linker linker;
  if (absl::Status status = wasmhost::wasi::AddToLinker(linker); !status.ok()) {
    std::cerr << "wasmhost: " << status << "\n";
    return kExitToolError;
  }

  absl::StatusOr<wasmhost::Instance> instance =
      wasmhost::Instance::Create(*module, linker, instance_options);
  if (!instance.ok()) {
    return InstantiationFailure(flags->file, instance.status());
  }

  if (!flags->invoke.has_value()) {
    absl::StatusOr<wasmhost::TypedFunc<void()>> start =
        instance->GetFunc<void()>("_start");
    if (!start.ok()) {
      std::cerr << "wasmhost: " << flags->file
                << ": no _start () -> () to run (a reactor? use --invoke)\n";
      return kExitToolError;
    }
    absl::StatusOr<int> code = wasmhost::wasi::RunCommand(*instance, call);
    if (!code.ok()) return GuestFailure(code.status());
    return *code;
  }

  absl::StatusOr<wasmhost::Func> func = instance->GetFunc(*flags->invoke);
  if (!func.ok()) {
    std::cerr << "wasmhost: " << flags->file << ": " << func.status().message()
              << "\n";
    return kExitToolError;
  }
  if (func->type().params.size() != flags->args.size()) {
    std::cerr << "wasmhost: " << *flags->invoke << " "
              << func->type().ToString() << " takes "
              << func->type().params.size() << " arguments, "
              << flags->args.size() << " given\n";
    return kExitUsage;
  }
  std::vector<wasmhost::Val> args;
  for (size_t i = 0; i < flags->args.size(); ++i) {
    absl::StatusOr<wasmhost::Val> val =
        ParseVal(func->type().params[i], flags->args[i]);
    if (!val.ok()) {
      std::cerr << "wasmhost: " << *flags->invoke << " argument " << i + 1
                << ": " << val.status().message() << "\n";
      return kExitUsage;
    }
    args.push_back(*val);
  }
  if (absl::Status status = wasmhost::wasi::InitializeReactor(*instance, call);
      !status.ok()) {
    return GuestFailure(status);
  }
  // One fuel budget for _initialize and the call together.
  if (call.fuel.has_value()) {
    absl::StatusOr<uint64_t> left = instance->remaining_fuel();
    if (left.ok()) call.fuel = *left;
  }
  absl::StatusOr<std::vector<wasmhost::Val>> results = func->Call(call, args);
  if (!results.ok()) return GuestFailure(results.status());
  for (const wasmhost::Val& result : *results) {
    std::cout << FormatVal(result) << "\n";
  }
  std::cout.flush();
  return 0;
}

// Serves a wasi:http component until SIGINT or SIGTERM.
int Serve(const std::vector<std::string>& argv) {
  absl::StatusOr<RunFlags> flags = ParseRunFlags(argv, /*serve=*/true);
  if (!flags.ok()) {
    std::cerr << "wasmhost serve: " << flags.status().message() << "\n"
              << kUsage;
    return kExitUsage;
  }
  // Stopped by sigwait below: blocked before any thread starts, so every
  // thread inherits the mask and none is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<wasmhost::Engine> engine = EngineFor(*flags);
  if (!engine.ok()) {
    std::cerr << "wasmhost: " << engine.status() << "\n";
    return kExitToolError;
  }
  wasmhost::serve::ComponentServiceOptions options;
  options.handler.wasi.args.push_back(flags->file);
  options.handler.wasi.env = flags->env;
  options.handler.wasi.preopens = flags->preopens;
  // stdout is the tool's "listening on" line; the guest's go to stderr.
  options.handler.wasi.stdout_sink = wasmhost::wasi::OutputSink::ToFd(2);
  options.handler.wasi.stderr_sink = wasmhost::wasi::OutputSink::ToFd(2);
  options.handler.allowed_outgoing = flags->allow_outgoing;
  options.handler.pool.instance_options.limits.max_memory_bytes =
      flags->max_memory_bytes;
  if (flags->timeout.has_value()) options.call.timeout = *flags->timeout;
  options.call.fuel = flags->fuel;
  options.reload_poll = flags->reload_poll;
  options.log = [](absl::string_view line) {
    // One write per line, so lines from several threads do not mix.
    const std::string text = absl::StrCat("wasmhost serve: ", line, "\n");
    std::fwrite(text.data(), 1, text.size(), stderr);
  };
  absl::StatusOr<std::unique_ptr<wasmhost::serve::ComponentService>> service =
      wasmhost::serve::ComponentService::Create(
          *engine, flags->file, wasmhost::component::Linker(), options);
  if (!service.ok()) {
    std::cerr << "wasmhost: " << flags->file << ": " << service.status()
              << "\n";
    return kExitToolError;
  }
  absl::StatusOr<std::unique_ptr<wasmhost::serve::HttpServer>> server =
      wasmhost::serve::HttpServer::Start(
          flags->http,
          [service = service->get()](const wasmhost::serve::HttpRequest& r) {
            return service->Handle(r);
          });
  if (!server.ok()) {
    std::cerr << "wasmhost: " << server.status() << "\n";
    return kExitToolError;
  }
  std::cout << "listening on http://" << flags->http.address << ":"
            << (*server)->port() << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->reset();  // Before the service it calls.
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  // A fastbuild binary starts big guests ~8x slower (1.9 s against 0.24 s
  // for a 21 MB WASI program), which users took for the SDK's speed. Only
  // `-c opt` defines NDEBUG; the sanitizer configs (fastbuild at -O1) warn
  // too, as run_test expects of every mode but opt.
  std::cerr << "wasmhost: warning: built without optimisation; build with "
               "`./x cli` or `bazel build -c opt //tools/cli:wasmhost`\n";
#endif
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "inspect") return Inspect(args[1]);
  if (!args.empty() && args[0] == "bindgen") {
    return wasmhost::bindgen::BindgenMain(
        std::vector<std::string>(args.begin() + 1, args.end()), std::cout,
        std::cerr);
  }
  if (!args.empty() && args[0] == "run") {
    return Run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  if (!args.empty() && args[0] == "serve") {
    return Serve(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::cerr << kUsage;
  return 2;
}
