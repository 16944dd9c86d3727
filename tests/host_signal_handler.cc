#include "tests/host_signal_handler.h"

#include <signal.h>

#include <atomic>
#include <cstdlib>

// Debian's libnode-dev lacks v8-wasm-trap-handler-posix.h; libnode exports
// the function it declares (V8 10.2's API, unchanged since V8 7.x).
namespace v8 {
bool TryHandleWebAssemblyTrapPosix(int sig_code, siginfo_t* info,
                                   void* context);
}  // namespace v8

namespace wasmhost::testing {
namespace {

std::atomic<int> g_seen{0};
std::atomic<int> g_handled{0};

void Handler(int signal, siginfo_t* info, void* context) {
  g_seen.fetch_add(1, std::memory_order_relaxed);
  if (v8::TryHandleWebAssemblyTrapPosix(signal, info, context)) {
    g_handled.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Not a Wasm trap: a real crash.
  std::abort();
}

}  // namespace

bool InstallHostSignalHandler() {
  struct sigaction action = {};
  action.sa_sigaction = &Handler;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  return sigaction(SIGSEGV, &action, nullptr) == 0 &&
         sigaction(SIGBUS, &action, nullptr) == 0;
}

int HostSignalsSeen() { return g_seen.load(std::memory_order_relaxed); }
int HostSignalsHandledByV8() {
  return g_handled.load(std::memory_order_relaxed);
}

}  // namespace wasmhost::testing
