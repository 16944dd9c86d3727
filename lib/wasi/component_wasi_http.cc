// wasi:http/types and wasi:http/outgoing-handler (0.2) on the WASI 0.2
// resource table: fields, the request being served, its body and
// trailers, the response the guest builds and its trailers, and outgoing
// requests, checked against the instance's allow-list and sent as plain
// HTTP/1.1 (http_outgoing.h), with their responses read back.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/util/status_macros.h"
#include "lib/wasi/component_wasi.h"
#include "lib/wasi/http_context.h"
#include "lib/wasi/http_outgoing.h"
#include "wasmhost/wasi.h"

namespace wasmhost::wasi::p2 {

absl::StatusOr<std::optional<std::string>> HttpExchange::ReadBody(
    uint64_t max) {
  if (request->body_source) {
    while (request_chunk.empty() && !request_body_ended) {
      absl::StatusOr<std::optional<std::string>> next = request->body_source();
      if (!next.ok()) {
        source_error = next.status();
        return next.status();
      }
      if (!next->has_value()) {
        request_body_ended = true;
      } else {
        request_chunk = **std::move(next);
      }
    }
    if (request_chunk.empty()) return std::nullopt;
    size_t n = std::min<uint64_t>(max, request_chunk.size());
    std::string out = request_chunk.substr(0, n);
    request_chunk.erase(0, n);
    return out;
  }
  if (request_body_offset >= request->body.size()) return std::nullopt;
  size_t n =
      std::min<uint64_t>(max, request->body.size() - request_body_offset);
  std::string out = request->body.substr(request_body_offset, n);
  request_body_offset += n;
  return out;
}

absl::Status HttpExchange::WriteBody(absl::string_view bytes) {
  if (max_body_bytes != 0 && bytes.size() > max_body_bytes - body_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the response body exceeds max_response_body_bytes (",
                     max_body_bytes, ")"));
  }
  body_bytes += bytes.size();
  if (!head_sent) {
    body.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  }
  sink_error = sink->body(bytes);
  return sink_error;
}

absl::Status HttpExchange::SetResponse(component::HttpResponse head) {
  response = std::move(head);
  if (sink == nullptr) return absl::OkStatus();
  sink_error = sink->head(*response);
  if (!sink_error.ok()) return sink_error;
  head_sent = true;
  if (body.empty()) return absl::OkStatus();
  sink_error = sink->body(body);
  body.clear();
  return sink_error;
}

namespace {

using component::Caller;

constexpr absl::string_view kTypes = "wasi:http/types";
constexpr absl::string_view kOutgoing = "wasi:http/outgoing-handler";

// method's cases before other(string), in order.
constexpr absl::string_view kMethods[] = {"GET",     "HEAD",   "POST",
                                          "PUT",     "DELETE", "CONNECT",
                                          "OPTIONS", "TRACE",  "PATCH"};
constexpr uint32_t kMethodOther = 9;
// scheme's cases before other(string).
constexpr absl::string_view kSchemes[] = {"http", "https"};
constexpr uint32_t kSchemeOther = 2;
// header-error's cases.
constexpr uint32_t kInvalidSyntax = 0;
constexpr uint32_t kImmutable = 2;

using HttpFunc = std::function<absl::Status(
    WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
    std::vector<Val>& results)>;

absl::Status Define(component::Linker& linker, absl::string_view interface,
                    absl::string_view name, HttpFunc func) {
  std::string qualified = absl::StrCat(interface, "#", name);
  return linker.Instance(Interface(interface))
      .Define(name,
              [func = std::move(func), qualified](
                  Caller& caller, absl::Span<const Val> args,
                  std::vector<Val>& results) -> absl::Status {
                // Every WasiContext is a WasiContextImpl (WasiContext::Create).
                auto* wasi = static_cast<WasiContextImpl*>(
                    caller.context<WasiContext>());
                auto* http = caller.context<HttpContext>();
                if (wasi == nullptr || http == nullptr) {
                  return absl::FailedPreconditionError(absl::StrCat(
                      "wasi:http function ", qualified,
                      " called by a component instance not served by an "
                      "HttpHandler"));
                }
                return func(*wasi, *http, args, results);
              });
}

Val MethodVal(absl::string_view method) {
  for (uint32_t i = 0; i < std::size(kMethods); ++i) {
    if (method == kMethods[i]) return Val::Variant(i, std::nullopt);
  }
  return Val::Variant(kMethodOther, Val::String(std::string(method)));
}

std::string MethodOf(const Val& method) {
  if (method.case_index() == kMethodOther) return method.payload()->string();
  return std::string(kMethods[method.case_index()]);
}

Val SchemeVal(const std::optional<std::string>& scheme) {
  if (!scheme) return Val::None();
  for (uint32_t i = 0; i < std::size(kSchemes); ++i) {
    if (absl::EqualsIgnoreCase(*scheme, kSchemes[i])) {
      return Val::Some(Val::Variant(i, std::nullopt));
    }
  }
  return Val::Some(Val::Variant(kSchemeOther, Val::String(*scheme)));
}

std::optional<std::string> SchemeOf(const Val& option) {
  if (option.case_index() == 0) return std::nullopt;
  const Val& scheme = *option.payload();
  if (scheme.case_index() == kSchemeOther) return scheme.payload()->string();
  return std::string(kSchemes[scheme.case_index()]);
}

Val OptionalString(const std::optional<std::string>& value) {
  return value ? Val::Some(Val::String(*value)) : Val::None();
}

std::optional<std::string> StringOf(const Val& option) {
  if (option.case_index() == 0) return std::nullopt;
  return option.payload()->string();
}

// RFC 9110's token characters.
bool IsToken(absl::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || absl::StrContains("!#$%&'*+-.^_`|~", c);
  });
}

