// lib/serve/component_service.h: a component file served over HTTP, its
// new versions picked up while serving.
//
//   ComponentServiceOptions  the handler's options, per-request limits,
//                            how often the file is checked, the log
//   ComponentService         HttpServer requests to a
//                            component::HttpHandler; reloads the file
//
// The glue `wasmhost serve` and examples/http_server share: it turns
// lib/serve's requests into component::HttpRequests (the Host header as
// the authority), bounds each call with CallOptions, logs the guest
// failures the 5xx responses hide, and watches the file: when it has
// changed and then stayed the same for one poll (a copy in progress is
// not read half-written), the new bytes are compiled and the handler
// reloaded, requests in flight finishing on the old version. A version
// that does not compile or instantiate is refused, logged, and the old
// one kept until the file changes again.

#ifndef WASMHOST_LIB_SERVE_COMPONENT_SERVICE_H_
#define WASMHOST_LIB_SERVE_COMPONENT_SERVICE_H_

#include <sys/stat.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/serve/http_server.h"
#include "lib/util/mutex.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/engine.h"
#include "wasmhost/http_handler.h"
#include "wasmhost/limits.h"
#include "wasmhost/pool.h"

namespace wasmhost::serve {

struct ComponentServiceOptions {
  // The pool, WASI and outgoing allow-list (http_handler.h).
  component::HttpHandlerOptions handler;
  // Bounds every request's guest call (timeout, fuel). Default: none.
  CallOptions call;
  // How often the file is checked for a new version; zero: never.
  // Default 500 ms.
  absl::Duration reload_poll = absl::Milliseconds(500);
  // Receives one line per event: a guest failure behind a 5xx, a reload
  // done or refused. Called from the serving and watching threads, so it
  // must be thread-safe. Default: none.
  std::function<void(absl::string_view line)> log;
};

// Serves the component at a path: Handle is an HttpHandler for
// HttpServer. Destroying it stops the watching thread; the HttpServer
// using it must be destroyed first. Thread-safe.
class ComponentService {
 public:
  // Compiles the file and makes the handler (and its first instance, on
  // the calling thread). `engine` and `linker` are copied.
  // Returns:
  //   NotFound         the file cannot be read, or what
  //                    component::HttpHandler::Create returns
  //   what component::Component::Compile or HttpHandler::Create returns
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ComponentService>> Create(
      const Engine& engine, const std::string& path,
      const component::Linker& linker, const ComponentServiceOptions& options);

  ~ComponentService();
  ComponentService(const ComponentService&) = delete;
  ComponentService& operator=(const ComponentService&) = delete;

  // Serves one request on a fresh-state instance; a guest failure is the
  // handler's 5xx (logged), a request the handler refuses a 400. A
  // streamed request's body is read and its response written while the
  // guest runs.
  HttpResponse Handle(const HttpRequest& request);

  // Reads and compiles the file and reloads the handler with it, whatever
  // the file's state (the watcher calls it on a change). Logs the outcome.
  // Returns:
  //   NotFound  the file cannot be read
  //   what Component::Compile or HttpHandler::Reload returns (the old
  //   version is kept)
  absl::Status Reload();

  [[nodiscard]] PoolStats stats() const { return handler_->stats(); }

 private:
  // What identifies one version of the file on disk.
  struct FileState {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    timespec modified{};
    bool operator==(const FileState& other) const;
    bool operator!=(const FileState& other) const { return !(*this == other); }
  };
  static FileState Stat(const std::string& path);

  ComponentService(const Engine& engine, const std::string& path,
                   const ComponentServiceOptions& options);
  void Log(absl::string_view line) const;
  void Watch();

  const Engine engine_;
  const std::string path_;
  const ComponentServiceOptions options_;
  std::unique_ptr<component::HttpHandler> handler_;
  // Serialises Reload (the watcher's and callers'). lib/util's Mutex, not
  // absl's: ThreadSanitizer cannot see Debian's absl::Mutex.
  internal::Mutex reload_mutex_;
  // The file's state when last loaded or refused.
  FileState loaded_ ABSL_GUARDED_BY(reload_mutex_);
  // Set by the destructor to end Watch.
  internal::Mutex stop_mutex_;
  internal::CondVar stop_signal_;
  bool stop_ ABSL_GUARDED_BY(stop_mutex_) = false;
  std::thread watcher_;
};

}  // namespace wasmhost::serve

#endif  // WASMHOST_LIB_SERVE_COMPONENT_SERVICE_H_
