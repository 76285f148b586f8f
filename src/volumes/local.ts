import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Conflict, InvalidParameter, NotFound, System } from '../engine/errors.js';
import type { EventBus } from '../engine/events.js';
import type { Store } from '../engine/store.js';
import { du } from './du.js';
import { isMountpoint, mountWith, unmountFrom } from './mount.js';
import { checkOptions } from './options.js';

/** A volume as the Engine API shows it (types.Volume); UsageData only in /system/df. */
export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { RefCount: number; Size: number };
}

export interface CreateOptions {
  /** Empty or absent: a random 64-hex name (an anonymous volume). */
  name?: string;
  driver?: string;
  labels?: Record<string, string> | null;
  options?: Record<string, string> | null;
}

interface Row {
  name: string;
  driver: string;
  labels: string | null;
  options: string | null;
  created_at: number;
}

/** dockerd's local driver name rule (volume/local: validNamePattern). */
const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** RFC 3339 to the second, as dockerd formats a volume's creation time. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Empty maps are shown as null, as dockerd does for a volume created without any. */
/**
 * Labels and options as dockerd keeps them: an empty map sent stays `{}` (docker-py
 * sends DriverOpts: {}), none stays null, and the keys come out sorted, as Go
 * encodes a map.
 */
function encodeMap(m: Record<string, string> | null | undefined): string | null {
  return m ? JSON.stringify(Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))) : null;
}

/**
 * The local volume driver: `<data-root>/volumes/<name>/_data` on disk, one row per
 * volume in sqlite (migration 3). Who uses a volume is not stored here: the
 * containers' records say it (their MountPoints), through the `usedBy` hook the
 * composition root installs, so a stopped container keeps its volumes in use
 * across daemon restarts, as in dockerd.
 */
export class LocalVolumes {
  readonly root: string;
  /** Ids of the containers whose records reference a volume; installed by the composition root. */
  usedBy: (name: string) => string[] = () => [];
  /** Containers running with each volume; a volume with mount options is mounted while this is non-empty. */
  private readonly active = new Map<string, Set<string>>();
  /** Volumes taken by containers being created, not yet in their records (container id → names). */
  private readonly held = new Map<string, Set<string>>();

  constructor(private readonly store: Store, dataRoot: string, private readonly events?: EventBus) {
    this.root = join(dataRoot, 'volumes');
  }

  mountpoint(name: string): string {
    return join(this.root, name, '_data');
  }

  private view(r: Row): Volume {
    return {
      CreatedAt: rfc3339(r.created_at),
      Driver: r.driver,
      Labels: r.labels === null ? null : (JSON.parse(r.labels) as Record<string, string>),
      Mountpoint: this.mountpoint(r.name),
      Name: r.name,
      Options: r.options === null ? null : (JSON.parse(r.options) as Record<string, string>),
      Scope: 'local',
    };
  }

  private row(name: string): Row | undefined {
    return this.store.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as Row | undefined;
  }

  private publish(action: string, name: string, driver: string): void {
    this.events?.publish({ Type: 'volume', Action: action, id: name, attributes: { driver } });
  }

