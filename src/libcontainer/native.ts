/**
 * The typed surface of the berth addon (build/Release/berth.node, built from
 * src/libcontainer/native/*.cc by `npm install` or `node-gyp rebuild --nodedir=/usr`).
 *
 * Only syscalls Node lacks. The syscall wrappers are synchronous (they return in
 * microseconds); the rtnetlink calls (plugVeth, replaceDefaultRoute, deleteLink) run
 * on the thread pool and return Promises. Failures are Errors shaped like Node's
 * system errors: `code` ('EPERM'), `errno` (-1), `syscall` ('mount', or the netlink
 * step such as 'RTM_NEWLINK veth') and `path` (or the link's name); callers wrap
 * them in `System` where they reach a job.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

interface Addon {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  umount2Async(target: string, flags: number): Promise<void>;
  mknod(path: string, mode: number, dev: number): void;
  makedev(major: number, minor: number): number;
  lsetxattr(path: string, name: string, value: Buffer, flags: number): void;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  plugVeth(spec: NativeVethSpec): Promise<boolean>;
  replaceDefaultRoute(pid: number, gateway: string, ifname: string): Promise<boolean>;
  deleteLink(name: string): Promise<boolean>;
  spawnShim(file: string, argv: string[]): Promise<SpawnedShim>;
  waitPid(pid: number): Promise<number>;
  unreadBytes(fd: number): number;
  porchStart(back: (fd: number, tag: number, bytes: Buffer) => void, targets: string[]): void;
  porchAnswers(answers: Buffer[], dateAt: number[]): void;
  porchTake(fd: number, tag: number, bytes: Buffer): void;
  porchCloseAll(tag: number): void;
  porchGiveBackAll(tag: number): void;
  porchServed(): number;
  Sha256: new () => Sha256Stream;
}

/**
 * A SHA-256 whose hashing runs on the thread pool (hash.cc): `update` only queues the
 * chunk, which must not change afterwards (chunks handed along a stream never do);
 * `digest` resolves with the lower-case hex digest of everything queued, in order.
 */
export interface Sha256Stream {
  update(chunk: Buffer): void;
  digest(): Promise<string>;
}

/** A process started by spawnShim: its pid and our ends of its fd 3 and its stderr. */
export interface SpawnedShim {
  pid: number;
  /** Our end of a stream socketpair whose other end is the child's fd 3. */
  sync: number;
  /** The read end of the pipe on the child's fd 2. */
  stderr: number;
}

/** A veth pair from the bridge `bridge` into the network namespace of `pid`. */
export interface NativeVethSpec {
  /** The host end's name (on the bridge, up). */
  host: string;
  /** The container end's final name in its namespace (eth0). */
  peer: string;
  bridge: string;
  pid: number;
  mac: string;
  mtu?: number;
  address: string;
  prefix: number;
  /** The default route's next hop; no default route when absent. */
  gateway?: string;
  /** Hairpin mode on the host end's bridge port. */
  hairpin?: boolean;
  /** Keep IPv6 on the peer; by default it is switched off (disable_ipv6) before the link goes up. */
  ipv6?: boolean;
}

/**
 * The repo root is three levels above the compiled file (dist/src/libcontainer/native.js)
 * and two above the source (src/libcontainer/native.ts, when run by a TS loader).
 */
function addonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../../../build/Release/berth.node'), join(here, '../../build/Release/berth.node')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

let loaded: Addon | undefined;

/** Loads the addon on first use, so modules that import this file still load where it is not built. */
function addon(): Addon {
  if (!loaded) {
    const path = addonPath();
    try {
      loaded = createRequire(import.meta.url)(path) as Addon;
    } catch (err) {
      throw new Error(`cannot load the berth native addon at ${path} (build it with \`npm install\` or \`npx node-gyp rebuild --nodedir=/usr\`)`, { cause: err });
    }
  }
  return loaded;
}

// mount(2) flags, from <linux/mount.h>.
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_SYNCHRONOUS = 0x10;
export const MS_REMOUNT = 0x20;
export const MS_MANDLOCK = 0x40;
export const MS_DIRSYNC = 0x80;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_SILENT = 0x8000;
export const MS_UNBINDABLE = 0x20000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_RELATIME = 0x200000;
export const MS_STRICTATIME = 0x1000000;

// umount2(2) flags.
export const MNT_FORCE = 0x1;
export const MNT_DETACH = 0x2;
export const MNT_EXPIRE = 0x4;
export const UMOUNT_NOFOLLOW = 0x8;

// setxattr(2) flags.
export const XATTR_CREATE = 0x1;
export const XATTR_REPLACE = 0x2;

// File type bits for mknod's mode.
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/**
 * Bytes this socket sent that its peer has not read yet (ioctl SIOCOUTQ). On a unix
 * stream socket 0 means the peer has read everything; on TCP it counts what is not
 * yet acknowledged by the peer's kernel.
 */
