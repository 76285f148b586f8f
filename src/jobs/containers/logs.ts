import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { Conflict, NotImplemented } from '../../engine/errors.js';
import type { DaemonEvent } from '../../engine/events.js';
import type { Handler, JobContext } from '../context.js';
import { containerDir, containersOf } from './common.js';
import { LineSource, openLogFile, openLogFiles, seekTail, type LogFile } from './logs-files.js';
import { LogOutput } from './logs-output.js';
import type { RecordFormat } from './logs-record.js';
import { logAttrs } from './logs-attrs.js';
import { RecordScanner } from './logs-scan.js';
import { parseLogTimestamp } from './logs-time.js';
import { LogWaker } from './logs-waker.js';
import './logs-types.js';
import type { ContainerRecord } from './types.js';

/**
 * `GET /containers/{id}/logs`: the json-file log the shim writes, rotated files
 * first, as dockerd's json-file reader serves it: tail counted over both streams,
 * then since/until, then the stream choice; stdcopy frames without a TTY, raw bytes
 * with one. With `follow`, a running container's log is read as it grows until the
 * container dies (then the rest is drained), the client leaves or the daemon stops.
 */
export const containerLogs: Handler<'container_logs'> = async (job, ctx) => {
  const a = job.args;
  const c = containersOf(ctx).get(a.name);
  if (c.State.Dead || c.State.Status === 'removing') {
    throw new Conflict('can not get logs from container which is dead or marked for removal');
  }
  // Only `none` keeps nothing to read: dockerd 20.10's dual logging reads any other driver back.
  if ((c.HostConfig['LogConfig'] as { Type?: string } | undefined)?.Type === 'none') {
    throw new NotImplemented('configured logging driver does not support reading');
  }
  const format: RecordFormat = {
    stdout: a.stdout, stderr: a.stderr, timestamps: a.timestamps, details: a.details, mux: !c.Config.Tty,
    ...(a.details ? { attrs: logAttrs(c) } : {}),
    sinceNs: a.since === '' ? null : parseLogTimestamp(a.since),
    untilNs: a.until === '' || a.until === '0' ? null : parseLogTimestamp(a.until),
  };
  if (!job.stdout) throw new Error('container_logs needs a stdout to stream to');
  const out = new LogOutput(job.stdout, job.signal, format.mux);
  const scanner = new RecordScanner(format, out);
  const path = logPath(ctx, c);
  // dockerd follows only a running container, and not when `until` is already past.
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const follow = a.follow && c.State.Running && (format.untilNs === null || format.untilNs > nowNs);
  out.start();

  // Subscribed before the first read, so that a death during it is not missed.
  const follower = follow ? new Follower(ctx, c.Id, path, job.signal) : undefined;
  let files: LogFile[] = [];
  try {
    files = await openLogFiles(path);
    const tail = goAtoi(a.tail);
    if (tail >= 0) await seekTail(files, tail);
    let current: LineSource | null = null;
    for (const f of files) {
      const src = new LineSource(f);
      if (f.path === path) {
        current = src;
        break;
      }
      if (!(await pump(src, out, scanner))) return;
    }
    if (!follower) {
      if (current) await pump(current, out, scanner);
      return;
    }
    await follower.run(current, (src) => pump(src, out, scanner), () => out.ok);
  } finally {
    // Whatever is still on its way to the client goes before the reply ends.
    await out.drain();
    follower?.close();
    await Promise.all(files.map((f) => f.fh.close().catch(() => undefined)));
  }
};

/**
 * The whole log (both streams as chosen, no timestamps) written to `to`, as dockerd's
 * attach with `logs=1` sends it before any live output. Nothing for a container
 * whose driver keeps nothing to read. `untilNs` leaves out the records written after
 * it (those an attach already waiting for the start gets live).
 */
