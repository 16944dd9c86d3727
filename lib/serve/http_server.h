// lib/serve/http_server.h: an HTTP/1.1 server on libmicrohttpd that calls
// one handler per request on a fixed set of threads.
//
//   HttpRequest, HttpResponse  a request as received, a response to send
//   HttpHandler                what the server calls for each request
//   HttpServerOptions          address, port, threads, size limits
//   ParseListenAddress         "HOST:PORT" into HttpServerOptions
//   HttpServer                 the running server; stops when destroyed
//
// Each of the `threads` threads polls its own share of the connections
// (epoll) and runs the handler for them itself, so a handler call never
// moves between threads: what the handler keeps per thread (a wasmhost
// isolate, a thread's pool leases) stays valid. The request body is read
// in full (up to max_request_body_bytes, else 413) before the handler
// runs; the response is sent from the HttpResponse the handler returns.

#ifndef WASMHOST_LIB_SERVE_HTTP_SERVER_H_
#define WASMHOST_LIB_SERVE_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wasmhost::serve {

struct HttpRequest {
  std::string method;  // e.g. "GET"
  std::string path;    // the request target: path and query, "/a?b=c"
  // Header names as received (HTTP names are case-insensitive), in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Called on one of the server's threads, concurrently on several; must be
// thread-safe.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  // IPv4 address to listen on, dotted quad. Default loopback.
  std::string address = "127.0.0.1";
  // TCP port; 0 picks a free one (HttpServer::port() tells which).
  uint16_t port = 8080;
  // Threads serving connections and running the handler; 0 means one per
  // core (std::thread::hardware_concurrency()).
  unsigned threads = 0;
  // A longer request body is answered 413 without calling the handler.
  // Bytes; default 1 MiB; 0 means no body is accepted.
  size_t max_request_body_bytes = size_t{1} << 20;
  // Idle keep-alive connections are closed after this many seconds;
  // 0 means never.
  unsigned idle_timeout_seconds = 30;
};

// Sets options->address and options->port from "HOST:PORT" (an IPv4
// dotted quad and 0-65535; port 0 picks a free one).
// Returns InvalidArgument when `text` is not of that form.
[[nodiscard]] absl::Status ParseListenAddress(absl::string_view text,
                                              HttpServerOptions* options);

// A listening server. Destroying it stops accepting, waits for the
// handler calls in flight to return and joins its threads. Thread-safe.
class HttpServer {
 public:
  // Binds and starts serving with `handler`.
  // Returns:
  //   InvalidArgument  the address is not an IPv4 dotted quad
  //   Unavailable      the socket cannot be bound (e.g. the port is taken)
  //                    or libmicrohttpd cannot start its threads
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler);

  ~HttpServer();
  // Not copyable or movable: libmicrohttpd's callbacks point at it.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port it listens on (the one picked when options.port was 0).
  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] unsigned threads() const { return threads_; }

 private:
  struct Daemon;
  HttpServer(HttpHandler handler, const HttpServerOptions& options);

  const HttpHandler handler_;
  const size_t max_request_body_bytes_;
  unsigned threads_ = 0;
  uint16_t port_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

}  // namespace wasmhost::serve

#endif  // WASMHOST_LIB_SERVE_HTTP_SERVER_H_
