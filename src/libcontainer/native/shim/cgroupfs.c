/* A `cgroup` mount (Docker's /sys/fs/cgroup, read-only by default), as runc builds it:
 * a tmpfs with one directory per host hierarchy. With its own cgroup namespace the
 * container gets fresh mounts of each hierarchy (rooted at its namespace); without,
 * binds of the host hierarchy at the container's own cgroup, so it never sees the
 * host's tree. Combined hierarchies ("cpu,cpuacct") get their per-controller links. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define RO_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int at_fd(int fd, char *buf, size_t n) {
  return snprintf(buf, n, "/proc/self/fd/%d", fd);
}

/* Does every controller of `want` ("cpu,cpuacct", "name=systemd") appear in `opts`? */
static bool has_all(const char *opts, const char *want) {
  char w[256];
  snprintf(w, sizeof w, "%s", want);
  for (char *save = NULL, *tok = strtok_r(w, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    size_t l = strlen(tok);
    bool found = false;
    for (const char *p = opts; (p = strstr(p, tok)) && !found; p += l)
      found = (p == opts || p[-1] == ',') && (p[l] == ',' || p[l] == 0);
    if (!found) return false;
  }
  return true;
}

/* Our cgroup path in the hierarchy whose super options are `opts` (v1) or v2. */
static bool own_cgroup(bool v2, const char *opts, char *out, size_t n) {
  FILE *f = fopen("/proc/self/cgroup", "re");
  char line[1024];
  bool ok = false;
  while (f && !ok && fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = 0;
    c2[1 + strcspn(c2 + 1, "\n")] = 0;
    if (v2 ? c1[1] == 0 : (c1[1] != 0 && has_all(opts, c1 + 1))) ok = snprintf(out, n, "%s", c2 + 1) > 0;
  }
  if (f) fclose(f);
  return ok;
}

static int one_hierarchy(int tfd, const char *mnt, const char *fstype, char *opts, bool own_ns, bool ro, char *err) {
  const char *name = strrchr(mnt, '/') + 1;
  if (mkdirat(tfd, name, 0755) < 0 && errno != EEXIST) return fail(err, errno, "mkdir cgroup %s", name);
  int sfd = openat(tfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (sfd < 0) return fail(err, errno, "open cgroup %s", name);
  char target[64];
  at_fd(sfd, target, sizeof target);
  bool v2 = strcmp(fstype, "cgroup2") == 0;
  /* super options minus rw/ro: the controllers (and name=) to mount again */
  if (!strncmp(opts, "rw,", 3) || !strncmp(opts, "ro,", 3)) opts += 3;
  else if (!strcmp(opts, "rw") || !strcmp(opts, "ro")) opts += 2;
  int r;
  if (own_ns) {
    r = mount("cgroup", target, fstype, RO_FLAGS | (ro ? MS_RDONLY : 0), v2 || !*opts ? NULL : opts);
  } else {
    char cg[1024], src[2048];
    if (!own_cgroup(v2, opts, cg, sizeof cg)) snprintf(cg, sizeof cg, "/");
    snprintf(src, sizeof src, "%s%s", mnt, cg);
    r = mount(src, target, NULL, MS_BIND | MS_REC, NULL);
    if (r == 0 && ro) { /* sfd names the directory under the bind: reopen to reach the bind */
      close(sfd);
      sfd = openat(tfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
      at_fd(sfd, target, sizeof target);
      r = sfd < 0 ? -1 : mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | RO_FLAGS, NULL);
    }
  }
  int e = errno;
  if (sfd >= 0) close(sfd);
  if (r < 0) return fail(err, e, "mount cgroup %s", name);
  if (strchr(name, ',')) { /* cpu,cpuacct: links cpu and cpuacct, as on the host */
    char parts[256];
    snprintf(parts, sizeof parts, "%s", name);
    for (char *save = NULL, *tok = strtok_r(parts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
      symlinkat(name, tfd, tok);
  }
  return 0;
}

/* `tfd`: O_PATH of the destination directory, inside the rootfs. */
int mount_cgroups(int tfd, unsigned long flags, bool own_ns, char *err) {
  char target[64];
  at_fd(tfd, target, sizeof target);
  bool ro = flags & MS_RDONLY;
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) { /* unified (v2) only */
    char cg[1024], src[2048];
    int r;
    if (own_ns) {
      r = mount("cgroup2", target, "cgroup2", RO_FLAGS | (ro ? MS_RDONLY : 0), NULL);
    } else {
      if (!own_cgroup(true, "", cg, sizeof cg)) snprintf(cg, sizeof cg, "/");
      snprintf(src, sizeof src, "/sys/fs/cgroup%s", cg);
      r = mount(src, target, NULL, MS_BIND | MS_REC, NULL);
      char dir[4096];
      ssize_t l = r == 0 && ro ? readlink(target, dir, sizeof dir - 1) : -1;
      if (l > 0) { /* remount through the path: the fd names the directory under the bind */
        dir[l] = 0;
        r = mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | RO_FLAGS, NULL);
      }
    }
    return r < 0 ? fail(err, errno, "mount cgroup2") : 0;
  }
  if (mount("tmpfs", target, "tmpfs", RO_FLAGS, "mode=755") < 0) return fail(err, errno, "mount tmpfs for cgroups");
  /* The fd still names the directory under the tmpfs: reopen it to reach the tmpfs. */
  char dir[4096];
  ssize_t l = readlink(target, dir, sizeof dir - 1);
  if (l < 0) return fail(err, errno, "readlink cgroup target");
  dir[l] = 0;
  int mfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (mfd < 0) return fail(err, errno, "open cgroup tmpfs");
  FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  int rc = 0;
  while (rc == 0 && f && fgets(line, sizeof line, f)) {
    /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
    char *sep = strstr(line, " - "), mnt[1024], fstype[32], src[256], sopts[512];
    if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1) continue;
    if (sscanf(sep + 3, "%31s %255s %511s", fstype, src, sopts) != 3) continue;
    if (strncmp(mnt, "/sys/fs/cgroup/", 15) || strchr(mnt + 15, '/')) continue;
    if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")) continue;
    rc = one_hierarchy(mfd, mnt, fstype, sopts, own_ns, ro, err);
  }
  if (f) fclose(f);
  char mtarget[64];
  at_fd(mfd, mtarget, sizeof mtarget);
  if (rc == 0 && ro && mount(NULL, mtarget, NULL, MS_REMOUNT | MS_RDONLY | RO_FLAGS, "mode=755") < 0)
    rc = fail(err, errno, "remount cgroup tmpfs read-only");
  close(mfd);
  return rc;
}
