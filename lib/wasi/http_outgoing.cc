#include "lib/wasi/http_outgoing.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <thread>  // NOLINT(build/c++11): the bounded DNS lookup.
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/util/mutex.h"

namespace wasmhost::wasi::p2 {
namespace {

// Most bytes of a response head, and of its trailers.
constexpr size_t kMaxHeadBytes = 64 << 10;
// Most request body bytes buffered before the request is sent.
constexpr size_t kMaxPendingBody = 16 << 20;
// Headers this host sets itself (framing, connection, target); a guest's
// are dropped, so the request goes where the allow-list said.
constexpr absl::string_view kHostHeaders[] = {
    "host",    "connection", "content-length",   "transfer-encoding",
    "upgrade", "keep-alive", "proxy-connection", "te"};

HttpError Error(uint32_t code, std::string detail) {
  return HttpError{code, std::move(detail)};
}

// The earlier of now + `timeout` and the call's deadline.
absl::Time WaitUntil(absl::Duration timeout, absl::Time deadline) {
  return std::min(absl::Now() + timeout, deadline);
}

// Waits for `events` on `fd` until `until`: false when it passed.
bool WaitFor(int fd, int16_t events, absl::Time until) {
  for (;;) {
    absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd entry{fd, events, 0};
    int ms = static_cast<int>(
        std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1 << 30));
    int n = ::poll(&entry, 1, ms);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // The next call reports it.
  }
}

// getaddrinfo has no timeout: it runs on a thread of its own, which this
// waits for until `until` and then leaves to finish alone.
// internal::Mutex, not absl's: ThreadSanitizer cannot see Debian's
// absl::Mutex.
struct Lookup {
  internal::Mutex mu;
  internal::CondVar finished;
  bool done ABSL_GUARDED_BY(mu) = false;
  int result ABSL_GUARDED_BY(mu) = 0;
  addrinfo* addresses ABSL_GUARDED_BY(mu) = nullptr;
  ~Lookup() {
    internal::MutexLock lock(&mu);
    if (addresses != nullptr) freeaddrinfo(addresses);
  }
};

// A host name's characters (RFC 1123), checked before any lookup.
bool IsHostName(absl::string_view host) {
  return !host.empty() && host.size() <= 253 &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '-' || c == '.';
         });
}

struct Resolved {
  std::shared_ptr<Lookup> lookup;  // Owns `addresses` when set.
  addrinfo* numeric = nullptr;     // An IP literal's, owned here.
  ~Resolved() {
    if (numeric != nullptr) freeaddrinfo(numeric);
  }
  addrinfo* addresses() {
    if (numeric != nullptr) return numeric;
    internal::MutexLock lock(&lookup->mu);
    return lookup->addresses;
  }
};

std::optional<HttpError> Resolve(absl::string_view host, uint16_t port,
                                 absl::Time until, Resolved* resolved) {
  std::string name(host);
  // "[::1]" names an IPv6 literal.
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  std::string service = absl::StrCat(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  if (getaddrinfo(name.c_str(), service.c_str(), &hints, &resolved->numeric) ==
      0) {
    return std::nullopt;
  }
  resolved->numeric = nullptr;
  if (!IsHostName(name)) {
    return Error(kHttpDnsError,
                 absl::StrCat("\"", host, "\" is not a host name"));
  }
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, name, service] {
    addrinfo by_name{};
    by_name.ai_family = AF_UNSPEC;
    by_name.ai_socktype = SOCK_STREAM;
    by_name.ai_flags = AI_NUMERICSERV;
    addrinfo* addresses = nullptr;
    int result =
        getaddrinfo(name.c_str(), service.c_str(), &by_name, &addresses);
    internal::MutexLock lock(&lookup->mu);
    lookup->done = true;
    lookup->result = result;
    lookup->addresses = result == 0 ? addresses : nullptr;
    lookup->finished.SignalAll();
  }).detach();
  resolved->lookup = lookup;
  internal::MutexLock lock(&lookup->mu);
  while (!lookup->done) {
    if (lookup->finished.WaitWithDeadline(&lookup->mu, until) &&
        !lookup->done) {
      return Error(kHttpDnsTimeout, absl::StrCat("resolving \"", host, "\""));
    }
  }
  if (lookup->result != 0) {
    return Error(kHttpDnsError, gai_strerror(lookup->result));
  }
  return std::nullopt;
}

HttpError ConnectError(int error, absl::string_view address) {
  std::string detail = absl::StrCat(address, ": ", std::strerror(error));
  switch (error) {
    case ECONNREFUSED:
      return Error(kHttpConnectionRefused, std::move(detail));
    case ETIMEDOUT:
      return Error(kHttpConnectionTimeout, std::move(detail));
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
      return Error(kHttpDestinationUnavailable, std::move(detail));
    default:
      return Error(kHttpConnectionTerminated, std::move(detail));
  }
}

