#include "tools/spec/wast_runner.h"

#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "lib/util/status_macros.h"
#include "lib/wasm/binary_writer.h"
#include "lib/wasm/reader.h"
#include "tools/spec/pending_api.h"
#include "tools/spec/spectest.h"
#include "wasmhost/errors.h"
#include "wasmhost/instance.h"
#include "wasmhost/limits.h"
#include "wasmhost/linker.h"
#include "wasmhost/module.h"

namespace wasmhost::spec {
namespace {

// How one command ended; `detail` is the failure's reason or the missing
// feature.
struct Outcome {
  enum class Kind : uint8_t { kPassed, kFailed, kUnsupported, kSkipped };
  Kind kind;
  std::string detail;
};

Outcome Passed() { return {Outcome::Kind::kPassed, ""}; }
Outcome Failed(std::string reason) {
  return {Outcome::Kind::kFailed, std::move(reason)};
}
Outcome Unsupported(std::string feature) {
  return {Outcome::Kind::kUnsupported, std::move(feature)};
}

// The status on one line: a trap status carries a backtrace after it.
std::string OneLine(const absl::Status& status) {
  std::string text = status.ToString();
  return text.substr(0, text.find('\n'));
}

bool IsTrap(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         GetTrapInfo(status).has_value();
}

std::string Describe(absl::Span<const SpecValue> values) {
  return absl::StrCat(
      "(",
      absl::StrJoin(values, ", ",
                    [](std::string* out, const SpecValue& value) {
                      out->append(value.ToString());
                    }),
      ")");
}

// `got` in the shape of `expected` (float bits in hex, v128 lanes) where
// the types agree.
std::string Describe(absl::Span<const Val> got,
                     absl::Span<const SpecValue> expected) {
  std::vector<std::string> values;
  for (size_t i = 0; i < got.size(); ++i) {
    const bool is_ref = got[i].type() == ValType::kFuncRef ||
                        got[i].type() == ValType::kExternRef;
    values.push_back(!is_ref && i < expected.size() &&
                             got[i].type() == expected[i].type
                         ? FormatBytes(expected[i], ToBytes(got[i]))
                         : got[i].ToString());
  }
  return absl::StrCat("(", absl::StrJoin(values, ", "), ")");
}

// The module name under which a proxy imports its target's exports.
constexpr absl::string_view kProxyTarget = "target";

// A module that imports kProxyTarget.`field`, a function of `type`, and
// re-exports it as "f". An assert_trap calls through a new instance of it:
// the trap poisons that instance, never the target, whose state the spec
// keeps across a trap (and other modules may share).
std::vector<uint8_t> ProxyModule(absl::string_view field,
                                 const FuncType& type) {
  wasm::BinaryWriter types, imports, exports;
  types.U32(1).Byte(0x60).U32(static_cast<uint32_t>(type.params.size()));
  for (ValType t : type.params) types.Byte(wasm::ValTypeCode(t));
  types.U32(static_cast<uint32_t>(type.results.size()));
  for (ValType t : type.results) types.Byte(wasm::ValTypeCode(t));
  imports.U32(1).Name(kProxyTarget).Name(field).Byte(0x00).U32(0);
  exports.U32(1).Name("f").Byte(0x00).U32(0);
  return wasm::BinaryWriter()
      .Header()
      .Section(1, types.bytes())
      .Section(2, imports.bytes())
      .Section(7, exports.bytes())
      .Release();
}

// One module of the file and the instance standing for it.
struct ModuleEntry {
  int line = 0;
  std::optional<Module> module;
  std::optional<Instance> instance;
  // Set when the API cannot instantiate the module yet: every command on
  // it is unsupported for this feature.
  std::string unsupported;
  // Set when the module is unusable (did not compile or instantiate, or its
  // state was lost): every command on it fails with this reason.
  std::string broken;
  // Set when a module the runner could not instantiate imports from this
  // one, so may have changed its state (start function, segments): its later
  // failures may be that command's missing effect, so they count as
  // unsupported for this feature.
  std::string tainted;
  // The instance's exports under kProxyTarget, for proxies; made on first
  // use.
  std::optional<Linker> proxy_linker;
};

class FileRun {
 public:
  // `spectest` grants the spectest functions, globals, table and memory.
  FileRun(const Engine& engine, const RunnerOptions& options,
          const std::string& module_dir, Linker spectest)
      : engine_(engine),
        options_(options),
        module_dir_(module_dir),
        linker_(std::move(spectest)) {}

