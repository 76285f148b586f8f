/**
 * Docker's default seccomp policy, written as data in Docker's profile format (the
 * format `--security-opt seccomp=<file>` accepts), grouped by what the calls do.
 * The policy is an allowlist: anything not named here fails with EPERM. Calls that
 * could escape or reconfigure the host are only allowed when the container holds the
 * capability that guards them in the kernel anyway (CAP_SYS_ADMIN for mount, ...).
 * `seccomp.ts` turns a profile of this shape into the OCI section for one container.
 */
import type { SeccompAction, SeccompOperator } from './oci.js';

export interface ProfileFilter {
  caps?: string[];
  /** Native arch names: amd64, x86, x32, arm64, arm, s390x... */
  arches?: string[];
  minKernel?: string;
}

export interface ProfileArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

export interface ProfileRule {
  name?: string;
  names?: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: ProfileArg[] | null;
  comment?: string;
  includes?: ProfileFilter;
  excludes?: ProfileFilter;
}

export interface DockerSeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  syscalls: ProfileRule[];
}

const w = (s: string): string[] => s.trim().split(/\s+/);

/** Files, directories, links, attributes and descriptors. */
const FILES = w(`
  access faccessat faccessat2 open openat openat2 creat close close_range read readv pread64
  preadv preadv2 write writev pwrite64 pwritev pwritev2 lseek _llseek dup dup2 dup3 fcntl fcntl64
  flock fsync fdatasync sync syncfs sync_file_range truncate truncate64 ftruncate ftruncate64
  fallocate fadvise64 fadvise64_64 readahead copy_file_range sendfile sendfile64 splice tee vmsplice
  stat stat64 lstat lstat64 fstat fstat64 fstatat64 newfstatat statx statfs statfs64 fstatfs fstatfs64
  getdents getdents64 getcwd chdir fchdir mkdir mkdirat rmdir rename renameat renameat2
  link linkat symlink symlinkat unlink unlinkat readlink readlinkat mknod mknodat umask
  chmod fchmod fchmodat chown chown32 fchown fchown32 fchownat lchown lchown32
  utime utimes utimensat utimensat_time64 futimesat
  getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr listxattr llistxattr flistxattr
  removexattr lremovexattr fremovexattr
  ioctl pipe pipe2 inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark
  memfd_create memfd_secret
`);

/** Polling, events and asynchronous I/O. */
const EVENTS = w(`
  select _newselect pselect6 pselect6_time64 poll ppoll ppoll_time64
  epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_wait epoll_wait_old epoll_pwait epoll_pwait2
  eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime timerfd_settime64
  timerfd_gettime timerfd_gettime64
  io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents io_pgetevents_time64
  io_uring_setup io_uring_enter io_uring_register
`);

/** Memory mappings and locking. */
const MEMORY = w(`
  brk mmap mmap2 munmap mremap mprotect madvise mincore msync remap_file_pages
  mlock mlock2 mlockall munlock munlockall membarrier
`);

/** Processes, threads, signals, scheduling, identity and limits. */
const PROCESSES = w(`
  fork vfork execve execveat exit exit_group wait4 waitid waitpid
  kill tkill tgkill pidfd_open pidfd_send_signal process_mrelease
  rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sigaltstack sigprocmask sigreturn pause
  getpid getppid gettid getpgid setpgid getpgrp getsid setsid
  getuid getuid32 geteuid geteuid32 getgid getgid32 getegid getegid32
  getresuid getresuid32 getresgid getresgid32 getgroups getgroups32
  setuid setuid32 setgid setgid32 setreuid setreuid32 setregid setregid32
  setresuid setresuid32 setresgid setresgid32 setfsuid setfsuid32 setfsgid setfsgid32
  setgroups setgroups32 capget capset prctl seccomp
  getrlimit setrlimit ugetrlimit prlimit64 getrusage getpriority setpriority times
  ioprio_get ioprio_set sched_yield sched_getaffinity sched_setaffinity sched_getattr sched_setattr
  sched_getparam sched_setparam sched_getscheduler sched_setscheduler
  sched_get_priority_max sched_get_priority_min sched_rr_get_interval sched_rr_get_interval_time64
  futex futex_time64 futex_waitv set_robust_list get_robust_list set_tid_address rseq
  get_thread_area set_thread_area restart_syscall getcpu
  landlock_create_ruleset landlock_add_rule landlock_restrict_self
`);

