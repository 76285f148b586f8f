/* docker exec: a helper process joins the init's cgroups and namespaces and forks
 * the exec'd process (a pid namespace is entered by one's children only); the
 * helper exits at once, so the process is re-parented to the shim (subreaper),
 * which reaps it and keeps its exit code by exec id. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct json_object *get(struct json_object *o, const char *k) {
  struct json_object *v = NULL;
  return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static int find_exec(const char *id) {
  for (int i = 0; id && i < MAX_EXECS; i++)
    if (S.execs[i].used && !strcmp(S.execs[i].id, id)) return i;
  return -1;
}

/* A free slot, else the oldest finished exec's. */
static int alloc_exec(void) {
  int best = -1;
  for (int i = 0; i < MAX_EXECS; i++) {
    if (!S.execs[i].used) return i;
    if (!S.execs[i].running && S.execs[i].client < 0 && S.execs[i].out_rd < 0 && S.execs[i].err_rd < 0 &&
        (best < 0 || S.execs[i].seq < S.execs[best].seq))
      best = i;
  }
  return best;
}

/* Best effort: the same cgroups as the init, so limits and accounting cover execs. */
static void join_cgroups(pid_t init) {
  char path[64], line[1024];
  snprintf(path, sizeof path, "/proc/%d/cgroup", init);
  FILE *f = fopen(path, "re");
  if (!f) return;
  char self[16];
  int sl = snprintf(self, sizeof self, "%d", getpid());
  while (fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = 0;
    char *ctrl = c1 + 1, *cg = c2 + 1;
    cg[strcspn(cg, "\n")] = 0;
    char dir[1200];
    if (*ctrl == 0) /* v2: the unified hierarchy, alone or beside v1 */
      snprintf(dir, sizeof dir, access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0 ? "/sys/fs/cgroup%s" : "/sys/fs/cgroup/unified%s", cg);
    else
      snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s%s", strncmp(ctrl, "name=", 5) ? ctrl : ctrl + 5, cg);
    strncat(dir, "/cgroup.procs", sizeof dir - strlen(dir) - 1);
    int fd = open(dir, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) write_all(fd, self, (size_t)sl), close(fd);
  }
  fclose(f);
}

static int join_namespaces(pid_t init, char *err) {
  /* mnt last: after it, /proc/<init> may no longer be the host's view. */
  static const int order[] = {NS_CGROUP, NS_IPC, NS_UTS, NS_NET, NS_PID, NS_MNT};
  int fds[6];
  for (int i = 0; i < 6; i++) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/%s", init, ns_names[order[i]]);
    fds[i] = open(p, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) return fail(err, errno, "open %s", p);
  }
  for (int i = 0; i < 6; i++) {
    if (setns(fds[i], ns_clone_flags[order[i]]) < 0) return fail(err, errno, "join %s namespace", ns_names[order[i]]);
    close(fds[i]);
  }
  return 0;
}

/* Runs in the helper; never returns. */
static void helper(struct process_spec *p, int sp, int pid_wr, int in, int out, int errfd) {
  char err[ERRMSG_MAX];
  int code = 126;
  /* The container's seccomp profile applies to execs too; read it while the bundle is visible. */
  char path[4096];
  snprintf(path, sizeof path, "%s/config.json", S.bundle);
  struct json_object *doc = NULL, *linux_ = NULL, *sc = NULL;
  if (!seccomp_precompiled()) {
    doc = json_object_from_file(path);
    if (doc && json_object_object_get_ex(doc, "linux", &linux_)) json_object_object_get_ex(linux_, "seccomp", &sc);
  }
  join_cgroups(S.init_pid);
  if (join_namespaces(S.init_pid, err)) {
    report_error(sp, code, err);
    _exit(code);
  }
  pid_t pid = fork();
  if (pid < 0) {
    report_error(sp, code, "fork");
    _exit(code);
  }
  if (pid > 0) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", pid);
    write_all(pid_wr, buf, (size_t)n);
    _exit(0);
  }
  close(pid_wr);
  if (setsid() < 0) {
    report_error(sp, code, "setsid");
    _exit(code);
  }
  if (p->terminal) {
    if (setup_console(sp, p, false, err)) goto failed;
  } else if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0) {
    fail(err, errno, "set up stdio");
    goto failed;
  }
  if (apply_rlimits(p, err) == 0) finish_and_exec(p, sc, err, &code);
  if (code == 128) code = 126; /* dockerd's code for an exec that could not start */
failed:
  report_error(sp, code, err);
  _exit(code);
}

