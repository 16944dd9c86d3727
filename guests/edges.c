// edges: WASI edge cases the public WASI test programs check, through
// wasi-libc's own encoding of each call.
//
//   edges dirs DIR   DIR is a preopen's guest path holding a directory "sub"
//                    and a file "file": one line per attempt,
//                    "<attempt>: ok" (or what it read) or "<attempt>: ERRNO"
//   edges write      writes "hello\n" to stdout with write(2); prints
//                    "write: ok N" or "write: ERRNO" to stderr and exits 0
//                    when the write succeeded, 3 when it failed
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errno_name.h"

static const char* dir;

static void path_in(char* out, size_t size, const char* rel) {
  snprintf(out, size, "%s/%s", dir, rel);
}

// open(DIR/rel, flags); reports and closes.
static void try_open(const char* rel, const char* label, int flags) {
  char path[512];
  path_in(path, sizeof path, rel);
  int fd = open(path, flags);
  if (fd >= 0) {
    printf("open %s %s: ok\n", rel, label);
    close(fd);
  } else {
    printf("open %s %s: %s\n", rel, label, errno_name(errno));
  }
}

static int dirs(void) {
  // Linux refuses to open a directory for writing (EISDIR), with or
  // without O_DIRECTORY; reading it is fine.
  try_open("sub", "O_RDONLY|O_DIRECTORY", O_RDONLY | O_DIRECTORY);
  try_open("sub", "O_WRONLY|O_DIRECTORY", O_WRONLY | O_DIRECTORY);
  try_open("sub", "O_RDWR|O_DIRECTORY", O_RDWR | O_DIRECTORY);
  try_open("sub", "O_RDWR", O_RDWR);
  try_open("file", "O_RDONLY|O_DIRECTORY", O_RDONLY | O_DIRECTORY);
  char path[512];
  path_in(path, sizeof path, "sub");
  DIR* stream = opendir(path);
  printf("opendir sub: %s\n", stream ? "ok" : errno_name(errno));
  if (stream) closedir(stream);

  // A symlink with an absolute target is only text: it can be made, read
  // and removed; following it out of the preopen is denied.
  char link[512];
  path_in(link, sizeof link, "abs");
  if (symlink("/etc/passwd", link) != 0) {
    printf("symlink abs -> /etc/passwd: %s\n", errno_name(errno));
    return 0;
  }
  printf("symlink abs -> /etc/passwd: made\n");
  char target[64] = {0};
  ssize_t n = readlink(link, target, sizeof target - 1);
  printf("readlink abs: %s\n", n >= 0 ? target : errno_name(errno));
  struct stat st;
  if (lstat(link, &st) == 0) {
    printf("lstat abs: %s\n", S_ISLNK(st.st_mode) ? "symlink" : "other");
  } else {
    printf("lstat abs: %s\n", errno_name(errno));
  }
  try_open("abs", "O_RDONLY", O_RDONLY);
  printf("unlink abs: %s\n", unlink(link) == 0 ? "ok" : errno_name(errno));
  return 0;
}

static int write_stdout(void) {
  ssize_t n = write(1, "hello\n", 6);
  if (n < 0) {
    fprintf(stderr, "write: %s\n", errno_name(errno));
    return 3;
  }
  fprintf(stderr, "write: ok %zd\n", n);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "dirs") == 0) {
    dir = argv[2];
    return dirs();
  }
  if (argc == 2 && strcmp(argv[1], "write") == 0) return write_stdout();
  fprintf(stderr, "usage: edges dirs DIR | edges write\n");
  return 2;
}