/** Clocks and timers (reading them; setting the clock needs CAP_SYS_TIME). */
const TIME = w(`
  time gettimeofday clock_gettime clock_gettime64 clock_getres clock_getres_time64
  clock_nanosleep clock_nanosleep_time64 nanosleep alarm getitimer setitimer
  timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64
  adjtimex clock_adjtime clock_adjtime64
`);

/** Sockets and System V / POSIX IPC (confined by the container's net and ipc namespaces). */
const IPC_NET = w(`
  socket socketpair socketcall bind listen accept accept4 connect shutdown
  getsockname getpeername getsockopt setsockopt
  send sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg recvmmsg_time64
  ipc msgget msgsnd msgrcv msgctl semget semop semtimedop semtimedop_time64 semctl
  shmget shmat shmdt shmctl
  mq_open mq_unlink mq_timedsend mq_timedsend_time64 mq_timedreceive mq_timedreceive_time64
  mq_notify mq_getsetattr
`);

/** System information that is safe to read. */
const SYSINFO = w(`uname sysinfo getrandom`);

/** Calls that only exist (or only matter) on some architectures. */
const PER_ARCH: ProfileRule[] = [
  { names: ['sync_file_range2'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['ppc64le'] } },
  {
    names: ['arm_fadvise64_64', 'arm_sync_file_range', 'sync_file_range2', 'breakpoint', 'cacheflush', 'set_tls'],
    action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] },
  },
  { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
  { names: ['modify_ldt'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32', 'x86'] } },
  {
    names: ['s390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr'],
    action: 'SCMP_ACT_ALLOW', includes: { arches: ['s390', 's390x'] },
  },
];

/**
 * personality(2) only with the harmless personas: the Linux default (0), UNAME26 (8),
 * ADDR_NO_RANDOMIZE (0x20000), both together, and the 0xffffffff query.
 */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map((value): ProfileRule => ({
  names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
}));

/**
 * The namespace flags of clone(2): CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
 * NEWPID, NEWNET. Without CAP_SYS_ADMIN, clone is allowed only when none is set.
 */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;

/** Calls a capability unlocks; the rule applies only when the container holds it. */
const BY_CAPABILITY: [cap: string, names: string[]][] = [
  ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
  ['CAP_SYS_ADMIN', w(`
    bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr
    move_mount name_to_handle_at open_tree perf_event_open quotactl quotactl_fd setdomainname
    sethostname setns syslog umount umount2 unshare`)],
  ['CAP_SYS_BOOT', ['reboot']],
  ['CAP_SYS_CHROOT', ['chroot']],
  ['CAP_SYS_MODULE', ['delete_module', 'init_module', 'finit_module']],
  ['CAP_SYS_PACCT', ['acct']],
  ['CAP_SYS_PTRACE', ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace']],
  ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
  ['CAP_SYS_TIME', ['settimeofday', 'stime', 'clock_settime']],
  ['CAP_SYS_TTY_CONFIG', ['vhangup']],
  ['CAP_SYS_NICE', ['get_mempolicy', 'mbind', 'set_mempolicy']],
  ['CAP_SYSLOG', ['syslog']],
];

/** Docker's default profile, in Docker's own profile format. */
export function dockerDefaultProfile(): DockerSeccompProfile {
  const allow: ProfileRule = {
    names: [...FILES, ...EVENTS, ...MEMORY, ...PROCESSES, ...TIME, ...IPC_NET, ...SYSINFO].sort(),
    action: 'SCMP_ACT_ALLOW',
  };
  const cloneWithoutNamespaces = (index: number): ProfileArg[] =>
    [{ index, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }];
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
      { architecture: 'SCMP_ARCH_PPC64LE', subArchitectures: [] },
    ],
    syscalls: [
      allow,
      // ptrace became safe to allow once seccomp could not be bypassed with it (4.8).
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      ...PERSONALITIES,
      ...PER_ARCH,
      ...BY_CAPABILITY.map(([cap, names]): ProfileRule =>
        ({ names, action: 'SCMP_ACT_ALLOW', includes: { caps: [cap] } })),
      // Plain fork-like clone stays allowed without CAP_SYS_ADMIN; on s390 the flags are arg 1.
      {
        names: ['clone'], action: 'SCMP_ACT_ALLOW', args: cloneWithoutNamespaces(0),
        excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
      },
      {
        names: ['clone'], action: 'SCMP_ACT_ALLOW', args: cloneWithoutNamespaces(1),
        includes: { arches: ['s390', 's390x'] }, excludes: { caps: ['CAP_SYS_ADMIN'] },
      },
      // clone3 passes its flags in memory seccomp cannot read: answer ENOSYS so libc
      // falls back to clone, whose flags the rule above can check.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    ],
  };
}
