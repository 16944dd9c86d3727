// upper: copies stdin to stdout in upper case and reports the byte count on
// stderr, for stdin through WASI.
//
//   upper   prints stdin upper-cased, then "N bytes" on stderr; exits 3 when
//           stdin was empty, 0 otherwise.
#include <ctype.h>
#include <stdio.h>

int main(void) {
  long total = 0;
  int c;
  while ((c = getchar()) != EOF) {
    putchar(toupper(c));
    ++total;
  }
  fprintf(stderr, "%ld bytes\n", total);
  return total == 0 ? 3 : 0;
}
