/* berth-shim start: validate the bundle, detach from the daemon, clone the init,
 * run the SYNC handshake on the daemon's fd, then serve the container until it
 * exits and its exit status is on disk. See README.md for the protocol. */
#include "shim.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shim S;

int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct options {
  const char *bundle, *id, *log, *exit_file;
  bool stdin_open, stdin_once;
  int sync_fd, grace, log_max_files;
  long long log_max_size;
};

static void usage(void) {
  fprintf(stderr, "usage: berth-shim start --bundle DIR --id ID --log FILE [--stdin] [--stdin-once]\n"
                  "                        [--sync-fd N] [--exit-file FILE] [--grace SECONDS]\n"
                  "                        [--log-max-size BYTES] [--log-max-files N]\n");
  exit(2);
}

static void parse_args(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof *o);
  o->sync_fd = 3;
  o->grace = 60;
  if (argc < 2 || strcmp(argv[1], "start")) usage();
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--stdin")) o->stdin_open = true;
    else if (!strcmp(a, "--stdin-once")) o->stdin_once = true;
    else if (!v) usage();
    else if (!strcmp(a, "--bundle")) o->bundle = v, i++;
    else if (!strcmp(a, "--id")) o->id = v, i++;
    else if (!strcmp(a, "--log")) o->log = v, i++;
    else if (!strcmp(a, "--exit-file")) o->exit_file = v, i++;
    else if (!strcmp(a, "--sync-fd")) o->sync_fd = atoi(v), i++;
    else if (!strcmp(a, "--grace")) o->grace = atoi(v), i++;
    else if (!strcmp(a, "--log-max-size")) o->log_max_size = atoll(v), i++;
    else if (!strcmp(a, "--log-max-files")) o->log_max_files = atoi(v), i++;
    else usage();
  }
  if (!o->bundle || !o->id || !o->log) usage();
  /* The id is echoed into JSON replies as is. */
  if (o->id[strspn(o->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")]) usage();
}

/* A start failure: one JSON line for the daemon (and stderr, for people). */
static void sync_error(int sync_fd, const char *msg, int code) {
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "error", json_object_new_string(msg));
  json_object_object_add(o, "exitCode", json_object_new_int(code));
  const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  if (sync_fd >= 0) {
    write_all(sync_fd, s, strlen(s));
    write_all(sync_fd, "\n", 1);
  }
  fprintf(stderr, "berth-shim: %s\n", msg);
  json_object_put(o);
}

static int listen_control(char *err) {
  snprintf(S.sock_path, sizeof S.sock_path, "%s/shim.sock", S.bundle);
  if (strlen(S.bundle) + 10 >= sizeof S.sock_path) return fail(err, 0, "bundle path too long for a unix socket");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", S.sock_path);
  unlink(S.sock_path);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0)
    return fail(err, errno, "listen on %s", S.sock_path);
  chmod(S.sock_path, 0600);
  S.listen_fd = fd;
  return 0;
}

/* Detach for good: the daemon may die, be restarted or upgraded; we stay. */
static void detach_from_daemon(int sync_fd) {
  pid_t pid = fork();
  if (pid < 0) exit(1);
  if (pid > 0) _exit(0); /* the daemon's child ends now; the handshake continues on sync_fd */
  setsid();
  if (chdir("/") < 0) _exit(1);
  int null = open("/dev/null", O_RDWR);
  for (int i = 0; i < 3; i++)
    if (i != sync_fd) dup2(null, i);
  if (null > 2) close(null);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* orphans of the container come to us */
}

static int serve_once(int extra);

