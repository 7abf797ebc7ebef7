/* powerloss_shim.c — records, in a trace file, every change the store makes to files under one
 * folder: creations, writes, truncations, renames, unlinks, mkdirs and — what matters most —
 * each fsync/fdatasync of a file or a directory. Linked into store_powerloss_child only. It
 * defines the libc functions themselves, so both our code (linked statically) and SQLite (a
 * shared library, whose calls go through the dynamic linker to the executable's definitions)
 * call these first; the real ones are found with dlsym(RTLD_NEXT).
 *
 * The trace is what powerloss.tests.cpp replays to build the states a power cut may leave.
 * Not recorded, on purpose: memory-mapped writes (only SQLite's -shm, which it rebuilds after
 * a crash) and reads. Written in C: libc's own declarations, no C++ exception specifications.
 *
 * Record: type(1) ino(8) a(8) len1(4) s1 len2(4) s2 len3(4) data
 *   C create(path s1)  M mkdir(path s1)  W write(ino, offset a, data)  T truncate(ino, size a)
 *   F fsync of a file(ino)  D fsync of a directory(path s1)  R rename(s1 → s2, ino)
 *   U unlink(path s1)  K receipt shown (ticket s1) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define PL_MAX_FDS 4096

static int pl_log = -1;
static char pl_root[4096];
static size_t pl_root_len;
static int pl_skip_photo_fsync;
static struct { int tracked, dir; uint64_t ino; char path[4096]; } pl_fds[PL_MAX_FDS];

/* POSIX's way to turn dlsym's object pointer into a function pointer without a cast ISO C
 * forbids: copy the bits. */
