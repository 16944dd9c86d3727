// lib/wasi/p2_resources.h: the host objects behind WASI 0.2's resources, and
// the per-context table that holds them.
//
//   p2::InputStream    wasi:io/streams input-stream (stdin, a file)
//   p2::OutputStream   wasi:io/streams output-stream (stdout, stderr, a file)
//   p2::Pollable       wasi:io/poll pollable (ready now, or at an instant)
//   p2::Descriptor     wasi:filesystem/types descriptor
//   p2::DirectoryList  wasi:filesystem/types directory-entry-stream
//   p2::IoError        wasi:io/error error
//   p2::Network        wasi:sockets/network network (grants nothing)
//   (http_resources.h)  wasi:http/types' fields, requests, responses,
//                      bodies, ...
//   p2::Resources      the table: a guest's handle carries the index (the
//                      component runtime's `rep`) of one of these
//
// The table lives in the WasiContext (so WasiContext::Reset drops
// everything a lease opened) and is reached from host functions through
// component::Caller::context<WasiContext>().

#ifndef WASMHOST_LIB_WASI_P2_RESOURCES_H_
#define WASMHOST_LIB_WASI_P2_RESOURCES_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/wasi/http_resources.h"
#include "lib/wasi/path.h"

namespace wasmhost::wasi::p2 {

struct IoError {
  std::string message;
  // The filesystem error-code's case index, for filesystem-error-code.
  std::optional<uint32_t> code;
  // What wasi:http's http-error-code gives for it.
  std::optional<HttpError> http;
};

// kHost: a stream the host feeds or drains through callbacks (wasi:http
// bodies).
enum class StreamKind { kStdio, kFile, kHost };

struct InputStream {
  StreamKind kind = StreamKind::kStdio;
  ScopedFd file;  // kFile: a descriptor of its own, read with pread.
  uint64_t offset = 0;
  bool closed = false;  // End of input was reached.
  // kHost: at most `max` next bytes, nullopt at the end; an error traps
  // the guest.
  std::function<absl::StatusOr<std::optional<std::string>>(uint64_t max)>
      host_read;
  // kHost: when set, a host_read error is the guest's stream-error
  // last-operation-failed with the io error this makes of it (an outgoing
  // response's body cut short), not a trap.
  std::function<IoError(const absl::Status& failed)> host_error;
};

struct OutputStream {
  StreamKind kind = StreamKind::kStdio;
  bool to_stderr = false;  // kStdio
  ScopedFd file;           // kFile
  uint64_t offset = 0;
  bool append = false;
  bool closed = false;  // A write failed: the stream is done.
  // kHost: takes every byte written; an error traps the guest.
  std::function<absl::Status(absl::string_view bytes)> host_write;
  // kHost: as InputStream's (an outgoing request's connection broke).
  std::function<IoError(const absl::Status& failed)> host_error;
};

struct Pollable {
  // Ready once the monotonic clock reaches it; nullopt: ready now (streams
  // never block: stdio sinks and files take every byte at once).
  std::optional<uint64_t> monotonic_deadline;
};

struct Descriptor {
  // Owned for what the guest opened, borrowed from the context's preopen.
  HostFd host;
  // For a preopen, its index in the context's preopens(); nullopt for what
  // the guest opened.
  std::optional<uint32_t> preopen;
  bool is_dir = false;
  // Below a read-only preopen: nothing is ever written, created or removed.
  bool read_only = false;
  // descriptor-flags' read, write and mutate-directory as granted.
  bool read = false;
  bool write = false;
  bool mutate = false;
};

struct DirectoryList {
  struct Entry {
    std::string name;
    uint8_t type = 0;  // descriptor-type's case index.
  };
  std::vector<Entry> entries;
  size_t next = 0;
};

// The instance-network handed out: every socket operation on it is denied.
struct Network {};

using Object =
    std::variant<InputStream, OutputStream, Pollable, Descriptor, DirectoryList,
                 IoError, Network, Fields, IncomingRequest, IncomingBody,
                 FutureTrailers, OutgoingResponse, OutgoingBody,
                 ResponseOutparam, OutgoingRequest, RequestOptions,
                 FutureIncomingResponse, IncomingResponse>;

// Reps are indices; a dropped object's index is used again. At most
// kMaxObjects live at once. Thread-affine, like its context.
class Resources {
 public:
  static constexpr size_t kMaxObjects = 4096;

  // The new object's rep, or nullopt when the table is full.
  std::optional<uint32_t> Add(Object object) {
    if (free_.empty()) {
      if (objects_.size() >= kMaxObjects) return std::nullopt;
      objects_.emplace_back(std::move(object));
      return static_cast<uint32_t>(objects_.size() - 1);
    }
    uint32_t rep = free_.back();
    free_.pop_back();
    objects_[rep] = std::move(object);
    return rep;
  }

  // The object at `rep` if it is a T; nullptr otherwise.
  template <typename T>
  T* Get(uint32_t rep) {
    if (rep >= objects_.size() || !objects_[rep].has_value()) return nullptr;
    return std::get_if<T>(&*objects_[rep]);
  }
  template <typename T>
  const T* Get(uint32_t rep) const {
    if (rep >= objects_.size() || !objects_[rep].has_value()) return nullptr;
    return std::get_if<T>(&*objects_[rep]);
  }

  // The object at `rep`, of any type; nullptr if none.
  const Object* Find(uint32_t rep) const {
    if (rep >= objects_.size() || !objects_[rep].has_value()) return nullptr;
    return &*objects_[rep];
  }

  // Makes `object` the one at `rep`, replacing (closing) any there: a
  // pool's image putting back what its handles name. False when `rep` is
  // kMaxObjects or more.
  bool Put(uint32_t rep, Object object) {
    if (rep >= kMaxObjects) return false;
    while (objects_.size() <= rep) {
      free_.push_back(static_cast<uint32_t>(objects_.size()));
      objects_.emplace_back();
    }
    if (!objects_[rep].has_value()) {
      free_.erase(std::find(free_.begin(), free_.end(), rep));
    }
    objects_[rep] = std::move(object);
    return true;
  }

  // Drops the object at `rep` (closing what it owns); false if none.
  bool Remove(uint32_t rep) {
    if (rep >= objects_.size() || !objects_[rep].has_value()) return false;
    objects_[rep].reset();
    free_.push_back(rep);
    return true;
  }

  void Clear() {
    objects_.clear();
    free_.clear();
  }

  [[nodiscard]] size_t size() const { return objects_.size() - free_.size(); }

 private:
  std::vector<std::optional<Object>> objects_;
  std::vector<uint32_t> free_;
};

}  // namespace wasmhost::wasi::p2

#endif  // WASMHOST_LIB_WASI_P2_RESOURCES_H_
