// hello: a WASI command that greets its arguments and reads the environment.
//
//   hello NAME...   prints "hello, NAME..." (the arguments joined by a
//                   space; "world" when there are none), then "GREETING=..."
//                   with the GREETING environment variable or
//                   "GREETING is not set", and exits 0.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("hello,");
  if (argc < 2) printf(" world");
  for (int i = 1; i < argc; ++i) printf(" %s", argv[i]);
  printf("\n");
  const char* greeting = getenv("GREETING");
  if (greeting != NULL) {
    printf("GREETING=%s\n", greeting);
  } else {
    printf("GREETING is not set\n");
  }
  return 0;
}
