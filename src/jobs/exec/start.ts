import { Conflict } from '../../engine/errors.js';
import type { ExecHandle } from '../../drivers/execdriver/types.js';
import type { Handler, JobContext } from '../context.js';
import { containersOf, publish } from '../containers/common.js';
import { DEFAULT_DETACH_KEYS } from '../containers/detach-keys.js';
import type { ContainerRecord } from '../containers/types.js';
import { sendHead } from '../io.js';
import { ExecOutput, frame } from './frames.js';
import { execProcess } from './process.js';
import { pumpExec } from './pump.js';
import type { ExecRecord } from './registry.js';
import { activeExec } from './registry.js';

/** dockerd records 126 for every exec that could not be started, whatever the cause. */
const START_FAILED = 126;

/** Take the exec for this start, or refuse as dockerd does (once only). */
function claim(rec: ExecRecord): void {
  if (rec.exitCode !== null) throw new Conflict(`Error: Exec command ${rec.id} has already run`);
  if (rec.running) throw new Conflict(`Error: Exec command ${rec.id} is already running`);
  rec.running = true;
}

function recordExit(ctx: JobContext, rec: ExecRecord, exitCode: number, event: boolean): void {
  rec.running = false;
  rec.exitCode = exitCode;
  rec.finishedMs = Date.now();
  const c = containersOf(ctx).find(rec.containerId);
  if (event && c) publish(ctx, c, 'exec_die', { execID: rec.id, exitCode: String(exitCode) });
}

/**
 * Run the exec's process in the container. A process that cannot start leaves the
 * exec finished with 126 (and no exec_die, as dockerd). A detached one's exit is
 * tracked at once; an attached one's once its stream ended (see execStart).
 */
async function launch(ctx: JobContext, c: ContainerRecord, rec: ExecRecord, detach: boolean): Promise<ExecHandle> {
  publish(ctx, c, `exec_start: ${rec.entrypoint} ${rec.args.join(' ')}`, { execID: rec.id });
  let h: ExecHandle;
  try {
    const process = await execProcess(ctx, c, rec);
    h = await rec.run.exec({ id: rec.id, process, stdin: rec.openStdin && !detach, detach });
  } catch (err) {
    recordExit(ctx, rec, START_FAILED, false);
    rec.markStarted();
    throw err;
  }
  rec.handle = h;
  rec.pid = h.pid;
  rec.markStarted();
  if (detach) track(ctx, rec, h);
  return h;
}

/** Record the exit whenever it comes, client or not (once). */
function track(ctx: JobContext, rec: ExecRecord, h: ExecHandle): void {
  rec.done ??= h.wait().then(
    ({ exitCode }) => recordExit(ctx, rec, exitCode, true),
    (err: Error) => {
      ctx.log.warn(`exec ${rec.id}: lost track of its process: ${err.message}`);
      recordExit(ctx, rec, START_FAILED, true);
    },
  );
}

/** An error after the head went out travels in the stream, as dockerd writes it. */
function streamError(err: unknown, tty: boolean): Buffer {
  const text = Buffer.from(`${err instanceof Error ? err.message : String(err)}\r\n`);
  return tty ? text : frame(1, text);
}

/**
 * `POST /exec/{id}/start`. Detached: the process starts and the answer is an empty
 * 200 (errors as HTTP errors). Attached (hijacked): the head goes out first, then
 * the process's output; a refusal or a failed start is written into the stream. The
 * shim ends the stream once the process has exited and its output is drained; the
 * connection ends then, and the exit code is asked for meanwhile: the CLI asks for
 * it right after the end, and exec inspect waits for it from then on (so the client
 * does not wait for that round trip on top of its own).
 */
export const execStart: Handler<'exec_start'> = async (job, ctx) => {
  const { id, detach, tty } = job.args;
  const { rec, c } = activeExec(ctx, id);
  if (detach) {
    claim(rec);
    await launch(ctx, c, rec, true);
    job.stdout?.end();
    return;
  }
  const out = job.stdout!;
  sendHead(out);
  let h: ExecHandle;
  try {
    claim(rec);
    h = await launch(ctx, c, rec, false);
  } catch (err) {
    out.end(streamError(err, tty));
    return;
  }
  const output = new ExecOutput({ framedIn: !rec.tty, framedOut: !tty, stdout: rec.openStdout, stderr: rec.openStderr });
  const keys = rec.tty ? (rec.detachKeys.length ? rec.detachKeys : DEFAULT_DETACH_KEYS) : null;
  const how = await pumpExec(h.stream!, output, out, rec.openStdin ? job.stdin : null, keys, job.signal);
  // Asked only now: the shim knows the exit once the stream has ended, so this is one request, not a poll.
  track(ctx, rec, h);
  if (how === 'gone') return;
  if (how === 'exited') rec.streamEnded = true;
  if (!out.writableEnded) out.end();
};