// A field value may hold no CR, LF or NUL (RFC 9110 5.5).
bool IsFieldValue(absl::string_view value) {
  return value.find_first_of(absl::string_view("\r\n\0", 3)) ==
         absl::string_view::npos;
}

Val FieldListVal(const FieldList& entries) {
  std::vector<Val> list;
  list.reserve(entries.size());
  for (const auto& [name, value] : entries) {
    list.push_back(Val::Tuple({Val::String(name), Val::Bytes(value)}));
  }
  return Val::List(std::move(list));
}

Val HeaderError(uint32_t error) { return Val::Err(Val::Variant(error, {})); }

// The error-code value of `error`, with the payload its case has.
Val ErrorCodeVal(const HttpError& error) {
  std::optional<Val> payload;
  switch (error.code) {
    case kHttpDnsError:
      payload = Val::Record({{"rcode", Val::Some(Val::String(error.detail))},
                             {"info-code", Val::None()}});
      break;
    case kHttpRequestBodySize:
    case kHttpResponseHeaderSectionSize:
    case kHttpResponseTrailerSectionSize:
      payload = Val::None();
      break;
    case kHttpResponseTransferCoding:
    case kHttpInternalError:
      payload = Val::Some(Val::String(error.detail));
      break;
    default:
      break;
  }
  return Val::Variant(error.code, std::move(payload));
}

// A body stream's host_error for an outgoing request's connection: the io
// error carries the request's error-code (http-error-code reads it).
std::function<IoError(const absl::Status&)> CallIoError(
    std::shared_ptr<OutgoingCall> call) {
  return [call = std::move(call)](const absl::Status& failed) {
    IoError error;
    error.message = std::string(failed.message());
    error.http = call->error();
    return error;
  };
}

// Removes the object behind an own handle the guest passed to the host,
// returning it.
template <typename T>
absl::StatusOr<T> Take(WasiContextImpl& wasi, const Val& handle) {
  WASMHOST_ASSIGN_OR_RETURN(T * object, ResourceOf<T>(wasi, handle));
  T taken = std::move(*object);
  wasi.resources().Remove(handle.rep());
  return taken;
}

// Pushes an own handle to a new `object`.
absl::Status PushNew(WasiContextImpl& wasi, Object object,
                     std::vector<Val>& results) {
  WASMHOST_ASSIGN_OR_RETURN(Val handle, NewResource(wasi, std::move(object)));
  results.push_back(std::move(handle));
  return absl::OkStatus();
}

// A method of resource T that reads it.
template <typename T>
HttpFunc Getter(std::function<Val(const T&)> get) {
  return [get = std::move(get)](WasiContextImpl& wasi, HttpContext&,
                                absl::Span<const Val> args,
                                std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(T * object, ResourceOf<T>(wasi, args[0]));
    results.push_back(get(*object));
    return absl::OkStatus();
  };
}

// A method of resource T that changes it with args[1]: result<_, _>.
template <typename T>
HttpFunc Setter(std::function<bool(T&, const Val&)> set) {
  return [set = std::move(set)](WasiContextImpl& wasi, HttpContext&,
                                absl::Span<const Val> args,
                                std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(T * object, ResourceOf<T>(wasi, args[0]));
    results.push_back(set(*object, args[1]) ? Val::Ok() : Val::Err());
    return absl::OkStatus();
  };
}

