// Clocks (the host's, or the virtual clock) and random_get (the host's
// getrandom, or the seeded generator).

#include <errno.h>
#include <sys/random.h>
#include <sys/types.h>
#include <time.h>

#include <algorithm>
#include <cstdint>

#include "lib/wasi/context.h"
#include "lib/wasi/host_io.h"

namespace wasmhost::wasi {

int32_t WasiContextImpl::Now(uint32_t id, bool tick, uint64_t* out) {
  clockid_t host;
  switch (id) {
    case abi::kClockRealtime:
      host = CLOCK_REALTIME;
      break;
    case abi::kClockMonotonic:
      host = CLOCK_MONOTONIC;
      break;
    case abi::kClockProcessCputime:
      host = CLOCK_PROCESS_CPUTIME_ID;
      break;
    case abi::kClockThreadCputime:
      host = CLOCK_THREAD_CPUTIME_ID;
      break;
    default:
      return abi::kInval;
  }
  if (virtual_clock_) {
    *out = virtual_now_;
    if (tick) virtual_now_ += virtual_clock_->tick_nanos;
    return abi::kSuccess;
  }
  struct timespec ts;
  if (::clock_gettime(host, &ts) != 0) return HostError();
  *out = Nanos(ts);
  return abi::kSuccess;
}

int32_t WasiContextImpl::Resolution(uint32_t id, uint64_t* out) {
  uint64_t ignored;
  if (int32_t e = Now(id, /*tick=*/false, &ignored)) return e;
  if (virtual_clock_) {
    *out = std::max<uint64_t>(virtual_clock_->tick_nanos, 1);
    return abi::kSuccess;
  }
  static constexpr clockid_t kHost[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                        CLOCK_PROCESS_CPUTIME_ID,
                                        CLOCK_THREAD_CPUTIME_ID};
  struct timespec ts;
  if (::clock_getres(kHost[id], &ts) != 0) return HostError();
  *out = std::max<uint64_t>(Nanos(ts), 1);
  return abi::kSuccess;
}

int32_t WasiContextImpl::ClockResGet(GuestMemory& mem, uint32_t id,
                                     uint32_t out) {
  uint64_t resolution = 1;
  if (int32_t e = Resolution(id, &resolution)) return e;
  if (!mem.Store<uint64_t>(out, resolution)) return abi::kFault;
  return abi::kSuccess;
}

int32_t WasiContextImpl::ClockTimeGet(GuestMemory& mem, uint32_t id,
                                      uint64_t /*precision*/, uint32_t out) {
  if (!mem.InBounds(out, 8)) return abi::kFault;
  uint64_t now = 0;
  if (int32_t e = Now(id, /*tick=*/true, &now)) return e;
  (void)mem.Store<uint64_t>(out, now);
  return abi::kSuccess;
}

int32_t WasiContextImpl::FillRandom(uint8_t* data, size_t size) {
  if (prng_) {
    prng_->Fill(data, size);
    return abi::kSuccess;
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::getrandom(data + done, size - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return HostError();
    }
    done += static_cast<size_t>(n);
  }
  return abi::kSuccess;
}

int32_t WasiContextImpl::RandomGet(GuestMemory& mem, uint32_t buf,
                                   uint32_t buf_len) {
  if (!mem.InBounds(buf, buf_len)) return abi::kFault;
  return FillRandom(mem.At(buf), buf_len);
}

}  // namespace wasmhost::wasi
