/* The container's filesystem, built inside its new mount namespace:
 *   1. make "/" rslave (or as rootfsPropagation says) so nothing leaks to the host;
 *   2. bind the rootfs onto itself: pivot_root needs a mount point;
 *   3. the spec's mounts in order, each target resolved inside the rootfs
 *      (openat2 RESOLVE_IN_ROOT: a symlink in an image cannot point a mount at the host);
 *   4. device nodes, /dev/ptmx → pts/ptmx, /dev/fd and stdio links;
 *   5. pivot_root and detach the old root;
 * then, after the caller has written sysctls: read-only paths, masked paths, ro root. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int openat2_in_root(int rootfd, const char *rel, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
}

/* Open (creating when missing: `kind` 'd' directory, 'f' empty file) the path `abs`
   of the container, resolved inside rootfd. Returns an O_PATH fd. */
static int open_target(int rootfd, const char *abs, char kind, char *err) {
  char rel[4096];
  snprintf(rel, sizeof rel, ".%s", abs);
  int fd = openat2_in_root(rootfd, rel, O_PATH);
  if (fd >= 0 || errno != ENOENT || !kind) return fd >= 0 ? fd : fail(err, errno, "open %s in rootfs", abs);
  /* Create each missing component: parents as directories, the last as `kind`. */
  for (char *p = rel + 2;; p++) {
    if (*p != '/' && *p != 0) continue;
    char save = *p;
    *p = 0;
    bool last = save == 0;
    int probe = openat2_in_root(rootfd, rel, O_PATH);
    if (probe >= 0) {
      close(probe);
    } else {
      /* Resolve the parent inside the root, then create the entry below it. */
      char *slash = strrchr(rel, '/');
      *slash = 0;
      int parent = openat2_in_root(rootfd, rel, O_PATH | O_DIRECTORY);
      *slash = '/';
      if (parent < 0) return fail(err, errno, "open parent of %s in rootfs", abs);
      int r;
      if (last && kind == 'f') {
        int f = openat(parent, slash + 1, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (f < 0 && errno == ELOOP && unlinkat(parent, slash + 1, 0) == 0) /* a dangling symlink: replace it */
          f = openat(parent, slash + 1, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        r = f;
        if (f >= 0) close(f);
      } else {
        r = mkdirat(parent, slash + 1, 0755);
      }
      close(parent);
      if (r < 0 && errno != EEXIST) return fail(err, errno, "create %s in rootfs", abs);
    }
    *p = save;
    if (last) break;
  }
  fd = openat2_in_root(rootfd, rel, O_PATH);
  return fd >= 0 ? fd : fail(err, errno, "open %s in rootfs", abs);
}

static int mount_at_fd(const char *src, int fd, const char *type, unsigned long flags, const char *data) {
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  return mount(src, p, type, flags, data);
}

static bool own_cgroup_ns;

static int do_mount(int rootfd, const struct mount_spec *m, char *err) {
  bool bind = (m->flags & MS_BIND) != 0;
  if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")) {
    int fd = open_target(rootfd, m->destination, 'd', err);
    if (fd < 0) return -1;
    int r = mount_cgroups(fd, m->flags, own_cgroup_ns, err);
    close(fd);
    return r;
  }
  char kind = 'd';
  if (bind) {
    struct stat st;
    if (stat(m->source, &st) < 0) return fail(err, errno, "bind mount source %s", m->source);
    kind = S_ISDIR(st.st_mode) ? 'd' : 'f';
  }
  int fd = open_target(rootfd, m->destination, kind, err);
  if (fd < 0) return -1;
  int r = 0;
  if (bind) {
    r = mount_at_fd(m->source, fd, NULL, MS_BIND | (m->flags & MS_REC), NULL);
    /* A bind ignores other flags: remount to apply ro/nosuid/nodev/noexec. */
    unsigned long extra = m->flags & ~(MS_BIND | MS_REC);
    if (r == 0 && extra) {
      close(fd);
      fd = open_target(rootfd, m->destination, 0, err);
      if (fd < 0) return -1;
      r = mount_at_fd(NULL, fd, NULL, MS_BIND | MS_REMOUNT | extra, NULL);
    }
  } else {
    r = mount_at_fd(m->source, fd, m->type, m->flags, m->data);
  }
  if (r < 0) {
    int e = errno;
    close(fd);
    return fail(err, e, "mount %s to %s (type %s)", m->source, m->destination, m->type);
  }
  if (m->propagation) {
    close(fd);
    fd = open_target(rootfd, m->destination, 0, err);
    if (fd < 0 || mount_at_fd(NULL, fd, NULL, m->propagation, NULL) < 0)
      return fail(err, errno, "set propagation of %s", m->destination);
  }
  close(fd);
  return 0;
}

static int make_devices(int rootfd, const struct spec *s, char *err) {
  for (size_t i = 0; i < s->ndevices; i++) {
    const struct device_spec *d = &s->devices[i];
    char rel[4096];
    snprintf(rel, sizeof rel, ".%s", d->path);
    char *slash = strrchr(rel, '/');
    *slash = 0;
    /* Nested nodes (--privileged brings /dev/cpu/0/cpuid, /dev/dri/...) need their directories. */
    int dir = open_target(rootfd, rel + 1, 'd', err);
    if (dir < 0) return -1;
    close(dir);
    int parent = openat2_in_root(rootfd, rel, O_PATH | O_DIRECTORY);
    if (parent < 0) return fail(err, errno, "create device %s", d->path);
    mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    unlinkat(parent, slash + 1, 0);
    int r = mknodat(parent, slash + 1, type | (d->mode & 07777), makedev(d->major, d->minor));
    if (r == 0) r = fchownat(parent, slash + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW);
    /* mknod ignores the umask only when told: set the exact mode. */
    if (r == 0) r = fchmodat(parent, slash + 1, d->mode & 07777, 0);
    int e = errno;
    close(parent);
    if (r < 0) return fail(err, e, "create device %s", d->path);
  }
  return 0;
}

static int dev_symlinks(const char *root, char *err) {
  static const char *const links[][2] = {
      {"/proc/self/fd", "/dev/fd"},        {"/proc/self/fd/0", "/dev/stdin"},
      {"/proc/self/fd/1", "/dev/stdout"},  {"/proc/self/fd/2", "/dev/stderr"},
      {"pts/ptmx", "/dev/ptmx"},
  };
  char dev[4096];
  snprintf(dev, sizeof dev, "%s/dev", root);
  struct stat st;
  if (stat(dev, &st) < 0) return 0; /* an image without /dev and no /dev mount */
  for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s%s", root, links[i][1]);
    if (i == 4) unlink(p); /* the ptmx always points at our own devpts instance */
    if (symlink(links[i][0], p) < 0 && errno != EEXIST) return fail(err, errno, "symlink %s", links[i][1]);
  }
  return 0;
}

