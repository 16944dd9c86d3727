// poll_oneoff, and the scheduler and signal calls: sched_yield and
// proc_raise.

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "lib/wasi/context.h"
#include "lib/wasi/host_io.h"

namespace wasmhost::wasi {

void WasiContextImpl::Wait(uint64_t nanos) {
  if (nanos == 0) return;
  if (virtual_clock_) {
    virtual_now_ += nanos;
    return;
  }
  absl::SleepFor(absl::Nanoseconds(
      static_cast<int64_t>(std::min<uint64_t>(nanos, INT64_MAX))));
}

int32_t WasiContextImpl::PollOneoff(GuestMemory& mem, uint32_t in, uint32_t out,
                                    uint32_t nsubscriptions,
                                    uint32_t nevents_out) {
  if (nsubscriptions == 0) return abi::kInval;
  if (!mem.InBounds(in, uint64_t{nsubscriptions} * abi::kSubscriptionSize) ||
      !mem.InBounds(out, uint64_t{nsubscriptions} * abi::kEventSize) ||
      !mem.InBounds(nevents_out, 4)) {
    return abi::kFault;
  }
  struct Event {
    uint64_t userdata;
    uint16_t error;
    uint8_t type;
    uint64_t nbytes;
  };
  struct Clock {
    uint64_t userdata;
    uint64_t wait;  // Nanoseconds from now.
  };
  std::vector<Event> ready;
  std::vector<Clock> clocks;
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    uint64_t sub = in + uint64_t{i} * abi::kSubscriptionSize;
    uint64_t userdata = 0;
    uint8_t tag = 0;
    (void)mem.Load(sub, &userdata);
    (void)mem.Load(sub + 8, &tag);
    if (tag == abi::kEventtypeClock) {
      uint32_t id = 0;
      uint64_t timeout = 0;
      uint16_t flags = 0;
      (void)mem.Load(sub + 16, &id);
      (void)mem.Load(sub + 24, &timeout);
      (void)mem.Load(sub + 40, &flags);
      uint64_t now = 0;
      if (int32_t e = Now(id, /*tick=*/false, &now)) {
        ready.push_back({userdata, static_cast<uint16_t>(e), tag, 0});
        continue;
      }
      uint64_t wait = timeout;
      if (flags & abi::kSubscriptionClockAbstime) {
        wait = timeout > now ? timeout - now : 0;
      }
      clocks.push_back({userdata, wait});
    } else if (tag == abi::kEventtypeFdRead || tag == abi::kEventtypeFdWrite) {
      uint32_t fd = 0;
      (void)mem.Load(sub + 16, &fd);
      Fd* entry = nullptr;
      uint64_t right = abi::kRightPollFdReadwrite |
                       (tag == abi::kEventtypeFdRead ? abi::kRightFdRead
                                                     : abi::kRightFdWrite);
      int32_t e = Lookup(fd, right, &entry);
      uint64_t nbytes = 0;
      if (e == abi::kSuccess && entry->kind == Kind::kFile &&
          tag == abi::kEventtypeFdRead) {
        // Regular files are always ready; say how much is left to read.
        struct stat st;
        off_t at = ::lseek(entry->host.get(), 0, SEEK_CUR);
        if (at >= 0 && ::fstat(entry->host.get(), &st) == 0 &&
            st.st_size > at) {
          nbytes = static_cast<uint64_t>(st.st_size - at);
        }
      }
      // stdio sources and sinks never block for the guest: always ready.
      ready.push_back({userdata, static_cast<uint16_t>(e), tag, nbytes});
    } else {
      return abi::kInval;
    }
  }
  if (ready.empty()) {
    // Only clocks: wait for the first to expire (on the virtual clock,
    // jump to it), then report every clock that has.
    uint64_t wait = UINT64_MAX;
    for (const Clock& c : clocks) wait = std::min(wait, c.wait);
    Wait(wait);
    for (const Clock& c : clocks) {
      if (c.wait <= wait) {
        ready.push_back({c.userdata, abi::kSuccess, abi::kEventtypeClock, 0});
      }
    }
  } else {
    for (const Clock& c : clocks) {
      if (c.wait == 0) {
        ready.push_back({c.userdata, abi::kSuccess, abi::kEventtypeClock, 0});
      }
    }
  }
  for (size_t i = 0; i < ready.size(); ++i) {
    uint64_t event = out + i * abi::kEventSize;
    std::memset(mem.At(event), 0, abi::kEventSize);
    (void)mem.Store<uint64_t>(event, ready[i].userdata);
    (void)mem.Store<uint16_t>(event + 8, ready[i].error);
    (void)mem.Store<uint8_t>(event + 10, ready[i].type);
    (void)mem.Store<uint64_t>(event + 16, ready[i].nbytes);
  }
  (void)mem.Store<uint32_t>(nevents_out, static_cast<uint32_t>(ready.size()));
  return abi::kSuccess;
}

int32_t WasiContextImpl::ProcRaise(GuestMemory&, uint32_t /*sig*/) {
  // There are no signals to deliver in a sandbox.
  return abi::kNotSup;
}

int32_t WasiContextImpl::SchedYield(GuestMemory&) {
  ::sched_yield();
  return abi::kSuccess;
}

}  // namespace wasmhost::wasi
