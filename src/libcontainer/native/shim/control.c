/* The control socket: one JSON request per line, one JSON reply per line.
 * "attach" and "exec" turn the connection into a byte stream (io.c, exec.c). */
#include "shim.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define REQUEST_MAX (1 << 20)

static struct json_object *get(struct json_object *o, const char *k) {
  struct json_object *v = NULL;
  return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

void control_accept(void) {
  int fd = accept4(S.listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (S.clients[i].mode != CL_FREE) continue;
    /* Replies and streams are written blocking, but a client that stops reading
       for this long is dropped rather than stalling the container's output. */
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    S.clients[i] = (struct client){.fd = fd, .mode = CL_LINE, .exec = -1};
    return;
  }
  close(fd); /* full: the client sees EOF */
}

void client_close(int ci) {
  struct client *c = &S.clients[ci];
  if (c->mode == CL_EXEC && c->exec >= 0 && S.execs[c->exec].client == ci) S.execs[c->exec].client = -1;
  close(c->fd);
  free(c->buf);
  *c = (struct client){.mode = CL_FREE, .fd = -1, .exec = -1};
}

int client_reply(int ci, const char *line) {
  struct client *c = &S.clients[ci];
  if (write_all(c->fd, line, strlen(line)) < 0 || write_all(c->fd, "\n", 1) < 0) {
    client_close(ci);
    return -1;
  }
  return 0;
}

static int reply_obj(int ci, struct json_object *o) {
  int r = client_reply(ci, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(o);
  return r;
}

static int reply_error(int ci, const char *msg) {
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "error", json_object_new_string(msg));
  return reply_obj(ci, o);
}

char *state_json(void) {
  char buf[512];
  bool running = !S.init_exited;
  char sig[16] = "null", code[16] = "null", fin[64] = "null";
  if (S.finished) {
    snprintf(code, sizeof code, "%d", S.exit_code);
    if (S.exit_signal) snprintf(sig, sizeof sig, "%d", S.exit_signal);
    snprintf(fin, sizeof fin, "\"%s\"", S.finished_at);
  }
  /* Between the init's death and the end of its output the state is "stopping":
     the exit is not recorded yet and waiters are not answered yet. */
  snprintf(buf, sizeof buf,
           "{\"id\":\"%s\",\"pid\":%d,\"status\":\"%s\",\"exitCode\":%s,\"signal\":%s,\"startedAt\":\"%s\",\"finishedAt\":%s,\"tty\":%s}",
           S.id, S.init_pid, !S.started && running ? "created" : running ? "running" : S.finished ? "exited" : "stopping", code, sig,
           S.started_at, fin, S.tty ? "true" : "false");
  return xstrdup(buf);
}

void answer_waits(void) {
  if (!S.finished) return;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (S.clients[i].mode != CL_WAIT) continue;
    char *st = state_json();
    S.clients[i].mode = CL_LINE;
    client_reply(i, st);
    free(st);
  }
}

static void op_kill(int ci, struct json_object *req) {
  int sig = get(req, "signal") ? json_object_get_int(get(req, "signal")) : SIGKILL;
  if (S.init_exited) {
    reply_error(ci, "container is not running");
  } else if (kill(S.init_pid, sig) < 0) {
    char err[ERRMSG_MAX];
    fail(err, errno, "kill %d with signal %d", S.init_pid, sig);
    reply_error(ci, err);
  } else {
    client_reply(ci, "{\"ok\":true}");
  }
}

static void op_resize(int ci, struct json_object *req) {
  unsigned short w = (unsigned short)json_object_get_int(get(req, "width"));
  unsigned short h = (unsigned short)json_object_get_int(get(req, "height"));
  const char *exec = json_object_get_string(get(req, "exec"));
  int r;
  if (exec) {
    r = exec_resize(exec, w, h);
  } else {
    struct winsize ws = {.ws_row = h, .ws_col = w};
    r = S.tty && S.out_rd >= 0 ? ioctl(S.out_rd, TIOCSWINSZ, &ws) : -1;
  }
  if (r < 0) reply_error(ci, exec ? "exec has no terminal" : "container has no terminal");
  else client_reply(ci, "{\"ok\":true}");
}

