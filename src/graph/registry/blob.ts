import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { InvalidParameter, NotFound } from '../../engine/errors.js';
import { sha256Stream, type Sha256Stream } from '../../libcontainer/native.js';
import type { RegistryClient } from './client.js';
import { errorFrom, RegistryError } from './errors.js';
import { silenceLimitMs, TransportError } from './http.js';
import type { Descriptor } from './types.js';

export interface BlobOptions {
  /** Bytes received so far (for progress). */
  onBytes?: (received: number) => void;
  /** A transfer broke and will be resumed after `delayMs`. */
  onRetry?: (delayMs: number, err: Error) => void;
  /** Fail a transfer that receives nothing for this long while we are reading. */
  stallMs?: number;
  /** Bytes buffered ahead of the consumer (parallel downloads of layers waiting to be extracted). */
  highWaterMark?: number;
  /** Every byte arrived and matched the digest (before the consumer has read them all). */
  onComplete?: () => void;
}

const DEFAULT_STALL_MS = 30_000;

/** The blob's bytes did not hash to its digest (or ran past its size). */
export class DigestMismatch extends InvalidParameter {}

/**
 * A blob as one verified stream: every byte is hashed as it passes (on the thread
 * pool, so the event loop only hands the chunks on), and the stream
 * ends only once the count equals the descriptor's size and the sha256 equals its
 * digest; otherwise it errors, so whatever consumed the bytes (the layer extraction)
 * fails and is discarded. A connection that breaks, ends early or stalls is resumed
 * where it stopped, with a Range request (or, if the registry ignores Range, by
 * skipping what we already had), up to the client's attempt limit; the consumer
 * sees one uninterrupted stream.
 */
export function blobStream(client: RegistryClient, repo: string, desc: Descriptor, opts: BlobOptions = {}): Readable {
  return new BlobReader(client, repo, desc, opts);
}

class BlobReader extends Readable {
  private readonly hash: Sha256Stream = sha256Stream();
  private received = 0;
  /** Every byte is in: the digest is being finished, nothing more is asked of the registry. */
  private verifying = false;
  private attempt = 0;
  private res: IncomingMessage | null = null;
  private starting = false;
  private lastData = Date.now();
  private watchdog: NodeJS.Timeout | null = null;

  constructor(
    private readonly client: RegistryClient,
    private readonly repo: string,
    private readonly desc: Descriptor,
    private readonly opts: BlobOptions,
  ) {
    super({ highWaterMark: opts.highWaterMark ?? 1 << 20 });
  }

  override _read(): void {
    if (this.res) {
      this.lastData = Date.now();
      this.res.resume();
    } else if (!this.starting && !this.verifying) {
      void this.start();
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.stopWatchdog();
    this.res?.destroy();
    cb(err);
  }

  private async start(): Promise<void> {
    this.starting = true;
    this.attempt++;
    try {
      const res = await this.open();
      if (this.destroyed) { res.destroy(); return; }
      this.attach(res);
    } catch (err) {
      this.failed(err as Error);
    } finally {
      this.starting = false;
    }
  }

  private async open(): Promise<IncomingMessage> {
    const url = this.client.url(this.repo, `blobs/${this.desc.digest}`);
    const headers = this.received > 0 ? { range: `bytes=${this.received}-` } : undefined;
    const res = await this.client.request(this.repo, 'pull', { method: 'GET', url, headers });
    const status = res.statusCode ?? 0;
    if (status === 404) {
      res.resume();
      throw new NotFound(`unknown blob`, { cause: new RegistryError(404, 'BLOB_UNKNOWN', `blob unknown to registry: ${this.desc.digest}`) });
    }
    if (status !== 200 && status !== 206) throw await errorFrom(res);
    let skip = 0;
    if (this.received > 0) {
      const start = Number(/bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1] ?? 0);
      // 200: the registry ignored Range and sends it all again; 206 from elsewhere than asked is as good.
      skip = status === 200 ? this.received : this.received - start;
      if (skip < 0) { res.destroy(); throw new TransportError('the registry resumed the blob past where it stopped', url); }
    }
    (res as IncomingMessage & { skip?: number }).skip = skip;
    return res;
  }

  private attach(res: IncomingMessage & { skip?: number }): void {
    this.res = res;
    let skip = res.skip ?? 0;
    this.lastData = Date.now();
    this.startWatchdog();
    res.on('data', (chunk: Buffer) => {
      this.lastData = Date.now();
      if (skip > 0) {
        const cut = Math.min(skip, chunk.length);
        skip -= cut;
        chunk = chunk.subarray(cut);
        if (chunk.length === 0) return;
      }
      this.received += chunk.length;
      if (this.received > this.desc.size) {
        this.fail(new DigestMismatch(`filesystem layer verification failed for digest ${this.desc.digest}`));
        return;
      }
      this.hash.update(chunk);
      this.opts.onBytes?.(this.received);
      if (!this.push(chunk)) res.pause();
    });
    res.on('end', () => this.ended(res));
    res.on('aborted', () => this.broken(res, new TransportError('unexpected EOF', res.url ?? '')));
    res.on('error', (err) => this.broken(res, err));
  }

  private ended(res: IncomingMessage): void {
    if (res !== this.res) return;
    this.res = null;
    this.stopWatchdog();
    if (this.received < this.desc.size) {
      this.retry(new TransportError('unexpected EOF', ''));
      return;
    }
    this.verifying = true;
    this.hash.digest().then((hex) => {
      if (this.destroyed) return;
      if (`sha256:${hex}` !== this.desc.digest) {
        this.fail(new DigestMismatch(`filesystem layer verification failed for digest ${this.desc.digest}`));
        return;
      }
      this.opts.onComplete?.();
      this.push(null);
    }, (err: Error) => this.fail(err));
  }

  private broken(res: IncomingMessage, err: Error): void {
    if (res !== this.res) return;
    this.res = null;
    this.stopWatchdog();
    res.destroy();
    this.retry(err);
  }

  private failed(err: Error): void {
    if (err instanceof TransportError) this.retry(err);
    else this.fail(err);
  }

  /** Resume after a broken transfer, waiting longer each time, while attempts remain. */
  private retry(err: Error): void {
    if (this.destroyed) return;
    if (this.attempt >= this.client.maxAttempts) {
      this.fail(err);
      return;
    }
    const delay = 1000 * this.attempt;
    this.opts.onRetry?.(delay, err);
    this.client.wait(delay).then(() => { if (!this.destroyed) void this.start(); }, (e: Error) => this.fail(e));
  }

  private fail(err: Error): void {
    this.stopWatchdog();
    // Forget the response before destroying it: its 'aborted' may fire at once, and
    // must not count as a broken transfer to retry ("Retrying in 1 second").
    const res = this.res;
    this.res = null;
    res?.destroy();
    this.destroy(err);
  }

  /** A stall is silence while we want data; a paused body (the consumer is busy) is not one. */
  private startWatchdog(): void {
    const stallMs = this.opts.stallMs ?? silenceLimitMs(DEFAULT_STALL_MS);
    this.stopWatchdog();
    this.watchdog = setInterval(() => {
      const res = this.res;
      if (!res || res.isPaused()) { this.lastData = Date.now(); return; }
      if (Date.now() - this.lastData > stallMs) {
        const url = this.client.url(this.repo, `blobs/${this.desc.digest}`);
        this.broken(res, new TransportError(`Get "${url}": the registry sent no data for ${Math.round(stallMs / 1000)}s`, url));
      }
    }, Math.min(1000, stallMs));
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}
