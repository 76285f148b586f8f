/**
 * The userland proxy: forwards a published host port to container:port from inside
 * the daemon. dockerd starts one docker-proxy process per published port because its
 * Go daemon holds the port through a child it can keep across a re-exec; berth is one
 * event loop where a forwarder is a listening socket and two pipes, so a separate
 * process would only add a fork and a context switch per connection. It is what makes
 * 127.0.0.1:HOSTPORT work, since DNAT rules in PREROUTING never see loopback traffic.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isV6, type Proto } from './portmapper.js';

export interface ProxySpec {
  proto: Proto;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export interface Proxy {
  close(): Promise<void>;
}

export function startProxy(spec: ProxySpec): Promise<Proxy> {
  return spec.proto === 'udp' ? udpProxy(spec) : tcpProxy(spec);
}

function tcpProxy(spec: ProxySpec): Promise<Proxy> {
  const open = new Set<Socket>();
  const srv: Server = createServer((client) => {
    const upstream = createConnection({ host: spec.containerIp, port: spec.containerPort });
    open.add(client).add(upstream);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host: spec.hostIp, port: spec.hostPort, exclusive: true, ipv6Only: isV6(spec.hostIp) }, () => {
      srv.off('error', reject);
      resolve({
        close: () => new Promise((r) => {
          for (const s of open) s.destroy();
          srv.close(() => r());
        }),
      });
    });
  });
}

/** UDP: one upstream socket per client address, dropped after 90 s without traffic. */
function udpProxy(spec: ProxySpec): Promise<Proxy> {
  const v6 = isV6(spec.hostIp);
  const sock = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
  const flows = new Map<string, { up: UdpSocket; timer: NodeJS.Timeout }>();
  const drop = (key: string): void => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.up.close();
    flows.delete(key);
  };
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let f = flows.get(key);
    if (!f) {
      const up = createSocket('udp4');
      up.on('message', (reply) => sock.send(reply, rinfo.port, rinfo.address));
      up.on('error', () => drop(key));
      f = { up, timer: setTimeout(() => drop(key), 90_000) };
      flows.set(key, f);
    }
    f.timer.refresh();
    f.up.send(msg, spec.containerPort, spec.containerIp);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(spec.hostPort, spec.hostIp, () => {
      sock.off('error', reject);
      resolve({
        close: () => new Promise((r) => {
          for (const k of [...flows.keys()]) drop(k);
          sock.close(() => r());
        }),
      });
    });
  });
}
