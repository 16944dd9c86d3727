// lib/wasi/http_resources.h: the host objects behind wasi:http/types'
// resources, kept in a WASI context's p2::Resources table beside its
// streams (so WasiContext::Reset drops what a request left).
//
//   p2::FieldList         header fields in order
//   p2::Fields            fields (headers, trailers)
//   p2::IncomingRequest   incoming-request: the request being served
//   p2::IncomingBody      incoming-body: the request's body
//   p2::FutureTrailers    future-trailers (always: no trailers)
//   p2::OutgoingResponse  outgoing-response
//   p2::OutgoingBody      outgoing-body of a response or a request
//   p2::ResponseOutparam  response-outparam
//   p2::OutgoingRequest   outgoing-request
//   p2::RequestOptions    request-options
//
// Bodies have no bytes here: their streams read and write the request
// being served (lib/wasi/http_context.h).

#ifndef WASMHOST_LIB_WASI_HTTP_RESOURCES_H_
#define WASMHOST_LIB_WASI_HTTP_RESOURCES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wasmhost::wasi::p2 {

using FieldList = std::vector<std::pair<std::string, std::string>>;

struct Fields {
  FieldList entries;
  // Headers of a request or response: every change is `immutable`.
  bool immutable = false;
};

struct IncomingRequest {
  std::string method;
  std::optional<std::string> scheme;
  std::optional<std::string> authority;
  std::optional<std::string> path_with_query;
  FieldList headers;
  bool consumed = false;  // consume() gave its body.
};

struct IncomingBody {
  bool stream_taken = false;
};

struct FutureTrailers {};

struct OutgoingResponse {
  uint16_t status = 200;
  FieldList headers;
  bool body_taken = false;
};

struct OutgoingBody {
  // A response's body is the one served; a request's is discarded (no
  // outgoing request is ever sent).
  bool of_response = true;
  bool stream_taken = false;
};

struct ResponseOutparam {};

struct OutgoingRequest {
  std::string method = "GET";
  std::optional<std::string> scheme;
  std::optional<std::string> authority;
  std::optional<std::string> path_with_query;
  FieldList headers;
  bool body_taken = false;
};

// Durations in nanoseconds.
struct RequestOptions {
  std::optional<uint64_t> connect_timeout;
  std::optional<uint64_t> first_byte_timeout;
  std::optional<uint64_t> between_bytes_timeout;
};

}  // namespace wasmhost::wasi::p2

#endif  // WASMHOST_LIB_WASI_HTTP_RESOURCES_H_
