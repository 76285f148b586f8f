import { Job, type JobIO } from '../../engine/job.js';
import type { ArgsOf, JobName, ResultOf } from '../../engine/job-table.js';
import type { Handler, JobContext } from '../context.js';

/**
 * Run another area's handler as a step of a build: the builder creates, starts and
 * commits containers the way the API does, so it goes through the same code
 * (validation, events, locks) rather than a copy of it.
 */
export function callHandler<N extends JobName>(ctx: JobContext, handler: Handler<N>, name: N, args: ArgsOf<N>, signal: AbortSignal, io: JobIO = {}): Promise<ResultOf<N>> {
  return handler(new Job(name, args, io, signal), ctx);
}
