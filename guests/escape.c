// escape: tries to leave its preopened directory in every way we know of and
// reports what the host said to each attempt.
//
//   escape DIR   DIR is the preopen's guest path ("." or "/sandbox"); the
//                host directory's parent should hold a file "secret".
//
// One line per attempt, "<attempt>: <ERRNO NAME>" (the errno the guest got)
// or "<attempt>: OPENED" when the escape worked, then "all N denied" or
// "ESCAPED k of N". Exits 0 only if every attempt was denied.
//
// The attempts, each relative to DIR unless absolute:
//   open ../secret                ".." out of the preopen
//   open /etc/passwd              an absolute path outside every preopen
//   open subdir/../../secret      ".." hidden behind a real subdirectory
//   create ../created             creating a file outside
//   symlink root -> /             a symlink to the host's root ...
//   open root/etc/passwd          ... and through it (if it could be made)
//   symlink up -> ..              a symlink to the parent ...
//   open up/secret                ... and through it (if it could be made)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errno_name.h"

static const char* dir;
static int attempts, escapes;

static void path_in(char* out, size_t size, const char* rel) {
  snprintf(out, size, "%s/%s", dir, rel);
}

// Opens `rel` (below DIR unless it starts with "/"); reports.
static void try_open(const char* label, const char* rel, int flags) {
  char path[512];
  if (rel[0] == '/') {
    snprintf(path, sizeof path, "%s", rel);
  } else {
    path_in(path, sizeof path, rel);
  }
  ++attempts;
  int fd = open(path, flags, 0644);
  if (fd >= 0) {
    printf("%s %s: OPENED\n", label, rel);
    ++escapes;
    close(fd);
  } else {
    printf("%s %s: %s\n", label, rel, errno_name(errno));
  }
}

// Makes symlink `rel` -> `target`; reports and returns whether it exists now.
// Making the link is not itself an escape (the link is inside), so it is
// not counted: only opening through it is.
static int try_symlink(const char* rel, const char* target) {
  char path[512];
  path_in(path, sizeof path, rel);
  if (symlink(target, path) == 0) {
    printf("symlink %s -> %s: made\n", rel, target);
    return 1;
  }
  printf("symlink %s -> %s: %s\n", rel, target, errno_name(errno));
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: escape DIR\n");
    return 2;
  }
  dir = argv[1];

  try_open("open", "../secret", O_RDONLY);
  try_open("open", "/etc/passwd", O_RDONLY);

  char subdir[512];
  path_in(subdir, sizeof subdir, "subdir");
  if (mkdir(subdir, 0755) != 0 && errno != EEXIST) {
    printf("mkdir subdir: %s\n", errno_name(errno));
  }
  try_open("open", "subdir/../../secret", O_RDONLY);
  try_open("create", "../created", O_WRONLY | O_CREAT | O_EXCL);

  if (try_symlink("root", "/")) try_open("open", "root/etc/passwd", O_RDONLY);
  if (try_symlink("up", "..")) try_open("open", "up/secret", O_RDONLY);

  if (escapes == 0) {
    printf("all %d denied\n", attempts);
    return 0;
  }
  printf("ESCAPED %d of %d\n", escapes, attempts);
  return 1;
}