// A new fields resource holding a copy of the headers of the T at args[0]
// (immutable, as wasi:http makes them).
template <typename T>
HttpFunc HeadersOf() {
  return [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
            std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(T * object, ResourceOf<T>(wasi, args[0]));
    return PushNew(wasi, Fields{object->headers, /*immutable=*/true}, results);
  };
}

// A constructor from own<fields> (outgoing-request, outgoing-response).
template <typename T>
HttpFunc FromHeaders() {
  return [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
            std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(Fields fields, Take<Fields>(wasi, args[0]));
    T object;
    object.headers = std::move(fields.entries);
    return PushNew(wasi, std::move(object), results);
  };
}

// The body of the T at args[0] (outgoing-request, outgoing-response), once.
// A request's body buffers what is written until the request is sent.
template <typename T>
HttpFunc BodyOf() {
  return [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
            std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(T * object, ResourceOf<T>(wasi, args[0]));
    if (object->body_taken) {
      results.push_back(Val::Err());
      return absl::OkStatus();
    }
    object->body_taken = true;
    OutgoingBody body;
    if constexpr (std::is_same_v<T, OutgoingRequest>) {
      object->call = std::make_shared<OutgoingCall>();
      body.request_of = object->call;
    }
    WASMHOST_ASSIGN_OR_RETURN(Val handle, NewResource(wasi, std::move(body)));
    results.push_back(Val::Ok(std::move(handle)));
    return absl::OkStatus();
  };
}

// A fields method that changes it: `change` gives the header-error case,
// or nullopt on success.
HttpFunc FieldsChange(
    std::function<std::optional<uint32_t>(Fields&, absl::Span<const Val>)>
        change) {
  return [change = std::move(change)](
             WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
             std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(Fields * fields,
                              ResourceOf<Fields>(wasi, args[0]));
    std::optional<uint32_t> error;
    if (fields->immutable) {
      error = kImmutable;
    } else if (!IsToken(args[1].string())) {
      error = kInvalidSyntax;
    } else {
      error = change(*fields, args);
    }
    results.push_back(error ? HeaderError(*error) : Val::Ok());
    return absl::OkStatus();
  };
}

void EraseField(FieldList& entries, absl::string_view name) {
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [name](const auto& entry) {
                                 return absl::EqualsIgnoreCase(entry.first,
                                                               name);
                               }),
                entries.end());
}

// A fields method reading the fields at args[0] with the arguments.
HttpFunc FieldsQuery(
    std::function<Val(const Fields&, absl::Span<const Val>)> query) {
  return [query = std::move(query)](WasiContextImpl& wasi, HttpContext&,
                                    absl::Span<const Val> args,
                                    std::vector<Val>& results) -> absl::Status {
    WASMHOST_ASSIGN_OR_RETURN(Fields * fields,
                              ResourceOf<Fields>(wasi, args[0]));
    results.push_back(query(*fields, args));
    return absl::OkStatus();
  };
}

