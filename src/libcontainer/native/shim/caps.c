/* Capabilities, rlimits and the user switch, in the order the kernel allows:
 * bounding set first (needs CAP_SETPCAP), then setuid with PR_SET_KEEPCAPS so the
 * permitted set survives, then capset and the ambient set. No libcap: capset(2)
 * with version 3 headers is all it takes. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof cap_names / sizeof *cap_names))

int cap_from_name(const char *name) {
  for (int i = 0; name && i < NCAPS; i++)
    if (strcmp(name, cap_names[i]) == 0) return i;
  return -1;
}

static const struct { const char *name; int res; } rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int rlimit_from_name(const char *name) {
  for (size_t i = 0; i < sizeof rlimit_names / sizeof *rlimit_names; i++)
    if (strcmp(name, rlimit_names[i].name) == 0) return rlimit_names[i].res;
  return -1;
}

int apply_rlimits(const struct process_spec *p, char *err) {
  /* The OOM score goes with the limits: the process's own, set while it still has
     CAP_SYS_RESOURCE (a negative score needs it), inherited by what it execs. */
  if (p->has_oom_score_adj) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
    if (fd < 0 || write(fd, buf, (size_t)n) != n) {
      int e = errno;
      if (fd >= 0) close(fd);
      return fail(err, e, "write /proc/self/oom_score_adj");
    }
    close(fd);
  }
  for (size_t i = 0; i < p->nrlimits; i++) {
    struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
    if (setrlimit(p->rlimits[i].resource, &rl) < 0)
      return fail(err, errno, "error setting rlimit type %d", p->rlimits[i].resource);
  }
  return 0;
}

static int last_cap(void) {
  static int cached = -1;
  if (cached >= 0) return cached;
  cached = NCAPS - 1;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    int v;
    if (fscanf(f, "%d", &v) == 1 && v >= 0 && v < 64) cached = v;
    fclose(f);
  }
  return cached;
}

static int capset_masks(const struct caps_spec *c) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  for (int i = 0; i < 2; i++) {
    d[i].effective = (uint32_t)(c->effective >> (32 * i));
    d[i].permitted = (uint32_t)(c->permitted >> (32 * i));
    d[i].inheritable = (uint32_t)(c->inheritable >> (32 * i));
  }
  return (int)syscall(SYS_capset, &h, d);
}

/* Our own permitted set: what can be handed on at all. */
static uint64_t own_permitted(void) {
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0) return ~0ULL;
  return (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
}

int apply_user_and_caps(const struct process_spec *p, char *err) {
  int last = last_cap();
  /* "All capabilities" (--privileged) means all we have: a daemon confined by its own
     bounding set cannot grant more, and asking would fail the start. */
  uint64_t have = own_permitted();
  if (p->has_caps) {
    for (int c = 0; c <= last; c++) {
      if (p->caps.bounding & (1ULL << c)) continue;
      if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        return fail(err, errno, "drop capability %s from the bounding set", c < NCAPS ? cap_names[c] : "?");
    }
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return fail(err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (setgroups(p->ngroups, p->groups) < 0) return fail(err, errno, "setgroups");
  if (setresgid(p->gid, p->gid, p->gid) < 0) return fail(err, errno, "setgid %u", (unsigned)p->gid);
  if (setresuid(p->uid, p->uid, p->uid) < 0) return fail(err, errno, "setuid %u", (unsigned)p->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return fail(err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (!p->has_caps) return 0;
  /* Bits above the running kernel's last capability cannot be set. */
  uint64_t valid = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
  struct caps_spec c = p->caps;
  c.effective &= valid & have, c.permitted &= valid & have, c.inheritable &= valid & have;
  if (capset_masks(&c) < 0) return fail(err, errno, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return fail(err, errno, "clear ambient capabilities");
  for (int i = 0; i <= last; i++) {
    if (!(p->caps.ambient & c.permitted & c.inheritable & (1ULL << i))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
      return fail(err, errno, "raise ambient capability %s", i < NCAPS ? cap_names[i] : "?");
  }
  return 0;
}