  Outcome Run(const Command& command) {
    if (command.text_module) return {Outcome::Kind::kSkipped, ""};
    Outcome outcome = Dispatch(command);
    if (outcome.kind == Outcome::Kind::kFailed && command.action.has_value()) {
      std::shared_ptr<ModuleEntry> entry = Lookup(command.action->module);
      if (entry != nullptr && !entry->tainted.empty()) {
        return Unsupported(entry->tainted);
      }
    }
    return outcome;
  }

 private:
  Outcome Dispatch(const Command& command) {
    switch (command.type) {
      case CommandType::kModule:
        return DefineModule(command);
      case CommandType::kRegister:
        return Register(command);
      case CommandType::kAction:
        return RunAction(command);
      case CommandType::kAssertReturn:
        return AssertReturn(command);
      case CommandType::kAssertTrap:
        if (!command.action.has_value()) return AssertUninstantiable(command);
        return AssertTrap(command, /*exhaustion=*/false);
      case CommandType::kAssertExhaustion:
        return AssertTrap(command, /*exhaustion=*/true);
      case CommandType::kAssertInvalid:
      case CommandType::kAssertMalformed:
        return AssertInvalid(command);
      case CommandType::kAssertUnlinkable:
        return AssertUnlinkable(command);
      case CommandType::kAssertUninstantiable:
        return AssertUninstantiable(command);
    }
    return Failed("unknown command");
  }

  CallOptions NextCallOptions() const {
    CallOptions call = CallOptions::WithTimeout(options_.call_timeout);
    if (options_.mode == Mode::kFuel) call.fuel = options_.fuel;
    return call;
  }

  absl::StatusOr<Module> Compile(const std::string& filename) const {
    const std::string path = absl::StrCat(module_dir_, "/", filename);
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
    return engine_.Compile(bytes);
  }

  // The feature the module's imports need that the runner cannot grant
  // (a module registered under a name that could not be registered);
  // nullopt when the linker can satisfy (or rightly refuse) them all. A
  // registered module imported from is tainted: the importer's start
  // function and segments may have changed its state.
  std::optional<std::string> ImportGap(const Module& module) {
    for (const ImportType& import : module.imports()) {
      auto by_module = unavailable_modules_.find(import.module);
      if (by_module != unavailable_modules_.end()) {
        auto registered = registered_.find(import.module);
        if (registered != registered_.end() &&
            registered->second->tainted.empty()) {
          registered->second->tainted = by_module->second;
        }
        return by_module->second;
      }
    }
    return std::nullopt;
  }

  InstanceOptions InstanceFor() const {
    InstanceOptions instance_options;
    instance_options.start_call = NextCallOptions();
    if (options_.mode == Mode::kMemLimit) {
      instance_options.limits.max_memory_bytes = options_.max_memory_bytes;
    }
    return instance_options;
  }

  absl::StatusOr<Instance> Instantiate(const Module& module) const {
    return Instance::Create(module, linker_, InstanceFor());
  }

  std::shared_ptr<ModuleEntry> Lookup(const std::string& name) const {
    if (name.empty()) return current_;
    auto it = named_.find(name);
    return it == named_.end() ? nullptr : it->second;
  }