export function unreadBytes(fd: number): number {
  return addon().unreadBytes(fd);
}

/**
 * The porch (native/porch.cc), a thread that answers pings on connections moved to
 * it. `porchStart` starts it once per process with the request targets it answers
 * and where to give back a connection that asks anything else (its fd, the tag it
 * was taken with, and the bytes read and not answered); later calls change nothing.
 */
export function porchStart(back: (fd: number, tag: number, bytes: Buffer) => void, targets: string[]): void {
  addon().porchStart(back, targets);
}

/** The answers the porch gives, in the order GET, HEAD, GET with close, HEAD with close; `dateAt` is where each one's Date value starts. */
export function porchAnswers(answers: Buffer[], dateAt: number[]): void {
  addon().porchAnswers(answers, dateAt);
}

/** The porch serves a duplicate of `fd` from now on (the caller closes its own), `bytes` being what was read of it already. */
export function porchTake(fd: number, tag: number, bytes: Buffer): void {
  addon().porchTake(fd, tag, bytes);
}

/** Close every connection the porch holds for `tag`. */
export function porchCloseAll(tag: number): void {
  addon().porchCloseAll(tag);
}

/** Every connection the porch holds for `tag` goes back (once its answers in flight are written). */
export function porchGiveBackAll(tag: number): void {
  addon().porchGiveBackAll(tag);
}

/** Pings the porch has answered since the process started. */
export function porchServed(): number {
  return addon().porchServed();
}

/** A new SHA-256 hashed off the event loop (see Sha256Stream). */
export function sha256Stream(): Sha256Stream {
  return new (addon().Sha256)();
}

/** mount(2). `source`, `fstype` and `data` may be null (bind, remount, propagation). */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  addon().mount(source, target, fstype, flags, data);
}

/** umount2(2), e.g. `umount2(path, MNT_DETACH)`. */
export function umount2(target: string, flags = 0): void {
  addon().umount2(target, flags);
}

/**
 * umount2(2) on the thread pool: for an overlay's last mount, whose unmount syncs the
 * upper filesystem (milliseconds the event loop would otherwise be blocked).
 */
export function umount2Async(target: string, flags = 0): Promise<void> {
  return addon().umount2Async(target, flags);
}

/** mknod(2); `mode` includes the type bits (S_IFCHR | 0o000 for an overlay whiteout). */
export function mknod(path: string, mode: number, dev: number): void {
  addon().mknod(path, mode, dev);
}

/** The device number of `major:minor`, as the kernel's makedev() encodes it. */
export function makedev(major: number, minor: number): number {
  return addon().makedev(major, minor);
}

/** lsetxattr(2): set an extended attribute without following a symlink. */
export function lsetxattr(path: string, name: string, value: Buffer | string, flags = 0): void {
  addon().lsetxattr(path, name, typeof value === 'string' ? Buffer.from(value) : value, flags);
}

/** lgetxattr(2): the attribute's value, or null when the file has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | null {
  return addon().lgetxattr(path, name);
}

/** llistxattr(2): the names of the file's extended attributes. */
export function llistxattr(path: string): string[] {
  return addon().llistxattr(path);
}

/**
 * Makes the veth pair of `spec` by rtnetlink, off the event loop: the peer created in
 * the namespace under its final name, MAC and MTU, the host end on the bridge and up;
 * then inside the namespace the address, the peer and lo up, the default route. On
 * failure nothing is left (the pair is deleted) and the error names the step, e.g.
 * `EEXIST: file exists, RTM_NEWLINK veth 'veth1234567': File exists`.
 */
export async function plugVeth(spec: NativeVethSpec): Promise<void> {
  await addon().plugVeth(spec);
}

/** `ip route replace default via gateway dev ifname` in the network namespace of `pid`. */
export async function replaceDefaultRoute(pid: number, gateway: string, ifname: string): Promise<void> {
  await addon().replaceDefaultRoute(pid, gateway, ifname);
}

/** Deletes the link `name` (a veth takes its peer with it); false when there was none. */
export function deleteLink(name: string): Promise<boolean> {
  return addon().deleteLink(name);
}

/**
 * Starts `file` with `argv` (argv[0] included) by posix_spawn on the thread pool, so
 * the daemon is never forked: a new session, stdin/stdout on /dev/null, fd 2 and fd 3
 * returned as our ends (close-on-exec here), default signal dispositions and mask.
 * The child must be reaped with waitPid.
 */
export function spawnShim(file: string, argv: string[]): Promise<SpawnedShim> {
  return addon().spawnShim(file, argv);
}

/** waitpid(2) on the thread pool: the wait status of a child of spawnShim. */
export function waitPid(pid: number): Promise<number> {
  return addon().waitPid(pid);
}
