import { Conflict, InvalidParameter, NotFound } from '../../engine/errors.js';
import type { Store } from '../../engine/store.js';
import type { ImageUser } from '../../graph/graph.js';
import { canTransition } from './state.js';
import type { ContainerRecord, ContainerStatus } from './types.js';

interface Row { record: string }

/**
 * The containers' records over the daemon's sqlite store (migration 2). Reads go
 * to an in-memory map loaded at open; every change is written through to the row
 * first, so a daemon kill never loses a transition that the API acknowledged.
 */
export class ContainerStore {
  private readonly byId = new Map<string, ContainerRecord>();

  constructor(private readonly store: Store) {
    for (const r of store.prepare('SELECT record FROM containers').all() as Row[]) {
      const c = JSON.parse(r.record) as ContainerRecord;
      this.byId.set(c.Id, c);
    }
  }

  all(): ContainerRecord[] {
    return [...this.byId.values()];
  }

  /** Lookup as dockerd's GetContainer: full ID, then name (with or without `/`), then unique ID prefix. */
  get(ref: string): ContainerRecord {
    // dockerd's GetContainer refuses an empty reference before it looks (a 400, not a 404).
    if (ref === '') throw new InvalidParameter('invalid name or ID supplied: ""');
    const found = this.find(ref);
    if (!found) throw new NotFound(`No such container: ${ref}`);
    return found;
  }

  find(ref: string): ContainerRecord | undefined {
    if (ref === '') return undefined;
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const byName = this.byName(ref.startsWith('/') ? ref : `/${ref}`);
    if (byName) return byName;
    const byLink = this.byLinkName(ref.startsWith('/') ? ref : `/${ref}`);
    if (byLink) return byLink;
    if (!/^[a-f0-9]+$/.test(ref)) return undefined;
    const matches = this.all().filter((c) => c.Id.startsWith(ref));
    if (matches.length > 1) throw new InvalidParameter(`multiple IDs found with provided prefix: ${ref}`);
    return matches[0];
  }

  byName(name: string): ContainerRecord | undefined {
    return this.all().find((c) => c.Name === name);
  }

  /**
   * A legacy link's name, `/<parent>/<alias>`: dockerd registers it as one more name
   * of the linked container, so every lookup (inspect, rm --link) finds it by it.
   */
  byLinkName(name: string): ContainerRecord | undefined {
    const cut = name.lastIndexOf('/');
    if (cut <= 0) return undefined;
    const parent = this.byName(name.slice(0, cut));
    const links = parent?.HostConfig['Links'];
    if (!Array.isArray(links)) return undefined;
    const entry = (links as string[]).find((l) => l.endsWith(`:${name}`));
    return entry === undefined ? undefined : this.byName(entry.slice(0, entry.length - name.length - 1));
  }

  /**
   * Names held by creates still under way, with the ID each container will have: a
   * create awaits files and layers between its check and its insert, and two creates
   * (of the same name, or of one generated name) must not both pass the check.
   */
  private readonly reserved = new Map<string, string>();

  /** The ID of the container, stored or being created, that has `name`. */
  private ownerOf(name: string): string | undefined {
    return this.byName(name)?.Id ?? this.reserved.get(name);
  }

  nameTaken(name: string): boolean {
    return this.ownerOf(name) !== undefined;
  }

  /** dockerd's name-reservation conflict, checked before anything is created. */
  reserveCheck(name: string, id?: string): void {
    const owner = this.ownerOf(name);
    if (owner !== undefined && owner !== id) {
      throw new Conflict(`Conflict. The container name "${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
  }

  /** Hold `name` for the container `id` that is being created; the returned function lets it go. */
  reserve(name: string, id: string): () => void {
    this.reserveCheck(name);
    this.reserved.set(name, id);
    return () => {
      if (this.reserved.get(name) === id) this.reserved.delete(name);
    };
  }

  insert(c: ContainerRecord): void {
    this.reserveCheck(c.Name, c.Id);
    this.store.prepare('INSERT INTO containers (id, name, image, created_at, record) VALUES (?, ?, ?, ?, ?)')
      .run(c.Id, c.Name, c.Image, Date.parse(c.Created), JSON.stringify(c));
    this.byId.set(c.Id, c);
  }

  /** Write the record back after a change made in place (rename, restart count...). */
  save(c: ContainerRecord): void {
    this.store.prepare('UPDATE containers SET name = ?, image = ?, record = ? WHERE id = ?')
      .run(c.Name, c.Image, JSON.stringify(c), c.Id);
    this.byId.set(c.Id, c);
  }

  /** Move the state machine, refusing what the transition table does not allow, and persist. */
  transition(c: ContainerRecord, to: ContainerStatus, patch: Partial<ContainerRecord['State']> = {}): void {
    if (!canTransition(c.State.Status, to)) {
      throw new Conflict(`cannot move container ${c.Id} from ${c.State.Status} to ${to}`);
    }
    c.State = {
      ...c.State, ...patch, Status: to,
      Running: to === 'running' || to === 'paused' || to === 'restarting', Paused: to === 'paused',
      Restarting: to === 'restarting', Dead: to === 'dead',
    };
    this.save(c);
  }

  delete(id: string): void {
    this.store.prepare('DELETE FROM containers WHERE id = ?').run(id);
    this.byId.delete(id);
  }

  /** The graph's hook: containers created from an image (rmi refuses, prune skips). */
  usedBy(imageId: string): ImageUser[] {
    return this.all().filter((c) => c.Image === imageId).map((c) => ({ id: c.Id, running: c.State.Running }));
  }

  counts(): { total: number; running: number; paused: number; stopped: number } {
    const all = this.all();
    const paused = all.filter((c) => c.State.Paused).length;
    const running = all.filter((c) => c.State.Running).length - paused;
    return { total: all.length, running, paused, stopped: all.length - running - paused };
  }
}
