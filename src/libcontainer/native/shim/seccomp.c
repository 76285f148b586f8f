/* linux.seccomp (OCI JSON) → a libseccomp filter, loaded as the last step before
 * execve so that nothing the init does itself is filtered. Semantics follow runc:
 * syscall names the running libseccomp does not know are skipped (profiles list
 * syscalls of newer kernels), a missing errnoRet means EPERM, and conditions on the
 * same argument index become separate rules (libseccomp cannot AND them). */
#include "shim.h"
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/seccomp.h>
#include <linux/filter.h>

#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <string.h>

static struct json_object *get(struct json_object *o, const char *k) {
  struct json_object *v = NULL;
  return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static int parse_action(const char *name, struct json_object *errno_ret, uint32_t *out) {
  int e = errno_ret ? json_object_get_int(errno_ret) : EPERM;
  if (!name) return -1;
  if (!strcmp(name, "SCMP_ACT_ALLOW")) *out = SCMP_ACT_ALLOW;
  else if (!strcmp(name, "SCMP_ACT_ERRNO")) *out = SCMP_ACT_ERRNO((uint16_t)e);
  else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD")) *out = SCMP_ACT_KILL;
  else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS")) *out = SCMP_ACT_KILL_PROCESS;
  else if (!strcmp(name, "SCMP_ACT_TRAP")) *out = SCMP_ACT_TRAP;
  else if (!strcmp(name, "SCMP_ACT_TRACE")) *out = SCMP_ACT_TRACE((uint16_t)e);
  else if (!strcmp(name, "SCMP_ACT_LOG")) *out = SCMP_ACT_LOG;
  else return -1;
  return 0;
}

static int parse_op(const char *name, enum scmp_compare *out) {
  static const struct { const char *n; enum scmp_compare op; } ops[] = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  for (size_t i = 0; name && i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(name, ops[i].n)) return *out = ops[i].op, 0;
  return -1;
}

/* "SCMP_ARCH_X86_64" → libseccomp's arch token. */
static uint32_t parse_arch(const char *name) {
  char low[32];
  if (!name || strncmp(name, "SCMP_ARCH_", 10)) return 0;
  size_t i = 0;
  for (const char *p = name + 10; *p && i + 1 < sizeof low; p++, i++)
    low[i] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  low[i] = 0;
  return seccomp_arch_resolve_name(low);
}

static int add_rule(scmp_filter_ctx ctx, uint32_t defact, struct json_object *rule, char *err) {
  const char *action = json_object_get_string(get(rule, "action"));
  uint32_t act;
  if (parse_action(action, get(rule, "errnoRet"), &act))
    return fail(err, 0, "seccomp: unknown action %s", action ? action : "(none)");
  if (act == defact) return 0; /* libseccomp refuses rules equal to the default */
  struct json_object *args = get(rule, "args");
  size_t nargs = args ? json_object_array_length(args) : 0;
  if (nargs > 6) return fail(err, 0, "seccomp: too many arguments in a rule");
  struct scmp_arg_cmp cmp[6];
  bool repeated = false;
  for (size_t i = 0; i < nargs; i++) {
    struct json_object *a = json_object_array_get_idx(args, i);
    enum scmp_compare op;
    const char *opname = json_object_get_string(get(a, "op"));
    if (parse_op(opname, &op)) return fail(err, 0, "seccomp: unknown operator %s", opname ? opname : "(none)");
    cmp[i].arg = (unsigned)json_object_get_int(get(a, "index"));
    cmp[i].op = op;
    cmp[i].datum_a = (scmp_datum_t)json_object_get_uint64(get(a, "value"));
    cmp[i].datum_b = (scmp_datum_t)json_object_get_uint64(get(a, "valueTwo"));
    for (size_t j = 0; j < i; j++) repeated |= cmp[j].arg == cmp[i].arg;
  }
  struct json_object *names = get(rule, "names");
  size_t nn = names ? json_object_array_length(names) : 0;
  for (size_t i = 0; i < nn; i++) {
    const char *name = json_object_get_string(json_object_array_get_idx(names, i));
    int nr = name ? seccomp_syscall_resolve_name(name) : __NR_SCMP_ERROR;
    if (nr == __NR_SCMP_ERROR) continue;
    int r = 0;
    if (!repeated) {
      r = seccomp_rule_add_array(ctx, act, nr, (unsigned)nargs, cmp);
    } else {
      for (size_t j = 0; j < nargs && r == 0; j++) r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[j]);
    }
    if (r < 0) return fail(err, -r, "seccomp: add rule for %s", name);
  }
  return 0;
}

/* The container's filter compiled once by the shim for its execs (empty until then). */
static struct sock_fprog exec_filter;

