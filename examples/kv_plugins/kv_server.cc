// kv_server: a line-based key-value server whose commands are handled by C
// plugins, components of plugin.wit's worlds, each served from a component
// pool with limits. One reply line per command, "OK <text>" or
// "ERR <why>"; no plugin's failure stops the server.
//
//   kv_server [--timeout_ms=100] [--max_memory_mb=64] [--port=N]
//             [NAME=PATH[,admin] ...]
//
// Plugins given on the command line are loaded first (",admin" grants
// kv:plugins/admin besides kv:plugins/store). Commands come from stdin, or
// with --port from TCP connections to 127.0.0.1:N, each served on its own
// thread (up to kMaxConnections at once).
//
//   NAME WORDS...               plugin NAME handles WORDS
//   load NAME PATH [admin]      loads a plugin, or switches a loaded one to
//                               PATH (InstancePool::Reload: calls in flight
//                               finish on the old version)
//   stats NAME                  the plugin pool's counters (PoolStats)
//   keys                        how many keys the store holds
//   quit                        ends the connection (stdin: the server)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "examples/kv_plugins/host/admin_plugin_host.h"
#include "wasmhost/wasmhost.h"

namespace {

namespace component = wasmhost::component;
namespace kv = kv::plugins;

// Values are bounded: a plugin cannot make the server hold more.
constexpr size_t kMaxValueBytes = 1 << 20;

// Connections served at once; more are told "ERR busy".
constexpr int kMaxConnections = 64;

// The store, and both interfaces plugins may be granted over it.
// Thread-safe: plugins on every connection's thread call it.
class KvStore : public kv::Store, public kv::Admin {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) override {
    absl::MutexLock lock(&mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return it->second;
  }
  absl::Status Set(std::string_view key, std::string_view value) override {
    if (value.size() > kMaxValueBytes) {
      // Traps the plugin; the caller gets this status.
      return absl::InvalidArgumentError(
          absl::StrCat("value of ", value.size(), " bytes is over the ",
                       kMaxValueBytes, "-byte limit"));
    }
    absl::MutexLock lock(&mu_);
    data_[std::string(key)] = std::string(value);
    return absl::OkStatus();
  }
  absl::StatusOr<uint32_t> Wipe() override {
    absl::MutexLock lock(&mu_);
    const uint32_t wiped = static_cast<uint32_t>(data_.size());
    data_.clear();
    return wiped;
  }
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return data_.size();
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::string, std::less<>> data_ ABSL_GUARDED_BY(mu_);
};

struct Settings {
  absl::Duration timeout = absl::Milliseconds(100);
  uint64_t max_memory_bytes = uint64_t{64} << 20;
};

// One line for a failed plugin call: what happened, in words, then the
// first line of the status (a trap's backtrace follows on later lines).
std::string Describe(const absl::Status& status) {
  absl::string_view message = status.message();
  message = message.substr(0, message.find('\n'));
  const wasmhost::ErrorInfo info = wasmhost::GetErrorInfo(status);
  if (info.trap.has_value()) {
    return absl::StrCat("trapped (", wasmhost::TrapKindName(info.trap->kind),
                        "), instance replaced: ", message);
  }
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::StrCat("stopped at its deadline, instance replaced: ",
                        message);
  }
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", message);
}

// Plugin replies go on one line.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// The plugins and the store. Thread-safe: each connection's thread calls
// Handle.
class Server {
 public:
  Server(const wasmhost::Engine& engine, Settings settings)
      : engine_(engine), settings_(settings) {}

  absl::Status Load(const std::string& name, const std::string& path,
                    bool admin) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
    absl::StatusOr<component::Component> compiled =
        component::Component::Compile(engine_, bytes);
    if (!compiled.ok()) return compiled.status();
    component::Linker linker;  // grants nothing until told
    absl::Status granted =
        kv::AddToLinker(linker, static_cast<kv::Store&>(store_));
    if (granted.ok() && admin) {
      granted = kv::AddToLinker(linker, static_cast<kv::Admin&>(store_));
    }
    if (!granted.ok()) return granted;

