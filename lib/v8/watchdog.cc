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
  absl::MutexLock lock(&mu_);
  if (!thread_started_) {
    thread_started_ = true;
    std::thread([this] { Run(); }).detach();
  }
  const uint64_t ticket = next_ticket_++;
  armed_.emplace(std::make_pair(deadline, ticket), isolate);
  return ticket;
}

bool Watchdog::Disarm(uint64_t ticket) {
  absl::MutexLock lock(&mu_);
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
  absl::MutexLock lock(&mu_);
  for (;;) {
    // Sleeps until the earliest deadline, or until an earlier one is armed
    // (the condition then changes and Await wakes).
    const absl::Time earliest =
        armed_.empty() ? absl::InfiniteFuture() : armed_.begin()->first.first;
    auto earlier_armed_or_disarmed = [this, earliest]() {
      mu_.AssertHeld();
      const absl::Time now_earliest = armed_.empty()
                                          ? absl::InfiniteFuture()
                                          : armed_.begin()->first.first;
      return now_earliest != earliest;
    };
    mu_.AwaitWithDeadline(absl::Condition(&earlier_armed_or_disarmed),
                          earliest);
    const absl::Time now = absl::Now();
    while (!armed_.empty() && armed_.begin()->first.first <= now) {
      armed_.begin()->second->TerminateExecution();
      fired_.insert(armed_.begin()->first.second);
      armed_.erase(armed_.begin());
    }
  }
}

}  // namespace wasmhost::v8backend
