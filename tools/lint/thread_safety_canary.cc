// Not built: tools/lint/thread_safety.sh compiles this file with clang's
// -Wthread-safety and fails unless the analysis reports the unguarded
// access below, so a check that silently analyses nothing (annotations
// compiled out, a flag dropped) cannot pass.
#include "absl/base/thread_annotations.h"
#include "lib/util/mutex.h"

namespace wasmhost::internal {

class Counter {
 public:
  void Add() {
    MutexLock lock(&mutex_);
    ++count_;
  }
  // The bug: reads count_ without holding mutex_.
  int Racy() const { return count_; }

 private:
  mutable Mutex mutex_;
  int count_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace wasmhost::internal
