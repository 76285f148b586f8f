/* config.json (OCI runtime-spec 1.0) → the C structs of shim.h.
 * Only what Docker's defaults and its run/exec flags need is accepted; anything
 * else is refused by name so a daemon-side mistake shows up at once. */
#include "shim.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sched.h>

const char *const ns_names[NS_COUNT] = {"pid", "mnt", "uts", "ipc", "net", "cgroup"};
const int ns_clone_flags[NS_COUNT] = {CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS,
                                      CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWCGROUP};
static const char *const oci_ns_names[NS_COUNT] = {"pid", "mount", "uts", "ipc", "network", "cgroup"};

static struct json_object *get(struct json_object *o, const char *k) {
  struct json_object *v = NULL;
  return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *get_str(struct json_object *o, const char *k) {
  struct json_object *v = get(o, k);
  return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Every key of `o` must be in `allowed` (NULL-terminated). */
static int check_keys(struct json_object *o, const char *where, const char *const *allowed, char *err) {
  json_object_object_foreach(o, key, val) {
    (void)val;
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, key) == 0;
    if (!ok) return fail(err, 0, "config.json: %s%s is not supported by berth-shim", where, key);
  }
  return 0;
}

static int str_list(struct json_object *a, struct str_list *out, const char *what, char *err) {
  out->n = 0;
  out->v = NULL;
  if (!a) return 0;
  if (!json_object_is_type(a, json_type_array)) return fail(err, 0, "config.json: %s must be an array", what);
  size_t n = json_object_array_length(a);
  out->v = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    struct json_object *e = json_object_array_get_idx(a, i);
    if (!json_object_is_type(e, json_type_string))
      return fail(err, 0, "config.json: %s must hold strings", what);
    out->v[out->n++] = xstrdup(json_object_get_string(e));
  }
  return 0;
}

static int caps_mask(struct json_object *a, uint64_t *mask, const char *set, char *err) {
  *mask = 0;
  if (!a) return 0;
  size_t n = json_object_array_length(a);
  for (size_t i = 0; i < n; i++) {
    const char *name = json_object_get_string(json_object_array_get_idx(a, i));
    int c = cap_from_name(name);
    if (c < 0) return fail(err, 0, "unknown capability \"%s\" in %s", name ? name : "", set);
    *mask |= 1ULL << c;
  }
  return 0;
}

int spec_parse_process(struct json_object *p, struct process_spec *out, bool require_caps, char *err) {
  static const char *const keys[] = {"terminal", "consoleSize", "user", "args", "env", "cwd",
                                     "capabilities", "rlimits", "noNewPrivileges", "oomScoreAdj", NULL};
  memset(out, 0, sizeof *out);
  if (!p || !json_object_is_type(p, json_type_object)) return fail(err, 0, "config.json: process is required");
  if (check_keys(p, "process.", keys, err)) return -1;
  out->terminal = json_object_get_boolean(get(p, "terminal"));
  struct json_object *cs = get(p, "consoleSize");
  if (cs) {
    out->cols = (unsigned short)json_object_get_int(get(cs, "width"));
    out->rows = (unsigned short)json_object_get_int(get(cs, "height"));
  }
  struct json_object *u = get(p, "user");
  if (u) {
    out->uid = (uid_t)json_object_get_int64(get(u, "uid"));
    out->gid = (gid_t)json_object_get_int64(get(u, "gid"));
    struct json_object *g = get(u, "additionalGids");
    if (g) {
      out->ngroups = json_object_array_length(g);
      out->groups = xcalloc(out->ngroups, sizeof(gid_t));
      for (size_t i = 0; i < out->ngroups; i++)
        out->groups[i] = (gid_t)json_object_get_int64(json_object_array_get_idx(g, i));
    }
  }
  if (str_list(get(p, "args"), &out->args, "process.args", err)) return -1;
  if (out->args.n == 0) return fail(err, 0, "config.json: process.args must not be empty");
  if (str_list(get(p, "env"), &out->env, "process.env", err)) return -1;
  const char *cwd = get_str(p, "cwd");
  if (!cwd || cwd[0] != '/') return fail(err, 0, "config.json: process.cwd must be an absolute path");
  out->cwd = xstrdup(cwd);
  struct json_object *c = get(p, "capabilities");
  if (c) {
    out->has_caps = true;
    if (caps_mask(get(c, "bounding"), &out->caps.bounding, "bounding", err) ||
        caps_mask(get(c, "effective"), &out->caps.effective, "effective", err) ||
        caps_mask(get(c, "permitted"), &out->caps.permitted, "permitted", err) ||
        caps_mask(get(c, "inheritable"), &out->caps.inheritable, "inheritable", err) ||
        caps_mask(get(c, "ambient"), &out->caps.ambient, "ambient", err))
      return -1;
  } else if (require_caps) {
    return fail(err, 0, "config.json: process.capabilities is required");
  }
  struct json_object *rl = get(p, "rlimits");
  if (rl) {
    out->nrlimits = json_object_array_length(rl);
    out->rlimits = xcalloc(out->nrlimits, sizeof *out->rlimits);
    for (size_t i = 0; i < out->nrlimits; i++) {
      struct json_object *r = json_object_array_get_idx(rl, i);
      const char *type = get_str(r, "type");
      int res = type ? rlimit_from_name(type) : -1;
      if (res < 0) return fail(err, 0, "config.json: unknown rlimit %s", type ? type : "(none)");
      out->rlimits[i].resource = res;
      out->rlimits[i].hard = (uint64_t)json_object_get_uint64(get(r, "hard"));
      out->rlimits[i].soft = (uint64_t)json_object_get_uint64(get(r, "soft"));
    }
  }
  out->no_new_privs = json_object_get_boolean(get(p, "noNewPrivileges"));
  struct json_object *oom = get(p, "oomScoreAdj");
  if (oom) {
    out->has_oom_score_adj = true;
    out->oom_score_adj = json_object_get_int(oom);
  }
  return 0;
}

