// The wasmhost quickstart: a host grants a guest plugin three capabilities,
// calls its handlers, then shows what happens when a guest misbehaves.
//
//   ./x demo    (or: bazel run -c opt //examples/quickstart:quickstart)
//
// The guests are plugin.wat and greedy.wat beside this file, compiled to
// Wasm and embedded by the build. Exits 0 when every outcome is the one
// described, 1 otherwise.

#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "examples/quickstart/guests.h"
#include "wasmhost/wasmhost.h"

namespace {

using wasmhost::Caller;
using wasmhost::CallOptions;
using wasmhost::Engine;
using wasmhost::Instance;
using wasmhost::InstanceOptions;
using wasmhost::Linker;
using wasmhost::Module;

// The host's key-value store for one plugin. The host owns it; instances
// reach it through their embedder context (InstanceOptions::SetContext).
struct KvStore {
  std::map<std::string, int64_t> values;
};

// What kv.get and kv.put both need: the calling instance's store and the
// key the guest passed as (key_ptr, key_len) in its memory.
struct KvAccess {
  KvStore* store;
  std::string key;
};

absl::StatusOr<KvAccess> AccessKv(Caller& caller, uint32_t key_ptr,
                                  uint32_t key_len) {
  KvStore* store = caller.context<KvStore>();
  if (store == nullptr) {
    return absl::FailedPreconditionError("this instance has no store");
  }
  absl::StatusOr<std::string> key =
      caller.memory().ReadString(key_ptr, key_len);
  if (!key.ok()) return key.status();
  return KvAccess{store, *std::move(key)};
}

int checks = 0;
int failures = 0;

void Heading(absl::string_view title) { std::cout << "\n== " << title << "\n"; }

// One line per outcome: what the host saw, and whether it was expected.
void Check(bool ok, absl::string_view what) {
  ++checks;
  if (!ok) ++failures;
  std::cout << (ok ? "  ok:   " : "  FAIL: ") << what << "\n";
}

// "NotFound: import host.exec ..." (only the first line: a trap's message
// goes on with its backtrace, printed separately from GetTrapInfo).
std::string Describe(const absl::Status& status) {
  if (status.ok()) return "OK";
  absl::string_view message = status.message();
  const size_t newline = message.find('\n');
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                      message.substr(0, newline),
                      newline == absl::string_view::npos ? "" : " [...]");
}

int Fatal(absl::string_view step, const absl::Status& status) {
  std::cout << "  FAIL: " << step << ": " << status << "\n";
  return 1;
}

// The capabilities the host grants. Everything else is denied.
absl::StatusOr<Linker> MakeLinker() {
  Linker linker;
  // host.log(ptr, len): a string in the guest's own memory. Reads are
  // bounds-checked: a bad pointer becomes an error status, which traps the
  // guest; it can never make the host read outside the guest's memory.
  absl::Status status = linker.Define(
      "host", "log",
      [](Caller& caller, uint32_t ptr, uint32_t len) -> absl::Status {
        absl::StatusOr<std::string> text = caller.memory().ReadString(ptr, len);
        if (!text.ok()) return text.status();
        std::cout << "    [guest] " << *text << "\n";
        return absl::OkStatus();
      });
  if (!status.ok()) return status;

  // kv.get(key_ptr, key_len) -> i64: the value, or 0 when the key is unset.
  status = linker.Define(
      "kv", "get",
      [](Caller& caller, uint32_t key_ptr,
         uint32_t key_len) -> absl::StatusOr<int64_t> {
        absl::StatusOr<KvAccess> kv = AccessKv(caller, key_ptr, key_len);
        if (!kv.ok()) return kv.status();
        auto it = kv->store->values.find(kv->key);
        return it == kv->store->values.end() ? 0 : it->second;
      });
  if (!status.ok()) return status;

  // kv.put(key_ptr, key_len, value).
  status = linker.Define("kv", "put",
                         [](Caller& caller, uint32_t key_ptr, uint32_t key_len,
                            int64_t value) -> absl::Status {
                           absl::StatusOr<KvAccess> kv =
                               AccessKv(caller, key_ptr, key_len);
                           if (!kv.ok()) return kv.status();
                           kv->store->values[kv->key] = value;
                           return absl::OkStatus();
                         });
  if (!status.ok()) return status;
  return linker;
}