static int start_container(struct spec *sp, const struct options *o, int sync_fd, char *err, int *code) {
  int go[2], errp[2], out[2] = {-1, -1}, errs[2] = {-1, -1}, in[2] = {-1, -1}, con[2] = {-1, -1};
  *code = 128;
  if (pipe2(go, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) return fail(err, errno, "pipe");
  if (sp->process.terminal) {
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, con)) return fail(err, errno, "socketpair");
  } else {
    if (pipe2(out, O_CLOEXEC) || pipe2(errs, O_CLOEXEC)) return fail(err, errno, "pipe");
    if (o->stdin_open ? pipe2(in, O_CLOEXEC) : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
      return fail(err, errno, "stdin");
  }
  if (sp->ns_path[NS_PID]) { /* joining a pid ns affects our children only */
    int fd = open(sp->ns_path[NS_PID], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) return fail(err, errno, "join namespace %s", sp->ns_path[NS_PID]);
    close(fd);
  }
  unsigned long flags = SIGCHLD;
  /* A new cgroup namespace is made by the init after "go", once the daemon has put it
     into its cgroups: its root must be the container's cgroup, not the shim's. */
  for (int k = 0; k < NS_COUNT; k++)
    if (sp->ns_new[k] && k != NS_CGROUP) flags |= (unsigned long)ns_clone_flags[k];
  pid_t pid = (pid_t)syscall(SYS_clone, flags, 0, 0, 0, 0);
  if (pid < 0) return fail(err, errno, "clone");
  if (pid == 0) {
    close(go[1]), close(errp[0]), close(sync_fd), close(S.listen_fd);
    struct init_fds f = {.go_rd = go[0], .err_wr = errp[1], .console_wr = con[1],
                         .stdin_fd = in[0], .stdout_fd = out[1], .stderr_fd = errs[1]};
    init_main(sp, &f);
  }
  S.init_pid = pid;
  close(go[0]), close(errp[1]);
  if (con[1] >= 0) close(con[1]);
  if (out[1] >= 0) close(out[1]), close(errs[1]);
  if (in[0] >= 0) close(in[0]);
  S.stdin_wr = in[1], S.out_rd = out[0], S.err_rd = errs[0];

  /* SYNC: {"pid"} out, "go" in. Anything but "go" (EOF: the daemon died) aborts. */
  char line[64];
  int n = snprintf(line, sizeof line, "{\"pid\":%d}\n", pid);
  if (sync_fd >= 0) {
    write_all(sync_fd, line, (size_t)n);
    /* Serve the control socket meanwhile: the daemon attaches before "go" so that
       it sees the container's first byte of output. */
    int r;
    while ((r = serve_once(sync_fd)) == 0) {}
    if (r < 0 || S.init_exited || read_line(sync_fd, line, sizeof line) < 0 || strcmp(line, "go")) {
      kill(pid, SIGKILL);
      return fail(err, 0, "start aborted by the daemon");
    }
  }
  if (write_all(go[1], "g", 1) < 0) return fail(err, errno, "release the init");
  close(go[1]);
  char msg[ERRMSG_MAX + 16];
  ssize_t r, len = 0;
  while ((r = read(errp[0], msg + len, sizeof msg - 1 - (size_t)len)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0) len += r;
  close(errp[0]);
  if (len == 0 && S.init_exited) return fail(err, 0, "container init exited before start");
  if (len > 0) { /* "<code> <message>" from the init */
    msg[len] = 0;
    char *sp2 = strchr(msg, ' ');
    *code = atoi(msg);
    waitpid(pid, NULL, 0);
    return fail(err, 0, "%s", sp2 ? sp2 + 1 : msg);
  }
  if (sp->process.terminal) {
    char b[8];
    while (recv_fd(con[0], b, sizeof b, &S.out_rd) < 0 && errno == EINTR) {}
    close(con[0]);
    if (S.out_rd < 0) return fail(err, errno, "receive the pty master");
    S.tty = true;
    /* With a terminal, stdin is the master too; a dup so closing stdin keeps output. */
    if (o->stdin_open && (S.stdin_wr = fcntl(S.out_rd, F_DUPFD_CLOEXEC, 3)) < 0) return fail(err, errno, "dup");
  }
  return 0;
}

static void write_exit_file(void) {
  char path[4096], buf[256];
  if (S.exit_file) snprintf(path, sizeof path, "%s", S.exit_file);
  else snprintf(path, sizeof path, "%s/exit.json", S.bundle);
  char sig[16] = "null";
  if (S.exit_signal) snprintf(sig, sizeof sig, "%d", S.exit_signal);
  int n = snprintf(buf, sizeof buf, "{\"exitCode\":%d,\"signal\":%s,\"finishedAt\":\"%s\",\"oomKilled\":false}\n",
                   S.exit_code, sig, S.finished_at);
  write_file_atomic(path, buf, (size_t)n);
}

/* The init is gone and its output drained (or the drain timed out): record the exit. */
static void finish(void) {
  if (S.out_rd >= 0) close(S.out_rd), S.out_rd = -1;
  if (S.err_rd >= 0) close(S.err_rd), S.err_rd = -1;
  if (S.stdin_wr >= 0) close(S.stdin_wr), S.stdin_wr = -1;
  log_flush(&S.lout);
  log_flush(&S.lerr);
  log_close();
  format_time(S.finished_at, sizeof S.finished_at, &S.exited_at);
  write_exit_file();
  S.finished = true;
  for (int i = 0; i < MAX_CLIENTS; i++)
    if (S.clients[i].mode == CL_ATTACH) client_close(i);
  answer_waits();
  S.release_deadline_ms = now_ms() + (int64_t)S.grace_seconds * 1000;
}

static void reap(void) {
  struct signalfd_siginfo si;
  while (read(S.sig_fd, &si, sizeof si) == sizeof si) {}
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == S.init_pid && !S.init_exited) {
      S.init_exited = true;
      clock_gettime(CLOCK_REALTIME, &S.exited_at);
      S.exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      S.exit_code = WIFSIGNALED(status) ? 128 + S.exit_signal : WEXITSTATUS(status);
      /* The pid namespace is torn down with its init, so the pipes close soon. */
      S.drain_deadline_ms = now_ms() + 2000;
    } else {
      exec_reaped(pid, status);
    }
  }
}

