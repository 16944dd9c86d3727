#include "lib/serve/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace wasmhost::serve {

struct HttpServer::Daemon {
  MHD_Daemon* daemon = nullptr;
  ~Daemon() {
    if (daemon != nullptr) MHD_stop_daemon(daemon);
  }
};

namespace {

// What one request gathers across libmicrohttpd's calls: made by the URI
// callback (the only place the raw target with its query is seen), freed
// when the request completes.
struct Exchange {
  HttpRequest request;
  bool too_large = false;
};

void* BeginRequest(void* /*cls*/, const char* uri, MHD_Connection* /*c*/) {
  Exchange* exchange = new Exchange;
  exchange->request.path = uri;
  return exchange;
}

void EndRequest(void* /*cls*/, MHD_Connection* /*c*/, void** state,
                MHD_RequestTerminationCode /*why*/) {
  delete static_cast<Exchange*>(*state);
  *state = nullptr;
}

MHD_Result AddHeader(void* cls, MHD_ValueKind /*kind*/, const char* key,
                     const char* value) {
  static_cast<HttpRequest*>(cls)->headers.emplace_back(
      key, value == nullptr ? "" : value);
  return MHD_YES;
}

// Content-Length and framing are libmicrohttpd's to set (it refuses them).
bool IsFramingHeader(const std::string& name) {
  return absl::EqualsIgnoreCase(name, "content-length") ||
         absl::EqualsIgnoreCase(name, "transfer-encoding") ||
         absl::EqualsIgnoreCase(name, "connection");
}

MHD_Result Send(MHD_Connection* connection, const HttpResponse& response) {
  MHD_Response* reply = MHD_create_response_from_buffer(
      response.body.size(), const_cast<char*>(response.body.data()),
      MHD_RESPMEM_MUST_COPY);
  if (reply == nullptr) return MHD_NO;
  for (const auto& [name, value] : response.headers) {
    if (IsFramingHeader(name)) continue;
    // A header libmicrohttpd rejects (a line break in it) is left out
    // rather than failing the response.
    (void)MHD_add_response_header(reply, name.c_str(), value.c_str());
  }
  const unsigned status = response.status >= 100 && response.status <= 999
                              ? static_cast<unsigned>(response.status)
                              : 500u;
  MHD_Result queued = MHD_queue_response(connection, status, reply);
  MHD_destroy_response(reply);
  return queued;
}

}  // namespace

absl::Status ParseListenAddress(absl::string_view text,
                                HttpServerOptions* options) {
  const size_t colon = text.rfind(':');
  in_addr ignored;
  uint32_t port;
  if (colon == absl::string_view::npos ||
      inet_pton(AF_INET, std::string(text.substr(0, colon)).c_str(),
                &ignored) != 1 ||
      !absl::SimpleAtoi(text.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address ", text, ": expected IPV4:PORT, e.g. 127.0.0.1:8080"));
  }
  options->address = std::string(text.substr(0, colon));
  options->port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

HttpServer::HttpServer(HttpHandler handler, const HttpServerOptions& options)
    : handler_(std::move(handler)),
      max_request_body_bytes_(options.max_request_body_bytes) {}

HttpServer::~HttpServer() = default;

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(options.port);
  if (inet_pton(AF_INET, options.address.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address ", options.address, " is not an IPv4 address"));
  }
  std::unique_ptr<HttpServer> server(
      new HttpServer(std::move(handler), options));
  server->threads_ = options.threads != 0
                         ? options.threads
                         : std::max(1u, std::thread::hardware_concurrency());
  // Called for each step of a request: first with no body (the headers
  // are in), then once per body chunk, then once with none left.
  MHD_AccessHandlerCallback on_request =
      [](void* cls, MHD_Connection* connection, const char* /*url*/,
         const char* method, const char* /*version*/, const char* upload,
         size_t* upload_size, void** state) -> MHD_Result {
    auto* self = static_cast<HttpServer*>(cls);
    auto* exchange = static_cast<Exchange*>(*state);
    if (exchange->request.method.empty()) {
      exchange->request.method = method;
      MHD_get_connection_values(connection, MHD_HEADER_KIND, AddHeader,
                                &exchange->request);
      return MHD_YES;
    }
    if (*upload_size != 0) {
      std::string& body = exchange->request.body;
      if (exchange->too_large ||
          *upload_size > self->max_request_body_bytes_ - body.size()) {
        exchange->too_large = true;
        body.clear();
      } else {
        body.append(upload, *upload_size);
      }
      *upload_size = 0;
      return MHD_YES;
    }
    if (exchange->too_large) {
      return Send(connection,
                  HttpResponse{413, {}, "request body too large\n"});
    }
    return Send(connection, self->handler_(exchange->request));
  };
  auto daemon = std::make_unique<Daemon>();
  errno = 0;
  daemon->daemon = MHD_start_daemon(
      MHD_USE_AUTO_INTERNAL_THREAD, options.port, nullptr, nullptr, on_request,
      server.get(), MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address),
      MHD_OPTION_THREAD_POOL_SIZE, server->threads_,
      MHD_OPTION_CONNECTION_TIMEOUT, options.idle_timeout_seconds,
      MHD_OPTION_URI_LOG_CALLBACK, BeginRequest, nullptr,
      MHD_OPTION_NOTIFY_COMPLETED, EndRequest, nullptr, MHD_OPTION_END);
  if (daemon->daemon == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve on ", options.address, ":", options.port, ": ",
        errno != 0 ? std::strerror(errno) : "libmicrohttpd did not start"));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(daemon->daemon, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : options.port;
  server->daemon_ = std::move(daemon);
  return server;
}

}  // namespace wasmhost::serve