// Connects to one of `addresses` in order (localhost may be ::1, then
// 127.0.0.1), each attempt bounded by `until`.
std::optional<HttpError> Connect(addrinfo* addresses, absl::string_view name,
                                 absl::Time until, ScopedFd* socket) {
  HttpError last = Error(kHttpDestinationUnavailable,
                         absl::StrCat("\"", name, "\" has no address"));
  for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    ScopedFd fd(::socket(a->ai_family,
                         a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         a->ai_protocol));
    if (!fd.valid()) {
      last = Error(kHttpInternalError,
                   absl::StrCat("socket: ", std::strerror(errno)));
      continue;
    }
    int result = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
    if (result != 0 && errno == EINPROGRESS) {
      if (!WaitFor(fd.get(), POLLOUT, until)) {
        return Error(kHttpConnectionTimeout,
                     absl::StrCat("connecting to \"", name, "\""));
      }
      int error = 0;
      socklen_t size = sizeof(error);
      getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
      result = error == 0 ? 0 : -1;
      errno = error;
    }
    if (result == 0) {
      *socket = std::move(fd);
      return std::nullopt;
    }
    last = ConnectError(errno, name);
  }
  return last;
}

bool IsHostHeader(absl::string_view name) {
  return std::any_of(std::begin(kHostHeaders), std::end(kHostHeaders),
                     [name](absl::string_view own) {
                       return absl::EqualsIgnoreCase(name, own);
                     });
}

void AppendFields(const FieldList& fields, bool skip_host_headers,
                  std::string* out) {
  for (const auto& [name, value] : fields) {
    if (skip_host_headers && IsHostHeader(name)) continue;
    absl::StrAppend(out, name, ": ", value, "\r\n");
  }
}

std::string Chunk(absl::string_view bytes) {
  return absl::StrCat(absl::Hex(bytes.size()), "\r\n", bytes, "\r\n");
}

std::string LastChunk(const FieldList& trailers) {
  std::string out = "0\r\n";
  AppendFields(trailers, /*skip_host_headers=*/true, &out);
  out += "\r\n";
  return out;
}

// "Name: value" lines into `fields` (names lowercased, values trimmed).
std::optional<HttpError> ParseFields(absl::string_view lines,
                                     FieldList* fields) {
  for (absl::string_view line : absl::StrSplit(lines, "\r\n")) {
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == 0 || colon == absl::string_view::npos || line[0] == ' ' ||
        line[0] == '\t') {
      return Error(kHttpProtocolError, absl::StrCat("bad header line \"",
                                                    line.substr(0, 64), "\""));
    }
    fields->emplace_back(
        absl::AsciiStrToLower(line.substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  }
  return std::nullopt;
}

}  // namespace

std::optional<HttpError> OutgoingCall::Fail(HttpError error) {
  if (!error_) error_ = std::move(error);
  socket_.Reset();
  return error_;
}

std::optional<HttpError> OutgoingCall::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(socket_.get(), POLLOUT,
                   WaitUntil(timeouts_.between_bytes, timeouts_.deadline))) {
        return Fail(Error(kHttpConnectionWriteTimeout, "sending the request"));
      }
      continue;
    }
    return Fail(
        Error(kHttpConnectionTerminated,
              absl::StrCat("sending the request: ", std::strerror(errno))));
  }
  return std::nullopt;
}

std::optional<HttpError> OutgoingCall::Start(const OutgoingRequest& request,
                                             absl::string_view host,
                                             uint16_t port,
                                             absl::string_view authority,
                                             const HttpTimeouts& timeouts) {
  if (error_) return error_;
  timeouts_ = timeouts;
  started_ = true;
  head_method_ = request.method == "HEAD";
  // Resolving and connecting share the connect timeout.
  absl::Time until = WaitUntil(timeouts.connect, timeouts.deadline);
  Resolved resolved;
  if (std::optional<HttpError> failed = Resolve(host, port, until, &resolved)) {
    return Fail(*std::move(failed));
  }
  if (std::optional<HttpError> failed =
          Connect(resolved.addresses(), authority, until, &socket_)) {
    return Fail(*std::move(failed));
  }

  std::string head =
      absl::StrCat(request.method, " ", request.path_with_query.value_or("/"),
                   " HTTP/1.1\r\nHost: ", authority, "\r\n");
  AppendFields(request.headers, /*skip_host_headers=*/true, &head);
  head += "Connection: close\r\n";
  if (body_finished_ && pending_trailers_.empty()) {
    // The whole body is known: its length frames it.
    if (!pending_.empty() ||
        (request.method != "GET" && request.method != "HEAD")) {
      absl::StrAppend(&head, "Content-Length: ", pending_.size(), "\r\n");
    }
    absl::StrAppend(&head, "\r\n", pending_);
  } else {
    absl::StrAppend(&head, "Transfer-Encoding: chunked\r\n\r\n");
    if (!pending_.empty()) head += Chunk(pending_);
    if (body_finished_) head += LastChunk(pending_trailers_);
  }
  pending_.clear();
  pending_trailers_.clear();
  return Send(head);
}

