#include "tests/raw_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace wasmhost::testing {
namespace {

// A listening (or, with `listen_too` false, only bound) loopback socket on
// a free port; aborts the test binary when it cannot be made.
int BindLoopback(bool listen_too, uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  if (fd < 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      (listen_too && ::listen(fd, 16) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    std::abort();
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// Whether `body` (after a request head) holds a whole chunked body and its
// trailer section.
bool ChunkedComplete(absl::string_view body) {
  for (;;) {
    size_t line_end = body.find("\r\n");
    if (line_end == absl::string_view::npos) return false;
    uint64_t size = 0;
    absl::string_view line = body.substr(0, line_end);
    if (!absl::SimpleHexAtoi(line.substr(0, line.find(';')), &size)) {
      return true;  // Malformed: stop reading; the test sees the bytes.
    }
    body.remove_prefix(line_end + 2);
    if (size == 0) {
      return absl::StartsWith(body, "\r\n") ||
             body.find("\r\n\r\n") != absl::string_view::npos;
    }
    if (body.size() < size + 2) return false;
    body.remove_prefix(size + 2);
  }
}

}  // namespace

RawHttpServer::RawHttpServer(std::string reply) : reply_(std::move(reply)) {
  listener_ = BindLoopback(/*listen_too=*/true, &port_);
  thread_ = std::thread([this] { Serve(); });
}

RawHttpServer::~RawHttpServer() {
  stop_ = true;
  thread_.join();
  ::close(listener_);
}

std::string RawHttpServer::authority() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::vector<std::string> RawHttpServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

uint16_t RawHttpServer::ClosedPort() {
  uint16_t port = 0;
  ::close(BindLoopback(/*listen_too=*/false, &port));
  return port;
}

bool RawHttpServer::ReadRequest(int fd, std::string* request) {
  char buffer[4096];
  for (;;) {
    size_t head_end = request->find("\r\n\r\n");
    if (head_end != std::string::npos) {
      std::string head = absl::AsciiStrToLower(request->substr(0, head_end));
      absl::string_view body = absl::string_view(*request).substr(head_end + 4);
      size_t length_at = head.find("\r\ncontent-length:");
      if (absl::StrContains(head, "transfer-encoding: chunked")) {
        if (ChunkedComplete(body)) return true;
      } else if (length_at != std::string::npos) {
        uint64_t length = 0;
        absl::string_view value =
            absl::string_view(head).substr(length_at + 17);
        value = value.substr(0, value.find("\r\n"));
        if (!absl::SimpleAtoi(value, &length) || body.size() >= length) {
          return true;
        }
      } else {
        return true;
      }
    }
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, 20) <= 0) {
      if (stop_) return false;
      continue;
    }
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return false;
    request->append(buffer, static_cast<size_t>(n));
  }
}

void RawHttpServer::Serve() {
  while (!stop_) {
    pollfd entry{listener_, POLLIN, 0};
    if (::poll(&entry, 1, 20) <= 0) continue;
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::string request;
    if (ReadRequest(fd, &request)) {
      {
        absl::MutexLock lock(&mu_);
        requests_.push_back(request);
      }
      if (reply_.empty()) {
        while (!stop_) ::poll(nullptr, 0, 20);
      } else {
        for (size_t sent = 0; sent < reply_.size();) {
          ssize_t n = ::send(fd, reply_.data() + sent, reply_.size() - sent,
                             MSG_NOSIGNAL);
          if (n <= 0) break;
          sent += static_cast<size_t>(n);
        }
      }
    }
    ::close(fd);
  }
}

}  // namespace wasmhost::testing
