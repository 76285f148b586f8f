/* docker exec: the shim enters the init's pid namespace for its children (once: a
 * pid namespace is entered by one's children only, and the shim forks nothing else
 * once the container runs) and forks the exec'd process, which joins the init's
 * cgroups and other namespaces itself. It is the shim's own child: no helper
 * process to fork, wait for and reap, and the shim reaps the process and keeps
 * its exit code by exec id. */
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

/* A small /proc file into buf (NUL-terminated). */
static ssize_t read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  ssize_t r;
  while (len < cap - 1 && ((r = read(fd, buf + len, cap - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
    if (r > 0) len += (size_t)r;
  close(fd);
  buf[len] = 0;
  return (ssize_t)len;
}

/* The path of `ctrl` ("" for v2, else "cpu", "name=systemd", ...) in a
   /proc/<pid>/cgroup text; NULL when absent. */
static const char *cgroup_of(const char *text, const char *ctrl, char *out, size_t cap) {
  for (const char *line = text; *line;) {
    const char *end = line + strcspn(line, "\n");
    const char *c1 = memchr(line, ':', (size_t)(end - line));
    const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
    if (c2 && (size_t)(c2 - c1 - 1) == strlen(ctrl) && !strncmp(c1 + 1, ctrl, strlen(ctrl))) {
      snprintf(out, cap, "%.*s", (int)(end - c2 - 1), c2 + 1);
      return out;
    }
    line = *end ? end + 1 : end;
  }
  return NULL;
}

/* The files an exec writes itself into to share the init's cgroups, found once
   (the init's cgroups are set before it runs and stay), NUL-separated, "" at the
   end; "0" written to each is the writer, whatever pid namespace it lives in.
   Writing cgroup.procs takes the kernel's global threadgroup lock, whose RCU sync
   costs 1-30 ms on a busy host; the exec's process has one thread, so on v1 it
   moves through `tasks` (the writer alone, no global lock), the same move for it.
   A hierarchy where the init is in the shim's own cgroup (name=systemd, the
   unified one beside v1) is left out: the exec is born there, and even a move to
   where one is costs a migration. Best effort, as before: a file that cannot be
   opened is skipped. */
static const char *exec_cgroup_files(void) {
  if (S.exec_cgroups) return S.exec_cgroups;
  char path[64], theirs[8192], ours[8192];
  snprintf(path, sizeof path, "/proc/%d/cgroup", S.init_pid);
  if (read_small(path, theirs, sizeof theirs) < 0) return "";
  if (read_small("/proc/self/cgroup", ours, sizeof ours) < 0) ours[0] = 0;
  bool v2_only = access("/sys/fs/cgroup/cgroup.procs", F_OK) == 0;
  char files[sizeof theirs + 4096];
  size_t cap = sizeof files, len = 0;
  for (char *line = theirs, *next; *line; line = next) {
    next = line + strcspn(line, "\n");
    if (*next) *next++ = 0;
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = 0;
    const char *ctrl = c1 + 1, *cg = c2 + 1;
    char mine[4096], file[1200];
    const char *own = cgroup_of(ours, ctrl, mine, sizeof mine);
    if (own && !strcmp(own, cg)) continue;
    if (*ctrl == 0) { /* v2: the unified hierarchy, alone or beside v1 */
      snprintf(file, sizeof file, v2_only ? "/sys/fs/cgroup%s/cgroup.procs" : "/sys/fs/cgroup/unified%s/cgroup.procs", cg);
    } else {
      const char *h = strncmp(ctrl, "name=", 5) ? ctrl : ctrl + 5;
      snprintf(file, sizeof file, "/sys/fs/cgroup/%s%s/tasks", h, cg);
      if (access(file, W_OK) != 0) snprintf(file, sizeof file, "/sys/fs/cgroup/%s%s/cgroup.procs", h, cg);
    }
    size_t n = strlen(file) + 1;
    if (len + n + 1 > cap) break;
    memcpy(files + len, file, n);
    len += n;
  }
  files[len] = 0;
  S.exec_cgroups = malloc(len + 1);
  if (!S.exec_cgroups) return "";
  memcpy(S.exec_cgroups, files, len + 1);
  return S.exec_cgroups;
}

static void join_cgroups(const char *files) {
  for (const char *f = files; *f; f += strlen(f) + 1) {
    int fd = open(f, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) write_all(fd, "0", 1), close(fd);
  }
}

/* The shim's children are born in the init's pid namespace from now on. */
static int enter_pid_namespace(pid_t init, char *err) {
  if (S.exec_pidns) return 0;
  char p[64];
  snprintf(p, sizeof p, "/proc/%d/ns/pid", init);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(err, errno, "open %s", p);
  int r = setns(fd, CLONE_NEWPID);
  close(fd);
  if (r < 0) return fail(err, errno, "join pid namespace");
  S.exec_pidns = true;
  return 0;
}

/* The others, from the exec'd process itself (its pid namespace is its birth's). */
static int join_namespaces(pid_t init, char *err) {
  /* mnt last: after it, /proc/<init> may no longer be the host's view. */
  static const int order[] = {NS_CGROUP, NS_IPC, NS_UTS, NS_NET, NS_MNT};
  int fds[5];
  for (int i = 0; i < 5; i++) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/%s", init, ns_names[order[i]]);
    fds[i] = open(p, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) return fail(err, errno, "open %s", p);
  }
  for (int i = 0; i < 5; i++) {
    if (setns(fds[i], ns_clone_flags[order[i]]) < 0) return fail(err, errno, "join %s namespace", ns_names[order[i]]);
    close(fds[i]);
  }
  return 0;
}

struct exec_child_args {
  struct process_spec *p;
  const char *cgroups;
  struct json_object *seccomp; /* the profile, when the shim has no compiled filter */
  int sp, in, out, err;
};

/* Runs in the exec'd process before its execve; never returns. It is a vfork
   child (see exec_start): it shares the shim's memory until its execve, so it
   allocates nothing and writes only its own stack, and the shim waits meanwhile. */
static int exec_child(void *arg) {
  struct exec_child_args *a = arg;
  struct process_spec *p = a->p;
  char err[ERRMSG_MAX];
  int code = 126;
  join_cgroups(a->cgroups);
  if (join_namespaces(S.init_pid, err)) goto failed;
  if (setsid() < 0) {
    fail(err, errno, "setsid");
    goto failed;
  }
  if (p->terminal) {
    if (setup_console(a->sp, p, false, err)) goto failed;
  } else if (dup2(a->in, 0) < 0 || dup2(a->out, 1) < 0 || dup2(a->err, 2) < 0) {
    fail(err, errno, "set up stdio");
    goto failed;
  }
  if (apply_rlimits(p, err) == 0) finish_and_exec(p, a->seccomp, err, &code);
  if (code == 128) code = 126; /* dockerd's code for an exec that could not start */
failed:
  report_error(a->sp, code, err);
  _exit(code);
}

/* The exec child's stack: used by one child at a time (the shim waits for each). */
static char exec_stack[256 * 1024] __attribute__((aligned(16)));

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
  if (enter_pid_namespace(S.init_pid, err)) return reply_start_error(ci, err, 126);
  const char *cgroups = exec_cgroup_files();
  int sp[2] = {-1, -1}, in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  bool ok = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0;
  if (ok && !p.terminal && !detach) {
    ok = pipe2(out, O_CLOEXEC) == 0 && pipe2(er, O_CLOEXEC) == 0 && (!want_in || pipe2(in, O_CLOEXEC) == 0);
  }
  /* The container's seccomp profile applies to execs too: read here when the shim
     could not compile it at the start. */
  struct json_object *doc = NULL, *linux_ = NULL, *sc = NULL;
  if (!seccomp_precompiled()) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", S.bundle);
    doc = json_object_from_file(path);
    if (doc && json_object_object_get_ex(doc, "linux", &linux_)) json_object_object_get_ex(linux_, "seccomp", &sc);
  }
  struct exec_child_args args = {.p = &p, .cgroups = cgroups, .seccomp = sc, .sp = sp[1],
                                 .in = in[0] >= 0 ? in[0] : null, .out = out[1] >= 0 ? out[1] : null, .err = er[1] >= 0 ? er[1] : null};
  /* A vfork: the child borrows the shim's memory instead of a copy of its page
     tables, which it would throw away at its execve anyway; copying them and the
     faults on the pages it touches cost more than the rest of the start on a
     virtual machine whose page tables are the hypervisor's. The shim goes on once
     the child has exec'd or died. Fails (ENOMEM) once the init, and with it the
     pid namespace, is gone. */
  pid_t pid = ok ? clone(exec_child, exec_stack + sizeof exec_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args) : -1;
  if (doc) json_object_put(doc);
  int fds[] = {sp[1], in[0], out[1], er[1], null};
  for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
    if (fds[i] >= 0) close(fds[i]);
  char buf[ERRMSG_MAX + 16];
  ssize_t n;
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
  struct exec_sess *x = &S.execs[e];
  *x = (struct exec_sess){.used = true, .tty = p.terminal, .pid = pid, .client = -1, .seq = ++S.exec_seq,
                          .in_wr = in[1], .out_rd = out[0], .err_rd = er[0], .exit_code = -1};
  snprintf(x->id, sizeof x->id, "%s", id);
  if (pid <= 0 || buf[0]) {
    char *msg = strchr(buf, ' ');
    code = buf[0] ? atoi(buf) : 126;
    if (pid > 0) waitpid(pid, NULL, 0); /* our child, reaped here */
    x->exit_code = code;
    int fds2[] = {in[1], out[0], er[0], master};
    for (size_t i = 0; i < 4; i++)
      if (fds2[i] >= 0) close(fds2[i]);
    x->in_wr = x->out_rd = x->err_rd = -1;
    reply_start_error(ci, msg ? msg + 1 : ok ? "exec: fork failed" : "exec: cannot create pipes", code);
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
