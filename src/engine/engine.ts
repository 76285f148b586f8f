import type { Logger } from 'winston';
import { Job, type JobIO } from './job.js';
import type { ArgsOf, JobName, ResultOf } from './job-table.js';
import { BerthError, Unavailable, kindOf } from './errors.js';

/** A job handler: typed arguments in, a typed result out, typed errors thrown. */
export type Handler<N extends JobName, C> = (job: Job<N>, ctx: C) => Promise<ResultOf<N>>;

/** What an area's `install` hands to `register`: a literal table of its handlers. */
export type HandlerTable<C> = { [N in JobName]?: Handler<N, C> };

type ShutdownHook = () => Promise<void> | void;

/**
 * The job engine: a map from job name to handler, and the one place every job runs
 * through, so every API request, start-up step and test call is logged the same way
 * and can be cancelled on shutdown. It knows nothing of HTTP or of containers.
 * `C` is the context handed to every handler (the daemon's services).
 */
export class Engine<C> {
  private readonly handlers = new Map<JobName, Handler<JobName, C>>();
  /** Jobs in flight, with a promise that settles when each ends (for shutdown). */
  private readonly running = new Map<Job, Promise<unknown>>();
  private readonly hooks: ShutdownHook[] = [];
  private readonly daemon = new AbortController();
  private closing = false;

  constructor(
    readonly ctx: C,
    private readonly log: Logger,
  ) {}

  /** Register one area's handlers. A name registered twice is a programming error. */
  install(table: HandlerTable<C>): void {
    for (const [name, handler] of Object.entries(table) as [JobName, Handler<JobName, C>][]) {
      if (!handler) continue;
      if (this.handlers.has(name)) throw new Error(`job ${name} is already registered`);
      this.handlers.set(name, handler);
    }
  }

  has(name: string): name is JobName {
    return this.handlers.has(name as JobName);
  }

  names(): JobName[] {
    return [...this.handlers.keys()];
  }

  /** Run a job to completion and return its result, or throw its typed error. */
  async job<N extends JobName>(name: N, args: ArgsOf<N>, io: JobIO = {}): Promise<ResultOf<N>> {
    const job = new Job(name, args, io, this.daemon.signal);
    const handler = this.handlers.get(name) as Handler<N, C> | undefined;
    if (!handler) {
      job.status = 127;
      job.error = new Error(`no such job: ${name}`);
      this.trace(job);
      throw job.error;
    }
    if (this.closing) {
      job.status = 1;
      job.error = new Unavailable('the daemon is shutting down');
      this.trace(job);
      throw job.error;
    }
    const run = (async () => {
      try {
        job.result = await handler(job, this.ctx);
        job.status = 0;
        return job.result;
      } catch (err) {
        job.status = 1;
        job.error = err instanceof Error ? err : new Error(String(err));
        throw job.error;
      } finally {
        this.running.delete(job as Job);
        this.trace(job);
      }
    })();
    this.running.set(job as Job, run);
    return run;
  }

  /** Hooks run last on shutdown, in reverse order of registration (close the store last). */
  onShutdown(hook: ShutdownHook): void {
    this.hooks.push(hook);
  }

  /** Refuse new jobs, abort long-lived ones (events, logs -f), wait, then run the hooks. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.daemon.abort(new Unavailable('the daemon is shutting down'));
    const settled = Promise.allSettled(this.running.values());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled, new Promise((r) => { timer = setTimeout(r, timeoutMs); })]);
    clearTimeout(timer);
    for (const hook of [...this.hooks].reverse()) {
      try {
        await hook();
      } catch (err) {
        this.log.error(`shutdown hook failed: ${(err as Error).message}`);
      }
    }
  }

  get signal(): AbortSignal {
    return this.daemon.signal;
  }

  /** The uniform job trace: id, name, duration, status; failures say why. */
  private trace(job: Job): void {
    if (job.status === 0) {
      // Checked first: at tens of thousands of requests a second, building a line
      // nobody will read is measurable.
      if (this.log.isDebugEnabled()) this.log.debug(`job ${job.name} id=${job.id} ${job.elapsedMs().toFixed(1)}ms status=0`);
      return;
    }
    const ms = job.elapsedMs().toFixed(1);
    const kind = kindOf(job.error);
    const level = job.error instanceof BerthError && kind !== 'system' ? 'info' : 'error';
    this.log.log(level, `job ${job.name} id=${job.id} ${ms}ms status=${job.status} error=${JSON.stringify(job.error?.message)}`);
  }
}