absl::Status AddFields(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "fields"));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[constructor]fields",
             [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val>,
                std::vector<Val>& results) {
               return PushNew(wasi, Fields{}, results);
             }));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[static]fields.from-list",
      [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        Fields fields;
        for (const Val& entry : args[0].elements()) {
          std::string value(entry.elements()[1].bytes());
          if (!IsToken(entry.elements()[0].string()) || !IsFieldValue(value)) {
            results.push_back(HeaderError(kInvalidSyntax));
            return absl::OkStatus();
          }
          fields.entries.emplace_back(entry.elements()[0].string(),
                                      std::move(value));
        }
        WASMHOST_ASSIGN_OR_RETURN(Val handle,
                                  NewResource(wasi, std::move(fields)));
        results.push_back(Val::Ok(std::move(handle)));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]fields.get",
             FieldsQuery([](const Fields& fields, absl::Span<const Val> args) {
               std::vector<Val> values;
               for (const auto& [name, value] : fields.entries) {
                 if (absl::EqualsIgnoreCase(name, args[1].string())) {
                   values.push_back(Val::Bytes(value));
                 }
               }
               return Val::List(std::move(values));
             })));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]fields.has",
      FieldsQuery([](const Fields& fields, absl::Span<const Val> args) {
        return Val::Bool(std::any_of(
            fields.entries.begin(), fields.entries.end(),
            [&](const auto& entry) {
              return absl::EqualsIgnoreCase(entry.first, args[1].string());
            }));
      })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]fields.entries",
             FieldsQuery([](const Fields& fields, absl::Span<const Val>) {
               return FieldListVal(fields.entries);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]fields.clone",
             [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
                std::vector<Val>& results) -> absl::Status {
               WASMHOST_ASSIGN_OR_RETURN(Fields * fields,
                                         ResourceOf<Fields>(wasi, args[0]));
               // A clone is mutable, whatever the original.
               return PushNew(wasi, Fields{fields->entries, false}, results);
             }));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]fields.set",
      FieldsChange([](Fields& fields,
                      absl::Span<const Val> args) -> std::optional<uint32_t> {
        std::vector<std::string> values;
        for (const Val& value : args[2].elements()) {
          values.emplace_back(value.bytes());
          if (!IsFieldValue(values.back())) return kInvalidSyntax;
        }
        EraseField(fields.entries, args[1].string());
        for (std::string& value : values) {
          fields.entries.emplace_back(args[1].string(), std::move(value));
        }
        return std::nullopt;
      })));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]fields.delete",
      FieldsChange([](Fields& fields,
                      absl::Span<const Val> args) -> std::optional<uint32_t> {
        EraseField(fields.entries, args[1].string());
        return std::nullopt;
      })));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]fields.append",
      FieldsChange([](Fields& fields,
                      absl::Span<const Val> args) -> std::optional<uint32_t> {
        std::string value(args[2].bytes());
        if (!IsFieldValue(value)) return kInvalidSyntax;
        fields.entries.emplace_back(args[1].string(), std::move(value));
        return std::nullopt;
      })));
  return absl::OkStatus();
}

// A pollable that is ready at once: what it stands for is waited for in
// the call that reads it (a body read, a future's get), bounded by the
// outgoing request's timeouts and the guest call's deadline.
HttpFunc ReadyPollable() {
  return [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val>,
            std::vector<Val>& results) {
    return PushNew(wasi, Pollable{}, results);
  };
}

absl::Status AddIncoming(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "incoming-request"));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]incoming-request.method",
             Getter<IncomingRequest>([](const IncomingRequest& r) {
               return MethodVal(r.method);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]incoming-request.path-with-query",
             Getter<IncomingRequest>([](const IncomingRequest& r) {
               return OptionalString(r.path_with_query);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]incoming-request.scheme",
             Getter<IncomingRequest>([](const IncomingRequest& r) {
               return SchemeVal(r.scheme);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]incoming-request.authority",
             Getter<IncomingRequest>([](const IncomingRequest& r) {
               return OptionalString(r.authority);
             })));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]incoming-request.headers",
                                  HeadersOf<IncomingRequest>()));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]incoming-request.consume",
      [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(IncomingRequest * request,
                                  ResourceOf<IncomingRequest>(wasi, args[0]));
        if (request->consumed) {
          results.push_back(Val::Err());
          return absl::OkStatus();
        }
        request->consumed = true;
        WASMHOST_ASSIGN_OR_RETURN(Val body, NewResource(wasi, IncomingBody{}));
        results.push_back(Val::Ok(std::move(body)));
        return absl::OkStatus();
      }));

  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "incoming-body"));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]incoming-body.stream",
      [](WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(IncomingBody * body,
                                  ResourceOf<IncomingBody>(wasi, args[0]));
        if (body->stream_taken) {
          results.push_back(Val::Err());
          return absl::OkStatus();
        }
        body->stream_taken = true;
        InputStream stream;
        stream.kind = StreamKind::kHost;
        if (std::shared_ptr<OutgoingCall> call = body->response_of) {
          stream.host_read =
              [call](
                  uint64_t max) -> absl::StatusOr<std::optional<std::string>> {
            std::optional<std::string> chunk;
            if (std::optional<HttpError> failed = call->ReadBody(max, &chunk)) {
              return absl::UnavailableError(failed->detail);
            }
            return chunk;
          };
          stream.host_error = CallIoError(call);
        } else {
          // The context outlives the stream: both belong to the instance.
          stream.host_read =
              [context = &http](
                  uint64_t max) -> absl::StatusOr<std::optional<std::string>> {
            if (context->exchange == nullptr) return std::nullopt;
            return context->exchange->ReadBody(max);
          };
        }
        WASMHOST_ASSIGN_OR_RETURN(Val handle,
                                  NewResource(wasi, std::move(stream)));
        results.push_back(Val::Ok(std::move(handle)));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[static]incoming-body.finish",
             [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
                std::vector<Val>& results) -> absl::Status {
               WASMHOST_ASSIGN_OR_RETURN(IncomingBody body,
                                         Take<IncomingBody>(wasi, args[0]));
               FutureTrailers trailers;
               trailers.response_of = std::move(body.response_of);
               return PushNew(wasi, std::move(trailers), results);
             }));

  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "future-trailers"));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]future-trailers.subscribe", ReadyPollable()));
  // Always ready: the rest of the body is read (and dropped) first, then
  // some(ok(ok(trailers))), none when there were none; later gets
  // some(err).
  return Define(
      linker, kTypes, "[method]future-trailers.get",
      [](WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(FutureTrailers * future,
                                  ResourceOf<FutureTrailers>(wasi, args[0]));
        if (future->taken) {
          results.push_back(Val::Some(Val::Err()));
          return absl::OkStatus();
        }
        future->taken = true;
        FieldList trailers;
        if (future->response_of) {
          if (std::optional<HttpError> failed =
                  future->response_of->ReadTrailers(&trailers)) {
            results.push_back(
                Val::Some(Val::Ok(Val::Err(ErrorCodeVal(*failed)))));
            return absl::OkStatus();
          }
        } else if (http.exchange != nullptr) {
          for (;;) {
            WASMHOST_ASSIGN_OR_RETURN(std::optional<std::string> chunk,
                                      http.exchange->ReadBody(1 << 20));
            if (!chunk) break;
          }
          trailers = http.exchange->request->trailers;
        }
        if (trailers.empty()) {
          results.push_back(Val::Some(Val::Ok(Val::Ok(Val::None()))));
          return absl::OkStatus();
        }
        WASMHOST_ASSIGN_OR_RETURN(
            Val handle,
            NewResource(wasi, Fields{std::move(trailers), /*immutable=*/true}));
        results.push_back(Val::Some(Val::Ok(Val::Ok(Val::Some(handle)))));
        return absl::OkStatus();
      });
}