  Outcome DefineModule(const Command& command) {
    auto entry = std::make_shared<ModuleEntry>();
    entry->line = command.line;
    current_ = entry;
    if (!command.name.empty()) named_[command.name] = entry;

    absl::StatusOr<Module> module = Compile(command.filename);
    if (!module.ok()) {
      entry->broken =
          absl::StrCat("the module at line ", command.line, " did not compile");
      return Failed(
          absl::StrCat("module did not compile: ", OneLine(module.status())));
    }
    entry->module = *std::move(module);
    if (std::optional<std::string> gap = ImportGap(*entry->module)) {
      entry->unsupported = *gap;
      return Unsupported(*gap);
    }
    absl::StatusOr<Instance> instance = Instantiate(*entry->module);
    if (!instance.ok()) {
      entry->broken = absl::StrCat("the module at line ", command.line,
                                   " did not instantiate");
      return Failed(absl::StrCat("module did not instantiate: ",
                                 OneLine(instance.status())));
    }
    entry->instance = *std::move(instance);
    return Passed();
  }

  Outcome Register(const Command& command) {
    std::shared_ptr<ModuleEntry> entry = Lookup(command.name);
    if (entry == nullptr) {
      unavailable_modules_[command.as] = "register";
      return Failed(absl::StrCat("no module ", command.name, " to register"));
    }
    if (!entry->unsupported.empty()) {
      unavailable_modules_[command.as] = entry->unsupported;
      return Unsupported(entry->unsupported);
    }
    if (!entry->broken.empty()) {
      unavailable_modules_[command.as] = "register";
      return Failed(entry->broken);
    }
    registered_[command.as] = entry;
    absl::Status status =
        RegisterInstance(linker_, command.as, *entry->instance);
    if (!status.ok()) {
      unavailable_modules_[command.as] = "register";
      return Failed(OneLine(status));
    }
    return Passed();
  }

  // Calls `action` on `entry`'s instance, through a new proxy instance
  // if `through_proxy`.
  absl::StatusOr<std::vector<Val>> Call(ModuleEntry& entry,
                                        const Action& action,
                                        bool through_proxy) {
    const Instance& instance = *entry.instance;
    if (action.type == Action::Type::kGet) {
      WASMHOST_ASSIGN_OR_RETURN(Val value, GetGlobal(instance, action.field));
      return std::vector<Val>{value};
    }
    WASMHOST_ASSIGN_OR_RETURN(Func func, instance.GetFunc(action.field));
    std::vector<Val> args;
    for (const SpecValue& arg : action.args) {
      WASMHOST_ASSIGN_OR_RETURN(Val val, ToVal(arg, refs_));
      args.push_back(val);
    }
    if (!through_proxy) return func.Call(NextCallOptions(), args);
    if (!entry.proxy_linker.has_value()) {
      Linker linker;
      WASMHOST_RETURN_IF_ERROR(
          RegisterInstance(linker, kProxyTarget, instance));
      entry.proxy_linker = std::move(linker);
    }
    const std::string key =
        absl::StrCat(action.field, "\n", func.type().ToString());
    auto cached = proxy_modules_.find(key);
    if (cached == proxy_modules_.end()) {
      WASMHOST_ASSIGN_OR_RETURN(Module module, engine_.Compile(ProxyModule(
                                                   action.field, func.type())));
      cached = proxy_modules_.emplace(key, std::move(module)).first;
    }
    WASMHOST_ASSIGN_OR_RETURN(
        Instance proxy,
        Instance::Create(cached->second, *entry.proxy_linker, InstanceFor()));
    WASMHOST_ASSIGN_OR_RETURN(Func proxied, proxy.GetFunc("f"));
    return proxied.Call(NextCallOptions(), args);
  }