// A fresh plugin instance: 1 MiB of memory at most, `store` as its context.
absl::StatusOr<Instance> NewPlugin(const Module& module, const Linker& linker,
                                   KvStore& store) {
  InstanceOptions options;
  options.limits.max_memory_bytes = 1 << 20;
  options.SetContext(&store);
  return Instance::Create(module, linker, options);
}

// Calls a fresh instance's on_request handler.
absl::StatusOr<int32_t> OnRequest(const Instance& instance, int32_t id) {
  auto on_request = instance.GetFunc<int32_t(int32_t)>("on_request");
  if (!on_request.ok()) return on_request.status();
  return on_request->Call(id);
}

std::string ImportList(const Module& module) {
  return absl::StrJoin(
      module.imports(), ", ",
      [](std::string* out, const wasmhost::ImportType& import) {
        absl::StrAppend(out, import.module, ".", import.name, " ",
                        import.func_type.ToString());
      });
}

std::string FuncExportList(const Module& module) {
  std::string out;
  for (const wasmhost::ExportType& exported : module.exports()) {
    if (exported.kind != wasmhost::ExternKind::kFunc) continue;
    absl::StrAppend(&out, out.empty() ? "" : ", ", exported.name, " ",
                    exported.func_type.ToString());
  }
  return out;
}

}  // namespace

