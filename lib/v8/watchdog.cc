#include "lib/v8/watchdog.h"

#include <thread>

#include "absl/time/clock.h"

namespace wasmhost::v8backend {

Watchdog& Watchdog::Get() {
  // Leaked: the thread runs for the life of the process.
  static Watchdog* watchdog = new Watchdog();
  return *watchdog;
}

uint64_t Watchdog::Arm(v8::Isolate* isolate, absl::Time deadline) {
  internal::MutexLock lock(&mu_);
  if (!thread_started_) {
    thread_started_ = true;
    std::thread([this] { Run(); }).detach();
  }
  const uint64_t ticket = next_ticket_++;
  armed_.emplace(std::make_pair(deadline, ticket), isolate);
  if (deadline < wakes_at_) {
    wakes_at_ = deadline;
    earlier_armed_.Signal();
  }
  return ticket;
}

bool Watchdog::Disarm(uint64_t ticket) {
  internal::MutexLock lock(&mu_);
  if (fired_.erase(ticket) > 0) return true;
  for (auto it = armed_.begin(); it != armed_.end(); ++it) {
    if (it->first.second == ticket) {
      armed_.erase(it);
      break;
    }
  }
  return false;
}

void Watchdog::Run() {
  internal::MutexLock lock(&mu_);
  for (;;) {
    // Sleeps until the earliest deadline; Arm wakes it for an earlier one.
    wakes_at_ =
        armed_.empty() ? absl::InfiniteFuture() : armed_.begin()->first.first;
    earlier_armed_.WaitWithDeadline(&mu_, wakes_at_);
    const absl::Time now = absl::Now();
    while (!armed_.empty() && armed_.begin()->first.first <= now) {
      armed_.begin()->second->TerminateExecution();
      fired_.insert(armed_.begin()->first.second);
      armed_.erase(armed_.begin());
    }
  }
}

}  // namespace wasmhost::v8backend
