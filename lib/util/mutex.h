// lib/util/mutex.h: the project's lock and condition variable.
//
// Debian's Abseil is built without ThreadSanitizer annotations, so TSan
// cannot see absl::Mutex and reports races on everything it guards. These
// thin wrappers over std::mutex are visible to TSan (./x test --tsan) and
// carry Abseil's thread-safety annotations for clang's -Wthread-safety.

#ifndef WASMHOST_LIB_UTIL_MUTEX_H_
#define WASMHOST_LIB_UTIL_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace wasmhost::internal {

class ABSL_LOCKABLE Mutex {
 public:
  constexpr Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mutex_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mutex_.unlock(); }
  // Tells the analysis the lock is held (in lambdas run under it).
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  friend class CondVar;
  std::mutex mutex_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex)
      : mutex_(mutex) {
    mutex_->Lock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_->Unlock(); }

 private:
  Mutex* const mutex_;
};

class CondVar {
 public:
  // Releases `mutex` (held), waits until signalled, `deadline`, or a
  // spurious wake-up, and reacquires it. Returns true if the deadline passed.
  bool WaitWithDeadline(Mutex* mutex, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex) {
    std::unique_lock<std::mutex> lock(mutex->mutex_, std::adopt_lock);
    bool timed_out = false;
    if (deadline == absl::InfiniteFuture()) {
      condition_.wait(lock);
    } else {
      timed_out = condition_.wait_until(lock, absl::ToChronoTime(deadline)) ==
                  std::cv_status::timeout;
    }
    lock.release();  // still held, by the caller's MutexLock
    return timed_out;
  }
  void Signal() { condition_.notify_one(); }
  void SignalAll() { condition_.notify_all(); }

 private:
  std::condition_variable condition_;
};

}  // namespace wasmhost::internal

#endif  // WASMHOST_LIB_UTIL_MUTEX_H_
