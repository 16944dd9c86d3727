// exit_code: prints a line, then exit(7): the line must still come out
// (exit flushes stdio before proc_exit) and the host must see code 7.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  printf("exiting with 7\n");
  exit(7);
}