int main() {
  Heading("1. Start the engine and compile the plugin");
  absl::StatusOr<Engine> engine = Engine::Create();
  if (!engine.ok()) return Fatal("Engine::Create", engine.status());
  absl::StatusOr<Module> plugin = engine->Compile(quickstart::plugin_wasm());
  if (!plugin.ok()) return Fatal("compiling plugin.wat", plugin.status());
  std::cout << "  the plugin imports: " << ImportList(*plugin) << "\n"
            << "  the plugin exports: " << FuncExportList(*plugin) << "\n";

  Heading("2. Grant it host.log, kv.get and kv.put, and call its handlers");
  absl::StatusOr<Linker> linker = MakeLinker();
  if (!linker.ok()) return Fatal("defining host functions", linker.status());
  KvStore store;  // owned by the host; outlives every instance below
  absl::StatusOr<Instance> instance = NewPlugin(*plugin, *linker, store);
  if (!instance.ok()) return Fatal("Instance::Create", instance.status());
  // Checked once against the guest's (i32) -> i32; calls are then typed.
  auto on_request = instance->GetFunc<int32_t(int32_t)>("on_request");
  auto percent = instance->GetFunc<int32_t(int32_t, int32_t)>("percent");
  auto busy = instance->GetFunc<void()>("busy");
  if (!on_request.ok()) return Fatal("GetFunc on_request", on_request.status());
  if (!percent.ok()) return Fatal("GetFunc percent", percent.status());
  if (!busy.ok()) return Fatal("GetFunc busy", busy.status());
  for (int32_t id = 1; id <= 3; ++id) {
    absl::StatusOr<int32_t> count = on_request->Call(id);
    Check(count.ok() && *count == id,
          absl::StrCat(
              "on_request(", id, ") -> ",
              count.ok() ? absl::StrCat(*count) : Describe(count.status()),
              " (requests counted so far)"));
  }
  Check(store.values["requests"] == 3,
        absl::StrCat("the host's own map holds requests = ",
                     store.values["requests"]));
  absl::StatusOr<int32_t> half = percent->Call(1, 2);
  Check(half.ok() && *half == 50,
        absl::StrCat("percent(1, 2) -> ", half.ok() ? absl::StrCat(*half)
                                                    : Describe(half.status())));

  Heading("3. A second guest asks for a capability nobody granted (host.exec)");
  absl::StatusOr<Module> greedy = engine->Compile(quickstart::greedy_wasm());
  if (!greedy.ok()) return Fatal("compiling greedy.wat", greedy.status());
  absl::StatusOr<Instance> refused = Instance::Create(*greedy, *linker);
  std::cout << "  Instance::Create -> " << Describe(refused.status()) << "\n";
  Check(refused.status().code() == absl::StatusCode::kNotFound &&
            absl::StrContains(refused.status().message(), "host.exec"),
        "instantiation fails with NotFound naming the import; the guest never "
        "runs");

  Heading("4. The guest traps (integer divide by zero)");
  absl::StatusOr<int32_t> trapped = percent->Call(1, 0);
  std::cout << "  percent(1, 0) -> " << Describe(trapped.status()) << "\n";
  std::optional<wasmhost::TrapInfo> trap =
      wasmhost::GetTrapInfo(trapped.status());
  if (trap.has_value()) {
    std::cout << "  GetTrapInfo: kind \"" << wasmhost::TrapKindName(trap->kind)
              << "\", message \"" << trap->message << "\", wasm backtrace:\n";
    for (const wasmhost::Frame& frame : trap->backtrace) {
      std::cout << "    "
                << (frame.function_name.empty() ? "?" : frame.function_name)
                << " (function " << frame.function_index << ", module offset 0x"
                << std::hex << frame.module_offset << std::dec << ")\n";
    }
  }
  Check(trapped.status().code() == absl::StatusCode::kAborted &&
            trap.has_value() &&
            trap->kind == wasmhost::TrapKind::kIntegerDivideByZero &&
            trap->backtrace.size() >= 2 &&
            trap->backtrace[0].function_name == "ratio" &&
            trap->backtrace[1].function_name == "percent",
        "the call returns Aborted with the trap kind and backtrace (ratio <- "
        "percent)");
  absl::StatusOr<int32_t> after_trap = on_request->Call(4);
  std::cout << "  on_request(4) on the same instance -> "
            << Describe(after_trap.status()) << "\n";
  Check(instance->poisoned() &&
            after_trap.status().code() == absl::StatusCode::kFailedPrecondition,
        "the trapped instance is poisoned: every further call fails");
  absl::StatusOr<Instance> fresh = NewPlugin(*plugin, *linker, store);
  if (!fresh.ok()) return Fatal("Instance::Create", fresh.status());
  absl::StatusOr<int32_t> count = OnRequest(*fresh, 4);
  Check(
      count.ok() && *count == 4,
      absl::StrCat("a fresh instance works: on_request(4) -> ",
                   count.ok() ? absl::StrCat(*count) : Describe(count.status()),
                   " (the host's store kept its count)"));

  Heading("5. The guest never returns (busy, called with a 100 ms deadline)");
  auto fresh_busy = fresh->GetFunc<void()>("busy");
  if (!fresh_busy.ok()) return Fatal("GetFunc busy", fresh_busy.status());
  const absl::Time start = absl::Now();
  absl::Status stopped =
      fresh_busy->Call(CallOptions::WithTimeout(absl::Milliseconds(100)));
  const absl::Duration took = absl::Now() - start;
  std::cout << "  busy() -> " << Describe(stopped) << "\n";
  Check(stopped.code() == absl::StatusCode::kDeadlineExceeded &&
            took < absl::Milliseconds(600),
        absl::StrCat(
            "a watchdog stopped the guest; the host had control back after ",
            absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(1)))));
  absl::StatusOr<Instance> next = NewPlugin(*plugin, *linker, store);
  if (!next.ok()) return Fatal("Instance::Create", next.status());
  count = OnRequest(*next, 5);
  Check(count.ok() && *count == 5,
        absl::StrCat(
            "the host carries on: a new instance's on_request(5) -> ",
            count.ok() ? absl::StrCat(*count) : Describe(count.status())));

  std::cout << "\n"
            << (failures == 0 ? "All " : "FAILED: ")
            << (failures == 0 ? absl::StrCat(checks, " outcomes as expected.")
                              : absl::StrCat(failures, " of ", checks,
                                             " outcomes were not as expected."))
            << "\n";
  return failures == 0 ? 0 : 1;
}
