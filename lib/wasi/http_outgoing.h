// lib/wasi/http_outgoing.h: a wasi:http outgoing request sent as plain
// HTTP/1.1 over a TCP connection of its own (POSIX sockets, no TLS, one
// request per connection).
//
//   p2::HttpTimeouts  connect, first-byte and between-bytes limits
//   p2::OutgoingCall  one request: its body buffered until it is sent,
//                     the connection, the response head, body and trailers
//
// Every wait (resolving, connecting, writing, reading) is bounded by its
// timeout and by the deadline of the guest call that started the request,
// so a host function never blocks past the call's deadline. Failures are
// wasi:http error-codes for the guest (HttpError), not statuses: the
// request failed, the host did not.

#ifndef WASMHOST_LIB_WASI_HTTP_OUTGOING_H_
#define WASMHOST_LIB_WASI_HTTP_OUTGOING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/wasi/http_resources.h"
#include "lib/wasi/path.h"

namespace wasmhost::wasi::p2 {

struct HttpTimeouts {
  absl::Duration connect = absl::Seconds(30);
  absl::Duration first_byte = absl::Seconds(30);
  absl::Duration between_bytes = absl::Seconds(30);
  // Of the guest call: no wait ends later.
  absl::Time deadline = absl::InfiniteFuture();
};

// Made when the guest takes an outgoing request's body (or at handle, for
// a request without one) and shared by the objects of that request: the
// body buffers writes until Start, then sends them. Thread-affine, like
// the instance whose objects hold it.
class OutgoingCall {
 public:
  OutgoingCall() = default;
  OutgoingCall(const OutgoingCall&) = delete;
  OutgoingCall& operator=(const OutgoingCall&) = delete;

  // Resolves `host`, connects to `port` and sends the head of `request`
  // (its method, path and headers, with Host: `authority`; the guest's
  // Host, Connection, Content-Length and Transfer-Encoding are replaced)
  // and the body written so far. The body is framed by Content-Length
  // when it was finished before, else chunked. The error is also kept
  // for every later call (error()). Errors: DNS-error,
  // DNS-timeout, connection-refused, connection-timeout,
  // destination-unavailable, connection-terminated,
  // connection-write-timeout.
  std::optional<HttpError> Start(const OutgoingRequest& request,
                                 absl::string_view host, uint16_t port,
                                 absl::string_view authority,
                                 const HttpTimeouts& timeouts);

  // Body bytes: buffered before Start, sent after it. A failure to send
  // (or any write once the call failed) is not the write's: it is kept
  // for error() and ReadHead, the one place the guest learns the
  // outcome. Errors: HTTP-request-body-size (over 16 MiB written before
  // Start).
  std::optional<HttpError> WriteBody(absl::string_view bytes);
  // Ends the body (with trailers, sent only in the chunked framing);
  // failures as WriteBody's.
  void FinishBody(FieldList trailers);

  // Reads the response head (skipping 1xx interim responses), waiting
  // first-byte for its first byte. Errors: connection-read-timeout,
  // connection-terminated, HTTP-response-incomplete,
  // HTTP-response-header-section-size, HTTP-response-transfer-coding,
  // HTTP-protocol-error.
  std::optional<HttpError> ReadHead();
  uint16_t status() const { return status_; }
  const FieldList& headers() const { return headers_; }

  // The next at most `max` (> 0) body bytes into `chunk`, nullopt at the
  // end. Errors as ReadHead's.
  std::optional<HttpError> ReadBody(uint64_t max,
                                    std::optional<std::string>* chunk);
  // Reads the body to its end (discarding it) and gives its trailers.
  std::optional<HttpError> ReadTrailers(FieldList* trailers);

  // The first error of the call, if any.
  const std::optional<HttpError>& error() const { return error_; }

 private:
  enum class Framing { kNone, kLength, kChunked, kUntilClose };

  std::optional<HttpError> Fail(HttpError error);
  std::optional<HttpError> Send(absl::string_view bytes);
  // Reads more into in_; false at the end of the stream. `first`: waits
  // first-byte rather than between-bytes.
  std::optional<HttpError> Fill(bool first, bool* more);
  // The next CRLF-terminated line (without CRLF) from in_, at most
  // `limit` bytes.
  std::optional<HttpError> ReadLine(size_t limit, std::string* line);
  std::optional<HttpError> ParseHead(absl::string_view head);

  HttpTimeouts timeouts_;
  ScopedFd socket_;
  std::optional<HttpError> error_;

  // The request body: buffered until Start.
  bool started_ = false;
  bool body_finished_ = false;
  std::string pending_;
  FieldList pending_trailers_;

  // The response.
  bool head_method_ = false;  // A HEAD request: the response has no body.
  uint16_t status_ = 0;
  FieldList headers_;
  std::string in_;  // Read, not yet parsed.
  Framing body_framing_ = Framing::kNone;
  uint64_t remaining_ = 0;  // kLength: of the body; kChunked: of the chunk.
  bool body_ended_ = false;
  FieldList trailers_;
};

}  // namespace wasmhost::wasi::p2

#endif  // WASMHOST_LIB_WASI_HTTP_OUTGOING_H_