  // Runs `action` on its module; one expected to trap (`may_trap`) goes
  // through a proxy, so the module's state is kept as the spec has it.
  // Sets `blocked` (and returns an error) when the action cannot run: its
  // module is unsupported or unusable. An action that fails unexpectedly
  // poisons the instance, which makes the module unusable.
  absl::StatusOr<std::vector<Val>> Perform(const Action& action, int line,
                                           bool may_trap,
                                           std::optional<Outcome>& blocked) {
    std::shared_ptr<ModuleEntry> entry = Lookup(action.module);
    if (entry == nullptr) {
      blocked = Failed(absl::StrCat("no module ", action.module));
    } else if (!entry->unsupported.empty()) {
      blocked = Unsupported(entry->unsupported);
    } else if (!entry->broken.empty()) {
      blocked = Failed(entry->broken);
    }
    if (blocked.has_value()) return absl::FailedPreconditionError("blocked");
    absl::StatusOr<std::vector<Val>> values = Call(*entry, action, may_trap);
    if (entry->instance->poisoned()) {
      entry->broken = absl::StrCat("the instance was poisoned at line ", line);
    }
    return values;
  }

  Outcome RunAction(const Command& command) {
    std::optional<Outcome> blocked;
    absl::StatusOr<std::vector<Val>> values =
        Perform(*command.action, command.line, /*may_trap=*/false, blocked);
    if (blocked.has_value()) return *blocked;
    if (!values.ok()) return Failed(OneLine(values.status()));
    return Passed();
  }

  Outcome AssertReturn(const Command& command) {
    std::optional<Outcome> blocked;
    absl::StatusOr<std::vector<Val>> values =
        Perform(*command.action, command.line, /*may_trap=*/false, blocked);
    if (blocked.has_value()) return *blocked;
    const std::string want = Describe(command.expected);
    if (!values.ok()) {
      return Failed(
          absl::StrCat("expected ", want, ", got ", OneLine(values.status())));
    }
    bool match = values->size() == command.expected.size();
    for (size_t i = 0; match && i < values->size(); ++i) {
      const SpecValue& expected = command.expected[i];
      match = ResultMatches(expected, (*values)[i], refs_);
    }
    if (match) return Passed();
    return Failed(absl::StrCat("expected ", want, ", got ",
                               Describe(*values, command.expected)));
  }

  Outcome AssertTrap(const Command& command, bool exhaustion) {
    std::optional<Outcome> blocked;
    absl::StatusOr<std::vector<Val>> values =
        Perform(*command.action, command.line, /*may_trap=*/true, blocked);
    if (blocked.has_value()) return *blocked;
    const std::string want = absl::StrCat(
        exhaustion ? "stack overflow" : "a trap", " (\"", command.text, "\")");
    if (values.ok()) {
      return Failed(
          absl::StrCat("expected ", want, ", got ", Describe(*values, {})));
    }
    const std::optional<TrapInfo> trap = GetTrapInfo(values.status());
    const bool ok = IsTrap(values.status()) &&
                    (!exhaustion || trap->kind == TrapKind::kStackOverflow);
    if (ok) return Passed();
    return Failed(
        absl::StrCat("expected ", want, ", got ", OneLine(values.status())));
  }

  Outcome AssertInvalid(const Command& command) {
    absl::StatusOr<Module> module = Compile(command.filename);
    if (module.ok()) {
      return Failed(absl::StrCat("compiled; expected InvalidArgument (\"",
                                 command.text, "\")"));
    }
    if (module.status().code() == absl::StatusCode::kInvalidArgument) {
      return Passed();
    }
    return Failed(absl::StrCat("expected InvalidArgument (\"", command.text,
                               "\"), got ", OneLine(module.status())));
  }

  // Compiles the module of an assert_unlinkable or assert_uninstantiable
  // and instantiates it; sets `blocked` when that cannot be done.
  absl::StatusOr<Instance> CompileAndInstantiate(
      const Command& command, std::optional<Outcome>& blocked) {
    absl::StatusOr<Module> module = Compile(command.filename);
    if (!module.ok()) {
      blocked = Failed(
          absl::StrCat("module did not compile: ", OneLine(module.status())));
      return module.status();
    }
    if (std::optional<std::string> gap = ImportGap(*module)) {
      blocked = Unsupported(*gap);
      return absl::UnimplementedError(*gap);
    }
    return Instantiate(*module);
  }