absl::Status AddOutgoingResponse(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "outgoing-response"));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[constructor]outgoing-response",
                                  FromHeaders<OutgoingResponse>()));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-response.status-code",
             Getter<OutgoingResponse>([](const OutgoingResponse& r) {
               return Val::U16(r.status);
             })));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]outgoing-response.set-status-code",
      Setter<OutgoingResponse>([](OutgoingResponse& r, const Val& status) {
        if (status.u16() < 100 || status.u16() > 999) return false;
        r.status = status.u16();
        return true;
      })));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]outgoing-response.headers",
                                  HeadersOf<OutgoingResponse>()));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]outgoing-response.body",
                                  BodyOf<OutgoingResponse>()));

  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "outgoing-body"));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]outgoing-body.write",
      [](WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(OutgoingBody * body,
                                  ResourceOf<OutgoingBody>(wasi, args[0]));
        if (body->stream_taken) {
          results.push_back(Val::Err());
          return absl::OkStatus();
        }
        body->stream_taken = true;
        OutputStream stream;
        stream.kind = StreamKind::kHost;
        if (std::shared_ptr<OutgoingCall> call = body->request_of) {
          stream.host_write = [call](absl::string_view bytes) {
            if (std::optional<HttpError> failed = call->WriteBody(bytes)) {
              return absl::UnavailableError(failed->detail);
            }
            return absl::OkStatus();
          };
          stream.host_error = CallIoError(call);
        } else {
          stream.host_write = [context = &http](absl::string_view bytes) {
            if (context->exchange == nullptr) {
              return absl::FailedPreconditionError(
                  "a response body written after its request ended");
            }
            return context->exchange->WriteBody(bytes);
          };
        }
        WASMHOST_ASSIGN_OR_RETURN(Val handle,
                                  NewResource(wasi, std::move(stream)));
        results.push_back(Val::Ok(std::move(handle)));
        return absl::OkStatus();
      }));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[static]outgoing-body.finish",
      [](WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(OutgoingBody body,
                                  Take<OutgoingBody>(wasi, args[0]));
        FieldList trailers;
        if (args[1].case_index() == 1) {
          WASMHOST_ASSIGN_OR_RETURN(Fields fields,
                                    Take<Fields>(wasi, *args[1].payload()));
          trailers = std::move(fields.entries);
        }
        // A request's failure to send is the future's (http_outgoing.h).
        if (body.request_of) {
          body.request_of->FinishBody(std::move(trailers));
          results.push_back(Val::Ok());
          return absl::OkStatus();
        }
        // A response finished after its request ended has no one to go to.
        if (http.exchange != nullptr) {
          http.exchange->trailers = std::move(trailers);
        }
        results.push_back(Val::Ok());
        return absl::OkStatus();
      }));

  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "response-outparam"));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]response-outparam.send-informational",
      [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_RETURN_IF_ERROR(Take<Fields>(wasi, args[2]).status());
        results.push_back(Val::Err(Val::Variant(
            kHttpInternalError,
            Val::Some(Val::String("informational responses are not sent")))));
        return absl::OkStatus();
      }));
  return Define(
      linker, kTypes, "[static]response-outparam.set",
      [](WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
         std::vector<Val>&) -> absl::Status {
        WASMHOST_RETURN_IF_ERROR(
            Take<ResponseOutparam>(wasi, args[0]).status());
        const Val& response = args[1];
        std::optional<OutgoingResponse> outgoing;
        if (response.case_index() == 0) {
          WASMHOST_ASSIGN_OR_RETURN(
              outgoing, Take<OutgoingResponse>(wasi, *response.payload()));
        }
        // The only outparam is the exchange's, taken above: a guest that
        // kept it past its call has none left to set.
        if (http.exchange == nullptr) {
          return absl::FailedPreconditionError(
              "a response set after its request ended");
        }
        if (!outgoing) {
          http.exchange->error_code = response.payload()->case_index();
          return absl::OkStatus();
        }
        component::HttpResponse head;
        head.status = outgoing->status;
        head.headers = std::move(outgoing->headers);
        return http.exchange->SetResponse(std::move(head));
      });
}

