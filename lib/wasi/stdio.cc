// What a command line gives a program: args, environment and stdio (the
// sinks and sources behind fds 0-2), and fd_read/fd_write, which serve
// stdio and files alike.

#include <sys/uio.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "lib/wasi/context.h"
#include "lib/wasi/errno.h"
#include "lib/wasi/host_io.h"

namespace wasmhost::wasi {

namespace {

// Reads from an InputSource into `buffer`; 0 is end of input.
int32_t ReadSource(const InputSource::ReadFn& read, uint8_t* data, size_t size,
                   size_t* got) {
  *got = 0;
  if (!read || size == 0) return abi::kSuccess;
  absl::StatusOr<size_t> n = read(absl::MakeSpan(data, size));
  if (!n.ok()) return FromStatus(n.status());
  *got = std::min(*n, size);
  return abi::kSuccess;
}

int32_t SizesGet(GuestMemory& mem, const std::vector<std::string>& strings,
                 uint32_t count_out, uint32_t size_out) {
  uint64_t size = 0;
  for (const std::string& s : strings) size += s.size() + 1;
  if (size > UINT32_MAX) return abi::kOverflow;
  if (!mem.InBounds(count_out, 4) || !mem.InBounds(size_out, 4)) {
    return abi::kFault;
  }
  (void)mem.Store<uint32_t>(count_out, static_cast<uint32_t>(strings.size()));
  (void)mem.Store<uint32_t>(size_out, static_cast<uint32_t>(size));
  return abi::kSuccess;
}

int32_t StringsGet(GuestMemory& mem, const std::vector<std::string>& strings,
                   uint32_t pointers, uint32_t buf) {
  uint64_t size = 0;
  for (const std::string& s : strings) size += s.size() + 1;
  if (!mem.InBounds(pointers, uint64_t{strings.size()} * 4) ||
      !mem.InBounds(buf, size)) {
    return abi::kFault;
  }
  uint64_t at = buf;
  for (size_t i = 0; i < strings.size(); ++i) {
    (void)mem.Store<uint32_t>(pointers + i * 4, static_cast<uint32_t>(at));
    std::memcpy(mem.At(at), strings[i].data(), strings[i].size());
    mem.At(at)[strings[i].size()] = 0;
    at += strings[i].size() + 1;
  }
  return abi::kSuccess;
}

}  // namespace

void WasiContextImpl::SetStdin(InputSource source) {
  stdin_ = source.read();
  stdin_changed_ = true;
}

void WasiContextImpl::SetStdout(OutputSink sink) {
  stdout_ = sink.write();
  stdout_changed_ = true;
}

void WasiContextImpl::SetStderr(OutputSink sink) {
  stderr_ = sink.write();
  stderr_changed_ = true;
}

int32_t WasiContextImpl::ReadStdin(uint8_t* data, size_t size, size_t* got) {
  stdin_changed_ = true;  // Reset must rewind it.
  return ReadSource(stdin_, data, size, got);
}

absl::Status WasiContextImpl::WriteStdio(bool to_stderr,
                                         absl::string_view bytes) {
  const OutputSink::WriteFn& sink = to_stderr ? stderr_ : stdout_;
  if (!sink || bytes.empty()) return absl::OkStatus();
  return sink(bytes);
}

int32_t WasiContextImpl::ReadIovecs(GuestMemory& mem, uint32_t iovs,
                                    uint32_t iovs_len,
                                    std::vector<struct iovec>* out) const {
  if (!mem.InBounds(iovs, uint64_t{iovs_len} * abi::kIovecSize)) {
    return abi::kFault;
  }
  out->clear();
  out->reserve(iovs_len);
  for (uint32_t i = 0; i < iovs_len; ++i) {
    uint32_t buf = 0;
    uint32_t len = 0;
    (void)mem.Load(iovs + i * abi::kIovecSize, &buf);
    (void)mem.Load(iovs + i * abi::kIovecSize + 4, &len);
    if (!mem.InBounds(buf, len)) return abi::kFault;
    out->push_back({mem.At(buf), len});
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::ArgsGet(GuestMemory& mem, uint32_t argv,
                                 uint32_t argv_buf) {
  return StringsGet(mem, args_, argv, argv_buf);
}

int32_t WasiContextImpl::ArgsSizesGet(GuestMemory& mem, uint32_t argc_out,
                                      uint32_t size_out) {
  return SizesGet(mem, args_, argc_out, size_out);
}

int32_t WasiContextImpl::EnvironGet(GuestMemory& mem, uint32_t environ,
                                    uint32_t environ_buf) {
  return StringsGet(mem, env_, environ, environ_buf);
}

int32_t WasiContextImpl::EnvironSizesGet(GuestMemory& mem, uint32_t count_out,
                                         uint32_t size_out) {
  return SizesGet(mem, env_, count_out, size_out);
}

int32_t WasiContextImpl::FdRead(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                                uint32_t iovs_len, uint32_t nread_out) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdRead, &entry)) return e;
  if (entry->kind == Kind::kDir) return abi::kIsDir;
  std::vector<struct iovec> iov;
  if (int32_t e = ReadIovecs(mem, iovs, iovs_len, &iov)) return e;
  if (!mem.InBounds(nread_out, 4)) return abi::kFault;
  size_t total = 0;
  if (entry->kind == Kind::kFile) {
    ssize_t n =
        HostTransfer(entry->host.get(), iov, Transfer::kRead, std::nullopt);
    if (n < 0) return HostError();
    total = static_cast<size_t>(n);
  } else if (entry->kind == Kind::kStdin) {
    // One read into the first non-empty buffer, like read(2) on a pipe: a
    // second read could block on a source that has nothing more yet.
    for (const struct iovec& v : iov) {
      if (v.iov_len == 0) continue;
      if (int32_t e =
              ReadStdin(static_cast<uint8_t*>(v.iov_base), v.iov_len, &total)) {
        return e;
      }
      break;
    }
  } else {
    return abi::kBadf;
  }
  (void)mem.Store<uint32_t>(nread_out, static_cast<uint32_t>(total));
  return abi::kSuccess;
}

