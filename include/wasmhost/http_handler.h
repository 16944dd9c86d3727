// wasmhost/http_handler.h: HTTP requests from any C++ HTTP stack served by
// a component that exports wasi:http/incoming-handler (0.2.x).
//
//   component::HttpHeaders         header fields as ordered (name, value)
//                                  pairs
//   component::HttpBodySource      pulls a request body in chunks
//   component::HttpRequest         a request: method, scheme, authority,
//                                  path and query, headers, body
//   component::HttpResponse        the component's response, or the 5xx the
//                                  host made when the guest failed
//   component::HttpResponseSink    receives a response while the guest
//                                  writes it
//   component::HttpHandlerOptions  the pool, WASI and the outgoing allow-list
//   component::HttpHandler         the component called once per request on
//                                  a fresh-state pool lease
//
// What a guest sees: wasi:http/types, incoming-handler's request and
// response-outparam, and wasi:http/outgoing-handler, all at version 0.2.12
// (an import of any 0.2.x links), plus WASI 0.2 (wasi_component.h) on a
// WasiContext made per instance from HttpHandlerOptions::wasi. Bodies are
// wasi:io streams: a request body is read from the request's string or its
// body_source (a read waits as long as body_source does); what the guest writes
// to a response body goes to the response (or the sink) at once. Request
// trailers (HttpRequest::trailers) reach the guest through
// incoming-body.finish; the trailers the guest gives outgoing-body.finish come
// back in HttpResponse::trailers.
//
// outgoing-handler.handle answers error-code HTTP-request-denied for every
// request whose authority (host and port, 80 by default; it is also the
// Host header sent, whatever header the guest set) is not in
// HttpHandlerOptions::allowed_outgoing. An allowed request is sent as
// plain HTTP/1.1 on a new TCP connection (Connection: close), its body
// streamed as the guest writes it (chunked unless finished before handle),
// and the response's status, headers, body (Content-Length, chunked or to
// the connection's close) and trailers read back. `https` is answered with
// internal-error("https is not supported ..."): this host has no TLS.
// A denied, https or malformed request is handle's err; once sent,
// failures come through the future-incoming-response (a body write never
// fails for them): DNS-error, DNS-timeout, connection-refused,
// connection-timeout (connect), connection-read-timeout (first byte and
// between bytes), connection-terminated, HTTP-response-incomplete,
// HTTP-protocol-error. The waits happen inside the guest's calls
// (future-incoming-response.get waits for the head, body reads for their
// bytes; pollables are always ready), each bounded by request-options'
// timeouts (default HttpHandlerOptions::outgoing_timeout) and by the
// Handle call's deadline.

#ifndef WASMHOST_HTTP_HANDLER_H_
#define WASMHOST_HTTP_HANDLER_H_

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
#include "absl/time/time.h"
#include "wasmhost/component.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/component_pool.h"
#include "wasmhost/export.h"
#include "wasmhost/limits.h"
#include "wasmhost/pool.h"
#include "wasmhost/wasi.h"

