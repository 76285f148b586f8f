/**
 * Mounts of a container: Docker's default set (/proc, /dev, /dev/pts, /sys, cgroups,
 * mqueue, shm), `--tmpfs` and `-v` bind parsing with dockerd's rules and messages, and
 * the merge that lets a user mount replace a default one.
 */
import { posix } from 'node:path';
import { InvalidParameter } from '../engine/errors.js';
import type { OciMount } from './oci.js';

/** dockerd's /dev/shm size when `--shm-size` is not given: 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;
export type Propagation = (typeof PROPAGATIONS)[number];

/** One `-v` entry after parsing. `kind: 'volume'` when the source is a name, not a path. */
export interface BindSpec {
  kind: 'bind' | 'volume' | 'anonymous';
  source: string;
  destination: string;
  readOnly: boolean;
  /** Only when given; binds default to rprivate. */
  propagation?: Propagation;
  /** `nocopy` was given (volumes only). */
  noCopy?: boolean;
  mode: string;
}

/** The defaults every container gets, in mount order. */
export function defaultMounts(shmSize = DEFAULT_SHM_SIZE): OciMount[] {
  const m = (destination: string, type: string, source: string, options: string[]): OciMount =>
    ({ destination, type, source, options });
  return [
    m('/proc', 'proc', 'proc', ['nosuid', 'noexec', 'nodev']),
    m('/dev', 'tmpfs', 'tmpfs', ['nosuid', 'strictatime', 'mode=755', 'size=65536k']),
    m('/dev/pts', 'devpts', 'devpts', ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']),
    m('/sys', 'sysfs', 'sysfs', ['nosuid', 'noexec', 'nodev', 'ro']),
    // The runtime turns type "cgroup" into the host's hierarchies (one per v1
    // controller, or cgroup2), read-only, seen from the container's own group.
    m('/sys/fs/cgroup', 'cgroup', 'cgroup', ['ro', 'nosuid', 'noexec', 'nodev']),
    m('/dev/mqueue', 'mqueue', 'mqueue', ['nosuid', 'noexec', 'nodev']),
    m('/dev/shm', 'tmpfs', 'shm', ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`]),
  ];
}

// ---- /sys/fs/cgroup as binds ----

/** One hierarchy of the container's own group: `memory` → /sys/fs/cgroup/memory/berth/<id>. */
export interface CgroupHierarchy {
  /** Directory name under /sys/fs/cgroup (`memory`, `cpu,cpuacct`); '' for the v2 unified tree. */
  name: string;
  /** Host path of the container's group in that hierarchy. */
  source: string;
}

/**
 * /sys/fs/cgroup built from plain mounts, for runtimes that do not mount type `cgroup`
 * themselves: on v2 the container's group bound at /sys/fs/cgroup; on v1 a small tmpfs
 * holding one bind per hierarchy. The container sees only its own group, read-only
 * unless privileged. The tmpfs stays writable so the binds' targets can be made in it.
 */
export function cgroupViewMounts(view: readonly CgroupHierarchy[], writable: boolean): OciMount[] {
  const bindOpts = ['rbind', 'nosuid', 'noexec', 'nodev', ...(writable ? [] : ['ro'])];
  const unified = view.find((h) => h.name === '');
  if (unified) return [{ destination: '/sys/fs/cgroup', type: 'bind', source: unified.source, options: bindOpts }];
  return [
    { destination: '/sys/fs/cgroup', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'mode=755'] },
    ...view.map((h) => ({ destination: `/sys/fs/cgroup/${h.name}`, type: 'bind', source: h.source, options: [...bindOpts] })),
  ];
}

// ---- -v / --volume ----

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);

/** dockerd accepts at most one word of each family, and no unknown word. */
function validMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    if (RW_MODES.has(o)) counts[0]!++;
    else if (LABEL_MODES.has(o)) counts[1]!++;
    else if ((PROPAGATIONS as readonly string[]).includes(o)) counts[2]!++;
    else if (COPY_MODES.has(o)) counts[3]!++;
    else if (CONSISTENCY_MODES.has(o)) counts[4]!++;
    else return false;
  }
  return counts.every((n) => n <= 1);
}

const invalidSpec = (raw: string): InvalidParameter => new InvalidParameter(`invalid volume specification: '${raw}'`);

/** Parses `[source:]destination[:mode]` as dockerd's Linux parser does. */
export function parseBind(raw: string): BindSpec {
  const parts = raw.split(':');
  if (parts.length > 3 || parts[0] === '') throw invalidSpec(raw);
  let source = '';
  let destination: string;
  let mode = '';
  if (parts.length === 1) {
    destination = parts[0]!;
  } else if (parts.length === 2) {
    // `/foo:rw` is a destination with a mode and no source: not a valid volume.
    if (validMode(parts[1]!)) throw invalidSpec(raw);
    [source, destination] = [parts[0]!, parts[1]!];
  } else {
    [source, destination, mode] = [parts[0]!, parts[1]!, parts[2]!];
  }
  if (!validMode(mode)) throw new InvalidParameter(`invalid mode: ${mode}`);
  try {
    checkDestination(destination);
  } catch (err) {
    throw new InvalidParameter(`${invalidSpec(raw).message}: ${(err as Error).message}`);
  }
  const words = mode === '' ? [] : mode.split(',');
  const spec: BindSpec = {
    kind: source === '' ? 'anonymous' : posix.isAbsolute(source) ? 'bind' : 'volume',
    source,
    destination: posix.normalize(destination),
    readOnly: words.includes('ro'),
    mode,
  };
  const propagation = words.find((w) => (PROPAGATIONS as readonly string[]).includes(w));
  if (propagation) spec.propagation = propagation as Propagation;
  if (words.includes('nocopy')) spec.noCopy = true;
  if (spec.kind === 'anonymous' && spec.readOnly) {
    throw new InvalidParameter('must not set ReadOnly mode when using anonymous volumes');
  }
  // Propagation is a property of bind mounts; a named volume cannot carry one.
  if (spec.kind !== 'bind' && spec.propagation !== undefined) {
    throw new InvalidParameter(`${invalidSpec(raw).message}: invalid mount config for type "volume": field BindOptions must not be specified`);
  }
  return spec;
}

/** A destination must be absolute and not `/` (dockerd's wording). */
export function checkDestination(dest: string): void {
  if (posix.normalize(dest) === '/') throw new InvalidParameter("invalid specification: destination can't be '/'");
  if (!posix.isAbsolute(dest)) {
    throw new InvalidParameter(`invalid mount path: '${dest}' mount path must be absolute`);
  }
}

/** The OCI mount of a bind: rbind, ro when asked, and its propagation (rprivate by default). */
export function bindMount(b: { source: string; destination: string; readOnly: boolean; propagation?: Propagation }): OciMount {
  const options = ['rbind'];
  if (b.readOnly) options.push('ro');
  options.push(b.propagation ?? 'rprivate');
  return { destination: b.destination, type: 'bind', source: b.source, options };
}

// ---- --tmpfs ----

/** Flag words mount(8) understands, grouped by the flag they set or clear. */
const TMPFS_FLAG_GROUPS: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly', suid: 'nosuid', nosuid: 'nosuid', dev: 'nodev', nodev: 'nodev',
  exec: 'noexec', noexec: 'noexec', sync: 'sync', async: 'sync', dirsync: 'dirsync',
  remount: 'remount', mand: 'mand', nomand: 'mand', atime: 'noatime', noatime: 'noatime',
  diratime: 'nodiratime', nodiratime: 'nodiratime', relatime: 'relatime', norelatime: 'relatime',
  strictatime: 'strictatime', nostrictatime: 'strictatime',
  // Propagation words all compete for one slot.
  bind: 'propagation', rbind: 'propagation', unbindable: 'propagation', runbindable: 'propagation',
  private: 'propagation', rprivate: 'propagation', shared: 'propagation', rshared: 'propagation',
  slave: 'propagation', rslave: 'propagation',
};
const TMPFS_DATA_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/**
 * Merges option words the way dockerd does for `--tmpfs`: the last word of each flag
 * family wins, the last value of each `key=` wins, anything else is refused.
 */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seenFlags = new Set<string>();
  const seenData = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const o = options[i]!;
    if (o === 'defaults') continue;
    const group = TMPFS_FLAG_GROUPS[o];
    if (group) {
      if (!seenFlags.has(group)) out.unshift(o);
      seenFlags.add(group);
      continue;
    }
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    if (eq < 0 || !TMPFS_DATA_KEYS.has(key)) {
      // dockerd prints the word split on '=' as a Go string slice.
      const shown = (eq < 0 ? [o] : [key, o.slice(eq + 1)]).map((s) => JSON.stringify(s)).join(' ');
      throw new InvalidParameter(`invalid tmpfs option [${shown}]`);
    }
    if (!seenData.has(key)) out.unshift(o);
    seenData.add(key);
  }
  return out;
}

/** `--tmpfs /dest:opts` → the OCI mount, with dockerd's defaults noexec,nosuid,nodev,rprivate. */
export function tmpfsMount(destination: string, data: string): OciMount {
  checkDestination(destination);
  const words = ['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])];
  return { destination: posix.normalize(destination), type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(words) };
}

/** `/x:size=1m,mode=700` as given to `--tmpfs` on the command line. */
export function parseTmpfsFlag(raw: string): { destination: string; data: string } {
  const i = raw.indexOf(':');
  return i < 0 ? { destination: raw, data: '' } : { destination: raw.slice(0, i), data: raw.slice(i + 1) };
}

/** Mount order: parents before children, so a bind under a tmpfs lands on the tmpfs. */
export function sortByDepth(mounts: OciMount[]): OciMount[] {
  const depth = (m: OciMount): number => posix.normalize(m.destination).split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}

/**
 * Default mounts minus those a user mount replaces: the same destination, everything
 * under /dev when the user mounts /dev, and /dev/shm when there is to be none.
 */
export function mergeMounts(defaults: OciMount[], user: OciMount[], opts: { noShm?: boolean }): OciMount[] {
  const dests = new Set(user.map((m) => m.destination));
  const userDev = dests.has('/dev');
  const kept = defaults.filter((m) => {
    if (dests.has(m.destination)) return false;
    if (userDev && m.destination.startsWith('/dev/')) return false;
    if (opts.noShm && m.destination === '/dev/shm') return false;
    return true;
  });
  return [...kept, ...sortByDepth(user)];
}
