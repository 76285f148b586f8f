/*
 * berth-loadgen: HTTP/1.1 keep-alive load over a unix socket or TCP, for the API
 * throughput figures of `npm run bench` (bench/http-load.ts builds and runs it).
 *
 * Why C: the client shares this machine's two cores with the daemon it loads. The
 * Node generator spends about 20 us of CPU per request, as much as the daemons do,
 * and caps both figures near the same ceiling (docs/ARCHITECTURE.md, "The front
 * door"); this one spends about 3 us, so the figure is the server's.
 *
 *   berth-loadgen unix:/path/to.sock|tcp:HOST:PORT /request/target CONCURRENCY TOTAL
 *
 * CONCURRENCY connections each send the next GET as soon as the previous answer is
 * complete (Content-Length or chunked), until TOTAL requests are answered. Prints
 * one line, "requests seconds errors": an answer other than 200 is an error; a
 * connection that fails ends the run with what it had.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd;
  char *buf;
  size_t len, cap;
};

static char request[1024];
static size_t request_len;
static long started, done, errors, total;

static int open_target(const char *target) {
  int fd;
  if (strncmp(target, "unix:", 5) == 0) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, target + 5, sizeof a.sun_path - 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
  } else if (strncmp(target, "tcp:", 4) == 0) {
    char host[256];
    snprintf(host, sizeof host, "%s", target + 4);
    char *colon = strrchr(host, ':');
    if (!colon) return -1;
    *colon = 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) return -1;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* Length of the first complete answer in buf, or 0 when it is not all there yet. */
static size_t complete(const char *buf, size_t len) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t body = (size_t)(end - buf) + 4;
  for (const char *p = buf; p < end; p++) {
    if (p[0] != '\r' || p[1] != '\n') continue;
    if (strncasecmp(p + 2, "content-length:", 15) == 0) {
      size_t n = strtoul(p + 17, NULL, 10);
      return len >= body + n ? body + n : 0;
    }
    if (strncasecmp(p + 2, "transfer-encoding: chunked", 26) == 0) {
      size_t pos = body;
      for (;;) {
        const char *nl = memmem(buf + pos, len - pos, "\r\n", 2);
        if (!nl) return 0;
        size_t size = strtoul(buf + pos, NULL, 16);
        pos = (size_t)(nl - buf) + 2 + size + 2;
        if (pos > len) return 0;
        if (size == 0) return pos;
      }
    }
  }
  return body; /* no body: HEAD, 204, 304 */
}

static int send_next(struct conn *c) {
  if (started >= total) return 0;
  started++;
  size_t off = 0;
  while (off < request_len) {
    ssize_t w = write(c->fd, request + off, request_len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1; /* a request this small fits an empty socket buffer */
    off += (size_t)w;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s unix:PATH|tcp:HOST:PORT TARGET CONCURRENCY TOTAL\n", argv[0]);
    return 2;
  }
  int concurrency = atoi(argv[3]);
  total = atol(argv[4]);
  if (concurrency < 1 || total < 1) return 2;
  if (concurrency > total) concurrency = (int)total;
  request_len = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: bench\r\nUser-Agent: berth-loadgen\r\n\r\n", argv[2]);
  int ep = epoll_create1(0);
  struct conn *conns = calloc((size_t)concurrency, sizeof *conns);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int open_conns = 0;
  for (int i = 0; i < concurrency; i++) {
    struct conn *c = &conns[i];
    c->fd = open_target(argv[1]);
    if (c->fd < 0) {
      perror("connect");
      return 1;
    }
    c->cap = 65536;
    c->buf = malloc(c->cap);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    if (send_next(c) > 0) open_conns++;
  }
  struct epoll_event events[64];
  while (open_conns > 0) {
    int n = epoll_wait(ep, events, 64, 30000);
    if (n == 0) {
      fprintf(stderr, "no answer in 30 s\n");
      break;
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c->fd < 0) continue;
      for (;;) {
        if (c->len == c->cap) c->buf = realloc(c->buf, c->cap *= 2);
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (r > 0) {
          c->len += (size_t)r;
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        close(c->fd); /* closed or failed mid-run: what it answered still counts */
        c->fd = -1;
        open_conns--;
        break;
      }
      size_t used;
      while (c->fd >= 0 && (used = complete(c->buf, c->len)) > 0) {
        if (c->len < 12 || strncmp(c->buf + 9, "200", 3) != 0) errors++;
        done++;
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        int s = send_next(c);
        if (s <= 0) {
          close(c->fd);
          c->fd = -1;
          open_conns--;
        }
      }
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%ld %.6f %ld\n", done, seconds, errors + (total - done));
  return 0;
}