int32_t WasiContextImpl::FdWrite(GuestMemory& mem, uint32_t fd, uint32_t iovs,
                                 uint32_t iovs_len, uint32_t nwritten_out) {
  Fd* entry;
  if (int32_t e = Lookup(fd, abi::kRightFdWrite, &entry)) return e;
  if (entry->kind == Kind::kDir) return abi::kIsDir;
  std::vector<struct iovec> iov;
  if (int32_t e = ReadIovecs(mem, iovs, iovs_len, &iov)) return e;
  if (!mem.InBounds(nwritten_out, 4)) return abi::kFault;
  uint64_t total = 0;
  if (entry->kind == Kind::kFile) {
    ssize_t n =
        HostTransfer(entry->host.get(), iov, Transfer::kWrite, std::nullopt);
    if (n < 0) return HostError();
    total = static_cast<uint64_t>(n);
  } else {
    const OutputSink::WriteFn& sink =
        entry->kind == Kind::kStdout ? stdout_ : stderr_;
    for (const struct iovec& v : iov) {
      if (v.iov_len == 0) continue;
      if (sink) {
        absl::Status written = sink(
            absl::string_view(static_cast<const char*>(v.iov_base), v.iov_len));
        // After some bytes were taken, a short write (as writev(2) does);
        // the guest's next write meets the error if it lasts.
        if (!written.ok()) {
          if (total == 0) return FromStatus(written);
          break;
        }
      }
      total += v.iov_len;
    }
    // A count the guest can hold; a sink takes everything it is given.
    total = std::min<uint64_t>(total, UINT32_MAX);
  }
  (void)mem.Store<uint32_t>(nwritten_out, static_cast<uint32_t>(total));
  return abi::kSuccess;
}

}  // namespace wasmhost::wasi