struct mount_opt { const char *name; bool clear; unsigned long flag; };
static const struct mount_opt mount_opts[] = {
    {"ro", false, MS_RDONLY},       {"rw", true, MS_RDONLY},         {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},      {"nodev", false, MS_NODEV},      {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},   {"exec", true, MS_NOEXEC},       {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS}, {"noatime", false, MS_NOATIME}, {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME}, {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},       {"rbind", false, MS_BIND | MS_REC}, {"defaults", false, 0},
};
static const struct mount_opt propagation_opts[] = {
    {"private", false, MS_PRIVATE}, {"rprivate", false, MS_PRIVATE | MS_REC},
    {"slave", false, MS_SLAVE},     {"rslave", false, MS_SLAVE | MS_REC},
    {"shared", false, MS_SHARED},   {"rshared", false, MS_SHARED | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

static int parse_propagation(const char *o, unsigned long *out) {
  for (size_t i = 0; i < sizeof propagation_opts / sizeof *propagation_opts; i++)
    if (strcmp(o, propagation_opts[i].name) == 0) return *out = propagation_opts[i].flag, 0;
  return -1;
}

static int parse_mount(struct json_object *m, struct mount_spec *out, char *err) {
  static const char *const keys[] = {"destination", "type", "source", "options", NULL};
  if (check_keys(m, "mounts[].", keys, err)) return -1;
  const char *dest = get_str(m, "destination");
  if (!dest || dest[0] != '/') return fail(err, 0, "config.json: mount destination must be absolute");
  out->destination = xstrdup(dest);
  out->type = xstrdup(get_str(m, "type") ? get_str(m, "type") : "bind");
  out->source = xstrdup(get_str(m, "source") ? get_str(m, "source") : "none");
  char data[4096] = "";
  size_t dl = 0;
  struct json_object *opts = get(m, "options");
  size_t n = opts ? json_object_array_length(opts) : 0;
  for (size_t i = 0; i < n; i++) {
    const char *o = json_object_get_string(json_object_array_get_idx(opts, i));
    bool known = false;
    for (size_t k = 0; k < sizeof mount_opts / sizeof *mount_opts && !known; k++) {
      if (strcmp(o, mount_opts[k].name)) continue;
      known = true;
      if (mount_opts[k].clear) out->flags &= ~mount_opts[k].flag;
      else out->flags |= mount_opts[k].flag;
    }
    if (!known && parse_propagation(o, &out->propagation) == 0) known = true;
    if (!known) { /* filesystem data: size=64m, mode=1777, newinstance, ptmxmode=0666, gid=5 */
      size_t ol = strlen(o);
      if (dl + ol + 2 > sizeof data) return fail(err, 0, "config.json: mount options too long");
      if (dl) data[dl++] = ',';
      memcpy(data + dl, o, ol + 1);
      dl += ol;
    }
  }
  if ((out->flags & MS_BIND) && (out->flags & MS_RDONLY)) out->bind_ro = true;
  out->data = dl ? xstrdup(data) : NULL;
  return 0;
}

static int parse_linux(struct json_object *l, struct spec *s, char *err) {
  static const char *const keys[] = {"namespaces", "devices", "maskedPaths", "readonlyPaths", "sysctl",
                                     "seccomp", "cgroupsPath", "resources", "rootfsPropagation", NULL};
  if (check_keys(l, "linux.", keys, err)) return -1;
  struct json_object *ns = get(l, "namespaces");
  size_t n = ns ? json_object_array_length(ns) : 0;
  for (size_t i = 0; i < n; i++) {
    struct json_object *e = json_object_array_get_idx(ns, i);
    const char *type = get_str(e, "type"), *path = get_str(e, "path");
    int k = -1;
    for (int j = 0; j < NS_COUNT && type; j++)
      if (strcmp(type, oci_ns_names[j]) == 0) k = j;
    if (k < 0) return fail(err, 0, "config.json: namespace type %s is not supported by berth-shim", type ? type : "(none)");
    if (path && *path) s->ns_path[k] = xstrdup(path);
    else s->ns_new[k] = true;
  }
  if (!s->ns_new[NS_MNT] || s->ns_path[NS_MNT])
    return fail(err, 0, "config.json: a new mount namespace is required");
  struct json_object *dv = get(l, "devices");
  s->ndevices = dv ? json_object_array_length(dv) : 0;
  s->devices = xcalloc(s->ndevices, sizeof *s->devices);
  for (size_t i = 0; i < s->ndevices; i++) {
    struct json_object *d = json_object_array_get_idx(dv, i);
    struct device_spec *o = &s->devices[i];
    const char *path = get_str(d, "path"), *type = get_str(d, "type");
    if (!path || path[0] != '/' || !type || !strchr("cbup", type[0]))
      return fail(err, 0, "config.json: invalid device entry");
    o->path = xstrdup(path);
    o->type = type[0];
    o->major = (unsigned)json_object_get_int(get(d, "major"));
    o->minor = (unsigned)json_object_get_int(get(d, "minor"));
    o->mode = get(d, "fileMode") ? (unsigned)json_object_get_int(get(d, "fileMode")) : 0666;
    o->uid = (uid_t)json_object_get_int64(get(d, "uid"));
    o->gid = (gid_t)json_object_get_int64(get(d, "gid"));
  }
  if (str_list(get(l, "maskedPaths"), &s->masked, "linux.maskedPaths", err)) return -1;
  if (str_list(get(l, "readonlyPaths"), &s->readonly, "linux.readonlyPaths", err)) return -1;
  struct json_object *sc = get(l, "sysctl");
  if (sc) {
    s->sysctls = xcalloc(json_object_object_length(sc), sizeof *s->sysctls);
    json_object_object_foreach(sc, k, v) {
      s->sysctls[s->nsysctls].key = xstrdup(k);
      s->sysctls[s->nsysctls++].value = xstrdup(json_object_get_string(v));
    }
  }
  s->seccomp = get(l, "seccomp");
  s->root_propagation = MS_SLAVE | MS_REC; /* runc's default: host mounts reach us, ours stay in */
  const char *rp = get_str(l, "rootfsPropagation");
  if (rp && *rp && parse_propagation(rp, &s->root_propagation))
    return fail(err, 0, "config.json: rootfsPropagation %s is not supported", rp);
  return 0;
}

int spec_load(const char *path, struct spec *s, char *err) {
  static const char *const keys[] = {"ociVersion", "process", "root", "hostname", "mounts",
                                     "linux", "annotations", NULL};
  memset(s, 0, sizeof *s);
  s->doc = json_object_from_file(path);
  if (!s->doc) return fail(err, errno, "cannot read %s", path);
  if (check_keys(s->doc, "", keys, err)) return -1;
  if (spec_parse_process(get(s->doc, "process"), &s->process, true, err)) return -1;
  struct json_object *root = get(s->doc, "root");
  const char *rp = root ? get_str(root, "path") : NULL;
  if (!rp || rp[0] != '/') return fail(err, 0, "config.json: root.path must be an absolute path");
  s->root = xstrdup(rp);
  s->root_readonly = json_object_get_boolean(get(root, "readonly"));
  const char *h = get_str(s->doc, "hostname");
  s->hostname = h && *h ? xstrdup(h) : NULL;
  struct json_object *ms = get(s->doc, "mounts");
  s->nmounts = ms ? json_object_array_length(ms) : 0;
  s->mounts = xcalloc(s->nmounts, sizeof *s->mounts);
  for (size_t i = 0; i < s->nmounts; i++)
    if (parse_mount(json_object_array_get_idx(ms, i), &s->mounts[i], err)) return -1;
  struct json_object *ann = get(s->doc, "annotations");
  const char *cache = ann ? get_str(ann, "org.berth.seccomp.cache") : NULL;
  s->seccomp_cache = cache && cache[0] == '/' ? cache : NULL;
  struct json_object *l = get(s->doc, "linux");
  if (!l) return fail(err, 0, "config.json: linux is required");
  return parse_linux(l, s, err);
}

static void free_list(struct str_list *l) {
  for (size_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

/* The shim frees the spec once the init runs: it lives for the container's
   lifetime and should hold nothing it no longer needs. */
void spec_free(struct spec *s) {
  struct process_spec *p = &s->process;
  free_list(&p->args);
  free_list(&p->env);
  free(p->cwd);
  free(p->groups);
  free(p->rlimits);
  free(s->root);
  free(s->hostname);
  for (size_t i = 0; i < s->nmounts; i++) {
    free(s->mounts[i].destination), free(s->mounts[i].type);
    free(s->mounts[i].source), free(s->mounts[i].data);
  }
  free(s->mounts);
  for (int i = 0; i < NS_COUNT; i++) free(s->ns_path[i]);
  for (size_t i = 0; i < s->ndevices; i++) free(s->devices[i].path);
  free(s->devices);
  free_list(&s->masked);
  free_list(&s->readonly);
  for (size_t i = 0; i < s->nsysctls; i++) free(s->sysctls[i].key), free(s->sysctls[i].value);
  free(s->sysctls);
  if (s->doc) json_object_put(s->doc);
  memset(s, 0, sizeof *s);
}
