// lib/serve/http_client.h: a blocking HTTP/1.1 client for the server's
// tests and tools: one request per connection (Connection: close).
//
//   Fetch          sends a request to a loopback port and reads the whole
//                  response
//   SendAndHangUp  sends raw bytes and closes the connection

#ifndef WASMHOST_LIB_SERVE_HTTP_CLIENT_H_
#define WASMHOST_LIB_SERVE_HTTP_CLIENT_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/serve/http_server.h"

namespace wasmhost::serve {

// Sends `request` (method, path, headers, body; Host, Content-Length and
// Connection are added) to 127.0.0.1:`port` and returns the response with
// its status, headers (names lower-cased) and body (a chunked one
// decoded).
// Returns:
//   Unavailable  the connection cannot be made, or breaks
//   DataLoss     the response is not HTTP/1.x, or its chunked body is cut
//                short
[[nodiscard]] absl::StatusOr<HttpResponse> Fetch(uint16_t port,
                                                 const HttpRequest& request);

// Sends `bytes` as they are on a new connection to 127.0.0.1:`port` and
// closes it without reading: a client going away mid-request.
// Returns Unavailable when the connection cannot be made or breaks.
absl::Status SendAndHangUp(uint16_t port, absl::string_view bytes);

}  // namespace wasmhost::serve

#endif  // WASMHOST_LIB_SERVE_HTTP_CLIENT_H_
