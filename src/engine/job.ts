import type { Readable, Writable } from 'node:stream';
import type { ArgsOf, JobName, ResultOf } from './job-table.js';

/** The streams and cancellation a caller hands to a job. All optional. */
export interface JobIO {
  /** Request body for jobs that consume a stream (load, import, build context). */
  stdin?: Readable;
  /** Only for real streams (pull progress, logs, events, save). JSON replies are returned. */
  stdout?: Writable;
  /** Aborted when the client goes away or the daemon shuts down. */
  signal?: AbortSignal;
}

let nextId = 1;

/**
 * One run of a named handler, modelled on a Unix process as classic Docker's was:
 * a name, typed arguments, stdio, an abort signal and, once done, a status
 * (0 ok, 1 error, 127 no such job) plus the error or result.
 */
export class Job<N extends JobName = JobName> {
  readonly id = nextId++;
  readonly startedAt = process.hrtime.bigint();
  status: 0 | 1 | 127 | null = null;
  error: Error | null = null;
  result: ResultOf<N> | undefined;
  readonly stdin: Readable | null;
  readonly stdout: Writable | null;
  private combined: AbortSignal | undefined;

  constructor(
    readonly name: N,
    readonly args: ArgsOf<N>,
    private readonly io: JobIO,
    private readonly daemonSignal: AbortSignal,
  ) {
    this.stdin = io.stdin ?? null;
    this.stdout = io.stdout ?? null;
  }

  /**
   * Aborted when the caller's signal or the daemon's fires. Built on first use: most
   * jobs never look, and combining signals costs more than a quick job itself.
   */
  get signal(): AbortSignal {
    if (!this.combined) {
      const own = this.io.signal;
      this.combined = own ? AbortSignal.any([own, this.daemonSignal]) : this.daemonSignal;
    }
    return this.combined;
  }

  /** Milliseconds since the job started, for the job log line. */
  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }
}
