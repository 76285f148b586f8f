import { createServer, type Server, type RequestListener } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';

export interface Listeners {
  close(): Promise<void>;
}

/** Serve `handler` on every `-H` address. (Minimal: unix and tcp; being filled in.) */
export async function listen(handler: RequestListener, hosts: string[]): Promise<Listeners> {
  const servers: Server[] = [];
  for (const host of hosts) {
    const server = createServer(handler);
    const u = new URL(host);
    if (u.protocol === 'unix:') {
      const path = host.slice('unix://'.length);
      mkdirSync(dirname(path), { recursive: true });
      rmSync(path, { force: true });
      await new Promise<void>((res, rej) => server.once('error', rej).listen(path, () => res()));
      chmodSync(path, 0o660);
    } else {
      await new Promise<void>((res, rej) => server.once('error', rej).listen(Number(u.port), u.hostname, () => res()));
    }
    servers.push(server);
  }
  return {
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((res) => { s.close(() => res()); s.closeAllConnections(); })));
    },
  };
}