    component::PoolOptions options;  // kFreshState: no request sees another's
    options.instance_options.limits.max_memory_bytes =
        settings_.max_memory_bytes;
    options.max_instances = 4;
    options.max_instances_per_thread = 4;
    options.SetHandles<kv::Exports>(kv::Exports::New);
    // Loads are serialised, so a second load of a name reloads the pool the
    // first one made; calls go on meanwhile.
    absl::MutexLock load_lock(&load_mu_);
    if (std::shared_ptr<component::InstancePool> loaded = Find(name)) {
      return loaded->Reload(*compiled, linker, options);
    }
    absl::StatusOr<std::unique_ptr<component::InstancePool>> pool =
        component::InstancePool::Create(*compiled, linker, options);
    if (!pool.ok()) return pool.status();
    absl::MutexLock lock(&mu_);
    plugins_[name] = *std::move(pool);
    return absl::OkStatus();
  }

  // The reply to one command line; sets `quit` for "quit".
  std::string Handle(absl::string_view line, bool& quit) {
    std::pair<absl::string_view, absl::string_view> words =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    const absl::string_view command = words.first;
    const absl::string_view rest = words.second;
    if (command == "quit") {
      quit = true;
      return "OK bye";
    }
    if (command == "keys") return absl::StrCat("OK ", store_.size());
    if (command == "load") {
      std::vector<std::string> args = absl::StrSplit(rest, ' ');
      if (args.size() < 2 || args.size() > 3 ||
          (args.size() == 3 && args[2] != "admin")) {
        return "ERR usage: load NAME PATH [admin]";
      }
      absl::Status loaded = Load(args[0], args[1], args.size() == 3);
      if (!loaded.ok()) {
        return absl::StrCat("ERR ", args[0], " not loaded: ", Describe(loaded));
      }
      return absl::StrCat("OK loaded ", args[0]);
    }
    if (command == "stats") {
      std::shared_ptr<component::InstancePool> pool = Find(rest);
      if (pool == nullptr) return absl::StrCat("ERR no plugin ", rest);
      return absl::StrCat("OK ", pool->stats().ToString());
    }
    std::shared_ptr<component::InstancePool> pool = Find(command);
    if (pool == nullptr) return absl::StrCat("ERR no plugin ", command);
    return Call(command, *pool, rest);
  }

 private:
  // Shared, so a call holds its plugin's pool without holding the lock.
  std::shared_ptr<component::InstancePool> Find(absl::string_view name) {
    absl::MutexLock lock(&mu_);
    auto it = plugins_.find(name);
    return it == plugins_.end() ? nullptr : it->second;
  }

  std::string Call(absl::string_view name, component::InstancePool& pool,
                   absl::string_view line) {
    absl::StatusOr<component::Lease> lease = pool.Acquire();
    if (!lease.ok()) {
      return absl::StrCat("ERR ", name, ": ", Describe(lease.status()));
    }
    wasmhost::CallOptions call;
    call.timeout = settings_.timeout;
    absl::StatusOr<component::Result<std::string, std::string>> result =
        lease->handles<kv::Exports>()->Handle(
            std::string_view(line.data(), line.size()), call);
    if (!result.ok()) {
      return absl::StrCat("ERR ", name, ": ", Describe(result.status()));
    }
    if (!result->ok()) {
      return absl::StrCat("ERR ", name, ": ", OneLine(result->error()));
    }
    return absl::StrCat("OK ", OneLine(result->value()));
  }

  const wasmhost::Engine& engine_;
  const Settings settings_;
  KvStore store_;
  absl::Mutex load_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<component::InstancePool>, std::less<>>
      plugins_ ABSL_GUARDED_BY(mu_);
};

// Serves the lines of `in` until it ends or a "quit".
void Serve(Server& server, FILE* in, FILE* out) {
  char* line = nullptr;
  size_t capacity = 0;
  bool quit = false;
  ssize_t length;
  while (!quit && (length = getline(&line, &capacity, in)) >= 0) {
    absl::string_view text(line, static_cast<size_t>(length));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
      text.remove_suffix(1);
    }
    if (text.empty()) continue;
    const std::string reply = server.Handle(text, quit);
    std::fprintf(out, "%s\n", reply.c_str());
    std::fflush(out);
  }
  std::free(line);
}

// Serves one TCP connection and closes it.
void ServeConnection(Server& server, int connection) {
  FILE* in = fdopen(connection, "r");
  FILE* out = fdopen(dup(connection), "w");
  if (in != nullptr && out != nullptr) Serve(server, in, out);
  if (in != nullptr) std::fclose(in);
  if (out != nullptr) std::fclose(out);
  if (in == nullptr) close(connection);
}

// Accepts connections on 127.0.0.1:port forever, each on its own thread.
int ServeTcp(Server& server, int port) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (listener < 0 ||
      bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
          0 ||
      listen(listener, 16) != 0) {
    std::perror("kv_server: listen");
    return 1;
  }
  std::cerr << "kv_server: listening on 127.0.0.1:" << port << "\n";
  std::atomic<int> open_connections{0};
  for (;;) {
    const int connection = accept(listener, nullptr, nullptr);
    if (connection < 0) continue;
    if (open_connections.fetch_add(1) >= kMaxConnections) {
      open_connections.fetch_sub(1);
      static constexpr char kBusy[] = "ERR busy\n";
      (void)!write(connection, kBusy, sizeof kBusy - 1);
      close(connection);
      continue;
    }
    // Detached: the server runs until it is killed, and `server` and the
    // counter outlive every connection.
    std::thread([&server, &open_connections, connection] {
      ServeConnection(server, connection);
      open_connections.fetch_sub(1);
    }).detach();
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  int port = 0;
  std::vector<std::string> plugins;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    int64_t value = 0;
    const auto flag = [&](absl::string_view name) {
      return arg.substr(0, name.size()) == name &&
             absl::SimpleAtoi(arg.substr(name.size()), &value) && value >= 0;
    };
    if (flag("--timeout_ms=")) {
      settings.timeout = absl::Milliseconds(value);
    } else if (flag("--max_memory_mb=")) {
      settings.max_memory_bytes = static_cast<uint64_t>(value) << 20;
    } else if (flag("--port=")) {
      port = static_cast<int>(value);
    } else if (arg.find('=') != absl::string_view::npos && arg[0] != '-') {
      plugins.emplace_back(arg);
    } else {
      std::cerr << "usage: kv_server [--timeout_ms=N] [--max_memory_mb=N] "
                   "[--port=N] [NAME=PATH[,admin] ...]\n";
      return 2;
    }
  }
  absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
  if (!engine.ok()) {
    std::cerr << "kv_server: " << engine.status() << "\n";
    return 1;
  }
  Server server(*engine, settings);
  for (const std::string& plugin : plugins) {
    std::pair<std::string, std::string> spec =
        absl::StrSplit(plugin, absl::MaxSplits('=', 1));
    std::string& path = spec.second;
    const bool admin = absl::EndsWith(path, ",admin");
    if (admin) path.resize(path.size() - 6);
    absl::Status loaded = server.Load(spec.first, path, admin);
    // A plugin that cannot load is reported; the server serves the rest.
    if (!loaded.ok()) {
      std::cerr << "kv_server: plugin " << spec.first
                << " not loaded: " << Describe(loaded) << "\n";
    }
  }
  if (port != 0) return ServeTcp(server, port);
  Serve(server, stdin, stdout);
  return 0;
}
