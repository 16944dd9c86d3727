#include "lib/serve/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/util/mutex.h"

namespace wasmhost::serve {

namespace {

// One streamed request, shared by its connection's thread (libmicrohttpd's
// callbacks) and the streaming thread running its handler; whichever ends
// last frees it. Everything below `mutex` is guarded by it, and so are
// MHD_suspend_connection and MHD_resume_connection: a connection is
// resumed only while suspended, and never after it ended.
struct Stream {
  HttpRequest request;  // method, path, headers; set before the handler
  size_t buffer_limit = 0;
  size_t max_body = 0;

  internal::Mutex mutex;
  internal::CondVar changed;
  MHD_Connection* connection ABSL_GUARDED_BY(mutex) = nullptr;
  // The connection waits in MHD_suspend_connection for the handler.
  bool suspended ABSL_GUARDED_BY(mutex) = false;
  // The connection ended (completed, the client went away, the server
  // stopping): nothing more comes in or goes out.
  bool gone ABSL_GUARDED_BY(mutex) = false;
  // The server is stopping: the connection must not be suspended again.
  bool closing ABSL_GUARDED_BY(mutex) = false;

  std::deque<std::string> in ABSL_GUARDED_BY(mutex);
  size_t in_bytes ABSL_GUARDED_BY(mutex) = 0;
  size_t received ABSL_GUARDED_BY(mutex) = 0;
  bool in_done ABSL_GUARDED_BY(mutex) = false;
  bool overflow ABSL_GUARDED_BY(mutex) = false;  // past max_body

  bool head ABSL_GUARDED_BY(mutex) = false;      // writer->Head was called
  HttpResponse response ABSL_GUARDED_BY(mutex);  // its head, or the whole
  std::deque<std::string> out ABSL_GUARDED_BY(mutex);
  size_t out_bytes ABSL_GUARDED_BY(mutex) = 0;
  bool handler_done ABSL_GUARDED_BY(mutex) = false;
  bool aborted ABSL_GUARDED_BY(mutex) = false;  // writer->Abort was called

  // The handler may have made progress the connection waits for.
  void Wake() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    if (suspended && !gone) {
      suspended = false;
      MHD_resume_connection(connection);
    }
    changed.SignalAll();
  }
  // Called on the connection's thread, in one of its callbacks.
  void Suspend() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    suspended = true;
    MHD_suspend_connection(connection);
  }
  size_t buffered() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    return in_bytes + out_bytes;
  }
};

// Raises `peak` to `bytes`.
void NotePeak(std::atomic<size_t>& peak, size_t bytes) {
  size_t seen = peak.load(std::memory_order_relaxed);
  while (bytes > seen &&
         !peak.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
  }
}

class StreamWriter : public ResponseWriter {
 public:
  StreamWriter(Stream& stream, std::atomic<size_t>& peak)
      : stream_(stream), peak_(peak) {}
  absl::Status Head(int status, const HttpHeaderList& headers) override {
    internal::MutexLock lock(&stream_.mutex);
    if (stream_.head) {
      return absl::FailedPreconditionError("response head already sent");
    }
    stream_.head = true;
    stream_.response.status = status;
    stream_.response.headers = headers;
    stream_.Wake();
    return absl::OkStatus();
  }
  absl::Status Write(absl::string_view chunk) override;
  void Abort() override {
    internal::MutexLock lock(&stream_.mutex);
    stream_.aborted = true;
  }

 private:
  Stream& stream_;
  std::atomic<size_t>& peak_;
};

}  // namespace

struct HttpServer::Daemon {
  MHD_Daemon* daemon = nullptr;

  internal::Mutex mutex;
  internal::CondVar work;
  std::deque<std::shared_ptr<Stream>> queue ABSL_GUARDED_BY(mutex);
  // Streams whose connection has not ended, to resume when stopping.
  absl::flat_hash_set<Stream*> live ABSL_GUARDED_BY(mutex);
  bool stopping ABSL_GUARDED_BY(mutex) = false;
  std::vector<std::thread> workers;
  std::atomic<size_t> peak_buffered{0};

  ~Daemon() {
    {
      // libmicrohttpd must not stop with a connection suspended: resume
      // them all, never to be suspended again.
      internal::MutexLock lock(&mutex);
      stopping = true;
      for (Stream* stream : live) {
        internal::MutexLock stream_lock(&stream->mutex);
        stream->closing = true;
        stream->Wake();
      }
    }
    work.SignalAll();
    // Ends every connection, so a handler waiting on one returns.
    if (daemon != nullptr) MHD_stop_daemon(daemon);
    for (std::thread& worker : workers) worker.join();
  }
};

