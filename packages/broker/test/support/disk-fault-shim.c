/*
 * Disk-fault injection for tests: an LD_PRELOAD library that makes write-family calls and fsync/fdatasync fail on
 * files whose path contains a given string, on demand. The rules are read from the file named by
 * SAMSA_FAULT_CONTROL at every call (tests only: it costs a few syscalls), one per line:
 *
 *   <write|fsync> <EIO|ENOSPC> <path substring> [count]
 *
 * A rule fails the first `count` matching calls after the file last changed (0 or absent: every call). Calls on
 * sockets and pipes never match (their /proc/self/fd names hold no path). Nothing is written by a failed call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static char last_rules[4096];
static long fired[16];
static pthread_mutex_t rules_lock = PTHREAD_MUTEX_INITIALIZER;

/* 0: go ahead; else the errno to fail with. */
static int fault_for(int fd, const char *op) {
  const char *control = getenv("SAMSA_FAULT_CONTROL");
  if (!control) return 0;
  int cfd = (int)syscall(SYS_openat, AT_FDCWD, control, O_RDONLY | O_CLOEXEC);
  if (cfd < 0) return 0;
  char rules[4096];
  long n = syscall(SYS_read, cfd, rules, sizeof(rules) - 1);
  syscall(SYS_close, cfd);
  if (n <= 0) return 0;
  rules[n] = 0;
  pthread_mutex_lock(&rules_lock);
  if (strcmp(rules, last_rules) != 0) {
    memcpy(last_rules, rules, (size_t)n + 1);
    for (int i = 0; i < 16; i++) __atomic_store_n(&fired[i], 0, __ATOMIC_SEQ_CST);
  }
  pthread_mutex_unlock(&rules_lock);
  char link[64], path[4096];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  long plen = syscall(SYS_readlinkat, AT_FDCWD, link, path, sizeof(path) - 1);
  if (plen <= 0) return 0;
  path[plen] = 0;
  int rule = 0;
  char *save = NULL;
  for (char *line = strtok_r(rules, "\n", &save); line && rule < 16; line = strtok_r(NULL, "\n", &save), rule++) {
    char rop[16], rerr[16], sub[1024];
    long count = 0;
    if (sscanf(line, "%15s %15s %1023s %ld", rop, rerr, sub, &count) < 3) continue;
    if (strcmp(rop, op) != 0 || strstr(path, sub) == NULL) continue;
    if (count > 0 && __atomic_fetch_add(&fired[rule], 1, __ATOMIC_SEQ_CST) >= count) continue;
    return strcmp(rerr, "ENOSPC") == 0 ? ENOSPC : EIO;
  }
  return 0;
}

#define REAL(name)                                                                                                   \
  static __typeof__(&name) real_##name;                                                                              \
  if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)
#define FAIL_IF(fd, op) do { int e_ = fault_for(fd, op); if (e_) { errno = e_; return -1; } } while (0)

ssize_t write(int fd, const void *buf, size_t count) {
  REAL(write);
  FAIL_IF(fd, "write");
  return real_write(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
  REAL(pwrite);
  FAIL_IF(fd, "write");
  return real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
  REAL(pwrite64);
  FAIL_IF(fd, "write");
  return real_pwrite64(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
  REAL(writev);
  FAIL_IF(fd, "write");
  return real_writev(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
  REAL(pwritev);
  FAIL_IF(fd, "write");
  return real_pwritev(fd, iov, iovcnt, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
  REAL(pwritev64);
  FAIL_IF(fd, "write");
  return real_pwritev64(fd, iov, iovcnt, offset);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags) {
  REAL(pwritev2);
  FAIL_IF(fd, "write");
  return real_pwritev2(fd, iov, iovcnt, offset, flags);
}

int fsync(int fd) {
  REAL(fsync);
  FAIL_IF(fd, "fsync");
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  FAIL_IF(fd, "fsync");
  return real_fdatasync(fd);
}