  /**
   * Create `name` (a 64-hex anonymous name when empty). An existing volume is
   * returned as it is, labels and options unchanged, as dockerd does; the create
   * event is published either way, as dockerd's service does.
   */
  async create(opts: CreateOptions): Promise<{ volume: Volume; created: boolean }> {
    const name = opts.name || randomBytes(32).toString('hex');
    const driver = opts.driver || 'local';
    if (driver !== 'local') {
      throw new NotFound(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    }
    if (name.length === 1) {
      throw new InvalidParameter(`create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
    }
    if (!VALID_NAME.test(name)) {
      throw new InvalidParameter(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
    const existing = this.row(name);
    if (existing) {
      this.publish('create', name, existing.driver);
      return { volume: this.view(existing), created: false };
    }
    checkOptions(name, opts.options ?? null);
    // The directory first, then the row: a crash in between leaves only a stray directory.
    await mkdir(join(this.root, name, '_data'), { recursive: true, mode: 0o755 });
    // Another create of the same name may have inserted it while the directory was made.
    const raced = this.row(name);
    if (raced) {
      this.publish('create', name, raced.driver);
      return { volume: this.view(raced), created: false };
    }
    const row: Row = { name, driver, labels: encodeMap(opts.labels), options: encodeMap(opts.options), created_at: Date.now() };
    this.store.prepare('INSERT INTO volumes (name, driver, labels, options, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(row.name, row.driver, row.labels, row.options, row.created_at);
    this.publish('create', name, driver);
    return { volume: this.view(row), created: true };
  }

  get(name: string): Volume {
    const r = this.row(name);
    if (!r) throw new NotFound(`get ${name}: no such volume`);
    return this.view(r);
  }

  has(name: string): boolean {
    return this.row(name) !== undefined;
  }

  list(): Volume[] {
    return (this.store.prepare('SELECT * FROM volumes ORDER BY name').all() as Row[]).map((r) => this.view(r));
  }

  /**
   * Remove a volume; refused while any container references it, even with `force`
   * (which only makes a missing volume a success, as dockerd's purge-on-error).
   * `except`: a container whose reference does not count (the one being removed).
   */
  async remove(name: string, opts: { force?: boolean; except?: string } = {}): Promise<void> {
    const r = this.row(name);
    if (!r) {
      if (opts.force) return;
      throw new NotFound(`get ${name}: no such volume`);
    }
    const users = this.users(name).filter((id) => id !== opts.except);
    if (users.length > 0) throw new Conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    // Never delete through a mount: a bind or NFS volume's files are not ours.
    const data = this.mountpoint(name);
    if (existsSync(data) && await isMountpoint(await realpath(data))) {
      unmountFrom(data);
      if (await isMountpoint(await realpath(data))) throw new System(`remove ${name}: ${data} is still mounted`);
    }
    this.store.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    await rm(join(this.root, name), { recursive: true, force: true });
    this.publish('destroy', name, r.driver);
  }

  /**
   * Every container using `name`: recorded references, and containers still being
   * created, so that a prune or rm racing a create cannot take a volume from it.
   */
  users(name: string): string[] {
    const out = this.usedBy(name);
    for (const [id, names] of this.held) if (names.has(name) && !out.includes(id)) out.push(id);
    return out;
  }

  /** Reference `name` for a container whose record is not written yet. */
  hold(containerId: string, name: string): void {
    let names = this.held.get(containerId);
    if (!names) this.held.set(containerId, (names = new Set()));
    names.add(name);
  }

  /** The container's record now says it (or it was never made): drop the holds. */
  unhold(containerId: string): void {
    this.held.delete(containerId);
  }

  /**
   * A container starts with the volume: mount its filesystem first if it has mount
   * options and nothing is mounted there yet (a live-restored run keeps its mount).
   */
  async mount(name: string, containerId: string): Promise<string> {
    const v = this.get(name);
    const users = this.active.get(name) ?? new Set<string>();
    const o = v.Options;
    if (o && (o.type || o.device) && users.size === 0 && !(await isMountpoint(await realpath(v.Mountpoint)))) {
      try {
        mountWith(o.device ?? '', v.Mountpoint, o.type ?? '', o.o ?? '');
      } catch (err) {
        throw new System(`error while mounting volume '${v.Mountpoint}': ${(err as Error).message}`, { cause: err });
      }
    }
    users.add(containerId);
    this.active.set(name, users);
    return v.Mountpoint;
  }

  /** Count a running container restored at daemon start, without mounting again. */
  restoreActive(name: string, containerId: string): void {
    const users = this.active.get(name) ?? new Set<string>();
    users.add(containerId);
    this.active.set(name, users);
  }

  /** A container's run ended: the last one out unmounts a volume with mount options. */
  async unmount(name: string, containerId: string): Promise<void> {
    const users = this.active.get(name);
    if (!users?.delete(containerId) || users.size > 0) return;
    this.active.delete(name);
    const r = this.row(name);
    if (!r?.options) return;
    const data = this.mountpoint(name);
    // A run that started meanwhile found the mount in place and uses it.
    if (await isMountpoint(await realpath(data)) && !this.active.has(name)) unmountFrom(data);
  }

  /** Bytes used by a volume's data, for prune and df. */
  size(name: string): Promise<number> {
    return du(this.mountpoint(name));
  }
}
