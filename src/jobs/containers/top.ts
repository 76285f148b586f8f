import { execFile } from 'node:child_process';
import { Conflict, InvalidParameter, System } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { runtimeOf } from './runtime.js';
import type { TopResult } from './runtime-types.js';

/**
 * `GET /containers/{id}/top?ps_args=`: as dockerd, the host's own `ps` with the
 * client's arguments (default `-ef`), keeping the rows whose PID is one of the
 * container's processes. The output format is ps's, whatever options the client
 * picks, which is why this job runs a program instead of reading /proc itself.
 */
export const containerTop: Handler<'container_top'> = async (job, ctx) => {
  const psArgs = job.args.psArgs || '-ef';
  validatePsArgs(psArgs);
  const store = containersOf(ctx);
  const c = store.get(job.args.name);
  if (!c.State.Running) throw new Conflict(`Container ${c.Id} is not running`);
  if (c.State.Restarting) throw new Conflict(`Container ${c.Id} is restarting, wait until the container is running`);
  const h = runtimeOf(ctx).handle(c.Id);
  if (!h) throw new Conflict(`Container ${c.Id} is not running`);
  const pids = await h.top();
  // dockerd splits on single spaces, so doubled spaces become empty arguments as there.
  const args = psArgs.split(' ');
  let output: string;
  try {
    // `-q` lists only those pids, cheap on a busy host...
    output = await ps([...args, `-q${pids.join(',')}`]);
  } catch {
    // ...but some options (forest listings) refuse it: then the whole table, filtered here.
    output = await ps(args);
  }
  const result = parsePsOutput(output, new Set(pids));
  publish(ctx, c, 'top');
  return result;
};

/** Go's ASCII whitespace, which dockerd splits on (not Unicode spaces). */
const fieldsASCII = (s: string): string[] => s.split(/[\t\n\f\r ]+/).filter((f) => f !== '');

/** dockerd refuses to let the client rename another column to PID: the filter would be fooled. */
function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/[\t\n\f\r ]+([^\t\n\f\r ]*)=[\t\n\f\r ]*(PID[^\t\n\f\r ]*)/g)) {
    if (m[1] !== 'pid') throw new InvalidParameter(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** Runs ps; a failure carries ps's first stderr line, or Go's exit description, as dockerd's "ps: ...". */
function ps(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const first = stderr.split('\n', 1)[0] ?? '';
      const e = err as NodeJS.ErrnoException & { signal?: string | null };
      const why = first !== '' ? first
        : e.code === 'ENOENT' ? 'exec: "ps": executable file not found in $PATH'
          : e.signal ? `signal: ${signalName(e.signal)}`
            : typeof e.code === 'number' ? `exit status ${e.code}` : e.message;
      // ps refusing its arguments is the client's bad input: a 400 (dockerd says 500),
      // in dockerd's words; ps missing or killed is the daemon's problem.
      const client = first !== '' || typeof e.code === 'number';
      reject(client ? new InvalidParameter(`ps: ${why}`, { cause: err }) : new System(`ps: ${why}`, { cause: err }));
    });
  });
}

/** Go's names for the signals a ps could die of (os.Signal's String()). */
function signalName(sig: string): string {
  const names: Record<string, string> = { SIGKILL: 'killed', SIGTERM: 'terminated', SIGSEGV: 'segmentation fault', SIGABRT: 'aborted' };
  return names[sig] ?? sig;
}

/**
 * The header's fields are the titles; a row belongs to the container when its PID
 * does, and thread rows (PID `-`, with `-L`/`m`) follow the process they belong to.
 * Fields past the last title (a command with spaces) are joined back into it.
 */
export function parsePsOutput(output: string, pids: Set<number>): TopResult {
  const lines = output.split('\n');
  const titles = fieldsASCII(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new System("Couldn't find PID field in ps output");
  const processes: string[][] = [];
  const add = (fields: string[]): void => {
    const row = fields.slice(0, titles.length - 1);
    row.push(fields.slice(titles.length - 1).join(' '));
    processes.push(row);
  };
  let previousIn = false;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const fields = fieldsASCII(line);
    const field = fields[pidIndex];
    if (field === undefined) continue;
    if (field === '-') {
      if (previousIn) add(fields);
      continue;
    }
    if (!/^[+-]?\d+$/.test(field)) {
      throw new System(`Unexpected pid '${field}': strconv.Atoi: parsing ${JSON.stringify(field)}: invalid syntax`);
    }
    previousIn = pids.has(Number(field));
    if (previousIn) add(fields);
  }
  // A Go nil slice: null when nothing matched.
  // Processes before Titles, as dockerd's generated ContainerTopOKBody.
  return { Processes: processes.length ? processes : null, Titles: titles };
}
