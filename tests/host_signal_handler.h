// tests/host_signal_handler.h: a SIGSEGV handler owned by the host, as an
// embedder that sets EngineOptions::install_signal_handler = false installs
// it: it offers every fault to V8 first (v8::TryHandleWebAssemblyTrapPosix)
// and counts what it sees. A fault V8 does not claim aborts the process.
// Kept out of the tests themselves: only this helper depends on @v8.
#ifndef WASMHOST_TESTS_HOST_SIGNAL_HANDLER_H_
#define WASMHOST_TESTS_HOST_SIGNAL_HANDLER_H_

namespace wasmhost::testing {

// Installs the handler for SIGSEGV and SIGBUS. Returns false if sigaction
// failed. Call before Engine::Create.
bool InstallHostSignalHandler();

// Signals the handler received, and how many of those V8 handled as Wasm
// traps. Async-signal-safe counters; read them between calls.
int HostSignalsSeen();
int HostSignalsHandledByV8();

}  // namespace wasmhost::testing

#endif  // WASMHOST_TESTS_HOST_SIGNAL_HANDLER_H_
