// fuzz/sanitizer_options.h: sanitizer defaults baked into every fuzzer, so
// the binaries behave the same however they are started (./x fuzz, by hand,
// or a reproducer run). Include from exactly one file per binary.
//
// V8's Wasm trap handler turns out-of-bounds memory accesses into real
// SIGSEGVs that it recovers from, so ASan must not take SIGSEGV
// (handle_segv=0) and must let V8 install its handler
// (allow_user_segv_handler=1). libFuzzer's own SIGSEGV handler chains to
// V8's (see the fuzzers' lazy V8 set-up), so real crashes still leave a
// crash-* artifact.

#ifndef WASMHOST_FUZZ_SANITIZER_OPTIONS_H_
#define WASMHOST_FUZZ_SANITIZER_OPTIONS_H_

extern "C" {

__attribute__((used, visibility("default"))) const char*
__asan_default_options() {
  return "handle_segv=0:allow_user_segv_handler=1:"
         "detect_stack_use_after_return=0:detect_leaks=1";
}

__attribute__((used, visibility("default"))) const char*
__ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}

// V8 (Debian's libnode, not instrumented) keeps process-wide state it never
// frees: the platform, isolate-independent tables, the trap handler's code
// object registry. The SDK deliberately leaks its engine state at exit too
// (engines live for the process). Leaks in anything else are reported.
// libFuzzer checks for leaks after inputs that malloc more than they free;
// don't print the suppressed V8 ones every time.
__attribute__((used, visibility("default"))) const char*
__lsan_default_options() {
  return "print_suppressions=0";
}

__attribute__((used, visibility("default"))) const char*
__lsan_default_suppressions() {
  return "leak:libnode.so.108\n";
}

}  // extern "C"

#endif  // WASMHOST_FUZZ_SANITIZER_OPTIONS_H_
