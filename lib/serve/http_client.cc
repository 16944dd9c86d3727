#include "lib/serve/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace wasmhost::serve {
namespace {

// Closes the socket on every return path.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

absl::Status Broken(absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// A chunked body (RFC 9112 7.1) decoded; DataLoss when it is cut short
// (a server ending a failed streamed response) or malformed.
absl::StatusOr<std::string> Dechunk(absl::string_view in) {
  std::string body;
  for (;;) {
    const size_t line_end = in.find("\r\n");
    uint64_t size;
    if (line_end == absl::string_view::npos ||
        !absl::SimpleHexAtoi(in.substr(0, in.find_first_of(";\r")), &size)) {
      return absl::DataLossError("chunked body cut short");
    }
    in.remove_prefix(line_end + 2);
    if (size == 0) return body;
    if (in.size() < size + 2) {
      return absl::DataLossError("chunked body cut short");
    }
    body.append(in.data(), size);
    in.remove_prefix(size + 2);
  }
}

absl::Status Connect(const Socket& socket, uint16_t port) {
  if (socket.fd() < 0) return Broken("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(socket.fd(), reinterpret_cast<sockaddr*>(&address),
              sizeof(address)) != 0) {
    return Broken(absl::StrCat("connect to 127.0.0.1:", port));
  }
  return absl::OkStatus();
}

absl::Status SendAll(const Socket& socket, absl::string_view out) {
  for (size_t sent = 0; sent < out.size();) {
    ssize_t n =
        send(socket.fd(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Broken("send");
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SendAndHangUp(uint16_t port, absl::string_view bytes) {
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (absl::Status connected = Connect(socket, port); !connected.ok()) {
    return connected;
  }
  return SendAll(socket, bytes);
}

absl::StatusOr<HttpResponse> Fetch(uint16_t port, const HttpRequest& request) {
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (absl::Status connected = Connect(socket, port); !connected.ok()) {
    return connected;
  }
  std::string out = absl::StrCat(request.method, " ", request.path,
                                 " HTTP/1.1\r\nHost: 127.0.0.1:", port,
                                 "\r\nConnection: close\r\n");
  for (const auto& [name, value] : request.headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "Content-Length: ", request.body.size(), "\r\n\r\n",
                  request.body);
  if (absl::Status sent = SendAll(socket, out); !sent.ok()) return sent;
  std::string in;
  char buffer[16384];
  for (;;) {
    ssize_t n = recv(socket.fd(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Broken("recv");
    if (n == 0) break;
    in.append(buffer, static_cast<size_t>(n));
  }
  const size_t head_end = in.find("\r\n\r\n");
  if (!absl::StartsWith(in, "HTTP/1.") || head_end == std::string::npos) {
    return absl::DataLossError(
        absl::StrCat("not an HTTP/1.x response: \"", in.substr(0, 64), "\""));
  }
  std::vector<absl::string_view> lines =
      absl::StrSplit(absl::string_view(in).substr(0, head_end), "\r\n");
  HttpResponse response;
  std::vector<absl::string_view> status_line =
      absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(
        absl::StrCat("bad status line \"", lines[0], "\""));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> header =
        absl::StrSplit(lines[i], absl::MaxSplits(':', 1));
    response.headers.emplace_back(
        absl::AsciiStrToLower(header.first),
        std::string(absl::StripAsciiWhitespace(header.second)));
  }
  response.body = in.substr(head_end + 4);
  for (const auto& [name, value] : response.headers) {
    if (name == "transfer-encoding" &&
        absl::EqualsIgnoreCase(value, "chunked")) {
      absl::StatusOr<std::string> body = Dechunk(response.body);
      if (!body.ok()) return body.status();
      response.body = *std::move(body);
    }
  }
  return response;
}

}  // namespace wasmhost::serve