absl::Status AddOutgoingRequest(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "outgoing-request"));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[constructor]outgoing-request",
                                  FromHeaders<OutgoingRequest>()));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]outgoing-request.body",
                                  BodyOf<OutgoingRequest>()));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.method",
             Getter<OutgoingRequest>([](const OutgoingRequest& r) {
               return MethodVal(r.method);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.set-method",
             Setter<OutgoingRequest>([](OutgoingRequest& r, const Val& method) {
               std::string name = MethodOf(method);
               if (!IsToken(name)) return false;
               r.method = std::move(name);
               return true;
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.path-with-query",
             Getter<OutgoingRequest>([](const OutgoingRequest& r) {
               return OptionalString(r.path_with_query);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.set-path-with-query",
             Setter<OutgoingRequest>([](OutgoingRequest& r, const Val& path) {
               r.path_with_query = StringOf(path);
               return true;
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.scheme",
             Getter<OutgoingRequest>([](const OutgoingRequest& r) {
               return SchemeVal(r.scheme);
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.set-scheme",
             Setter<OutgoingRequest>([](OutgoingRequest& r, const Val& scheme) {
               r.scheme = SchemeOf(scheme);
               return true;
             })));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]outgoing-request.authority",
             Getter<OutgoingRequest>([](const OutgoingRequest& r) {
               return OptionalString(r.authority);
             })));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]outgoing-request.set-authority",
      Setter<OutgoingRequest>([](OutgoingRequest& r, const Val& authority) {
        r.authority = StringOf(authority);
        return true;
      })));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]outgoing-request.headers",
                                  HeadersOf<OutgoingRequest>()));

  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "request-options"));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[constructor]request-options",
             [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val>,
                std::vector<Val>& results) {
               return PushNew(wasi, RequestOptions{}, results);
             }));
  using Timeout = std::optional<uint64_t> RequestOptions::*;
  const std::pair<absl::string_view, Timeout> timeouts[] = {
      {"connect-timeout", &RequestOptions::connect_timeout},
      {"first-byte-timeout", &RequestOptions::first_byte_timeout},
      {"between-bytes-timeout", &RequestOptions::between_bytes_timeout}};
  for (const auto& [name, field] : timeouts) {
    WASMHOST_RETURN_IF_ERROR(Define(
        linker, kTypes, absl::StrCat("[method]request-options.", name),
        Getter<RequestOptions>([field = field](const RequestOptions& o) {
          return (o.*field) ? Val::Some(Val::U64(*(o.*field))) : Val::None();
        })));
    WASMHOST_RETURN_IF_ERROR(Define(
        linker, kTypes, absl::StrCat("[method]request-options.set-", name),
        Setter<RequestOptions>([field = field](RequestOptions& o,
                                               const Val& duration) {
          o.*field = duration.case_index() == 0
                         ? std::nullopt
                         : std::optional<uint64_t>(duration.payload()->u64());
          return true;
        })));
  }
  return absl::OkStatus();
}

