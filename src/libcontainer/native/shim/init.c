/* The container init: runs in the child the shim cloned into new namespaces,
 * as a straight line of steps. Any failure is written to the error pipe as
 * "<exit code> <message>" and the init exits; a successful execve closes the
 * CLOEXEC pipe, which is how the shim learns that the user command runs. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void report_error(int fd, int code, const char *msg) {
  char buf[ERRMSG_MAX + 16];
  int n = snprintf(buf, sizeof buf, "%d %s", code, msg);
  if (n > 0) write_all(fd, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1));
}

static const char *env_get(const struct str_list *env, const char *key) {
  size_t kl = strlen(key);
  for (size_t i = 0; i < env->n; i++)
    if (strncmp(env->v[i], key, kl) == 0 && env->v[i][kl] == '=') return env->v[i] + kl + 1;
  return NULL;
}

/* Go's exec.LookPath, whose messages dockerd maps to 126/127. */
static int look_path(const char *file, const struct str_list *env, char *out, size_t max, char *err, int *code) {
  struct stat st;
  if (strchr(file, '/')) {
    if (stat(file, &st) < 0) {
      *code = errno == ENOENT ? 127 : 126;
      return fail(err, errno, "exec: \"%s\": stat %s", file, file);
    }
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
      *code = 126;
      return fail(err, 0, "exec: \"%s\": permission denied", file);
    }
    snprintf(out, max, "%s", file);
    return 0;
  }
  const char *path = env_get(env, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (*file) {
    const char *end = strchr(path, ':');
    size_t dl = end ? (size_t)(end - path) : strlen(path);
    snprintf(out, max, "%.*s/%s", (int)dl, dl ? path : ".", file);
    if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111)) return 0;
    if (!end) break;
    path = end + 1;
  }
  *code = 127;
  return fail(err, 0, "exec: \"%s\": executable file not found in $PATH", file);
}

int finish_and_exec(const struct process_spec *p, struct json_object *seccomp, char *err, int *code) {
  *code = 128;
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it while we have it
     (runc's order); with no_new_privs it is the very last step. */
  if (!p->no_new_privs && apply_seccomp(seccomp, err)) return -1;
  /* runc's order: enter the working directory while still root (a `-u nobody -w /root`
     works, as with dockerd), and again as the user only if that failed. */
  bool in_cwd = chdir(p->cwd) == 0;
  if (apply_user_and_caps(p, err)) return -1;
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail(err, errno, "set no_new_privs");
  if (!in_cwd && chdir(p->cwd) < 0)
    return fail(err, errno, "chdir to cwd (\"%s\") set in config.json failed", p->cwd);
  char path[4096];
  if (look_path(p->args.v[0], &p->env, path, sizeof path, err, code)) return -1;
  if (p->no_new_privs && apply_seccomp(seccomp, err)) return -1;
  /* Nothing of the shim may leak into the container: every fd above stdio closes on exec,
     including the error pipe, whose EOF tells the shim that execve succeeded. */
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0); /* the container outlives a dead shim, as with runc */
  /* Ignored signals and the blocked mask survive execve: the shim ignores SIGPIPE and
     SIGHUP and blocks SIGCHLD (and Node, which started it, ignores SIGPIPE too), so the
     process must start with every disposition at its default, or `yes | head` spins
     on EPIPE for ever instead of dying of SIGPIPE. */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(path, p->args.v, p->env.v);
  *code = errno == ENOENT ? 127 : 126;
  return fail(err, errno, "exec: \"%s\"", p->args.v[0]);
}

int setup_console(int sock, const struct process_spec *p, bool bind_dev_console, char *err) {
  int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail(err, errno, "open /dev/pts/ptmx");
  char name[64];
  if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof name) != 0)
    return fail(err, errno, "unlock pty");
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return fail(err, errno, "open %s", name);
  /* The user of the container owns its terminal, as with a login. */
  if (fchown(slave, p->uid, (gid_t)-1) < 0) return fail(err, errno, "chown %s", name);
  if (p->cols && p->rows) {
    struct winsize ws = {.ws_row = p->rows, .ws_col = p->cols};
    ioctl(slave, TIOCSWINSZ, &ws);
  }
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return fail(err, errno, "set controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0) return fail(err, errno, "dup2 pty");
  if (bind_dev_console && bind_console(name, err)) return -1;
  if (send_fd(sock, master) < 0) return fail(err, errno, "send pty master to the shim");
  close(master);
  close(slave);
  return 0;
}

/* A new network namespace has only "lo", and it is down: bring it up as runc does. */
static int loopback_up(char *err) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail(err, errno, "socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  int r = ioctl(s, SIOCGIFFLAGS, &ifr);
  if (r == 0) {
    ifr.ifr_flags |= IFF_UP;
    r = ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  int e = errno;
  close(s);
  return r < 0 ? fail(err, e, "bring up lo") : 0;
}

static int write_sysctls(const struct spec *s, char *err) {
  for (size_t i = 0; i < s->nsysctls; i++) {
    char path[512];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", s->sysctls[i].key);
    for (char *c = path + 10; c < path + n; c++)
      if (*c == '.') *c = '/';
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail(err, errno, "write sysctl %s", s->sysctls[i].key);
    ssize_t w = write_all(fd, s->sysctls[i].value, strlen(s->sysctls[i].value));
    int e = errno;
    close(fd);
    if (w < 0) return fail(err, e, "write sysctl %s", s->sysctls[i].key);
  }
  return 0;
}

static int init_steps(struct spec *s, struct init_fds *fds, char *err) {
  /* Join the namespaces given by path (the pid one was joined by the shim: it only
     affects children). Mount is always new. */
  for (int k = 0; k < NS_COUNT; k++) {
    if (k == NS_PID || !s->ns_path[k]) continue;
    int fd = open(s->ns_path[k], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, ns_clone_flags[k]) < 0) return fail(err, errno, "join namespace %s", s->ns_path[k]);
    close(fd);
  }
  /* SYNC: the daemon puts us into cgroups and moves the veth in before anything runs. */
  char go;
  if (read(fds->go_rd, &go, 1) != 1) _exit(1);
  close(fds->go_rd);
  if (s->ns_new[NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0) return fail(err, errno, "unshare cgroup namespace");
  if (setsid() < 0) return fail(err, errno, "setsid");
  if (s->ns_new[NS_NET] && loopback_up(err)) return -1;
  if (setup_rootfs(s, err)) return -1;
  if (s->process.terminal) {
    if (setup_console(fds->console_wr, &s->process, true, err)) return -1;
    close(fds->console_wr);
  } else {
    if (dup2(fds->stdin_fd, 0) < 0 || dup2(fds->stdout_fd, 1) < 0 || dup2(fds->stderr_fd, 2) < 0)
      return fail(err, errno, "set up stdio");
  }
  if (s->hostname && s->ns_new[NS_UTS] && sethostname(s->hostname, strlen(s->hostname)) < 0)
    return fail(err, errno, "sethostname");
  if (write_sysctls(s, err)) return -1;
  if (setup_paths_after_pivot(s, err)) return -1;
  if (apply_rlimits(&s->process, err)) return -1;
  return 0;
}

void init_main(struct spec *s, struct init_fds *fds) {
  char err[ERRMSG_MAX];
  int code = 128;
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* the shim gone before exec: nothing to run for */
  if (init_steps(s, fds, err) == 0) finish_and_exec(&s->process, s->seccomp, err, &code);
  report_error(fds->err_wr, code, err);
  _exit(code);
}