std::optional<HttpError> OutgoingCall::WriteBody(absl::string_view bytes) {
  // A failed request's body goes nowhere: the future reports the failure.
  if (error_) return std::nullopt;
  if (!started_) {
    if (bytes.size() > kMaxPendingBody - pending_.size()) {
      return Fail(
          Error(kHttpRequestBodySize,
                absl::StrCat("more than ", kMaxPendingBody,
                             " request body bytes written before handle")));
    }
    pending_.append(bytes.data(), bytes.size());
    return std::nullopt;
  }
  // A failure is kept for the future (StarlingMonkey traps on a failed
  // body write; the response is where a guest looks for the outcome).
  if (!bytes.empty()) (void)Send(Chunk(bytes));
  return std::nullopt;
}

void OutgoingCall::FinishBody(FieldList trailers) {
  if (error_) return;
  body_finished_ = true;
  if (!started_) {
    pending_trailers_ = std::move(trailers);
    return;
  }
  (void)Send(LastChunk(trailers));  // As WriteBody's.
}

std::optional<HttpError> OutgoingCall::Fill(bool first, bool* more) {
  absl::Time until =
      WaitUntil(first ? timeouts_.first_byte : timeouts_.between_bytes,
                timeouts_.deadline);
  char buffer[16384];
  for (;;) {
    ssize_t n = ::recv(socket_.get(), buffer, sizeof(buffer), 0);
    if (n >= 0) {
      in_.append(buffer, static_cast<size_t>(n));
      *more = n > 0;
      return std::nullopt;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return Fail(
          Error(kHttpConnectionTerminated,
                absl::StrCat("reading the response: ", std::strerror(errno))));
    }
    if (!WaitFor(socket_.get(), POLLIN, until)) {
      return Fail(Error(kHttpConnectionReadTimeout,
                        first ? "waiting for the response"
                              : "waiting for more of the response"));
    }
  }
}

std::optional<HttpError> OutgoingCall::ReadLine(size_t limit,
                                                std::string* line) {
  for (;;) {
    size_t end = in_.find("\r\n");
    // Past `limit` with no CRLF there: no CRLF can end the line in time.
    if ((end != std::string::npos && end > limit) ||
        (end == std::string::npos && in_.size() > limit + 1)) {
      return Fail(Error(kHttpProtocolError,
                        "a chunked body's line is malformed or too long"));
    }
    if (end != std::string::npos) {
      *line = in_.substr(0, end);
      in_.erase(0, end + 2);
      return std::nullopt;
    }
    bool more = false;
    if (std::optional<HttpError> failed = Fill(false, &more)) return failed;
    if (!more) {
      return Fail(Error(kHttpResponseIncomplete, "the body was cut short"));
    }
  }
}

std::optional<HttpError> OutgoingCall::ParseHead(absl::string_view head) {
  size_t line_end = head.find("\r\n");
  absl::string_view status_line = head.substr(0, line_end);
  std::vector<absl::string_view> parts =
      absl::StrSplit(status_line, absl::MaxSplits(' ', 2));
  uint32_t status = 0;
  if (parts.size() < 2 || !absl::StartsWith(parts[0], "HTTP/1.") ||
      parts[1].size() != 3 || !absl::SimpleAtoi(parts[1], &status) ||
      status < 100) {
    return Fail(Error(
        kHttpProtocolError,
        absl::StrCat("bad status line \"", status_line.substr(0, 64), "\"")));
  }
  status_ = static_cast<uint16_t>(status);
  headers_.clear();
  if (line_end != absl::string_view::npos) {
    if (std::optional<HttpError> failed =
            ParseFields(head.substr(line_end + 2), &headers_)) {
      return Fail(*std::move(failed));
    }
  }
  return std::nullopt;
}