/* One poll round over everything the shim serves. `extra` (the sync fd while the
   daemon has not said "go" yet) is polled too; returns 1 when it is readable. */
static int serve_once(int extra) {
  struct pollfd pf[MAX_CLIENTS + 2 * MAX_EXECS + 8];
  int owner[MAX_CLIENTS + 2 * MAX_EXECS + 8]; /* -1 listen, -2 sig, -3 out, -4 err, -5 extra, ci, 1000+e*2+s */
  int n = 0;
  pf[n] = (struct pollfd){.fd = S.listen_fd, .events = POLLIN}, owner[n++] = -1;
  pf[n] = (struct pollfd){.fd = S.sig_fd, .events = POLLIN}, owner[n++] = -2;
  if (S.out_rd >= 0) pf[n] = (struct pollfd){.fd = S.out_rd, .events = POLLIN}, owner[n++] = -3;
  if (S.err_rd >= 0) pf[n] = (struct pollfd){.fd = S.err_rd, .events = POLLIN}, owner[n++] = -4;
  if (extra >= 0) pf[n] = (struct pollfd){.fd = extra, .events = POLLIN}, owner[n++] = -5;
  for (int e = 0; e < MAX_EXECS; e++) {
    if (!S.execs[e].used) continue;
    if (S.execs[e].out_rd >= 0) pf[n] = (struct pollfd){.fd = S.execs[e].out_rd, .events = POLLIN}, owner[n++] = 1000 + e * 2;
    if (S.execs[e].err_rd >= 0) pf[n] = (struct pollfd){.fd = S.execs[e].err_rd, .events = POLLIN}, owner[n++] = 1001 + e * 2;
  }
  int stdin_ok = S.stdin_wr >= 0 && stdin_writable(S.stdin_wr);
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &S.clients[i];
    if (c->mode == CL_FREE || c->read_closed) continue;
    /* Stdin backpressure: read from a client only when its target pipe has room. */
    if (c->mode == CL_ATTACH && c->want_in && S.stdin_wr >= 0 && !stdin_ok) continue;
    if (c->mode == CL_EXEC && S.execs[c->exec].in_wr >= 0 && !stdin_writable(S.execs[c->exec].in_wr)) continue;
    pf[n] = (struct pollfd){.fd = c->fd, .events = POLLIN}, owner[n++] = i;
  }
  int timeout = -1;
  if (S.init_exited && !S.finished) timeout = (int)(S.drain_deadline_ms - now_ms());
  if (S.finished) timeout = (int)(S.release_deadline_ms - now_ms());
  if (timeout < -1) timeout = 0;
  if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR) return -1;
  int extra_ready = 0;
  for (int i = 0; i < n; i++) {
    if (!pf[i].revents) continue;
    int w = owner[i];
    if (w == -1) control_accept();
    else if (w == -2) reap();
    else if (w == -3) container_output(1);
    else if (w == -4) container_output(2);
    else if (w == -5) extra_ready = 1;
    else if (w >= 1000) exec_output((w - 1000) / 2, (w - 1000) % 2 + 1);
    else if (S.clients[w].mode != CL_FREE) control_readable(w);
  }
  return extra_ready;
}

