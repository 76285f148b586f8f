/* Small helpers: errors, full writes, atomic files, time, JSON strings, fd passing. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int fail(char *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err, ERRMSG_MAX, fmt, ap);
  va_end(ap);
  if (errnum && n >= 0 && n < ERRMSG_MAX) {
    /* Lower-case strerror text, as Go's syscall errors read ("permission denied"). */
    char e[128];
    snprintf(e, sizeof e, "%s", strerror(errnum));
    if (e[0] >= 'A' && e[0] <= 'Z') e[0] = (char)(e[0] - 'A' + 'a');
    snprintf(err + n, ERRMSG_MAX - (size_t)n, ": %s", e);
  }
  errno = errnum;
  return -1;
}

ssize_t write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, p + done, len - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    done += (size_t)w;
  }
  return (ssize_t)done;
}

ssize_t read_line(int fd, char *buf, size_t max) {
  size_t n = 0;
  while (n + 1 < max) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (c == '\n') {
      buf[n] = 0;
      return (ssize_t)n;
    }
    buf[n++] = c;
  }
  buf[n] = 0;
  return n ? (ssize_t)n : -1;
}

int write_file_atomic(const char *path, const char *data, size_t len) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
    close(fd);
    unlink(tmp);
    return -1;
  }
  close(fd);
  return rename(tmp, path);
}

/* Go's time.RFC3339Nano: fractional seconds without trailing zeros. */
void format_time(char *out, size_t max, const struct timespec *ts) {
  struct tm tm;
  gmtime_r(&ts->tv_sec, &tm);
  char frac[16] = "";
  if (ts->tv_nsec) {
    snprintf(frac, sizeof frac, ".%09ld", ts->tv_nsec);
    size_t l = strlen(frac);
    while (l > 1 && frac[l - 1] == '0') frac[--l] = 0;
  }
  snprintf(out, max, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t l;
  unsigned min;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) l = 2, min = 0x80;
  else if ((c & 0xF0) == 0xE0) l = 3, min = 0x800;
  else if ((c & 0xF8) == 0xF0) l = 4, min = 0x10000;
  else return 0;
  if (l > n) return 0;
  unsigned cp = c & (0xFF >> (l + 1));
  for (size_t i = 1; i < l; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return l;
}

/* Escape like Go's encoding/json (which dockerd's jsonlog uses): <, >, & and
   U+2028/2029 as \u escapes, invalid UTF-8 as U+FFFD. `cap` must leave room for
   6x expansion of the input; callers size their buffers for that. */
size_t json_escape(char *out, size_t cap, size_t len, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n && len + 7 < cap) {
    unsigned c = p[i];
    if (c >= 0x80) {
      size_t l = utf8_len(p + i, n - i);
      if (l == 0) {
        memcpy(out + len, "\\ufffd", 6), len += 6, i++;
      } else if (l == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
        memcpy(out + len, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6), len += 6, i += 3;
      } else {
        memcpy(out + len, p + i, l), len += l, i += l;
      }
      continue;
    }
    i++;
    switch (c) {
      case '"': out[len++] = '\\'; out[len++] = '"'; break;
      case '\\': out[len++] = '\\'; out[len++] = '\\'; break;
      case '\n': out[len++] = '\\'; out[len++] = 'n'; break;
      case '\r': out[len++] = '\\'; out[len++] = 'r'; break;
      case '\t': out[len++] = '\\'; out[len++] = 't'; break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
          memcpy(out + len, "\\u00", 4);
          out[len + 4] = hex[c >> 4];
          out[len + 5] = hex[c & 15];
          len += 6;
        } else {
          out[len++] = (char)c;
        }
    }
  }
  return len;
}

int send_fd(int sock, int fd) {
  char dummy = 'F';
  struct iovec iov = {.iov_base = &dummy, .iov_len = 1};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

ssize_t recv_fd(int sock, char *buf, size_t cap, int *fd) {
  struct iovec iov = {.iov_base = buf, .iov_len = cap};
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = sizeof u.buf};
  *fd = -1;
  ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (r < 0) return r;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
  return r;
}

void set_cloexec(int fd) {
  fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void set_nonblock(int fd, bool on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

char *xstrdup(const char *s) {
  char *d = strdup(s ? s : "");
  if (!d) abort();
  return d;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) abort();
  return p;
}
