import type { Duplex } from 'node:stream';
import type { ContainerHandle, ExecDriver } from '../../drivers/execdriver/types.js';
import type { Runtime } from './runtime.js';

/** A client attached to a created container, waiting for its start (`docker run` without -d). */
export interface PendingAttach {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The container's stream once it starts; null when the start failed. */
  onStream: (stream: Duplex | null) => void;
}

/** What a finished run left: the code `wait` answers with, and whether it was removed. */
export interface ExitNote {
  exitCode: number;
  removed: boolean;
}

type ExitListener = (note: ExitNote) => void;

/**
 * The daemon's live view of its containers: handles of running ones, the lock per
 * container, clients attached before start, pending restarts, and the listeners that
 * `wait` registers for the next exit or removal.
 */
export class LiveContainers implements Runtime {
  private readonly handles = new Map<string, ContainerHandle>();
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly attaches = new Map<string, PendingAttach[]>();
  private readonly exitListeners = new Map<string, Set<ExitListener>>();
  /** Exit processing of each running container: resolves once its record says exited. */
  private readonly exitDone = new Map<string, Promise<void>>();
  /** A restart policy's pending start (the back-off delay); cancelled by stop, kill, rm. */
  private readonly restarts = new Map<string, NodeJS.Timeout>();
  /** Set while the daemon shuts down: exits then do not trigger restart policies. */
  shuttingDown = false;

  constructor(readonly driver: ExecDriver) {}

  handle(id: string): ContainerHandle | undefined {
    return this.handles.get(id);
  }

  running(): string[] {
    return [...this.handles.keys()];
  }

  /** Track a started (or restored) container and the promise of its processed exit. */
  track(id: string, h: ContainerHandle, exited: Promise<void>): void {
    this.handles.set(id, h);
    this.exitDone.set(id, exited);
  }

  forget(id: string): void {
    this.handles.delete(id);
    this.exitDone.delete(id);
  }

  /** Resolves once the running container's exit has been recorded (at once if it does not run). */
  exited(id: string): Promise<void> {
    return this.exitDone.get(id) ?? Promise.resolve();
  }

  locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(id, tail);
    void tail.then(() => { if (this.tails.get(id) === tail) this.tails.delete(id); });
    return run;
  }

  addAttach(id: string, a: PendingAttach): () => void {
    const list = this.attaches.get(id) ?? [];
    list.push(a);
    this.attaches.set(id, list);
    return () => {
      const now = this.attaches.get(id);
      if (!now) return;
      const rest = now.filter((x) => x !== a);
      if (rest.length) this.attaches.set(id, rest);
      else this.attaches.delete(id);
    };
  }

  /** The attaches waiting for this start; they are handed over once. */
  takeAttaches(id: string): PendingAttach[] {
    const list = this.attaches.get(id) ?? [];
    this.attaches.delete(id);
    return list;
  }

  onExit(id: string, fn: ExitListener): () => void {
    const set = this.exitListeners.get(id) ?? new Set();
    set.add(fn);
    this.exitListeners.set(id, set);
    return () => { set.delete(fn); if (set.size === 0 && this.exitListeners.get(id) === set) this.exitListeners.delete(id); };
  }

  notifyExit(id: string, note: ExitNote): void {
    for (const fn of [...(this.exitListeners.get(id) ?? [])]) fn(note);
  }

  scheduleRestart(id: string, delayMs: number, fn: () => void): void {
    this.cancelRestart(id);
    const t = setTimeout(() => { this.restarts.delete(id); fn(); }, delayMs);
    this.restarts.set(id, t);
  }

  /** True when a restart was pending (and is now cancelled). */
  cancelRestart(id: string): boolean {
    const t = this.restarts.get(id);
    if (!t) return false;
    clearTimeout(t);
    this.restarts.delete(id);
    return true;
  }

  cancelAllRestarts(): void {
    for (const t of this.restarts.values()) clearTimeout(t);
    this.restarts.clear();
  }
}