#define REAL(ret, name, args) \
  static ret(*real_##name) args; \
  if (!real_##name) { \
    void* sym_ = dlsym(RTLD_NEXT, #name); \
    memcpy(&real_##name, &sym_, sizeof sym_); \
  }

void pl_init(const char* root, const char* log_path, int skip_photo_fsync);
void pl_marker(const char* ticket);

static ssize_t raw_write(int fd, const void* p, size_t n) {
  REAL(ssize_t, write, (int, const void*, size_t));
  size_t done = 0;
  while (done < n) {
    ssize_t w = real_write(fd, (const char*)p + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      abort(); /* a lost trace record would make every replay unsound */
    }
    done += (size_t)w;
  }
  return (ssize_t)n;
}

static void pl_record(char type, uint64_t ino, uint64_t a, const char* s1, const char* s2,
                      const void* data, uint32_t len) {
  if (pl_log < 0) return;
  int saved = errno;
  uint32_t l1 = s1 ? (uint32_t)strlen(s1) : 0, l2 = s2 ? (uint32_t)strlen(s2) : 0;
  char head[1 + 8 + 8 + 4];
  head[0] = type;
  memcpy(head + 1, &ino, 8);
  memcpy(head + 9, &a, 8);
  memcpy(head + 17, &l1, 4);
  raw_write(pl_log, head, sizeof head);
  if (l1) raw_write(pl_log, s1, l1);
  raw_write(pl_log, &l2, 4);
  if (l2) raw_write(pl_log, s2, l2);
  raw_write(pl_log, &len, 4);
  if (len) raw_write(pl_log, data, len);
  errno = saved;
}

static int pl_under_root(const char* path) {
  return pl_root_len && path && strncmp(path, pl_root, pl_root_len) == 0 &&
         (path[pl_root_len] == '/' || path[pl_root_len] == 0);
}

void pl_init(const char* root, const char* log_path, int skip_photo_fsync) {
  REAL(int, open, (const char*, int, ...));
  pl_log = real_open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (pl_log < 0) abort();
  snprintf(pl_root, sizeof pl_root, "%s", root);
  pl_root_len = strlen(pl_root);
  pl_skip_photo_fsync = skip_photo_fsync;
}

void pl_marker(const char* ticket) { pl_record('K', 0, 0, ticket, NULL, NULL, 0); }

static int pl_after_open(int fd, const char* path, int flags, int existed) {
  if (fd < 0 || fd >= PL_MAX_FDS || !pl_under_root(path)) return fd;
  struct stat st;
  if (fstat(fd, &st) != 0) return fd;
  pl_fds[fd].tracked = 1;
  pl_fds[fd].dir = S_ISDIR(st.st_mode);
  pl_fds[fd].ino = (uint64_t)st.st_ino;
  snprintf(pl_fds[fd].path, sizeof pl_fds[fd].path, "%s", path);
  if ((flags & O_CREAT) && !existed) pl_record('C', (uint64_t)st.st_ino, 0, path, NULL, NULL, 0);
  else if ((flags & O_TRUNC) && !pl_fds[fd].dir) pl_record('T', (uint64_t)st.st_ino, 0, NULL, NULL, NULL, 0);
  return fd;
}

static int pl_open(const char* name, const char* path, int flags, mode_t mode) {
  static int (*real_open_any[2])(const char*, int, ...);
  const int k = name[4] == '6'; /* "open64" */
  if (!real_open_any[k]) {
    void* sym = dlsym(RTLD_NEXT, name);
    memcpy(&real_open_any[k], &sym, sizeof sym);
  }
  struct stat st;
  const int existed = (flags & O_CREAT) && pl_under_root(path) ? stat(path, &st) == 0 : 1;
  return pl_after_open(real_open_any[k](path, flags, mode), path, flags, existed);
}

int open(const char* path, int flags, ...) {
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  return pl_open("open", path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  return pl_open("open64", path, flags, mode);
}

int close(int fd) {
  REAL(int, close, (int));
  if (fd >= 0 && fd < PL_MAX_FDS) pl_fds[fd].tracked = 0;
  return real_close(fd);
}

static int pl_tracked(int fd) { return fd >= 0 && fd < PL_MAX_FDS && pl_fds[fd].tracked; }

ssize_t write(int fd, const void* buf, size_t n) {
  REAL(ssize_t, write, (int, const void*, size_t));
  if (!pl_tracked(fd)) return real_write(fd, buf, n);
  const off_t at = lseek(fd, 0, SEEK_CUR);
  const ssize_t w = real_write(fd, buf, n);
  if (w > 0) pl_record('W', pl_fds[fd].ino, (uint64_t)at, NULL, NULL, buf, (uint32_t)w);
  return w;
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
  REAL(ssize_t, pwrite64, (int, const void*, size_t, off64_t));
  const ssize_t w = real_pwrite64(fd, buf, n, off);
  if (w > 0 && pl_tracked(fd)) pl_record('W', pl_fds[fd].ino, (uint64_t)off, NULL, NULL, buf, (uint32_t)w);
  return w;
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) { return pwrite64(fd, buf, n, off); }

int ftruncate64(int fd, off64_t size) {
  REAL(int, ftruncate64, (int, off64_t));
  const int rc = real_ftruncate64(fd, size);
  if (rc == 0 && pl_tracked(fd)) pl_record('T', pl_fds[fd].ino, (uint64_t)size, NULL, NULL, NULL, 0);
  return rc;
}

int ftruncate(int fd, off_t size) { return ftruncate64(fd, size); }

static int pl_sync(int fd, int rc) {
  if (rc != 0 || !pl_tracked(fd)) return rc;
  if (pl_fds[fd].dir) pl_record('D', pl_fds[fd].ino, 0, pl_fds[fd].path, NULL, NULL, 0);
  else if (!(pl_skip_photo_fsync && strstr(pl_fds[fd].path, "/photos/")))
    pl_record('F', pl_fds[fd].ino, 0, NULL, NULL, NULL, 0);
  return rc;
}

int fsync(int fd) {
  REAL(int, fsync, (int));
  return pl_sync(fd, real_fsync(fd));
}

int fdatasync(int fd) {
  REAL(int, fdatasync, (int));
  return pl_sync(fd, real_fdatasync(fd));
}

int rename(const char* from, const char* to) {
  REAL(int, rename, (const char*, const char*));
  struct stat st;
  const int have = lstat(from, &st) == 0;
  const int rc = real_rename(from, to);
  if (rc == 0 && have && pl_under_root(from))
    pl_record('R', (uint64_t)st.st_ino, 0, from, to, NULL, 0);
  return rc;
}

int unlink(const char* path) {
  REAL(int, unlink, (const char*));
  const int rc = real_unlink(path);
  if (rc == 0 && pl_under_root(path)) pl_record('U', 0, 0, path, NULL, NULL, 0);
  return rc;
}

int mkdir(const char* path, mode_t mode) {
  REAL(int, mkdir, (const char*, mode_t));
  const int rc = real_mkdir(path, mode);
  struct stat st;
  if (rc == 0 && pl_under_root(path) && stat(path, &st) == 0)
    pl_record('M', (uint64_t)st.st_ino, 0, path, NULL, NULL, 0);
  return rc;
}
