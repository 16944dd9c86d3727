// component::HttpHandler (wasmhost/http_handler.h): a request becomes an
// incoming-request and a response-outparam in a fresh-state lease's WASI
// resource table, the guest's handle export is called with them, and what
// it set (or how it failed) becomes the response.

#include "wasmhost/http_handler.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/component_wasi.h"
#include "lib/wasi/context.h"
#include "lib/wasi/http_context.h"
#include "wasmhost/component_instance.h"
#include "wasmhost/wasi_component.h"

namespace wasmhost::component {
namespace {

using wasi::p2::HttpContext;
using wasi::p2::HttpExchange;

constexpr absl::string_view kIncomingHandler =
    "wasi:http/incoming-handler@0.2.";

// The component's exported incoming-handler interface, e.g.
// "wasi:http/incoming-handler@0.2.0".
absl::StatusOr<std::string> HandlerInterface(const Component& component) {
  for (const ComponentFunc& func : component.exported_funcs()) {
    if (func.name == "handle" &&
        absl::StartsWith(func.interface, kIncomingHandler)) {
      return func.interface;
    }
  }
  return absl::NotFoundError(
      "the component exports no wasi:http/incoming-handler@0.2 handle");
}

// A lease's handle function, looked up once per instance.
struct HandlerFunc {
  Func handle;
};

// "host:port" lowercased, or InvalidArgument.
absl::StatusOr<std::string> Authority(absl::string_view entry) {
  size_t colon = entry.rfind(':');
  uint32_t port = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(entry.substr(colon + 1), &port) || port == 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "allowed_outgoing entry \"", entry, "\" is not host:port"));
  }
  return absl::AsciiStrToLower(entry);
}

bool IsToken(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains("!#$%&'*+-.^_`|~", c)) {
      return false;
    }
  }
  return true;
}

absl::Status ValidateRequest(const HttpRequest& request) {
  if (!IsToken(request.method)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the request method \"", request.method, "\" is not an HTTP token"));
  }
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the header name \"", name, "\" is not an HTTP token"));
    }
  }
  return absl::OkStatus();
}

// The host's response to a guest failure: no guest detail.
HttpResponse FailureResponse(absl::Status error) {
  HttpResponse response;
  switch (error.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      response.status = 504;
      response.body = "504 Gateway Timeout\n";
      break;
    case absl::StatusCode::kResourceExhausted:
      response.status = 503;
      response.body = "503 Service Unavailable\n";
      break;
    default:
      response.status = 500;
      response.body = "500 Internal Server Error\n";
  }
  response.headers = {{"content-type", "text/plain"}};
  response.error = std::move(error);
  return response;
}

}  // namespace