static void reply_start_error(int ci, const char *msg, int code) {
  struct json_object *o = json_object_new_object();
  json_object_object_add(o, "error", json_object_new_string(msg));
  json_object_object_add(o, "exitCode", json_object_new_int(code));
  client_reply(ci, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(o);
}

void exec_start(int ci, struct json_object *req) {
  char err[ERRMSG_MAX];
  const char *id = json_object_get_string(get(req, "id"));
  bool detach = json_object_get_boolean(get(req, "detach"));
  bool want_in = json_object_get_boolean(get(req, "stdin"));
  if (S.init_exited || !S.started) return reply_start_error(ci, "container is not running", 126);
  if (!id || !*id || strlen(id) >= sizeof S.execs[0].id || id[strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")])
    return reply_start_error(ci, "exec: the id must be 1-79 characters of [A-Za-z0-9_.-]", 126);
  if (find_exec(id) >= 0) return reply_start_error(ci, "exec: id already used", 126);
  int e = alloc_exec();
  if (e < 0) return reply_start_error(ci, "exec: too many running execs", 126);
  struct process_spec p;
  if (spec_parse_process(get(req, "process"), &p, false, err)) return reply_start_error(ci, err, 126);
  int sp[2] = {-1, -1}, pidp[2] = {-1, -1}, in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  bool ok = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0 && pipe2(pidp, O_CLOEXEC) == 0;
  if (ok && !p.terminal && !detach) {
    ok = pipe2(out, O_CLOEXEC) == 0 && pipe2(er, O_CLOEXEC) == 0 && (!want_in || pipe2(in, O_CLOEXEC) == 0);
  }
  pid_t h = ok ? fork() : -1;
  if (h == 0) {
    close(sp[0]), close(pidp[0]);
    helper(&p, sp[1], pidp[1], in[0] >= 0 ? in[0] : null, out[1] >= 0 ? out[1] : null, er[1] >= 0 ? er[1] : null);
  }
  int fds[] = {sp[1], pidp[1], in[0], out[1], er[1], null};
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (fds[i] >= 0) close(fds[i]);
  char buf[ERRMSG_MAX + 16];
  ssize_t n = h > 0 ? read(pidp[0], buf, 31) : -1;
  pid_t pid = n > 0 ? (buf[n] = 0, atoi(buf)) : -1;
  int master = -1, code = 126;
  buf[0] = 0;
  /* Then the process itself: the pty master (tty), an error, or EOF = execve done. */
  for (;;) {
    int fd = -1;
    n = sp[0] >= 0 ? recv_fd(sp[0], buf, sizeof buf - 1, &fd) : -1;
    if (n < 0 && errno == EINTR) continue;
    if (fd >= 0) {
      master = fd;
      continue;
    }
    buf[n > 0 ? n : 0] = 0;
    break;
  }
  if (sp[0] >= 0) close(sp[0]);
  if (pidp[0] >= 0) close(pidp[0]);
  struct exec_sess *x = &S.execs[e];
  *x = (struct exec_sess){.used = true, .tty = p.terminal, .pid = pid, .client = -1, .seq = ++S.exec_seq,
                          .in_wr = in[1], .out_rd = out[0], .err_rd = er[0], .exit_code = -1};
  snprintf(x->id, sizeof x->id, "%s", id);
  if (pid <= 0 || buf[0]) {
    char *msg = strchr(buf, ' ');
    code = buf[0] ? atoi(buf) : 126;
    if (pid > 0) waitpid(pid, NULL, 0); /* ours after the helper exited; reaped here */
    x->exit_code = code;
    int fds2[] = {in[1], out[0], er[0], master};
    for (size_t i = 0; i < 4; i++)
      if (fds2[i] >= 0) close(fds2[i]);
    x->in_wr = x->out_rd = x->err_rd = -1;
    reply_start_error(ci, msg ? msg + 1 : ok ? "exec: the helper failed" : "exec: cannot create pipes", code);
    return;
  }
  x->running = true;
  if (master >= 0) x->out_rd = x->in_wr = master; /* one fd both ways */
  if (master >= 0 && detach) close(master), x->out_rd = x->in_wr = -1;
  snprintf(buf, sizeof buf, "{\"pid\":%d}", pid);
  if (client_reply(ci, buf) < 0 || detach) return;
  S.clients[ci].mode = CL_EXEC;
  S.clients[ci].exec = e;
  x->client = ci;
}

static void exec_maybe_done(int e) {
  struct exec_sess *x = &S.execs[e];
  if (x->running || x->out_rd >= 0 || x->err_rd >= 0) return;
  if (x->in_wr >= 0) close(x->in_wr), x->in_wr = -1;
  /* The stream ends when the process is gone and its output drained: the client
     asks exec-state for the exit code. */
  if (x->client >= 0) client_close(x->client);
}

void exec_output(int e, int stream) {
  struct exec_sess *x = &S.execs[e];
  int *fd = stream == 1 ? &x->out_rd : &x->err_rd;
  char buf[8192];
  ssize_t r = read(*fd, buf, sizeof buf);
  if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (r <= 0) {
    if (x->tty) x->in_wr = -1; /* the same fd as out_rd */
    close(*fd);
    *fd = -1;
    exec_maybe_done(e);
    return;
  }
  broadcast(e, stream, buf, (size_t)r);
}

void exec_reaped(pid_t pid, int status) {
  for (int e = 0; e < MAX_EXECS; e++) {
    struct exec_sess *x = &S.execs[e];
    if (!x->used || !x->running || x->pid != pid) continue;
    x->running = false;
    x->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    x->exit_code = WIFSIGNALED(status) ? 128 + x->signal : WEXITSTATUS(status);
    exec_maybe_done(e);
    return;
  }
}

char *exec_state_json(const char *id) {
  int e = find_exec(id);
  if (e < 0) return NULL;
  struct exec_sess *x = &S.execs[e];
  char buf[256], code[16] = "null";
  if (!x->running) snprintf(code, sizeof code, "%d", x->exit_code);
  snprintf(buf, sizeof buf, "{\"id\":\"%s\",\"pid\":%d,\"running\":%s,\"exitCode\":%s}", x->id, x->pid,
           x->running ? "true" : "false", code);
  return xstrdup(buf);
}

int exec_resize(const char *id, unsigned short w, unsigned short h) {
  int e = find_exec(id);
  if (e < 0 || !S.execs[e].tty || S.execs[e].out_rd < 0) return -1;
  struct winsize ws = {.ws_row = h, .ws_col = w};
  return ioctl(S.execs[e].out_rd, TIOCSWINSZ, &ws);
}
