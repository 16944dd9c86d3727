// examples/http_server: an HTTP server (libmicrohttpd, through lib/serve)
// that serves native C++ handlers and a wasi:http component side by side,
// the component on a fresh-state instance per request and reloaded when
// its file changes.
//
//   http_server [--addr IP:PORT] [--threads N] [--component FILE]
//               [--new-instance]
//
//   /native/       "hello from C\n" (native C++)
//   /native/echo   {"length":N,"echo":BODY} (native C++)
//   anything else  the component's incoming-handler (404 without one)
//
// --new-instance instantiates the component for every request instead of
// resetting a warm one (the load test's baseline). It prints
// "listening on http://IP:PORT" when ready and stops on SIGINT or SIGTERM,
// printing the pool's counters to stderr.

#include "lib/serve/http_server.h"

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "examples/http_server/native_handlers.h"
#include "lib/serve/component_service.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/engine.h"

namespace {

using ::wasmhost::serve::ComponentService;
using ::wasmhost::serve::HttpRequest;
using ::wasmhost::serve::HttpResponse;

int Usage(absl::string_view problem) {
  std::cerr << "http_server: " << problem
            << "\nusage: http_server [--addr IP:PORT] [--threads N] "
               "[--component FILE] [--new-instance]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  wasmhost::serve::HttpServerOptions http;
  std::string component_path;
  bool new_instance = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--addr" && has_value) {
      if (absl::Status status =
              wasmhost::serve::ParseListenAddress(argv[++i], &http);
          !status.ok()) {
        return Usage(status.message());
      }
    } else if (arg == "--threads" && has_value) {
      if (!absl::SimpleAtoi(argv[++i], &http.threads) || http.threads == 0) {
        return Usage("--threads: expected a positive number");
      }
    } else if (arg == "--component" && has_value) {
      component_path = argv[++i];
    } else if (arg == "--new-instance") {
      new_instance = true;
    } else {
      return Usage(absl::StrCat("unexpected argument ", arg));
    }
  }

  // Stopped by sigwait below: blocked before any thread starts, so every
  // thread inherits the mask and none is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<ComponentService> component;
  if (!component_path.empty()) {
    absl::StatusOr<wasmhost::Engine> engine = wasmhost::Engine::Create();
    if (!engine.ok()) {
      std::cerr << "http_server: " << engine.status() << "\n";
      return 1;
    }
    wasmhost::serve::ComponentServiceOptions options;
    if (new_instance) {
      options.handler.pool.policy = wasmhost::ReusePolicy::kNewInstance;
    }
    // A runaway request is stopped, answered 504, and its instance replaced.
    options.call.timeout = absl::Seconds(5);
    options.log = [](absl::string_view line) {
      std::cerr << "http_server: " + std::string(line) + "\n";
    };
    absl::StatusOr<std::unique_ptr<ComponentService>> made =
        ComponentService::Create(*engine, component_path,
                                 wasmhost::component::Linker(), options);
    if (!made.ok()) {
      std::cerr << "http_server: " << component_path << ": " << made.status()
                << "\n";
      return 1;
    }
    component = *std::move(made);
  }

  absl::StatusOr<std::unique_ptr<wasmhost::serve::HttpServer>> server =
      wasmhost::serve::HttpServer::Start(
          http, [&component](const HttpRequest& request) -> HttpResponse {
            if (request.path == "/native/") {
              return http_server::HelloWorld(request);
            }
            if (request.path == "/native/echo") {
              return http_server::JsonEcho(request);
            }
            if (component != nullptr) return component->Handle(request);
            return HttpResponse{404, {}, "404 Not Found\n"};
          });
  if (!server.ok()) {
    std::cerr << "http_server: " << server.status() << "\n";
    return 1;
  }
  std::cout << "listening on http://" << http.address << ":"
            << (*server)->port() << " (" << (*server)->threads() << " threads)"
            << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->reset();  // Before the component it calls.
  if (component != nullptr) {
    // How the pool served: with fresh state, misses and discards are the
    // requests that paid for an instantiation.
    const wasmhost::PoolStats stats = component->stats();
    std::cerr << "http_server: pool version " << stats.version << ": "
              << stats.leases << " leases, " << stats.warm_hits << " warm, "
              << stats.misses << " misses, " << stats.discards << " discards, "
              << stats.traps << " traps\n";
  }
  return 0;
}
