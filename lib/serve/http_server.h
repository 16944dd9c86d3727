// lib/serve/http_server.h: an HTTP/1.1 server on libmicrohttpd that calls
// one handler per request on a fixed set of threads.
//
//   BodySource, ResponseWriter  a streamed request's body and response
//   HttpRequest, HttpResponse   a request as received, a response to send
//   HttpHandler                 what the server calls for each request
//   HttpServerOptions           address, port, threads, size limits
//   ParseListenAddress          "HOST:PORT" into HttpServerOptions
//   HttpServer                  the running server; stops when destroyed
//
// Each of the `threads` threads polls its own share of the connections
// (poll(), not epoll: see http_server.cc). A request whose body has a
// Content-Length of at most inline_body_bytes is read whole and its
// handler runs on that thread itself, so the call never moves between
// threads (what the handler keeps per thread, a wasmhost isolate or a
// pool lease, stays valid) and the response is sent from the HttpResponse the
// handler returns. Any other request is streamed: its handler runs on one of
// `threads` streaming threads, reading the body through
// HttpRequest::body_source while it arrives and sending its response through
// HttpRequest::writer while it makes it, with at most stream_buffer_bytes held
// each way (the faster side waits), so a body of any size passes through
// bounded memory.
#ifndef WASMHOST_LIB_SERVE_HTTP_SERVER_H_
#define WASMHOST_LIB_SERVE_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace wasmhost::serve {

using HttpHeaderList = std::vector<std::pair<std::string, std::string>>;

// The next chunk of a streamed request body, or nullopt at its end; waits
// for the client to send more. Returns Unavailable when the connection
// ended first (the client went away, or the server is stopping), and
// ResourceExhausted past HttpServerOptions::max_request_body_bytes. Call
// it on the handler's thread, during the handler call.
using BodySource = std::function<absl::StatusOr<std::optional<std::string>>()>;

// Sends a streamed request's response while the handler makes it. Made by
// the server for one handler call; use it on that call's thread only.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // Starts the response with its status and headers; at most once, before
  // Write. Returns FailedPrecondition when called twice.
  virtual absl::Status Head(int status, const HttpHeaderList& headers) = 0;
  // Sends the next part of the body (after Head), waiting while
  // stream_buffer_bytes of it are unsent once the request body is in.
  // Returns FailedPrecondition before Head, Unavailable when the client
  // went away.
  virtual absl::Status Write(absl::string_view chunk) = 0;
  // Cuts the response short (the handler failed after Head): once what
  // was written is sent, the connection closes without the body's end, so
  // the client sees the response failed.
  virtual void Abort() = 0;
};

struct HttpRequest {
  std::string method;  // e.g. "GET"
  std::string path;    // the request target: path and query, "/a?b=c"
  // Header names as received (HTTP names are case-insensitive), in order.
  HttpHeaderList headers;
  // The whole body, when body_source is empty.
  std::string body;
  // Set when the request is streamed (see the file comment): its body.
  BodySource body_source;
  // Set when the request is streamed: when the handler calls its Head, the
  // response is what it writes there and the HttpResponse the handler
  // returns is ignored; otherwise the returned one is sent.
  ResponseWriter* writer = nullptr;
};

struct HttpResponse {
  int status = 200;
  HttpHeaderList headers;
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
  // A longer request body is answered 413 without calling the handler
  // when its Content-Length says so; a streamed body of unknown length
  // that grows past it fails its BodySource with ResourceExhausted.
  // Bytes; default 64 MiB; 0 means no body is accepted.
  size_t max_request_body_bytes = size_t{64} << 20;
  // Bodies with a Content-Length of at most this are read whole before
  // the handler runs on the connection's thread; longer ones, and those
  // of unknown length, are streamed. Bytes; default 64 KiB; 0 streams
  // every request with a body.
  size_t inline_body_bytes = size_t{64} << 10;
  // A streamed request's body bytes held by the server before it stops
  // reading from the client, and its response's before Write waits.
  // Bytes; default 256 KiB; at least 1.
  size_t stream_buffer_bytes = size_t{256} << 10;
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
  // The most bytes one streamed request has held in the server's buffers
  // at once, body and response together, since the server started (to
  // check that streaming is bounded).
  [[nodiscard]] size_t peak_stream_buffered_bytes() const;

  // libmicrohttpd's daemon and the streaming threads (http_server.cc;
  // named here for its callbacks only).
  struct Daemon;

 private:
  HttpServer(HttpHandler handler, const HttpServerOptions& options);
  // A streaming thread: runs the handlers of streamed requests.
  void RunStreams();

  const HttpHandler handler_;
  const HttpServerOptions options_;
  unsigned threads_ = 0;
  uint16_t port_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

}  // namespace wasmhost::serve

#endif  // WASMHOST_LIB_SERVE_HTTP_SERVER_H_
