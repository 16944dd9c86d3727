// walk: lists a directory tree, depth first, each directory's entries in
// byte order, so the output does not depend on the host's readdir order.
//
//   walk [DIR]   one line per entry below DIR (default "."), its path
//                relative to DIR: directories end in "/" (and are walked),
//                regular files are followed by their size, symlinks by
//                " -> TARGET" (not followed). Exits 1 on any error.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int compare(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

// Walks `dir` (a path the guest can open); `rel` is its path below the root
// ("" for the root itself).
static int walk(const char* dir, const char* rel) {
  DIR* d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "walk: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  char** names = NULL;
  size_t count = 0, capacity = 0;
  struct dirent* entry;
  while ((entry = readdir(d)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) {
      continue;
    }
    if (count == capacity) {
      capacity = capacity ? 2 * capacity : 16;
      names = realloc(names, capacity * sizeof *names);
    }
    names[count++] = strdup(entry->d_name);
  }
  closedir(d);
  qsort(names, count, sizeof *names, compare);

  int rc = 0;
  for (size_t i = 0; i < count; ++i) {
    char path[1024], child_rel[1024];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    snprintf(child_rel, sizeof child_rel, "%s%s", rel, names[i]);
    struct stat st;
    if (lstat(path, &st) != 0) {
      fprintf(stderr, "walk: %s: %s\n", path, strerror(errno));
      rc = 1;
    } else if (S_ISDIR(st.st_mode)) {
      printf("%s/\n", child_rel);
      char next_rel[1024];
      snprintf(next_rel, sizeof next_rel, "%s/", child_rel);
      rc |= walk(path, next_rel);
    } else if (S_ISLNK(st.st_mode)) {
      char target[1024];
      ssize_t n = readlink(path, target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      printf("%s -> %s\n", child_rel, target);
    } else {
      printf("%s %lld\n", child_rel, (long long)st.st_size);
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char** argv) { return walk(argc > 1 ? argv[1] : ".", ""); }
