// lib/wasi/http_resources.h: the host objects behind wasi:http/types'
// resources, kept in a WASI context's p2::Resources table beside its
// streams (so WasiContext::Reset drops what a request left).
//
//   p2::FieldList               header fields in order
//   p2::HttpError               an error-code case and its payload
//   p2::Fields                  fields (headers, trailers)
//   p2::IncomingRequest         incoming-request: the request being served
//   p2::IncomingBody            incoming-body: the served request's body,
//                               or an outgoing request's response's
//   p2::FutureTrailers          future-trailers of either incoming body
//   p2::OutgoingResponse        outgoing-response
//   p2::OutgoingBody            outgoing-body of a response or a request
//   p2::ResponseOutparam        response-outparam
//   p2::OutgoingRequest         outgoing-request
//   p2::RequestOptions          request-options
//   p2::FutureIncomingResponse  future-incoming-response
//   p2::IncomingResponse        incoming-response
//
// Bodies have no bytes here: their streams read and write the request
// being served (lib/wasi/http_context.h) or an outgoing request's
// connection (p2::OutgoingCall, lib/wasi/http_outgoing.h), which every
// object of that request shares.

#ifndef WASMHOST_LIB_WASI_HTTP_RESOURCES_H_
#define WASMHOST_LIB_WASI_HTTP_RESOURCES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wasmhost::wasi::p2 {

using FieldList = std::vector<std::pair<std::string, std::string>>;

class OutgoingCall;

// wasi:http error-code cases this host gives (their indices in the
// variant).
inline constexpr uint32_t kHttpDnsTimeout = 0;
inline constexpr uint32_t kHttpDnsError = 1;  // DNS-error-payload
inline constexpr uint32_t kHttpDestinationUnavailable = 3;
inline constexpr uint32_t kHttpConnectionRefused = 6;
inline constexpr uint32_t kHttpConnectionTerminated = 7;
inline constexpr uint32_t kHttpConnectionTimeout = 8;
inline constexpr uint32_t kHttpConnectionReadTimeout = 9;
inline constexpr uint32_t kHttpConnectionWriteTimeout = 10;
inline constexpr uint32_t kHttpRequestDenied = 15;
inline constexpr uint32_t kHttpRequestBodySize = 17;  // option<u64>: none
inline constexpr uint32_t kHttpRequestUriInvalid = 19;
inline constexpr uint32_t kHttpResponseIncomplete = 25;
inline constexpr uint32_t kHttpResponseHeaderSectionSize = 26;   // none
inline constexpr uint32_t kHttpResponseTrailerSectionSize = 29;  // none
inline constexpr uint32_t kHttpResponseTransferCoding = 31;      // some(coding)
inline constexpr uint32_t kHttpProtocolError = 35;
inline constexpr uint32_t kHttpInternalError = 38;  // some(detail)

// wasi:http's error-code, as far as this host makes one: the case index
// (kHttp* in http_context.h) and, for the cases with a string payload
// (DNS-error's rcode, HTTP-response-transfer-coding, internal-error), that
// string; for the others `detail` only explains, in io-error debug strings.
struct HttpError {
  uint32_t code = 0;
  std::string detail;
};

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
  // The outgoing request whose response this is; null: the served request.
  std::shared_ptr<OutgoingCall> response_of;
  bool stream_taken = false;
};

struct FutureTrailers {
  std::shared_ptr<OutgoingCall> response_of;  // As IncomingBody's.
  bool taken = false;  // get gave them: later gets answer err.
};

struct OutgoingResponse {
  uint16_t status = 200;
  FieldList headers;
  bool body_taken = false;
};

struct OutgoingBody {
  // The outgoing request whose body this is; null: the served response's.
  std::shared_ptr<OutgoingCall> request_of;
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
  // Made by body(), which buffers what is written until handle sends it.
  std::shared_ptr<OutgoingCall> call;
};

// Durations in nanoseconds.
struct RequestOptions {
  std::optional<uint64_t> connect_timeout;
  std::optional<uint64_t> first_byte_timeout;
  std::optional<uint64_t> between_bytes_timeout;
};

struct FutureIncomingResponse {
  std::shared_ptr<OutgoingCall> call;
  bool taken = false;  // get gave the response or error: later gets err.
};

struct IncomingResponse {
  std::shared_ptr<OutgoingCall> call;
  uint16_t status = 0;
  FieldList headers;
  bool consumed = false;
};

}  // namespace wasmhost::wasi::p2

#endif  // WASMHOST_LIB_WASI_HTTP_RESOURCES_H_
