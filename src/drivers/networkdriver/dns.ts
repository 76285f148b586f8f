/**
 * The DNS server of a user-defined network, on the network's gateway address: A
 * (and, on a network with IPv6, AAAA) queries for container names, aliases and short
 * ids are answered from the network's own table; everything else is forwarded unchanged to the upstream resolvers (the
 * host's, loopback ones filtered: see resolvconf.ts `upstreams`). Only the small part
 * of RFC 1035 this needs is parsed here (header and one question), so no dependency.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { parseIp } from './ipam.js';
import { parseIp6 } from './ipam6.js';

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
/** dockerd's embedded DNS answers with a 600 s TTL. */
const TTL = 600;

export interface Question {
  id: number;
  name: string;
  type: number;
  klass: number;
  /** Offset just past the question, where answers go. */
  end: number;
}

/** Reads the header and the first question; null for anything malformed or odd. */
export function parseQuery(msg: Buffer): Question | null {
  if (msg.length < 12) return null;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000 || msg.readUInt16BE(4) !== 1) return null; // a response, or not one question
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return null;
    const len = msg[off]!;
    if (len === 0) { off++; break; }
    if (len & 0xc0) return null; // no compression in a question we accept
    if (off + 1 + len > msg.length) return null;
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return null;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off), klass: msg.readUInt16BE(off + 2), end: off + 4 };
}

/** A reply with the question echoed and one A or AAAA record per address of that family (RD copied, RA set). */
export function encodeReply(query: Buffer, q: Question, all: string[]): Buffer {
  const v6 = q.type === TYPE_AAAA;
  const addresses = all.filter((a) => a.includes(':') === v6);
  const head = Buffer.from(query.subarray(0, q.end));
  head.writeUInt16BE(0x8000 | 0x0400 | (query.readUInt16BE(2) & 0x0100) | 0x0080, 2); // QR AA RD RA, NOERROR
  head.writeUInt16BE(addresses.length, 6);
  head.writeUInt16BE(0, 8);
  head.writeUInt16BE(0, 10);
  const answers = addresses.map((a) => {
    const rr = Buffer.alloc(v6 ? 28 : 16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(TTL, 6);
    rr.writeUInt16BE(v6 ? 16 : 4, 10);
    if (v6) {
      const n = parseIp6(a);
      for (let i = 0; i < 16; i++) rr[12 + i] = Number((n >> BigInt(120 - 8 * i)) & 0xffn);
    } else {
      rr.writeUInt32BE(parseIp(a), 12);
    }
    return rr;
  });
  return Buffer.concat([head, ...answers]);
}

export interface Upstream {
  host: string;
  port: number;
}

export interface DnsServerOptions {
  address: string;
  port?: number;
  upstreams: Upstream[];
  /** How long to wait for an upstream before trying the next (ms). */
  timeout?: number;
  /**
   * Names this server does not hold, looked up for one client (by its address):
   * a container on several networks asks only one network's server, yet must
   * resolve the names of all of them, as dockerd's per-container resolver does.
   */
  fallback?: (name: string, client: string) => string[];
  /**
   * The upstreams of one client, when it has its own (a container's `--dns`): dockerd's
   * embedded resolver forwards to the container's servers, not the daemon's.
   */
  upstreamsFor?: (client: string) => Upstream[];
}

export class DnsServer {
  private readonly names = new Map<string, Set<string>>();
  private sock: Socket | undefined;

  constructor(private readonly opts: DnsServerOptions) {}

  /** Names are matched case-insensitively, as DNS does. */
  register(name: string, ip: string): void {
    const key = name.toLowerCase();
    const set = this.names.get(key) ?? new Set<string>();
    set.add(ip);
    this.names.set(key, set);
  }

  unregister(name: string, ip: string): void {
    const key = name.toLowerCase();
    const set = this.names.get(key);
    if (!set) return;
    set.delete(ip);
    if (!set.size) this.names.delete(key);
  }

  lookup(name: string): string[] {
    return [...(this.names.get(name.toLowerCase().replace(/\.$/, '')) ?? [])];
  }

  start(): Promise<void> {
    const sock = createSocket('udp4');
    this.sock = sock;
    sock.on('message', (msg, rinfo) => this.onQuery(msg, rinfo));
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.opts.port ?? 53, this.opts.address, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    const sock = this.sock;
    this.sock = undefined;
    return new Promise((r) => (sock ? sock.close(() => r()) : r()));
  }

  private onQuery(msg: Buffer, rinfo: RemoteInfo): void {
    const q = parseQuery(msg);
    if (q && q.klass === CLASS_IN) {
      let ips = this.lookup(q.name);
      if (!ips.length && this.opts.fallback) ips = this.opts.fallback(q.name, rinfo.address);
      if (ips.length && (q.type === TYPE_A || q.type === TYPE_AAAA)) {
        // A known name without an address of the family asked gets an empty NOERROR, not a forward that would leak it.
        this.sock?.send(encodeReply(msg, q, ips), rinfo.port, rinfo.address);
        return;
      }
    }
    const own = this.opts.upstreamsFor?.(rinfo.address);
    void this.forward(msg, rinfo, own?.length ? own : this.opts.upstreams, 0);
  }

  /** Relays the query as it is to each upstream in turn until one answers. */
  private async forward(msg: Buffer, rinfo: RemoteInfo, upstreams: Upstream[], index: number): Promise<void> {
    const up = upstreams[index];
    if (!up || !this.sock) return;
    const out = createSocket('udp4');
    const timer = setTimeout(() => {
      out.close();
      void this.forward(msg, rinfo, upstreams, index + 1);
    }, this.opts.timeout ?? 2000);
    out.on('error', () => undefined);
    out.once('message', (reply) => {
      clearTimeout(timer);
      out.close();
      this.sock?.send(reply, rinfo.port, rinfo.address);
    });
    out.send(msg, up.port, up.host);
  }
}