namespace {

absl::Status StreamWriter::Write(absl::string_view chunk) {
  Stream& s = stream_;
  internal::MutexLock lock(&s.mutex);
  if (!s.head) return absl::FailedPreconditionError("Write before Head");
  while (!chunk.empty()) {
    // Until the request body is in, the response cannot be sent
    // (libmicrohttpd answers after the upload): buffer it.
    while (!s.gone && s.in_done && s.out_bytes >= s.buffer_limit) {
      s.changed.WaitWithDeadline(&s.mutex, absl::InfiniteFuture());
    }
    if (s.gone) return absl::UnavailableError("the client went away");
    const size_t room = s.in_done && s.out_bytes < s.buffer_limit
                            ? s.buffer_limit - s.out_bytes
                            : chunk.size();
    const size_t n = std::min(room, chunk.size());
    s.out.emplace_back(chunk.substr(0, n));
    s.out_bytes += n;
    NotePeak(peak_, s.buffered());
    chunk.remove_prefix(n);
    s.Wake();
  }
  return absl::OkStatus();
}

// What one request gathers across libmicrohttpd's calls: made by the URI
// callback (the only place the raw target with its query is seen), freed
// when the request completes.
struct Exchange {
  HttpRequest request;
  bool too_large = false;
  std::shared_ptr<Stream> stream;  // when streamed
};

void* BeginRequest(void* /*cls*/, const char* uri, MHD_Connection* /*c*/) {
  Exchange* exchange = new Exchange;
  exchange->request.path = uri;
  return exchange;
}

void EndRequest(void* cls, MHD_Connection* /*c*/, void** state,
                MHD_RequestTerminationCode /*why*/) {
  auto* exchange = static_cast<Exchange*>(*state);
  if (exchange != nullptr && exchange->stream != nullptr) {
    auto* daemon = static_cast<HttpServer::Daemon*>(cls);
    internal::MutexLock lock(&daemon->mutex);
    daemon->live.erase(exchange->stream.get());
    Stream& s = *exchange->stream;
    internal::MutexLock stream_lock(&s.mutex);
    s.gone = true;
    s.changed.SignalAll();
  }
  delete exchange;
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

// Queues `reply` with `response`'s status and headers.
MHD_Result Queue(MHD_Connection* connection, MHD_Response* reply,
                 const HttpResponse& response) {
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

MHD_Result Send(MHD_Connection* connection, const HttpResponse& response) {
  return Queue(
      connection,
      MHD_create_response_from_buffer(response.body.size(),
                                      const_cast<char*>(response.body.data()),
                                      MHD_RESPMEM_MUST_COPY),
      response);
}

// libmicrohttpd pulls a streamed response's body through this.
ssize_t ReadOut(void* cls, uint64_t /*pos*/, char* buffer, size_t max) {
  Stream& s = **static_cast<std::shared_ptr<Stream>*>(cls);
  internal::MutexLock lock(&s.mutex);
  if (s.out.empty()) {
    if (s.handler_done) {
      return s.aborted ? MHD_CONTENT_READER_END_WITH_ERROR
                       : MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (s.closing) return MHD_CONTENT_READER_END_WITH_ERROR;
    // Until the handler writes more: Write or its end resumes.
    s.Suspend();
    return 0;
  }
  std::string& front = s.out.front();
  const size_t n = std::min(max, front.size());
  std::memcpy(buffer, front.data(), n);
  if (n == front.size()) {
    s.out.pop_front();
  } else {
    front.erase(0, n);
  }
  s.out_bytes -= n;
  s.changed.SignalAll();
  return static_cast<ssize_t>(n);
}

void FreeOut(void* cls) { delete static_cast<std::shared_ptr<Stream>*>(cls); }

// A streamed request's body chunk (`size` != 0) or its end.
MHD_Result OnStreamed(MHD_Connection* connection,
                      const std::shared_ptr<Stream>& stream, const char* upload,
                      size_t* size, std::atomic<size_t>& peak) {
  Stream& s = *stream;
  bool streamed;
  HttpResponse response;
  {
    internal::MutexLock lock(&s.mutex);
    if (s.closing) return MHD_NO;
    if (*size != 0) {
      if (s.handler_done) {
        *size = 0;  // the handler answered without it
        return MHD_YES;
      }
      if (s.in_bytes >= s.buffer_limit) {
        // Left unread: libmicrohttpd offers it again once resumed.
        s.Suspend();
        return MHD_YES;
      }
      s.received += *size;
      if (s.received > s.max_body) {
        s.overflow = true;
        s.changed.SignalAll();
        return MHD_NO;
      }
      s.in.emplace_back(upload, *size);
      s.in_bytes += *size;
      NotePeak(peak, s.buffered());
      *size = 0;
      s.changed.SignalAll();
      return MHD_YES;
    }
    s.in_done = true;
    s.changed.SignalAll();
    if (!s.head && !s.handler_done) {
      s.Suspend();  // until the handler starts or ends its response
      return MHD_YES;
    }
    // The head (or the whole response) no longer changes: it is queued
    // unlocked, as libmicrohttpd may read the body at once.
    streamed = s.head;
    response = s.response;
  }
  if (!streamed) return Send(connection, response);
  return Queue(connection,
               MHD_create_response_from_callback(
                   MHD_SIZE_UNKNOWN, 64 << 10, ReadOut,
                   new std::shared_ptr<Stream>(stream), FreeOut),
               response);
}

// A body with a Content-Length of at most `limit` bytes (none counts as
// 0 unless the body is chunked).
bool FitsInline(MHD_Connection* connection, size_t limit,
                uint64_t* content_length) {
  const char* length = MHD_lookup_connection_value(
      connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  *content_length = 0;
  if (length == nullptr) {
    return MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                       MHD_HTTP_HEADER_TRANSFER_ENCODING) ==
           nullptr;
  }
  return absl::SimpleAtoi(length, content_length) && *content_length <= limit;
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
    : handler_(std::move(handler)), options_(options) {}

HttpServer::~HttpServer() = default;

size_t HttpServer::peak_stream_buffered_bytes() const {
  return daemon_->peak_buffered.load(std::memory_order_relaxed);
}

void HttpServer::RunStreams() {
  Daemon& d = *daemon_;
  for (;;) {
    std::shared_ptr<Stream> stream;
    {
      internal::MutexLock lock(&d.mutex);
      while (!d.stopping && d.queue.empty()) {
        d.work.WaitWithDeadline(&d.mutex, absl::InfiniteFuture());
      }
      if (d.stopping) return;
      stream = std::move(d.queue.front());
      d.queue.pop_front();
    }
    Stream& s = *stream;
    HttpRequest request = s.request;
    request.body_source = [&s]() -> absl::StatusOr<std::optional<std::string>> {
      internal::MutexLock lock(&s.mutex);
      while (s.in.empty() && !s.in_done && !s.gone && !s.overflow) {
        s.changed.WaitWithDeadline(&s.mutex, absl::InfiniteFuture());
      }
      if (s.overflow) {
        return absl::ResourceExhaustedError("request body too large");
      }
      if (!s.in.empty()) {
        std::string chunk = std::move(s.in.front());
        s.in.pop_front();
        s.in_bytes -= chunk.size();
        s.Wake();
        return chunk;
      }
      if (s.in_done) return std::nullopt;
      return absl::UnavailableError("the client went away");
    };
    StreamWriter writer(s, d.peak_buffered);
    request.writer = &writer;
    HttpResponse response = handler_(request);
    internal::MutexLock lock(&s.mutex);
    s.handler_done = true;
    if (!s.head) s.response = std::move(response);
    s.Wake();
  }
}

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
    if (exchange->stream != nullptr) {
      return OnStreamed(connection, exchange->stream, upload, upload_size,
                        self->daemon_->peak_buffered);
    }
    if (exchange->request.method.empty()) {
      exchange->request.method = method;
      MHD_get_connection_values(connection, MHD_HEADER_KIND, AddHeader,
                                &exchange->request);
      uint64_t length;
      if (FitsInline(connection, self->options_.inline_body_bytes, &length)) {
        return MHD_YES;
      }
      if (length > self->options_.max_request_body_bytes) {
        exchange->too_large = true;
        return MHD_YES;
      }
      auto stream = std::make_shared<Stream>();
      stream->request = std::move(exchange->request);
      stream->buffer_limit =
          std::max<size_t>(1, self->options_.stream_buffer_bytes);
      stream->max_body = self->options_.max_request_body_bytes;
      {
        internal::MutexLock stream_lock(&stream->mutex);
        stream->connection = connection;
      }
      Daemon& d = *self->daemon_;
      {
        internal::MutexLock lock(&d.mutex);
        if (d.stopping) return MHD_NO;
        d.live.insert(stream.get());
        d.queue.push_back(stream);
      }
      d.work.Signal();
      exchange->stream = std::move(stream);
      return MHD_YES;
    }
    if (*upload_size != 0) {
      std::string& body = exchange->request.body;
      if (exchange->too_large ||
          *upload_size > self->options_.max_request_body_bytes - body.size()) {
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
  server->daemon_ = std::make_unique<Daemon>();
  Daemon& daemon = *server->daemon_;
  errno = 0;
  // poll(), not epoll: libmicrohttpd 0.9.75's edge-triggered epoll takes a
  // short read as a drained socket, so a FIN that came in with a body's
  // last bytes was never read and a client leaving mid-body went unnoticed
  // (seen under ASan). poll() reports it until it is read.
  daemon.daemon = MHD_start_daemon(
      MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, options.port,
      nullptr, nullptr, on_request, server.get(), MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<sockaddr*>(&address), MHD_OPTION_THREAD_POOL_SIZE,
      server->threads_, MHD_OPTION_CONNECTION_TIMEOUT,
      options.idle_timeout_seconds, MHD_OPTION_URI_LOG_CALLBACK, BeginRequest,
      nullptr, MHD_OPTION_NOTIFY_COMPLETED, EndRequest, &daemon,
      MHD_OPTION_END);
  if (daemon.daemon == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve on ", options.address, ":", options.port, ": ",
        errno != 0 ? std::strerror(errno) : "libmicrohttpd did not start"));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(daemon.daemon, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : options.port;
  for (unsigned i = 0; i < server->threads_; ++i) {
    daemon.workers.emplace_back([raw = server.get()] { raw->RunStreams(); });
  }
  return server;
}

}  // namespace wasmhost::serve
