// tests/raw_http_server.h: a loopback HTTP/1.1 server that answers with
// bytes the test writes, for the outgoing-request tests (a reply cut
// short, chunked with trailers, or never sent).
//
//   testing::RawHttpServer  accepts on 127.0.0.1, records each request

#ifndef WASMHOST_TESTS_RAW_HTTP_SERVER_H_
#define WASMHOST_TESTS_RAW_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>  // NOLINT(build/c++11)
#include <vector>

#include "absl/synchronization/mutex.h"

namespace wasmhost::testing {

// Serves one connection at a time on its own thread: reads a whole request
// (the head, then a Content-Length or chunked body with its trailers),
// records it, writes `reply` (empty: writes nothing and holds the
// connection open until the server stops) and closes. Thread-safe.
class RawHttpServer {
 public:
  explicit RawHttpServer(std::string reply);
  ~RawHttpServer();  // Stops: closes every connection, joins the thread.
  RawHttpServer(const RawHttpServer&) = delete;
  RawHttpServer& operator=(const RawHttpServer&) = delete;

  uint16_t port() const { return port_; }
  // "127.0.0.1:PORT".
  std::string authority() const;
  // Every request read so far, as its raw bytes.
  std::vector<std::string> requests() const;

  // A loopback port on which nothing listens (connections are refused).
  static uint16_t ClosedPort();

 private:
  void Serve();
  // Reads one request from `fd` (false: the peer left or the server
  // stopped first).
  bool ReadRequest(int fd, std::string* request);

  const std::string reply_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_RAW_HTTP_SERVER_H_
