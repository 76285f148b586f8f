import { InvalidParameter } from '../../engine/errors.js';
import type { DaemonEvent, EventBus } from '../../engine/events.js';
import type { Handler } from '../context.js';
import { sendHead } from '../io.js';
import { eventFilter } from './event-filter.js';

/** Bytes of unsent events a subscriber may hold before it is dropped. */
const MAX_BUFFERED = 8 << 20;

/** Live `/events` subscribers per bus, for `/info`'s NEventsListener. */
const listeners = new WeakMap<EventBus, number>();

export function listenerCount(bus: EventBus): number {
  return listeners.get(bus) ?? 0;
}

/**
 * `GET /events`: replay the kept history from `since`, then stream live events
 * until `until`, the client leaving, or daemon shutdown. One JSON object per line.
 * The head goes out at once, before any event: the CLI waits for it to know the
 * stream is open.
 */
export const systemEvents: Handler<'system_events'> = async (job, { events }) => {
  const { sinceNs, untilNs } = job.args;
  const include = eventFilter(job.args.filters);
  const out = job.stdout;
  if (!out) throw new Error('system_events needs a stdout to stream to');
  if (sinceNs !== null && untilNs !== null && untilNs < sinceNs) {
    throw new InvalidParameter('`since` time cannot be after `until` time');
  }
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  // A client that stops reading is cut off rather than buffered for without bound.
  const send = (ev: DaemonEvent) => {
    if (out.writableLength > MAX_BUFFERED) out.destroy(new Error('events client is not reading'));
    else out.write(JSON.stringify(ev) + '\n');
  };
  sendHead(out);

  // dockerd replays only when a bound is given; the loop is synchronous, so no live
  // event can slip in between the replay and the subscription below.
  if (sinceNs !== null || untilNs !== null) {
    for (const ev of events.past()) {
      const t = BigInt(ev.timeNano);
      if (sinceNs !== null && t < sinceNs) continue;
      if (untilNs !== null && t > untilNs) continue;
      if (include(ev)) send(ev);
    }
  }
  if (untilNs !== null && untilNs <= nowNs) {
    out.end();
    return;
  }

  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = events.subscribe((ev) => {
      if (include(ev)) send(ev);
    });
    listeners.set(events, listenerCount(events) + 1);
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      unsubscribe();
      listeners.set(events, listenerCount(events) - 1);
      clearTimeout(timer);
      job.signal.removeEventListener('abort', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    // Timers overflow past 2^31 ms (~24 days); a bound that far off just streams on.
    const delayMs = untilNs === null ? Infinity : Number((untilNs - nowNs) / 1_000_000n);
    if (delayMs < 2 ** 31) timer = setTimeout(done, delayMs);
    if (job.signal.aborted) return done();
    job.signal.addEventListener('abort', done, { once: true });
    out.once('close', done);
    out.once('error', done);
  });
  if (!out.destroyed && !out.writableEnded) out.end();
};
