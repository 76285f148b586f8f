/*
 * berth-shim: the per-container parent process. Shared declarations.
 *
 * The shim is one single-threaded poll() loop (main.c, control.c) around a
 * container init cloned into new namespaces (init.c). The protocol with the
 * daemon is documented in README.md beside this file.
 */
#ifndef BERTH_SHIM_H
#define BERTH_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

/* ---- errors: one message buffer, filled by the failing step (crun's habit) ---- */

#define ERRMSG_MAX 1024
/* Fill `err` with "<fmt>: strerror(errno)" (when errnum != 0) and return -1. */
int fail(char *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- spec.c: the parts of an OCI config.json the init needs ---- */

struct str_list { char **v; size_t n; };

struct rlimit_spec { int resource; uint64_t hard, soft; };

struct caps_spec {
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct process_spec {
  bool terminal;
  unsigned short cols, rows;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  size_t ngroups;
  struct str_list args, env;
  char *cwd;
  bool has_caps;
  struct caps_spec caps;
  struct rlimit_spec *rlimits;
  size_t nrlimits;
  bool no_new_privs;
  bool has_oom_score_adj;
  int oom_score_adj;
};

struct mount_spec {
  char *destination, *type, *source;
  unsigned long flags;     /* MS_* applied at mount time */
  unsigned long propagation; /* MS_PRIVATE/SLAVE/SHARED/UNBINDABLE (|MS_REC), 0 = none */
  bool bind_ro;            /* a bind that must be remounted read-only afterwards */
  char *data;              /* filesystem options: size=, mode=, newinstance... */
};

struct device_spec {
  char *path;
  char type;
  unsigned major, minor;
  unsigned mode;
  uid_t uid;
  gid_t gid;
};

enum ns_kind { NS_PID, NS_MNT, NS_UTS, NS_IPC, NS_NET, NS_CGROUP, NS_COUNT };

struct sysctl_kv { char *key, *value; };

struct spec {
  struct process_spec process;
  char *root;
  bool root_readonly;
  char *hostname;
  struct mount_spec *mounts;
  size_t nmounts;
  bool ns_new[NS_COUNT];        /* create this namespace */
  char *ns_path[NS_COUNT];      /* join this namespace (setns) */
  struct device_spec *devices;
  size_t ndevices;
  struct str_list masked, readonly;
  struct sysctl_kv *sysctls;
  size_t nsysctls;
  unsigned long root_propagation; /* MS_SLAVE|MS_REC unless rootfsPropagation says otherwise */
  struct json_object *seccomp;  /* kept as JSON; compiled by seccomp.c right before exec */
  const char *seccomp_cache;    /* where the daemon keeps this profile's compiled filter (annotation), or NULL */
  struct json_object *doc;      /* owns `seccomp` and `seccomp_cache` */
};

int spec_load(const char *path, struct spec *s, char *err);
int spec_parse_process(struct json_object *p, struct process_spec *out, bool require_caps, char *err);
void spec_free(struct spec *s);
extern const char *const ns_names[NS_COUNT];   /* "pid", "mnt", ... as in /proc/<pid>/ns */
extern const int ns_clone_flags[NS_COUNT];

/* ---- caps.c ---- */
int cap_from_name(const char *name);
int rlimit_from_name(const char *name);
int apply_rlimits(const struct process_spec *p, char *err);
/* setgroups/setgid/setuid keeping the configured capabilities */
int apply_user_and_caps(const struct process_spec *p, char *err);

/* ---- seccomp.c ---- */
int apply_seccomp(struct json_object *seccomp, char *err);
/* Compile the container's filter once in the shim, for every later exec (forked from it). */
int precompile_seccomp(struct json_object *seccomp, const char *cache, char *err);
bool seccomp_precompiled(void);

/* ---- mounts.c ---- */
int setup_rootfs(const struct spec *s, char *err);       /* mounts, devices, pivot_root */
int setup_paths_after_pivot(const struct spec *s, char *err); /* ro/masked paths, ro root */
int bind_console(const char *slave, char *err);
/* cgroupfs.c: a `cgroup` mount on the O_PATH dir `tfd` */
int mount_cgroups(int tfd, unsigned long flags, bool own_ns, char *err);

/* ---- init.c (child side) ---- */
struct init_fds {
  int go_rd;      /* read "go" from the shim */
  int err_wr;     /* CLOEXEC: an error message, or EOF on successful execve */
  int console_wr; /* unix socket to pass the pty master back, -1 without tty */
  int stdin_fd, stdout_fd, stderr_fd; /* -1 with tty */
};
void init_main(struct spec *s, struct init_fds *fds) __attribute__((noreturn));
/* shared by init and exec: from identity to execve; returns only on failure */
int finish_and_exec(const struct process_spec *p, struct json_object *seccomp, char *err, int *code);
/* open a pty in the current mount namespace, make the slave our ctty and stdio,
   send the master over `sock` */
int setup_console(int sock, const struct process_spec *p, bool bind_dev_console, char *err);
/* report a setup error to the shim: "<code> <message>" */
void report_error(int fd, int code, const char *msg);

/* ---- util.c ---- */
ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_line(int fd, char *buf, size_t max); /* blocking, byte-wise: small lines only */
int write_file_atomic(const char *path, const char *data, size_t len);
void format_time(char *out, size_t max, const struct timespec *ts); /* RFC3339Nano, UTC */
/* Append `s` (n bytes) JSON-escaped as Go's encoding/json does to `out`; returns new length. */
size_t json_escape(char *out, size_t cap, size_t len, const char *s, size_t n);
int send_fd(int sock, int fd);
/* one message; *fd is the passed descriptor or -1 */
ssize_t recv_fd(int sock, char *buf, size_t cap, int *fd);
void set_cloexec(int fd);
void set_nonblock(int fd, bool on);
char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);

/* ---- log.c: the json-file logger ---- */
#define LOG_LINE_MAX 16384
struct log_stream {
  const char *name; /* "stdout" / "stderr" */
  char *buf;        /* LOG_LINE_MAX bytes, allocated on first use */
  size_t len;
};
int log_open(const char *path, long long max_size, int max_files);
void log_data(struct log_stream *ls, const char *data, size_t n);
void log_flush(struct log_stream *ls);
void log_close(void);

/* ---- the running shim: main.c (start, loop), control.c (requests), io.c (streams), exec.c ---- */

#define MAX_CLIENTS 64
#define MAX_EXECS 16

enum client_mode { CL_FREE, CL_LINE, CL_WAIT, CL_ATTACH, CL_EXEC };

struct client {
  int fd;
  enum client_mode mode;
  char *buf;            /* line mode: a request being read */
  size_t len, cap;
  bool want_out, want_err, want_in;
  bool read_closed;     /* the client half-closed: no more stdin from it */
  int exec;             /* CL_EXEC: index into shim.execs */
};

struct exec_sess {
  bool used, running, tty;
  char id[80];
  pid_t pid;
  int exit_code;
  int signal;
  int in_wr, out_rd, err_rd; /* -1 when absent/closed; with tty out_rd is the pty master */
  int client;                /* index into shim.clients, -1 when detached */
  uint64_t seq;              /* age, to forget the oldest finished exec first */
};

struct shim {
  const char *bundle, *id, *exit_file;
  char sock_path[108], pid_path[4096];
  pid_t init_pid;
  bool tty, stdin_once;
  int stdin_wr;          /* container stdin (pipe write end), -1 when closed or absent */
  int out_rd, err_rd;    /* container output; with tty out_rd is the pty master */
  struct log_stream lout, lerr;
  int listen_fd, sig_fd;
  bool started, init_exited, finished; /* started: execve of the command succeeded */
  int exit_code, exit_signal;
  struct timespec exited_at;
  char started_at[48], finished_at[48];
  int64_t drain_deadline_ms, release_deadline_ms;
  int grace_seconds;
  bool released;
  struct client clients[MAX_CLIENTS];
  struct exec_sess execs[MAX_EXECS];
  uint64_t exec_seq;
  bool exec_pidns; /* our children are born in the init's pid namespace (exec.c) */
  char *exec_cgroups; /* the init's cgroup files an exec joins, found at the first (exec.c) */
};

extern struct shim S;

int64_t now_ms(void);
/* control.c */
void control_accept(void);
void control_readable(int ci);
void client_close(int ci);
int client_reply(int ci, const char *line); /* writes line + "\n" */
void answer_waits(void);
char *state_json(void);
/* io.c */
void container_output(int stream); /* 1 stdout, 2 stderr: read, log, fan out */
void attach_readable(int ci);      /* client bytes → container or exec stdin */
void broadcast(int exec, int stream, const char *data, size_t n);
int stdin_writable(int fd);
void forward_stdin(int ci, const char *data, size_t n);
/* exec.c */
void exec_start(int ci, struct json_object *req);
void exec_output(int e, int stream);
void exec_reaped(pid_t pid, int status);
char *exec_state_json(const char *id);
int exec_resize(const char *id, unsigned short w, unsigned short h);

#endif