absl::Status AddIncomingResponse(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(
      DefineResource(linker, kTypes, "future-incoming-response"));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]future-incoming-response.subscribe",
                                  ReadyPollable()));
  // Always ready: waits for the response head (first-byte timeout), then
  // some(ok(ok(response))) or some(ok(err(code))); later gets some(err).
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]future-incoming-response.get",
      [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(
            FutureIncomingResponse * future,
            ResourceOf<FutureIncomingResponse>(wasi, args[0]));
        if (future->taken) {
          results.push_back(Val::Some(Val::Err()));
          return absl::OkStatus();
        }
        future->taken = true;
        if (std::optional<HttpError> failed = future->call->ReadHead()) {
          results.push_back(
              Val::Some(Val::Ok(Val::Err(ErrorCodeVal(*failed)))));
          return absl::OkStatus();
        }
        IncomingResponse response;
        response.call = future->call;
        response.status = future->call->status();
        response.headers = future->call->headers();
        WASMHOST_ASSIGN_OR_RETURN(Val handle,
                                  NewResource(wasi, std::move(response)));
        results.push_back(Val::Some(Val::Ok(Val::Ok(std::move(handle)))));
        return absl::OkStatus();
      }));

  WASMHOST_RETURN_IF_ERROR(DefineResource(linker, kTypes, "incoming-response"));
  WASMHOST_RETURN_IF_ERROR(
      Define(linker, kTypes, "[method]incoming-response.status",
             Getter<IncomingResponse>([](const IncomingResponse& r) {
               return Val::U16(r.status);
             })));
  WASMHOST_RETURN_IF_ERROR(Define(linker, kTypes,
                                  "[method]incoming-response.headers",
                                  HeadersOf<IncomingResponse>()));
  WASMHOST_RETURN_IF_ERROR(Define(
      linker, kTypes, "[method]incoming-response.consume",
      [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(IncomingResponse * response,
                                  ResourceOf<IncomingResponse>(wasi, args[0]));
        if (response->consumed) {
          results.push_back(Val::Err());
          return absl::OkStatus();
        }
        response->consumed = true;
        IncomingBody body;
        body.response_of = response->call;
        WASMHOST_ASSIGN_OR_RETURN(Val handle,
                                  NewResource(wasi, std::move(body)));
        results.push_back(Val::Ok(std::move(handle)));
        return absl::OkStatus();
      }));
  // An outgoing request's body stream failing carries its error-code.
  return Define(
      linker, kTypes, "http-error-code",
      [](WasiContextImpl& wasi, HttpContext&, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(IoError * error,
                                  ResourceOf<IoError>(wasi, args[0]));
        results.push_back(error->http ? Val::Some(ErrorCodeVal(*error->http))
                                      : Val::None());
        return absl::OkStatus();
      });
}

// The request's authority lowercased, with the scheme's default port when
// it has none ("example.com" over http is "example.com:80").
std::optional<std::string> Destination(const OutgoingRequest& request) {
  if (!request.authority || request.authority->empty()) return std::nullopt;
  std::string authority = absl::AsciiStrToLower(*request.authority);
  // A port follows the last ':' unless it closes an IPv6 literal.
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos ||
      authority.find(']', colon) != std::string::npos) {
    bool https =
        request.scheme && absl::EqualsIgnoreCase(*request.scheme, "https");
    absl::StrAppend(&authority, https ? ":443" : ":80");
  }
  return authority;
}

// No whitespace, control character, or userinfo: what goes on the request
// line and in Host.
bool IsRequestTarget(absl::string_view text, bool authority) {
  return std::none_of(text.begin(), text.end(), [authority](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == 0x7f ||
           (authority && (c == '@' || c == '/' || c == '?' || c == '#'));
  });
}