namespace wasmhost::component {
inline namespace api {

// Header fields in order, names as given (wasi:http compares them without
// regard to case). Values are bytes (not necessarily UTF-8).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The next chunk of a request body, or nullopt at its end. Called on the
// thread that runs Handle, only during it, when the guest reads the body.
// An error status traps the guest: Handle then answers 500 with that
// status as HttpResponse::error.
using HttpBodySource =
    std::function<absl::StatusOr<std::optional<std::string>>()>;

// An incoming request, as an HTTP server parsed it.
struct HttpRequest {
  // "GET", "POST", ... (any token; the nine standard ones reach the guest
  // as their method cases, others as method.other). Default "GET".
  std::string method = "GET";
  // "http", "https" or another scheme; empty: the guest sees none.
  // Default "http".
  std::string scheme = "http";
  // Host and port ("example.com:8080"); empty: the guest sees none.
  std::string authority;
  // The request target's path and query ("/echo?x=1"). Default "/".
  std::string path_with_query = "/";
  HttpHeaders headers;
  // The body, when body_source is empty.
  std::string body;
  // When set, the body is read from it instead of `body`.
  HttpBodySource body_source;
  // Trailer fields, which the guest gets from incoming-body.finish's
  // future-trailers after the body's end. Default: none.
  HttpHeaders trailers;
};

// A response. When made by the host because the guest failed, `status` is
// 500 (a trap, a host function's error, an error-code set as the response,
// or no response set), 503 (a memory, fuel or pool limit) or 504 (the
// deadline), with a fixed body ("500 Internal Server Error\n") and no
// guest detail; `error` then says why, for the host's log only.
struct HttpResponse {
  uint16_t status = 200;
  HttpHeaders headers;
  // The body (empty when it went to an HttpResponseSink).
  std::string body;
  // The trailers the guest gave outgoing-body.finish (even with a sink:
  // Handle returns after the body's end). Empty in a host-made response.
  HttpHeaders trailers;
  // OK when the component made the response; otherwise the guest's
  // failure as the component call returned it (errors.h: GetTrapInfo and
  // friends read it).
  absl::Status error;
};

// Receives a response while the guest makes it, for a server that streams
// bodies. Both callbacks run on the thread that runs Handle, during it. A
// non-OK status from either (the client went away) traps the guest and is
// what Handle returns.
struct HttpResponseSink {
  // Called once, with the status and headers (`body` empty): when the guest
  // sets its response, or, when the guest failed before that, with the
  // host's 5xx response (whose fixed body then follows through `body`).
  std::function<absl::Status(const HttpResponse& head)> head;
  // Called for each chunk of the body, in order, after `head`.
  std::function<absl::Status(absl::string_view chunk)> body;
};

// How an HttpHandler runs its component.
struct HttpHandlerOptions {
  // The instance pool. Requests always get fresh-state leases: `policy`
  // must be ReusePolicy::kFreshState (the default) or kNewInstance (an
  // instantiation per request: the baseline to measure against).
  // instance_options' limits (memory, tables, stack) apply to every request.
  // The handler adds its own setup_instance and reset_instance steps after
  // those given here, and replaces a SetHandles given here with its own.
  // Defaults as component::PoolOptions.
  PoolOptions pool;

  // The WASI capabilities of every instance: each gets its own WasiContext
  // made from these (stdout and stderr go to the sinks given here, from
  // every request; default: discarded). Default: no args, env, preopens.
  wasi::WasiOptions wasi;

  // Authorities ("host:port", port required, host compared without regard
  // to case) the guest may send outgoing requests to; any other request is
  // answered with error-code HTTP-request-denied. Default: empty (deny
  // all).
  std::vector<std::string> allowed_outgoing;

  // How long an outgoing request may wait to connect, for its response's
  // first byte, and between bytes, where its request-options set none.
  // The Handle call's deadline bounds every wait as well. Default 30 s;
  // must be positive.
  absl::Duration outgoing_timeout = absl::Seconds(30);

  // Most bytes of response body a request may write; a guest that writes
  // more traps (Handle: 503, with error ResourceExhausted). Default
  // 64 MiB; 0 means no limit.
  size_t max_response_body_bytes = 64 << 20;
};

// A component exporting wasi:http/incoming-handler, served from a pool of
// fresh-state instances: each Handle leases an instance (on the calling
// thread), calls handle(request, response-out) and returns the lease,
// whose state is reset before the next request. Created with a
// component::Linker that grants the component's other imports; the handler
// adds WASI 0.2 and wasi:http to a copy of it. Thread-safe: call Handle
// from any number of threads at once.
class WASMHOST_EXPORT HttpHandler {
 public:
  // Makes the handler and its pool (one instance on the calling thread).
  // Returns:
  //   NotFound          the component exports no
  //                     wasi:http/incoming-handler@0.2 `handle`, or
  //                     imports what neither `linker` nor the handler
  //                     defines (as component::Instance::Create)
  //   AlreadyExists     `linker` already defines a WASI 0.2 or wasi:http
  //                     interface
  //   InvalidArgument   options.pool.policy is neither kFreshState nor
  //                     kNewInstance, an allowed_outgoing entry is not
  //                     host:port, outgoing_timeout is not positive, or
  //                     the pool options are inconsistent
  //   what component::InstancePool::Create returns otherwise
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpHandler>> Create(
      const Component& component, const Linker& linker,
      const HttpHandlerOptions& options = {});

  ~HttpHandler();
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;

  // Serves `request` on a fresh-state lease, the guest's call bounded by
  // `options` (deadline, timeout, fuel). With `sink` (nullptr: none) the
  // response goes there as it is made and the returned one carries its
  // status, headers and error but no body. A guest failure is a response
  // (see HttpResponse), not an error. Returns:
  //   InvalidArgument  `request` has an empty method or a header name
  //                    that is not an HTTP token
  //   a sink callback's or body_source's error status, unchanged
  [[nodiscard]] absl::StatusOr<HttpResponse> Handle(
      const HttpRequest& request, const CallOptions& options = {},
      HttpResponseSink* sink = nullptr);

  // Switches to a new version of the component (as
  // component::InstancePool::Reload): requests in flight finish on the
  // old one. Returns NotFound when `component` exports no incoming-handler,
  // else what InstancePool::Reload returns (the old version is kept).
  [[nodiscard]] absl::Status Reload(const Component& component);

  [[nodiscard]] PoolStats stats() const;

  struct State;  // Opaque (lib/http/http_handler.cc).

 private:
  explicit HttpHandler(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace api
}  // namespace wasmhost::component

#endif  // WASMHOST_HTTP_HANDLER_H_