std::optional<HttpError> OutgoingCall::ReadHead() {
  if (error_) return error_;
  if (!started_) return Error(kHttpInternalError, "the request was not sent");
  bool first = true;
  for (;;) {
    size_t end = in_.find("\r\n\r\n");
    if ((end == std::string::npos ? in_.size() : end) > kMaxHeadBytes) {
      return Fail(Error(kHttpResponseHeaderSectionSize,
                        "the response head is over 64 KiB"));
    }
    if (end == std::string::npos) {
      bool more = false;
      if (std::optional<HttpError> failed = Fill(first, &more)) return failed;
      first = false;
      if (!more) {
        return Fail(Error(kHttpResponseIncomplete,
                          "the connection closed before a response head"));
      }
      continue;
    }
    std::string head = in_.substr(0, end);
    in_.erase(0, end + 4);
    if (std::optional<HttpError> failed = ParseHead(head)) return failed;
    // 101 is not asked for; other 1xx are interim: a final one follows.
    if (status_ == 101) {
      return Fail(Error(kHttpProtocolError, "an unasked-for 101 response"));
    }
    if (status_ >= 200) break;
  }

  body_framing_ = Framing::kUntilClose;
  std::optional<uint64_t> length;
  for (const auto& [name, value] : headers_) {
    if (name == "transfer-encoding") {
      if (!absl::EqualsIgnoreCase(value, "chunked")) {
        return Fail(Error(kHttpResponseTransferCoding, value));
      }
      body_framing_ = Framing::kChunked;
    } else if (name == "content-length") {
      uint64_t n = 0;
      if (!absl::SimpleAtoi(value, &n) || (length && *length != n)) {
        return Fail(Error(kHttpProtocolError,
                          absl::StrCat("bad content-length \"", value, "\"")));
      }
      length = n;
    }
  }
  if (body_framing_ != Framing::kChunked && length) {
    body_framing_ = Framing::kLength;
    remaining_ = *length;
  }
  if (head_method_ || status_ == 204 || status_ == 304) {
    body_framing_ = Framing::kNone;
  }
  body_ended_ = body_framing_ == Framing::kNone ||
                (body_framing_ == Framing::kLength && remaining_ == 0);
  return std::nullopt;
}

std::optional<HttpError> OutgoingCall::ReadBody(
    uint64_t max, std::optional<std::string>* chunk) {
  if (error_) return error_;
  for (;;) {
    if (body_ended_) {
      *chunk = std::nullopt;
      return std::nullopt;
    }
    if (body_framing_ == Framing::kChunked && remaining_ == 0) {
      std::string line;
      if (std::optional<HttpError> failed = ReadLine(1024, &line)) {
        return failed;
      }
      absl::string_view size = line;
      size = size.substr(0, size.find(';'));  // Chunk extensions.
      uint64_t n = 0;
      if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size), &n)) {
        return Fail(
            Error(kHttpProtocolError,
                  absl::StrCat("bad chunk size \"",
                               absl::string_view(line).substr(0, 32), "\"")));
      }
      if (n == 0) {
        // The trailer section, to its empty line.
        std::string trailers;
        for (;;) {
          if (std::optional<HttpError> failed =
                  ReadLine(kMaxHeadBytes, &line)) {
            return failed;
          }
          if (line.empty()) break;
          absl::StrAppend(&trailers, line, "\r\n");
          if (trailers.size() > kMaxHeadBytes) {
            return Fail(Error(kHttpResponseTrailerSectionSize,
                              "the response trailers are over 64 KiB"));
          }
        }
        if (std::optional<HttpError> failed =
                ParseFields(trailers, &trailers_)) {
          return Fail(*std::move(failed));
        }
        body_ended_ = true;
        continue;
      }
      remaining_ = n;
    }
    if (in_.empty()) {
      bool more = false;
      if (std::optional<HttpError> failed = Fill(false, &more)) return failed;
      if (!more) {
        if (body_framing_ == Framing::kUntilClose) {
          body_ended_ = true;
          continue;
        }
        return Fail(Error(kHttpResponseIncomplete, "the body was cut short"));
      }
    }
    uint64_t n = std::min<uint64_t>(max, in_.size());
    if (body_framing_ != Framing::kUntilClose) n = std::min(n, remaining_);
    *chunk = in_.substr(0, n);
    in_.erase(0, n);
    if (body_framing_ != Framing::kUntilClose) remaining_ -= n;
    if (body_framing_ == Framing::kLength && remaining_ == 0) {
      body_ended_ = true;
    }
    if (body_framing_ == Framing::kChunked && remaining_ == 0) {
      std::string end;
      if (std::optional<HttpError> failed = ReadLine(0, &end)) return failed;
    }
    return std::nullopt;
  }
}

std::optional<HttpError> OutgoingCall::ReadTrailers(FieldList* trailers) {
  std::optional<std::string> chunk;
  do {
    if (std::optional<HttpError> failed = ReadBody(1 << 20, &chunk)) {
      return failed;
    }
  } while (chunk.has_value());
  *trailers = trailers_;
  return std::nullopt;
}

}  // namespace wasmhost::wasi::p2
