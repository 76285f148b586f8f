import type { Writable } from 'node:stream';

/** Streams that can send their head before any data (the server's LazyReply and HijackReply). */
interface Startable {
  start(): void;
}

/**
 * Send the response head now, before any body byte: for answers the client waits on
 * before it goes on (the events stream, `wait` before `start`, an attach before start).
 */
export function sendHead(out: Writable | null): void {
  if (out && typeof (out as Partial<Startable>).start === 'function') (out as Writable & Startable).start();
}