  Outcome AssertUnlinkable(const Command& command) {
    std::optional<Outcome> blocked;
    absl::StatusOr<Instance> instance = CompileAndInstantiate(command, blocked);
    if (blocked.has_value()) return *blocked;
    const absl::StatusCode code = instance.status().code();
    if (code == absl::StatusCode::kNotFound ||
        code == absl::StatusCode::kInvalidArgument) {
      return Passed();
    }
    return Failed(absl::StrCat(
        "expected NotFound or InvalidArgument (\"", command.text, "\"), got ",
        instance.ok() ? "an instance" : OneLine(instance.status())));
  }

  Outcome AssertUninstantiable(const Command& command) {
    std::optional<Outcome> blocked;
    absl::StatusOr<Instance> instance = CompileAndInstantiate(command, blocked);
    if (blocked.has_value()) return *blocked;
    if (IsTrap(instance.status())) return Passed();
    return Failed(absl::StrCat(
        "expected a trap in the start function (\"", command.text, "\"), got ",
        instance.ok() ? "an instance" : OneLine(instance.status())));
  }

  const Engine& engine_;
  const RunnerOptions& options_;
  const std::string& module_dir_;
  // The spectest definitions and the registered instances.
  Linker linker_;
  // Module names that could not be registered, by the reason.
  absl::flat_hash_map<std::string, std::string> unavailable_modules_;
  // Proxy modules by field and signature.
  absl::flat_hash_map<std::string, Module> proxy_modules_;
  // The file's `ref.extern N` values.
  HostRefs refs_;
  // Entries are shared: a module may be the current one, named and
  // registered.
  absl::flat_hash_map<std::string, std::shared_ptr<ModuleEntry>> named_;
  absl::flat_hash_map<std::string, std::shared_ptr<ModuleEntry>> registered_;
  std::shared_ptr<ModuleEntry> current_;
};

}  // namespace

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kDefault:
      return "default";
    case Mode::kFuel:
      return "fuel";
    case Mode::kMemLimit:
      return "memlimit";
  }
  return "?";
}

std::optional<Mode> ParseMode(absl::string_view name) {
  for (Mode mode : {Mode::kDefault, Mode::kFuel, Mode::kMemLimit}) {
    if (ModeName(mode) == name) return mode;
  }
  return std::nullopt;
}

EngineOptions EngineOptionsFor(Mode mode) {
  EngineOptions options;
  options.consume_fuel = mode == Mode::kFuel;
  return options;
}

Counts& Counts::operator+=(const Counts& other) {
  passed += other.passed;
  failed += other.failed;
  unsupported += other.unsupported;
  skipped += other.skipped;
  return *this;
}

absl::StatusOr<FileReport> RunCommands(const Engine& engine,
                                       const RunnerOptions& options,
                                       absl::Span<const Command> commands,
                                       const std::string& module_dir) {
  Linker linker;
  WASMHOST_RETURN_IF_ERROR(DefineSpectest(linker));
  WASMHOST_RETURN_IF_ERROR(DefineSpectestExterns(linker));
  FileReport report;
  FileRun run(engine, options, module_dir, std::move(linker));
  for (const Command& command : commands) {
    Outcome outcome = run.Run(command);
    switch (outcome.kind) {
      case Outcome::Kind::kPassed:
        ++report.counts.passed;
        break;
      case Outcome::Kind::kFailed:
        ++report.counts.failed;
        report.failures.push_back(
            absl::StrCat(command.line, ": ", outcome.detail));
        break;
      case Outcome::Kind::kUnsupported:
        ++report.counts.unsupported;
        ++report.unsupported[outcome.detail];
        break;
      case Outcome::Kind::kSkipped:
        ++report.counts.skipped;
        break;
    }
  }
  return report;
}

}  // namespace wasmhost::spec
