import { EventEmitter } from 'node:events';
import { goMap } from './go-map.js';

/** One event as the Engine API sends it on GET /events (v1.41 shape plus the legacy fields). */
export interface DaemonEvent {
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin' | 'builder';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  /** Legacy fields (API < 1.22 clients read these). */
  status?: string;
  id?: string;
  from?: string;
}

export type EventInput = Pick<DaemonEvent, 'Type' | 'Action'> & {
  id: string;
  attributes?: Record<string, string>;
};

/**
 * The daemon's event bus: publishes events live and keeps the last `capacity` of
 * them so that `GET /events?since=` can replay, as dockerd keeps its last 256.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly history: DaemonEvent[] = [];
  private readonly holds = new Set<{ match: (e: EventInput) => boolean; held: EventInput[] }>();

  constructor(private readonly capacity = 1024) {
    this.emitter.setMaxListeners(0);
  }

  /**
   * Until the returned function is called, events that `match` are kept back; then
   * they are published, in their order. For an order dockerd has that our concurrency
   * does not: a container's network is let go before its exit is recorded, while
   * dockerd logs `die` before the network's `disconnect`.
   */
  hold(match: (e: EventInput) => boolean): () => void {
    const h = { match, held: [] as EventInput[] };
    this.holds.add(h);
    return () => {
      if (!this.holds.delete(h)) return;
      for (const e of h.held) this.publish(e);
    };
  }

  /** Publishes `input` (or keeps it back for a hold: then undefined). */
  publish(input: EventInput): DaemonEvent | undefined {
    for (const h of this.holds) {
      if (h.match(input)) {
        h.held.push(input);
        return undefined;
      }
    }
    const nowNs = BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
    // Attributes is a Go map in dockerd's events.Message: its JSON has the keys sorted.
    const given = input.attributes ?? {};
    const attrs = goMap(given);
    // The legacy fields come first when present, as they do in events.Message.
    const legacy = input.Type === 'container' || input.Type === 'image'
      ? { status: input.Action, id: input.id, ...(attrs.image ? { from: attrs.image } : {}) }
      : {};
    const ev: DaemonEvent = {
      ...legacy,
      Type: input.Type,
      Action: input.Action,
      Actor: { ID: input.id, Attributes: attrs },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    this.history.push(ev);
    if (this.history.length > this.capacity) this.history.shift();
    this.emitter.emit('event', ev);
    return ev;
  }

  /** Events already published, oldest first. */
  past(): readonly DaemonEvent[] {
    return this.history;
  }

  subscribe(fn: (ev: DaemonEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
