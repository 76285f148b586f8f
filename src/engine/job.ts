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
  readonly signal: AbortSignal;

  constructor(
    readonly name: N,
    readonly args: ArgsOf<N>,
    io: JobIO,
    daemonSignal: AbortSignal,
  ) {
    this.stdin = io.stdin ?? null;
    this.stdout = io.stdout ?? null;
    this.signal = io.signal ? AbortSignal.any([io.signal, daemonSignal]) : daemonSignal;
  }

  /** Milliseconds since the job started, for the job log line. */
  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }
}
