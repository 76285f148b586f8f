import { createSocket, type Socket } from 'node:dgram';
import { encodeReply, parseQuery } from '../../src/drivers/networkdriver/dns.js';

/** A resolver on loopback that answers every A query with `address` and notes the names asked. */
export interface FakeResolver {
  socket: Socket;
  /** The names queried so far. */
  seen: string[];
  port: number;
  close(): void;
}

/** Binds on `host:port` (port 0: any free one). */
export async function fakeResolver(host: string, port: number, address: string): Promise<FakeResolver> {
  const seen: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (msg, r) => {
    const q = parseQuery(msg);
    if (!q) return;
    seen.push(q.name);
    socket.send(encodeReply(msg, q, q.type === 1 ? [address] : []), r.port, r.address);
  });
  await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(port, host, () => resolve()); });
  return { socket, seen, port: socket.address().port, close: () => socket.close() };
}