static void op_attach(int ci, struct json_object *req) {
  struct client *c = &S.clients[ci];
  if (S.init_exited) {
    reply_error(ci, "You cannot attach to a stopped container, start it first");
    return;
  }
  c->want_in = json_object_get_boolean(get(req, "stdin"));
  c->want_out = json_object_get_boolean(get(req, "stdout"));
  c->want_err = json_object_get_boolean(get(req, "stderr"));
  if (client_reply(ci, "{\"ok\":true}") == 0) c->mode = CL_ATTACH;
}

static void dispatch(int ci, struct json_object *req) {
  const char *op = json_object_get_string(get(req, "op"));
  if (!op) op = "";
  if (!strcmp(op, "state")) {
    char *st = state_json();
    client_reply(ci, st);
    free(st);
  } else if (!strcmp(op, "wait")) {
    S.clients[ci].mode = CL_WAIT;
    answer_waits();
  } else if (!strcmp(op, "kill")) {
    op_kill(ci, req);
  } else if (!strcmp(op, "resize")) {
    op_resize(ci, req);
  } else if (!strcmp(op, "attach")) {
    op_attach(ci, req);
  } else if (!strcmp(op, "close-stdin")) {
    if (S.stdin_wr >= 0) close(S.stdin_wr), S.stdin_wr = -1;
    client_reply(ci, "{\"ok\":true}");
  } else if (!strcmp(op, "exec")) {
    exec_start(ci, req);
  } else if (!strcmp(op, "exec-state")) {
    char *st = exec_state_json(json_object_get_string(get(req, "id")));
    if (st) client_reply(ci, st), free(st);
    else reply_error(ci, "No such exec instance");
  } else if (!strcmp(op, "release")) {
    S.released = true;
    client_reply(ci, "{\"ok\":true}");
  } else {
    char err[128];
    snprintf(err, sizeof err, "unknown op \"%.64s\"", op);
    reply_error(ci, err);
  }
}

void control_readable(int ci) {
  struct client *c = &S.clients[ci];
  if (c->mode == CL_ATTACH || c->mode == CL_EXEC) {
    attach_readable(ci);
    return;
  }
  if (c->cap - c->len < 4096) {
    size_t cap = c->cap ? c->cap * 2 : 4096;
    if (cap > REQUEST_MAX) {
      reply_error(ci, "request too long");
      client_close(ci);
      return;
    }
    char *nb = realloc(c->buf, cap);
    if (!nb) return client_close(ci);
    c->buf = nb, c->cap = cap;
  }
  ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) {
    /* A waiter that closes its side gives up waiting; others are done. */
    client_close(ci);
    return;
  }
  c->len += (size_t)r;
  char *nl;
  /* Requests are handled one at a time; a request that changes the mode (attach,
     exec) ends line parsing for this connection. */
  while (S.clients[ci].mode == CL_LINE && c->buf && (nl = memchr(c->buf, '\n', c->len))) {
    *nl = 0;
    struct json_object *req = json_tokener_parse(c->buf);
    size_t used = (size_t)(nl - c->buf) + 1;
    memmove(c->buf, nl + 1, c->len - used);
    c->len -= used;
    if (!req || !json_object_is_type(req, json_type_object)) reply_error(ci, "invalid request: not a JSON object");
    else dispatch(ci, req);
    if (req) json_object_put(req);
  }
  /* Bytes sent right behind an attach/exec request are already stdin. */
  c = &S.clients[ci];
  if ((c->mode == CL_ATTACH || c->mode == CL_EXEC) && c->len) {
    forward_stdin(ci, c->buf, c->len);
    c->len = 0;
  }
}