static void loop(void) {
  for (;;) {
    if (S.init_exited && !S.finished && ((S.out_rd < 0 && S.err_rd < 0) || now_ms() >= S.drain_deadline_ms))
      finish();
    if (S.finished && (S.released || now_ms() >= S.release_deadline_ms)) return;
    if (serve_once(-1) < 0) return;
  }
}

int main(int argc, char **argv) {
  struct options o;
  parse_args(argc, argv, &o);
  int sync_fd = o.sync_fd >= 0 && fcntl(o.sync_fd, F_GETFD) >= 0 ? o.sync_fd : -1;
  if (sync_fd >= 0) set_cloexec(sync_fd);
  char err[ERRMSG_MAX], path[4096];
  int code = 128;
  struct spec sp;
  snprintf(path, sizeof path, "%s/config.json", o.bundle);
  if (spec_load(path, &sp, err)) {
    sync_error(sync_fd, err, code);
    return 1;
  }
  detach_from_daemon(sync_fd);
  S.bundle = o.bundle, S.id = o.id, S.exit_file = o.exit_file, S.stdin_once = o.stdin_once;
  S.grace_seconds = o.grace;
  S.lout.name = "stdout", S.lerr.name = "stderr";
  S.stdin_wr = S.out_rd = S.err_rd = -1;
  for (int i = 0; i < MAX_EXECS; i++) S.execs[i].client = -1;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  S.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  snprintf(S.pid_path, sizeof S.pid_path, "%s/shim.pid", S.bundle);
  char pidbuf[32];
  int pl = snprintf(pidbuf, sizeof pidbuf, "%d\n", getpid());
  /* The container's seccomp filter is compiled once, before the init is cloned: the
     init inherits it and only loads it, and so does every exec later (libseccomp's
     compile of Docker's profile costs 15-20 ms; it used to run in the init between
     `go` and `started`, then again here for the execs while the exit of a short
     container waited behind it). The daemon names a file per profile where the
     first shim leaves the compiled program and later ones read it. A failure here
     only means the init compiles it itself and reports what is wrong. */
  char scerr[512];
  if (precompile_seccomp(sp.seccomp, sp.seccomp_cache, scerr)) scerr[0] = 0;
  if (log_open(o.log, o.log_max_size, o.log_max_files) < 0) fail(err, errno, "open log %s", o.log);
  else if (listen_control(err) == 0 && write_file_atomic(S.pid_path, pidbuf, (size_t)pl) == 0 &&
           start_container(&sp, &o, sync_fd, err, &code) == 0) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    format_time(S.started_at, sizeof S.started_at, &now);
    S.started = true;
    if (sync_fd >= 0) write_all(sync_fd, "{\"started\":true}\n", 17), close(sync_fd);
    spec_free(&sp); /* the shim lives as long as the container: keep nothing it won't use */
    /* One shim lives as long as its container: hand back what starting it needed. */
    malloc_trim(0);
    loop();
    unlink(S.sock_path);
    unlink(S.pid_path);
    return 0;
  }
  sync_error(sync_fd, err, code);
  if (S.sock_path[0]) unlink(S.sock_path);
  unlink(S.pid_path);
  return 1;
}
