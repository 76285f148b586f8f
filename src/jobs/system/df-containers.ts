import { Writable } from 'node:stream';
import { Job } from '../../engine/job.js';
import type { JobContext } from '../context.js';
import { containerList } from '../containers/list.js';

/**
 * `system df`'s containers: dockerd's Containers({All, Size}), i.e. exactly the rows
 * of `GET /containers/json?all=1&size=1`, so the listing's handler writes them here.
 */
export async function dfContainers(ctx: JobContext, signal: AbortSignal): Promise<unknown[]> {
  if (!ctx.containers) return [];
  let text = '';
  const out = new Writable({ write(chunk: Buffer | string, _enc, done) { text += String(chunk); done(); } });
  const finished = new Promise<void>((res, rej) => { out.once('finish', res); out.once('error', rej); });
  await containerList(new Job('container_list', { all: true, limit: 0, size: true, filters: {} }, { stdout: out }, signal), ctx);
  await finished;
  return JSON.parse(text) as unknown[];
}
