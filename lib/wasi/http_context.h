// lib/wasi/http_context.h: what wasi:http's host functions know of the
// request being served.
//
//   p2::HttpExchange  one request's progress: its body read so far, the
//                     response the guest set, its body
//   p2::HttpContext   per component instance: the outgoing allow-list, the
//                     default outgoing timeout and the exchange of the
//                     call in progress
//   p2::AddHttp       defines wasi:http/types and outgoing-handler on a
//                     component::Linker (component_wasi_http.cc)
//
// HttpHandler gives each pooled instance an HttpContext
// (InstanceOptions::SetContext) and points it at an exchange for the
// length of one handle call; host functions reach it through
// component::Caller::context<HttpContext>().

#ifndef WASMHOST_LIB_WASI_HTTP_CONTEXT_H_
#define WASMHOST_LIB_WASI_HTTP_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "wasmhost/component_linker.h"
#include "wasmhost/http_handler.h"

namespace wasmhost::wasi::p2 {

struct HttpExchange {
  const component::HttpRequest* request = nullptr;
  component::HttpResponseSink* sink = nullptr;  // nullptr: buffer the body.
  size_t max_body_bytes = 0;                    // 0: no limit.
  // Of the guest call: outgoing requests wait no longer.
  absl::Time deadline = absl::InfiniteFuture();

  size_t request_body_offset = 0;  // Into request->body, without a source.
  std::string request_chunk;       // What body_source gave beyond a read.
  bool request_body_ended = false;

  // Set by response-outparam.set: the head (status and headers), or the
  // error-code case the guest answered with.
  std::optional<component::HttpResponse> response;
  std::optional<uint32_t> error_code;
  bool head_sent = false;  // sink->head was called.
  std::string body;        // Without a sink, or before the head.
  size_t body_bytes = 0;
  component::HttpHeaders trailers;  // Given to the response body's finish.

  // A body_source or sink error, told apart from the guest's own failure.
  absl::Status source_error;
  absl::Status sink_error;

  // The next at most `max` bytes of the request body; nullopt at its end.
  absl::StatusOr<std::optional<std::string>> ReadBody(uint64_t max);
  // Takes bytes of the response body: to the sink once the head is sent,
  // else to `body`. ResourceExhausted beyond max_body_bytes.
  absl::Status WriteBody(absl::string_view bytes);
  // Records the response and, with a sink, sends its head and the body
  // written so far.
  absl::Status SetResponse(component::HttpResponse head);
};

// Thread-affine, like the instance that owns it.
struct HttpContext {
  // Lowercased "host:port" entries (HttpHandlerOptions::allowed_outgoing).
  std::vector<std::string> allowed_outgoing;
  // HttpHandlerOptions::outgoing_timeout.
  absl::Duration default_timeout = absl::Seconds(30);
  HttpExchange* exchange = nullptr;  // Only during a handle call.
};

// wasi:http/types and wasi:http/outgoing-handler at kWasiVersion. Their
// functions need the caller's WasiContext (streams, the resource table)
// and HttpContext; without them they trap with FailedPrecondition.
absl::Status AddHttp(component::Linker& linker);

}  // namespace wasmhost::wasi::p2

#endif  // WASMHOST_LIB_WASI_HTTP_CONTEXT_H_
