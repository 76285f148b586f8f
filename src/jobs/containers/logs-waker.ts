import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Wakes a log follower when the log may have grown: inotify on the log's directory
 * (appends, and the new file a rotation creates), or the next poll tick when
 * inotify is unavailable. A wake that comes while the follower is reading is kept,
 * so no write is missed between a read and the next wait.
 */
export class LogWaker {
  private pending = false;
  private resolve: (() => void) | undefined;
  private readonly watcher: FSWatcher | undefined;
  /** Poll interval: the safety net with inotify, the only clock without. */
  readonly pollMs: number;

  constructor(path: string) {
    const name = basename(path);
    let w: FSWatcher | undefined;
    try {
      w = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || String(file).startsWith(name)) this.wake();
      });
      w.on('error', () => { w?.close(); });
    } catch {
      w = undefined;
    }
    this.watcher = w;
    this.pollMs = w ? 1000 : 200;
  }

  wake = (): void => {
    this.pending = true;
    const r = this.resolve;
    this.resolve = undefined;
    r?.();
  };

  /** Resolves at the next wake (at once if one came since the last wait), or after the poll interval. */
  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), this.pollMs);
      this.resolve = () => {
        clearTimeout(timer);
        this.pending = false;
        resolve();
      };
    });
  }

  close(): void {
    this.watcher?.close();
    this.wake();
  }
}
