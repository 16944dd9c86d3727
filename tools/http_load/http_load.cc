// http_load: a paced HTTP/1.1 load generator for benchmarks/http_load.sh,
// measuring latency at a fixed request rate (wrk measures the peak, but
// cannot pace).
//
//   http_load --port P --rate R [--path /] [--connections C]
//             [--duration 10s] [--body-file F] [--content-type T]
//
// C keep-alive connections to 127.0.0.1:P, each on its own thread, send
// R/C requests per second on a fixed schedule. A request's latency counts
// from when it was due, not when it was sent, so a server that falls
// behind shows it (no coordinated omission). Prints one line:
//   rate R achieved X req/s p50 A ms p99 B ms errors E

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace {

struct Flags {
  int port = 0;
  double rate = 0;
  std::string path = "/";
  int connections = 4;
  absl::Duration duration = absl::Seconds(10);
  std::string body;
  std::string content_type = "application/json";
};

struct Result {
  std::vector<double> latencies_ms;
  int errors = 0;
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads one response on a keep-alive connection; its status, or -1 when
// the connection broke. `buffer` keeps bytes past the response.
int ReadResponse(int fd, std::string& buffer) {
  size_t head_end;
  char chunk[16384];
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  size_t length = 0;
  const std::string head = absl::AsciiStrToLower(buffer.substr(0, head_end));
  if (size_t at = head.find("\r\ncontent-length:"); at != std::string::npos) {
    size_t end = head.find("\r\n", at + 2);
    if (!absl::SimpleAtoi(
            absl::StripAsciiWhitespace(
                absl::string_view(head).substr(at + 17, end - at - 17)),
            &length)) {
      return -1;
    }
  }
  int status = 0;
  if (buffer.size() < 12 || !absl::SimpleAtoi(buffer.substr(9, 3), &status)) {
    return -1;
  }
  while (buffer.size() < head_end + 4 + length) {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  buffer.erase(0, head_end + 4 + length);
  return status;
}

void RunConnection(const Flags& flags, absl::Time start, Result& result) {
  const std::string request = absl::StrCat(
      flags.body.empty() ? "GET " : "POST ", flags.path,
      " HTTP/1.1\r\nHost: 127.0.0.1:", flags.port,
      flags.body.empty()
          ? std::string()
          : absl::StrCat("\r\nContent-Type: ", flags.content_type),
      "\r\nContent-Length: ", flags.body.size(), "\r\n\r\n", flags.body);
  const absl::Duration interval = absl::Seconds(flags.connections / flags.rate);
  const absl::Time end = start + flags.duration;
  int fd = -1;
  std::string buffer;
  for (absl::Time due = start; due < end; due += interval) {
    absl::SleepFor(due - absl::Now());
    if (fd < 0) fd = Connect(flags.port);
    bool ok =
        fd >= 0 && send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                       static_cast<ssize_t>(request.size());
    const int status = ok ? ReadResponse(fd, buffer) : -1;
    if (status != 200) {
      ++result.errors;
      if (fd >= 0) close(fd);
      fd = -1;
      buffer.clear();
      continue;
    }
    result.latencies_ms.push_back(
        absl::ToDoubleMilliseconds(absl::Now() - due));
  }
  if (fd >= 0) close(fd);
}

int Usage(absl::string_view problem) {
  std::cerr << "http_load: " << problem
            << "\nusage: http_load --port P --rate R [--path /] "
               "[--connections C] [--duration 10s] [--body-file F] "
               "[--content-type T]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const absl::string_view name = argv[i], value = argv[i + 1];
    bool ok = true;
    if (name == "--port") {
      ok = absl::SimpleAtoi(value, &flags.port);
    } else if (name == "--rate") {
      ok = absl::SimpleAtod(value, &flags.rate) && flags.rate > 0;
    } else if (name == "--path") {
      flags.path = std::string(value);
    } else if (name == "--connections") {
      ok = absl::SimpleAtoi(value, &flags.connections) && flags.connections > 0;
    } else if (name == "--duration") {
      ok = absl::ParseDuration(value, &flags.duration);
    } else if (name == "--body-file") {
      std::ifstream file{std::string(value), std::ios::binary};
      flags.body.assign(std::istreambuf_iterator<char>(file),
                        std::istreambuf_iterator<char>());
      ok = static_cast<bool>(file) || file.eof();
    } else if (name == "--content-type") {
      flags.content_type = std::string(value);
    } else {
      return Usage(absl::StrCat("unknown option ", name));
    }
    if (!ok) return Usage(absl::StrCat("bad value for ", name, ": ", value));
  }
  if (flags.port == 0 || flags.rate <= 0) {
    return Usage("--port and --rate are required");
  }
  std::vector<Result> results(static_cast<size_t>(flags.connections));
  std::vector<std::thread> threads;
  // Connections start spread over one interval, not all at once.
  const absl::Time start = absl::Now() + absl::Milliseconds(10);
  for (int c = 0; c < flags.connections; ++c) {
    threads.emplace_back(RunConnection, std::cref(flags),
                         start + absl::Seconds(c / flags.rate),
                         std::ref(results[static_cast<size_t>(c)]));
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<double> all;
  int errors = 0;
  for (const Result& result : results) {
    all.insert(all.end(), result.latencies_ms.begin(),
               result.latencies_ms.end());
    errors += result.errors;
  }
  if (all.empty()) {
    std::printf("rate %.0f achieved 0 req/s errors %d\n", flags.rate, errors);
    return 1;
  }
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    return all[std::min(
        all.size() - 1,
        static_cast<size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf(
      "rate %.0f achieved %.0f req/s p50 %.3f ms p99 %.3f ms errors %d\n",
      flags.rate,
      static_cast<double>(all.size()) / absl::ToDoubleSeconds(flags.duration),
      percentile(0.5), percentile(0.99), errors);
  return errors == 0 ? 0 : 1;
}
