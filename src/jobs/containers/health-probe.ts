/**
 * One health probe: the probe's command run in the container as an exec would run
 * (the container's user, working dir and environment, no tty), its stdout and stderr
 * kept up to dockerd's 4096 bytes, its exit code the verdict. A probe that outlives
 * its timeout is killed and counts as a failure with dockerd's message; one that
 * cannot start counts as a failure with the reason as its output (exit code -1).
 */
import { randomBytes } from 'node:crypto';
import type { ContainerHandle } from '../../drivers/execdriver/types.js';
import type { JobContext } from '../context.js';
import { execEnv } from '../exec/create.js';
import { ExecOutput } from '../exec/frames.js';
import { execProcess } from '../exec/process.js';
import { publish } from './common.js';
import type { Probe } from './health-config.js';
import type { ContainerRecord, HealthLogEntry } from './types.js';

/** daemon/health.go maxOutputLen. */
const MAX_OUTPUT = 4096;

/** Go's time.Duration as `%v` prints whole ones (`30s`, `1m30s`, `500ms`), for the timeout message. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

export async function runProbe(ctx: JobContext, c: ContainerRecord, handle: ContainerHandle, probe: Probe): Promise<HealthLogEntry> {
  const start = new Date().toISOString();
  const result = (ExitCode: number, Output: string): HealthLogEntry => ({ Start: start, End: new Date().toISOString(), ExitCode, Output });
  const id = randomBytes(32).toString('hex');
  const [entrypoint = '', ...args] = probe.cmd;
  // dockerd registers the probe as an exec of the container and says so on the event stream.
  publish(ctx, c, `exec_create: ${entrypoint} ${args.join(' ')}`, { execID: id });
  let exec;
  try {
    const process = await execProcess(ctx, c, {
      entrypoint, args, tty: false, privileged: false,
      user: c.Config.User ?? '', workingDir: c.Config.WorkingDir ?? '',
      env: execEnv(c, false),
    });
    publish(ctx, c, `exec_start: ${entrypoint} ${args.join(' ')}`, { execID: id });
    exec = await handle.exec({ id, process, stdin: false, detach: false });
  } catch (err) {
    return result(-1, (err as Error).message);
  }
  const chunks: Buffer[] = [];
  let kept = 0;
  const out = new ExecOutput({ framedIn: true, framedOut: false, stdout: true, stderr: true });
  out.on('data', (b: Buffer) => {
    if (kept < MAX_OUTPUT) chunks.push(b.subarray(0, MAX_OUTPUT - kept));
    kept += b.length;
  });
  exec.stream?.on('error', () => undefined);
  exec.stream?.pipe(out);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), probe.timeoutMs); });
  const ended = new Promise<void>((resolve) => { if (exec.stream) out.on('end', resolve); else resolve(); });
  const finished = Promise.all([ended, exec.wait()]).then(([, w]) => w.exitCode);
  const outcome = await Promise.race([finished, timedOut]).catch((e: Error) => e).finally(() => clearTimeout(timer));
  if (outcome instanceof Error) return result(-1, outcome.message);
  if (outcome === 'timeout') {
    try { process.kill(exec.pid, 'SIGKILL'); } catch { /* it ended meanwhile */ }
    exec.stream?.destroy();
    void finished.catch(() => undefined);
    publish(ctx, c, 'exec_die', { execID: id, exitCode: '137' });
    return result(-1, `Health check exceeded timeout (${goDuration(probe.timeoutMs)})`);
  }
  publish(ctx, c, 'exec_die', { execID: id, exitCode: String(outcome) });
  return result(outcome, Buffer.concat(chunks).toString('utf8'));
}