export async function replayLogs(ctx: JobContext, c: ContainerRecord, to: Writable, signal: AbortSignal, streams: { stdout: boolean; stderr: boolean }, untilNs: bigint | null = null): Promise<void> {
  if ((c.HostConfig['LogConfig'] as { Type?: string } | undefined)?.Type === 'none') return;
  const format: RecordFormat = { ...streams, timestamps: false, details: false, mux: !c.Config.Tty, sinceNs: null, untilNs };
  const out = new LogOutput(to, signal, format.mux);
  const scanner = new RecordScanner(format, out);
  const files = await openLogFiles(logPath(ctx, c));
  try {
    for (const f of files) if (!(await pump(new LineSource(f), out, scanner))) return;
  } finally {
    await out.drain();
    await Promise.all(files.map((f) => f.fh.close().catch(() => undefined)));
  }
}

/** `LogPath` once the container has started; dockerd's place for it before that. */
function logPath(ctx: JobContext, c: ContainerRecord): string {
  return c.LogPath || join(containerDir(ctx, c.Id), `${c.Id}-json.log`);
}

/** Go's strconv.Atoi as dockerd uses it for `tail`: anything that is not an integer ("all") is -1. */
function goAtoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) return -1;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : -1;
}

/**
 * Sends one file's complete records from where it stands to its current end.
 * False when the output must end: a record after `until`, or the client gone.
 */
async function pump(src: LineSource, out: LogOutput, scanner: RecordScanner): Promise<boolean> {
  for (;;) {
    const pieces = await src.next();
    if (!pieces) return out.ok;
    let more = true;
    for (let i = 0; more && i < pieces.length; i++) more = scanner.scan(pieces[i]!);
    await out.flush();
    if (!more) return false;
    if (!out.ok) return false;
  }
}

/**
 * The follow half: reads the current file as it grows, moves to the new file after
 * a rotation (the old one drained first) or back to 0 after a truncation, and ends
 * after the drain that follows the container's death.
 */
class Follower {
  private dead = false;
  private readonly waker: LogWaker;
  private readonly unsubscribe: () => void;
  private src: LineSource | null = null;

  constructor(private readonly ctx: JobContext, private readonly id: string, private readonly path: string, private readonly signal: AbortSignal) {
    this.waker = new LogWaker(path);
    this.unsubscribe = ctx.events.subscribe((ev: DaemonEvent) => {
      if (ev.Type === 'container' && ev.Actor.ID === id && (ev.Action === 'die' || ev.Action === 'destroy')) {
        this.dead = true;
        this.waker.wake();
      }
    });
    signal.addEventListener('abort', this.waker.wake, { once: true });
  }

  private running(): boolean {
    return !this.dead && (this.ctx.containers?.find(this.id)?.State.Running ?? false);
  }

  async run(current: LineSource | null, pump: (src: LineSource) => Promise<boolean>, ok: () => boolean): Promise<void> {
    this.src = current;
    for (;;) {
      // Decided before the drain: the drain after the death reads everything the shim flushed.
      const last = !this.running();
      if (!(await this.drain(pump))) return;
      if (last || this.signal.aborted || !ok()) return;
      await this.waker.wait();
    }
  }

  /** Read to the end of the log as it is now, across a rotation. False when the output ended. */
  private async drain(pump: (src: LineSource) => Promise<boolean>): Promise<boolean> {
    for (;;) {
      if (this.src && !(await pump(this.src))) return false;
      const st = await stat(this.path).catch(() => null);
      // Between the shim's rename and its new file: the next wake finds the new one.
      if (!st) return true;
      if (this.src && st.ino === this.src.file.ino) {
        if (st.size >= this.src.pos) return true;
        this.src.reset(0); // truncated in place (max-file 1)
        continue;
      }
      const f: LogFile | null = await openLogFile(this.path);
      if (!f) return true;
      await this.src?.close();
      this.src = new LineSource(f, 0);
    }
  }

  close(): void {
    this.unsubscribe();
    this.signal.removeEventListener('abort', this.waker.wake);
    this.waker.close();
    // The initial current file is closed with the others; a later one is ours.
    void this.src?.close();
  }
}
