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
    values.push_back(
        !is_ref && i < expected.size() && got[i].type() == expected[i].type
            ? FormatBytes(expected[i], ToBytes(got[i]))
            : got[i].ToString());
  }
  return absl::StrCat("(", absl::StrJoin(values, ", "), ")");
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
  // The actions that succeeded on it, in order (see Restore).
  std::vector<const Action*> replay;
};

class FileRun {
 public:
  // `spectest` grants the spectest functions, globals, table and memory.
  FileRun(const Engine& engine, const RunnerOptions& options,
          const std::string& module_dir, Linker spectest)
      : engine_(engine),
        options_(options),
        module_dir_(module_dir),
        spectest_(std::move(spectest)),
        linker_(spectest_) {}

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

  absl::StatusOr<Instance> Instantiate(const Module& module) const {
    InstanceOptions instance_options;
    instance_options.start_call = NextCallOptions();
    if (options_.mode == Mode::kMemLimit) {
      instance_options.limits.max_memory_bytes = options_.max_memory_bytes;
    }
    return Instance::Create(module, linker_, instance_options);
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
      entry->broken = absl::StrCat("the module at line ", command.line,
                                   " did not compile");
      return Failed(absl::StrCat("module did not compile: ",
                                 OneLine(module.status())));
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
    registrations_.emplace_back(command.as, entry);
    absl::Status status =
        RegisterInstance(linker_, command.as, *entry->instance);
    if (!status.ok()) {
      unavailable_modules_[command.as] = "register";
      return Failed(OneLine(status));
    }
    return Passed();
  }

  // Makes the linker anew, registering every registered entry's current
  // instance: after Restore, the names it was registered under must grant
  // the new instance's exports (the linker cannot redefine a name).
  absl::Status RebuildLinker() {
    Linker linker = spectest_;
    for (const auto& [as, entry] : registrations_) {
      if (!entry->instance.has_value()) continue;  // broken: refused below
      WASMHOST_RETURN_IF_ERROR(RegisterInstance(linker, as, *entry->instance));
    }
    linker_ = std::move(linker);
    return absl::OkStatus();
  }

  // Calls `action` on `instance`.
  absl::StatusOr<std::vector<Val>> Call(const Instance& instance,
                                        const Action& action) {
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
    return func.Call(args, NextCallOptions());
  }

  // Makes a new instance for `entry` after a call poisoned its instance,
  // and replays the actions that had succeeded on the old one. In the spec
  // a trap leaves the instance usable with the state it had, and later
  // commands rely on that state (memory contents, globals, tables); the
  // API poisons a trapped instance instead, so the state is rebuilt. The
  // replay cannot restore what a trapping call itself wrote before
  // trapping; the suite's files check no such partial effects on a module
  // of their own. A registered instance re-created here is registered
  // again (modules instantiated before keep the old one).
  void Restore(ModuleEntry& entry, int line) {
    entry.instance.reset();
    absl::StatusOr<Instance> instance = Instantiate(*entry.module);
    if (!instance.ok()) {
      entry.broken = absl::StrCat("re-instantiating the module of line ",
                                  entry.line, " after the trap at line ", line,
                                  " failed: ", OneLine(instance.status()));
      return;
    }
    for (const Action* action : entry.replay) {
      absl::StatusOr<std::vector<Val>> values = Call(*instance, *action);
      if (!values.ok()) {
        entry.broken = absl::StrCat("replaying ", action->field,
                                    " after the trap at line ", line,
                                    " failed: ", OneLine(values.status()));
        return;
      }
    }
    entry.instance = *std::move(instance);
    for (const auto& registration : registrations_) {
      if (registration.second.get() != &entry) continue;
      absl::Status status = RebuildLinker();
      if (!status.ok()) {
        entry.broken = absl::StrCat("registering the module of line ",
                                    entry.line, " again failed: ",
                                    OneLine(status));
      }
      return;
    }
  }

  // Runs `action` on its module, keeping the module's state as the spec
  // has it. Sets `blocked` (and returns an error) when the action cannot
  // run: its module is unsupported or unusable.
  absl::StatusOr<std::vector<Val>> Perform(const Action& action, int line,
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
    absl::StatusOr<std::vector<Val>> values = Call(*entry->instance, action);
    if (values.ok()) {
      entry->replay.push_back(&action);
    } else if (entry->instance->poisoned()) {
      Restore(*entry, line);
    }
    return values;
  }

  Outcome RunAction(const Command& command) {
    std::optional<Outcome> blocked;
    absl::StatusOr<std::vector<Val>> values =
        Perform(*command.action, command.line, blocked);
    if (blocked.has_value()) return *blocked;
    if (!values.ok()) return Failed(OneLine(values.status()));
    return Passed();
  }

  Outcome AssertReturn(const Command& command) {
    std::optional<Outcome> blocked;
    absl::StatusOr<std::vector<Val>> values =
        Perform(*command.action, command.line, blocked);
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
        Perform(*command.action, command.line, blocked);
    if (blocked.has_value()) return *blocked;
    const std::string want =
        absl::StrCat(exhaustion ? "stack overflow" : "a trap", " (\"",
                     command.text, "\")");
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
      blocked = Failed(absl::StrCat("module did not compile: ",
                                    OneLine(module.status())));
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
  // The spectest definitions alone, and with the registered instances.
  const Linker spectest_;
  Linker linker_;
  // Module names that could not be registered, by the reason.
  absl::flat_hash_map<std::string, std::string> unavailable_modules_;
  // Every register command that succeeded, in order (for RebuildLinker).
  std::vector<std::pair<std::string, std::shared_ptr<ModuleEntry>>>
      registrations_;
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