inline namespace api {

struct HttpHandler::State {
  std::unique_ptr<InstancePool> pool;
  size_t max_response_body_bytes = 0;
};

HttpHandler::HttpHandler(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
HttpHandler::~HttpHandler() = default;

absl::StatusOr<std::unique_ptr<HttpHandler>> HttpHandler::Create(
    const Component& component, const Linker& linker,
    const HttpHandlerOptions& options) {
  WASMHOST_RETURN_IF_ERROR(HandlerInterface(component).status());
  // kNewInstance is fresh state too, at an instantiation per request (the
  // baseline of benchmarks/http_load.sh).
  if (options.pool.policy != ReusePolicy::kFreshState &&
      options.pool.policy != ReusePolicy::kNewInstance) {
    return absl::InvalidArgumentError(
        "HttpHandlerOptions::pool.policy must be kFreshState or kNewInstance: "
        "every request gets a fresh-state lease");
  }
  auto allowed = std::make_shared<std::vector<std::string>>();
  for (const std::string& entry : options.allowed_outgoing) {
    WASMHOST_ASSIGN_OR_RETURN(std::string authority, Authority(entry));
    allowed->push_back(std::move(authority));
  }
  if (options.outgoing_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "HttpHandlerOptions::outgoing_timeout must be positive");
  }
  // Options no context can be made from fail here, before any pool.
  WASMHOST_RETURN_IF_ERROR(wasi::WasiContext::Create(options.wasi).status());

  Linker served = linker;
  WASMHOST_RETURN_IF_ERROR(wasi::AddToComponentLinker(served));
  WASMHOST_RETURN_IF_ERROR(wasi::p2::AddHttp(served));

  PoolOptions pool = options.pool;
  pool.setup_instance = [wasi_options = options.wasi, allowed,
                         timeout = options.outgoing_timeout,
                         next = std::move(pool.setup_instance)](
                            InstanceOptions& instance_options) -> absl::Status {
    if (next) WASMHOST_RETURN_IF_ERROR(next(instance_options));
    // Contexts are thread-affine: one per instance, made on its thread.
    WASMHOST_ASSIGN_OR_RETURN(std::unique_ptr<wasi::WasiContext> context,
                              wasi::WasiContext::Create(wasi_options));
    instance_options.SetContext(
        std::shared_ptr<wasi::WasiContext>(std::move(context)));
    auto http = std::make_shared<HttpContext>();
    http->allowed_outgoing = *allowed;
    http->default_timeout = timeout;
    instance_options.SetContext(std::move(http));
    return absl::OkStatus();
  };
  pool.reset_instance = [next = std::move(pool.reset_instance)](
                            Instance& instance) -> absl::Status {
    if (next) WASMHOST_RETURN_IF_ERROR(next(instance));
    return instance.context<wasi::WasiContext>()->Reset();
  };
  pool.SetHandles<HandlerFunc>(
      [](Instance& instance) -> absl::StatusOr<HandlerFunc> {
        WASMHOST_ASSIGN_OR_RETURN(std::string interface,
                                  HandlerInterface(instance.component()));
        WASMHOST_ASSIGN_OR_RETURN(Func handle,
                                  instance.GetFunc(interface, "handle"));
        return HandlerFunc{handle};
      });

  auto state = std::make_unique<State>();
  state->max_response_body_bytes = options.max_response_body_bytes;
  WASMHOST_ASSIGN_OR_RETURN(state->pool,
                            InstancePool::Create(component, served, pool));
  return std::unique_ptr<HttpHandler>(new HttpHandler(std::move(state)));
}

absl::StatusOr<HttpResponse> HttpHandler::Handle(const HttpRequest& request,
                                                 const CallOptions& options,
                                                 HttpResponseSink* sink) {
  WASMHOST_RETURN_IF_ERROR(ValidateRequest(request));
  HttpExchange exchange;
  exchange.request = &request;
  exchange.sink = sink;
  exchange.max_body_bytes = state_->max_response_body_bytes;
  exchange.deadline = options.DeadlineFrom(absl::Now());

  absl::Status failure;
  {
    absl::StatusOr<Lease> lease = state_->pool->Acquire();
    if (!lease.ok()) {
      failure = lease.status();
    } else {
      Instance& instance = lease->instance();
      // Every WasiContext is a WasiContextImpl (WasiContext::Create).
      auto* wasi = static_cast<wasi::WasiContextImpl*>(
          instance.context<wasi::WasiContext>());
      HttpContext* http = instance.context<HttpContext>();
      wasi::p2::IncomingRequest incoming;
      incoming.method = request.method;
      if (!request.scheme.empty()) incoming.scheme = request.scheme;
      if (!request.authority.empty()) incoming.authority = request.authority;
      incoming.path_with_query = request.path_with_query;
      incoming.headers = request.headers;
      absl::StatusOr<Val> request_handle =
          wasi::p2::NewResource(*wasi, std::move(incoming));
      absl::StatusOr<Val> outparam_handle =
          wasi::p2::NewResource(*wasi, wasi::p2::ResponseOutparam{});
      if (!request_handle.ok() || !outparam_handle.ok()) {
        failure = request_handle.ok() ? outparam_handle.status()
                                      : request_handle.status();
      } else {
        http->exchange = &exchange;
        absl::StatusOr<std::vector<Val>> called =
            lease->handles<HandlerFunc>()->handle.Call(
                options, {*request_handle, *outparam_handle});
        http->exchange = nullptr;
        failure = called.status();
      }
    }
  }  // The lease goes back (reset) before the response is delivered.

  if (!exchange.sink_error.ok()) return exchange.sink_error;
  if (failure.ok() && exchange.error_code) {
    failure = absl::UnknownError(
        absl::StrCat("the component answered with wasi:http error-code case ",
                     *exchange.error_code));
  } else if (failure.ok() && !exchange.response) {
    failure = absl::UnknownError(
        "the component's handle returned without setting a response");
  }
  if (failure.ok()) {
    HttpResponse response = *std::move(exchange.response);
    response.body = std::move(exchange.body);
    response.trailers = std::move(exchange.trailers);
    return response;
  }
  if (!exchange.source_error.ok()) failure = exchange.source_error;
  if (exchange.head_sent) {
    // The head went out: the server can only cut the body short.
    HttpResponse response = *std::move(exchange.response);
    response.error = std::move(failure);
    return response;
  }
  HttpResponse response = FailureResponse(std::move(failure));
  if (sink != nullptr) {
    std::string body = std::move(response.body);
    response.body.clear();
    WASMHOST_RETURN_IF_ERROR(sink->head(response));
    WASMHOST_RETURN_IF_ERROR(sink->body(body));
  }
  return response;
}

absl::Status HttpHandler::Reload(const Component& component) {
  WASMHOST_RETURN_IF_ERROR(HandlerInterface(component).status());
  return state_->pool->Reload(component);
}

PoolStats HttpHandler::stats() const { return state_->pool->stats(); }

}  // namespace api
}  // namespace wasmhost::component