static int pivot(const char *root, char *err) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0) return fail(err, errno, "open rootfs %s", root);
  if (fchdir(newroot) < 0) return fail(err, errno, "chdir to rootfs");
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    if (errno != EINVAL) return fail(err, errno, "pivot_root %s", root);
    /* Root on the initramfs cannot be pivoted away from: move and chroot instead. */
    if (mount(root, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
      return fail(err, errno, "move rootfs %s", root);
  } else {
    /* The old root now sits under ".": keep its unmount from propagating, then drop it. */
    if (fchdir(oldroot) < 0) return fail(err, errno, "chdir to old root");
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) return fail(err, errno, "make old root rslave");
    if (umount2(".", MNT_DETACH) < 0) return fail(err, errno, "unmount old root");
  }
  close(oldroot);
  close(newroot);
  return chdir("/") < 0 ? fail(err, errno, "chdir /") : 0;
}

int setup_rootfs(const struct spec *s, char *err) {
  if (mount(NULL, "/", NULL, s->root_propagation, NULL) < 0)
    return fail(err, errno, "make / %s", (s->root_propagation & MS_SHARED) ? "rshared" : "rslave");
  if (mount(s->root, s->root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return fail(err, errno, "bind mount rootfs %s", s->root);
  own_cgroup_ns = s->ns_new[NS_CGROUP];
  int rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return fail(err, errno, "open rootfs %s", s->root);
  int r = 0;
  for (size_t i = 0; i < s->nmounts && r == 0; i++) r = do_mount(rootfd, &s->mounts[i], err);
  if (r == 0) r = make_devices(rootfd, s, err);
  close(rootfd);
  if (r == 0) r = dev_symlinks(s->root, err);
  return r ? r : pivot(s->root, err);
}

/* Keep the flags the kernel may lock (nosuid, nodev, noexec) when remounting ro. */
static unsigned long locked_flags(const char *p) {
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs(p, &sv) == 0) {
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  }
  return f;
}

int setup_paths_after_pivot(const struct spec *s, char *err) {
  for (size_t i = 0; i < s->readonly.n; i++) {
    const char *p = s->readonly.v[i];
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue;
      return fail(err, errno, "bind %s read-only", p);
    }
    if (mount(p, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(p), NULL) < 0)
      return fail(err, errno, "remount %s read-only", p);
  }
  for (size_t i = 0; i < s->masked.n; i++) {
    const char *p = s->masked.v[i];
    struct stat st;
    if (stat(p, &st) < 0) continue; /* nothing to hide */
    int r = S_ISDIR(st.st_mode) ? mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL)
                                : mount("/dev/null", p, NULL, MS_BIND, NULL);
    if (r < 0) return fail(err, errno, "mask %s", p);
  }
  if (s->root_readonly &&
      mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
    return fail(err, errno, "remount rootfs read-only");
  return 0;
}

int bind_console(const char *slave, char *err) {
  int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(err, errno, "create /dev/console");
  close(fd);
  if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0) return fail(err, errno, "bind %s to /dev/console", slave);
  return 0;
}
