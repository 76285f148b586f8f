/* Container and exec streams: output goes to the json-file log (container only)
 * and to every attached client, framed like Docker's stdcopy when there is no
 * tty; bytes from attached clients go to stdin. */
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHUNK 8192

int stdin_writable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLOUT};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLOUT | POLLERR));
}

static int send_frame(int fd, bool raw, int stream, const char *data, size_t n) {
  /* stdcopy: stream id, three zero bytes, big-endian length, payload. */
  unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24),
                          (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  struct iovec iov[2] = {{.iov_base = hdr, .iov_len = 8}, {.iov_base = (void *)data, .iov_len = n}};
  int first = raw ? 1 : 0;
  size_t total = n + (raw ? 0 : 8);
  while (total > 0) {
    struct msghdr m = {.msg_iov = iov + first, .msg_iovlen = (size_t)(2 - first)};
    ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    total -= (size_t)w;
    while (w > 0) { /* advance through the iovecs */
      size_t take = (size_t)w < iov[first].iov_len ? (size_t)w : iov[first].iov_len;
      iov[first].iov_base = (char *)iov[first].iov_base + take;
      iov[first].iov_len -= take;
      w -= (ssize_t)take;
      if (iov[first].iov_len == 0 && first < 1) first++;
    }
  }
  return 0;
}

void broadcast(int exec, int stream, const char *data, size_t n) {
  if (exec >= 0) {
    int ci = S.execs[exec].client;
    if (ci >= 0 && send_frame(S.clients[ci].fd, S.execs[exec].tty, stream, data, n) < 0) client_close(ci);
    return;
  }
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &S.clients[i];
    if (c->mode != CL_ATTACH || !(stream == 1 ? c->want_out : c->want_err)) continue;
    if (send_frame(c->fd, S.tty, stream, data, n) < 0) client_close(i);
  }
}

void container_output(int stream) {
  int *fd = stream == 1 ? &S.out_rd : &S.err_rd;
  struct log_stream *ls = stream == 1 ? &S.lout : &S.lerr;
  char buf[CHUNK];
  ssize_t r = read(*fd, buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0) { /* EOF, or EIO: the last holder of the pty slave is gone */
    close(*fd);
    *fd = -1;
    log_flush(ls);
    return;
  }
  log_data(ls, buf, (size_t)r);
  broadcast(-1, stream, buf, (size_t)r);
}

void forward_stdin(int ci, const char *data, size_t n) {
  struct client *c = &S.clients[ci];
  int fd = -1;
  if (c->mode == CL_ATTACH && c->want_in) fd = S.stdin_wr;
  else if (c->mode == CL_EXEC && c->exec >= 0) fd = S.execs[c->exec].in_wr;
  if (fd < 0) return;
  /* Non-blocking, with a bounded wait: a container that never reads its stdin (or a
     full tty input queue) must not freeze the shim. After 2 s without room the rest
     of this chunk is dropped; a closed reader (EPIPE) drops everything. */
  set_nonblock(fd, true);
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w > 0) {
      data += w, n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if (w < 0 && errno == EAGAIN && poll(&p, 1, 2000) == 1) continue;
    break;
  }
}

void attach_readable(int ci) {
  struct client *c = &S.clients[ci];
  char buf[4096]; /* one pipe page: fits when poll said writable */
  ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r < 0) {
    client_close(ci);
    return;
  }
  if (r == 0) {
    /* The client closed its stdin (it may still read output). docker run -i
       (StdinOnce) ends the container's stdin with it; an exec's stdin always ends. */
    c->read_closed = true;
    if (c->mode == CL_ATTACH && c->want_in && S.stdin_once && S.stdin_wr >= 0) close(S.stdin_wr), S.stdin_wr = -1;
    if (c->mode == CL_EXEC && c->exec >= 0) {
      struct exec_sess *e = &S.execs[c->exec];
      if (e->in_wr >= 0 && !e->tty) close(e->in_wr), e->in_wr = -1;
    }
    return;
  }
  forward_stdin(ci, buf, (size_t)r);
}