// Sends an allowed request: its host and port from `destination`, its
// timeouts from `options` or the context's default, bounded by the call's
// deadline. The result of handle: err(error-code) for a request this host
// will not make (https, a malformed target), else ok(future), which holds
// a failure to resolve, connect or send too (as the interface says:
// transport errors come through the future, and guests such as
// StarlingMonkey rely on it).
absl::StatusOr<Val> Send(WasiContextImpl& wasi, HttpContext& http,
                         OutgoingRequest request,
                         const std::optional<RequestOptions>& options,
                         absl::string_view destination) {
  auto internal = [](std::string detail) {
    return Val::Err(ErrorCodeVal(HttpError{kHttpInternalError, detail}));
  };
  std::string scheme = request.scheme.value_or("http");
  if (absl::EqualsIgnoreCase(scheme, "https")) {
    return internal(
        "https is not supported: this host sends plain HTTP/1.1 only, "
        "without TLS");
  }
  if (!absl::EqualsIgnoreCase(scheme, "http")) {
    return internal(absl::StrCat("scheme \"", scheme, "\" is not supported"));
  }
  if (http.exchange == nullptr) {
    return internal("outgoing requests are sent only while serving a request");
  }
  size_t colon = destination.rfind(':');
  uint32_t port = 0;
  std::string path = request.path_with_query.value_or("/");
  if (!absl::SimpleAtoi(destination.substr(colon + 1), &port) || port == 0 ||
      port > 65535 || !IsRequestTarget(*request.authority, true) ||
      !IsRequestTarget(path, false) ||
      !(absl::StartsWith(path, "/") || path == "*")) {
    return Val::Err(ErrorCodeVal(HttpError{kHttpRequestUriInvalid, ""}));
  }
  HttpTimeouts timeouts;
  auto timeout = [&](std::optional<uint64_t> RequestOptions::* field) {
    if (options && (*options).*field) {
      return absl::Nanoseconds(*((*options).*field));
    }
    return http.default_timeout;
  };
  timeouts.connect = timeout(&RequestOptions::connect_timeout);
  timeouts.first_byte = timeout(&RequestOptions::first_byte_timeout);
  timeouts.between_bytes = timeout(&RequestOptions::between_bytes_timeout);
  timeouts.deadline = http.exchange->deadline;

  std::shared_ptr<OutgoingCall> call = request.call;
  if (call == nullptr) {
    // No body taken: an empty one, finished.
    call = std::make_shared<OutgoingCall>();
    call->FinishBody({});
  }
  // A failure stays in the call, for the future's get.
  (void)call->Start(request, destination.substr(0, colon),
                    static_cast<uint16_t>(port), *request.authority, timeouts);
  WASMHOST_ASSIGN_OR_RETURN(
      Val future, NewResource(wasi, FutureIncomingResponse{std::move(call)}));
  return Val::Ok(std::move(future));
}

absl::Status AddOutgoingHandler(component::Linker& linker) {
  return Define(
      linker, kOutgoing, "handle",
      [](WasiContextImpl& wasi, HttpContext& http, absl::Span<const Val> args,
         std::vector<Val>& results) -> absl::Status {
        WASMHOST_ASSIGN_OR_RETURN(OutgoingRequest request,
                                  Take<OutgoingRequest>(wasi, args[0]));
        std::optional<RequestOptions> options;
        if (args[1].case_index() == 1) {
          WASMHOST_ASSIGN_OR_RETURN(
              options, Take<RequestOptions>(wasi, *args[1].payload()));
        }
        // The allow-list first: a denied request makes no connection, not
        // even a DNS lookup. The destination is the request's authority,
        // which is also its Host header (the guest's own is dropped).
        std::optional<std::string> destination = Destination(request);
        bool allowed = destination &&
                       std::find(http.allowed_outgoing.begin(),
                                 http.allowed_outgoing.end(),
                                 *destination) != http.allowed_outgoing.end();
        if (!allowed) {
          results.push_back(
              Val::Err(Val::Variant(kHttpRequestDenied, std::nullopt)));
          return absl::OkStatus();
        }
        WASMHOST_ASSIGN_OR_RETURN(
            Val result,
            Send(wasi, http, std::move(request), options, *destination));
        results.push_back(std::move(result));
        return absl::OkStatus();
      });
}

}  // namespace

absl::Status AddHttp(component::Linker& linker) {
  WASMHOST_RETURN_IF_ERROR(AddFields(linker));
  WASMHOST_RETURN_IF_ERROR(AddIncoming(linker));
  WASMHOST_RETURN_IF_ERROR(AddOutgoingResponse(linker));
  WASMHOST_RETURN_IF_ERROR(AddOutgoingRequest(linker));
  WASMHOST_RETURN_IF_ERROR(AddIncomingResponse(linker));
  return AddOutgoingHandler(linker);
}

}  // namespace wasmhost::wasi::p2