/* Build the libseccomp context of a profile; NULL (and err) on failure. */
static scmp_filter_ctx build_filter(struct json_object *sc, char *err) {
  const char *defname = json_object_get_string(get(sc, "defaultAction"));
  uint32_t defact;
  if (parse_action(defname, get(sc, "defaultErrnoRet"), &defact)) {
    fail(err, 0, "seccomp: unknown default action %s", defname ? defname : "(none)");
    return NULL;
  }
  scmp_filter_ctx ctx = seccomp_init(defact);
  if (!ctx) {
    fail(err, 0, "seccomp: init failed");
    return NULL;
  }
  /* The filter must not refuse our own no_new_privs state: let libseccomp leave it. */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  /* The same rules as a binary tree: the kernel prepares (emulates the filter for
     every syscall number, to cache the always-allowed ones) and runs it in about
     half the time of the linear list, at each container start and each exec. */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  struct json_object *archs = get(sc, "architectures");
  size_t na = archs ? json_object_array_length(archs) : 0;
  for (size_t i = 0; i < na; i++) {
    uint32_t a = parse_arch(json_object_get_string(json_object_array_get_idx(archs, i)));
    if (!a) continue; /* an architecture this libseccomp lacks */
    int r = seccomp_arch_add(ctx, a);
    if (r < 0 && r != -EEXIST) {
      fail(err, -r, "seccomp: add architecture");
      seccomp_release(ctx);
      return NULL;
    }
  }
  struct json_object *rules = get(sc, "syscalls");
  size_t nr = rules ? json_object_array_length(rules) : 0;
  for (size_t i = 0; i < nr; i++) {
    if (add_rule(ctx, defact, json_object_array_get_idx(rules, i), err)) {
      seccomp_release(ctx);
      return NULL;
    }
  }
  return ctx;
}

int apply_seccomp(struct json_object *sc, char *err) {
  if (exec_filter.len) {
    /* An exec: the BPF compiled at the container's start (libseccomp's compile of
       Docker's profile costs ~15 ms per process; loading the program costs nothing). */
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &exec_filter) < 0) return fail(err, errno, "seccomp: load filter");
    return 0;
  }
  if (!sc) return 0;
  scmp_filter_ctx ctx = build_filter(sc, err);
  if (!ctx) return -1;
  int r = seccomp_load(ctx);
  seccomp_release(ctx);
  return r < 0 ? fail(err, -r, "seccomp: load filter") : 0;
}

bool seccomp_precompiled(void) {
  return exec_filter.len > 0;
}

/* The cache file of a profile for this libseccomp: another version may compile differently. */
static void cache_path(const char *cache, char *out, size_t n) {
  const struct scmp_version *v = seccomp_version();
  snprintf(out, n, "%s.%u.%u.%u", cache, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
}

/* Reads a compiled program left by an earlier shim; -1 when there is none (or it is not one). */
static int load_cached(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  struct stat st;
  struct sock_filter *prog = NULL;
  int rc = -1;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_size > 0 &&
      st.st_size % (off_t)sizeof(struct sock_filter) == 0 && st.st_size <= 65535 * (off_t)sizeof(struct sock_filter) &&
      (prog = malloc((size_t)st.st_size)) && pread(fd, prog, (size_t)st.st_size, 0) == st.st_size) {
    exec_filter.filter = prog;
    exec_filter.len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    prog = NULL;
    rc = 0;
  }
  free(prog);
  close(fd);
  return rc;
}

/* Leaves the program for the next shim: written aside, then renamed into place (never half a file). */
static void store_cached(const char *path, const struct sock_filter *prog, size_t size) {
  char dir[4096], tmp[4200];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) return;
  *slash = 0;
  if (mkdir(dir, 0700) < 0 && errno != EEXIST) return;
  snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = write(fd, prog, size) == (ssize_t)size;
  close(fd);
  if (!ok || rename(tmp, path) < 0) unlink(tmp);
}

int precompile_seccomp(struct json_object *sc, const char *cache, char *err) {
  if (!sc || exec_filter.len) return 0;
  char path[4200] = "";
  if (cache) {
    cache_path(cache, path, sizeof path);
    if (load_cached(path) == 0) return 0;
  }
  scmp_filter_ctx ctx = build_filter(sc, err);
  if (!ctx) return -1;
  int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  int rc = -1;
  if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) {
    fail(err, errno, "seccomp: export filter");
    goto out;
  }
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || lseek(fd, 0, SEEK_SET) < 0) {
    fail(err, 0, "seccomp: export filter: bad size");
    goto out;
  }
  struct sock_filter *prog = malloc((size_t)size);
  if (!prog || pread(fd, prog, (size_t)size, 0) != size) {
    free(prog);
    fail(err, errno, "seccomp: read exported filter");
    goto out;
  }
  exec_filter.filter = prog;
  exec_filter.len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
  if (path[0]) store_cached(path, prog, (size_t)size);
  rc = 0;
out:
  if (fd >= 0) close(fd);
  seccomp_release(ctx);
  return rc;
}
