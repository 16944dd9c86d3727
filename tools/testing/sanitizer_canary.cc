// sanitizer_canary MODE: a program with a deliberate bug for
// sanitizer_check_test, which checks that tools/testing/sanitizer_check.sh
// fails a shell test on it.
//
//   build      prints "asan" in an AddressSanitizer build, else "plain"
//   overflow   writes one byte past a heap block, then exits 1
//   leak       loses a heap block, then exits 1
//   ub         overflows a signed int, then exits 1
//   fake       prints an ASan report header without a bug, then exits 1
//              (plain builds: the check's text match, nothing else)
//   clean      exits 1 without a bug
// Exit code 1 is what the shell tests expect from their programs' ordinary
// failures, the code the sanitizers use by default.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// Volatile so the optimiser keeps the bugs.
volatile size_t g_index = 16;
void* volatile g_block = nullptr;
volatile int g_int = INT_MAX;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sanitizer_canary MODE\n");
    return 2;
  }
  const char* mode = argv[1];
  if (std::strcmp(mode, "build") == 0) {
#if defined(__SANITIZE_ADDRESS__)
    std::puts("asan");
#else
    std::puts("plain");
#endif
    return 0;
  }
  if (std::strcmp(mode, "overflow") == 0) {
    char* block = static_cast<char*>(std::malloc(g_index));
    block[g_index] = 1;
    g_block = block;
    std::free(g_block);
  } else if (std::strcmp(mode, "leak") == 0) {
    g_block = std::malloc(64);
    g_block = nullptr;
  } else if (std::strcmp(mode, "ub") == 0) {
    g_int = g_int + 1;
  } else if (std::strcmp(mode, "fake") == 0) {
    std::fprintf(stderr,
                 "==1==ERROR: AddressSanitizer: heap-buffer-overflow (fake)\n");
  } else if (std::strcmp(mode, "clean") != 0) {
    std::fprintf(stderr, "sanitizer_canary: unknown mode %s\n", mode);
    return 2;
  }
  return 1;
}
