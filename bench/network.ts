import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { busyboxImage } from '../test/helpers/fixtures.js';
import { benchNames, createBridge, deleteLink, freeSubnet, restoreHost, snapshotHost } from './bridge.js';
import { startReference, type BenchDaemon } from './daemons.js';
import { httpLoad, type LoadTarget } from './http-load.js';
import { fmt, median } from './stats.js';

/**
 * The networking issue's figures: `docker run --rm busybox true` on the default
 * bridge, and HTTP requests per second to busybox httpd in a container, through a
 * port published on 127.0.0.1 (berth: the kernel's DNAT; dockerd: docker-proxy) and
 * straight to the container's address on the bridge. busybox httpd closes every
 * connection after its answer, so each request is a connection of its own on both
 * daemons: the figure is connections served per second.
 *
 * The reference dockerd of the other sections runs without a bridge; this section
 * starts its own on a bridge made here, with iptables on, and takes its chains and
 * rules away after it (bench/bridge.ts).
 */
const pexec = promisify(execFile);
const DOCKER = '/usr/local/bin/docker';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REQUESTS = Number(process.env.BENCH_NET_REQUESTS ?? 3000);
const CONCURRENCY = 16;
const PAGE = `<html><body>${'berth bench '.repeat(40)}</body></html>\n`;

export interface NetworkFigures {
  runMs: number;
  publishedRps: number;
  directRps: number;
}

/** Figures, or why there are none (the reference's only). */
export type NetworkResult = NetworkFigures | { skipped: string };

async function docker(d: BenchDaemon, args: string[]): Promise<string> {
  const { stdout } = await pexec(DOCKER, args, {
    env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CLI_HINTS: 'false' }, maxBuffer: 1 << 26, encoding: 'utf8',
  });
  return stdout;
}

async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function load(d: BenchDaemon, target: LoadTarget, total: number): Promise<number> {
  const r = await httpLoad(target, '/index.html', CONCURRENCY, total, { keepAlive: false });
  if (r.errors) throw new Error(`${d.name}: ${r.errors} of ${r.requests} requests to ${JSON.stringify(target)} failed`);
  return r.rps;
}

/** Until httpd answers (it starts after the container does). */
async function untilServing(d: BenchDaemon, target: LoadTarget): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await httpLoad(target, '/index.html', 1, 1, { keepAlive: false });
    if (!r.errors) return;
    if (i === 100) throw new Error(`${d.name}: httpd at ${JSON.stringify(target)} never answered`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The figures on a daemon with a default bridge. */
export async function measureNetwork(d: BenchDaemon): Promise<NetworkFigures> {
  await docker(d, ['load', '-i', (await busyboxImage()).path]);
  const runMs = await medianMs(RUNS, () => docker(d, ['run', '--rm', 'busybox', 'true']));
  const script = `mkdir -p /www && printf '%s' '${PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www`;
  const id = (await docker(d, ['run', '-d', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', script])).trim();
  try {
    const port = /^127\.0\.0\.1:(\d+)$/m.exec(await docker(d, ['port', id, '80/tcp']))?.[1];
    const address = (await docker(d, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id])).trim();
    if (!port || !address) throw new Error(`${d.name}: httpd container has port '${port}' and address '${address}'`);
    const published: LoadTarget = { host: '127.0.0.1', port: Number(port) };
    const direct: LoadTarget = { host: address, port: 80 };
    await untilServing(d, direct);
    await untilServing(d, published);
    await load(d, published, Math.min(500, REQUESTS)); // warm-up
    await load(d, direct, Math.min(500, REQUESTS));
    // Interleaved, so drift on a busy machine hits both paths alike.
    const viaPort: number[] = [];
    const toAddress: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      viaPort.push(await load(d, published, REQUESTS));
      toAddress.push(await load(d, direct, REQUESTS));
    }
    return { runMs, publishedRps: median(viaPort), directRps: median(toAddress) };
  } finally {
    await docker(d, ['rm', '-f', id]).catch(() => undefined);
  }
}

/**
 * The reference's figures: a dockerd of its own on a bridge made here, iptables on.
 * Skipped, with the reason, when another dockerd's chains are already there (its
 * rules could not be told from this one's) or there is no dockerd.
 */
export async function measureReferenceNetwork(): Promise<NetworkResult> {
  if (!existsSync('/usr/sbin/dockerd')) return { skipped: 'no /usr/sbin/dockerd' };
  const host = snapshotHost();
  if (typeof host === 'string') return { skipped: host };
  const subnet = await freeSubnet();
  const bridge = benchNames().refBridge;
  createBridge(bridge, subnet);
  try {
    const d = await startReference({ bridge });
    if (!d) return { skipped: 'no reference dockerd' };
    try {
      return await measureNetwork(d);
    } finally {
      await d.stop();
    }
  } finally {
    restoreHost(host, bridge, subnet);
    deleteLink(bridge);
  }
}

type Row = [string, (f: NetworkFigures) => number, 'lower' | 'higher', number, string];

const ROWS: Row[] = [
  ['`docker run --rm busybox true`, default bridge (ms)', (f) => f.runMs, 'lower', 0.25, '≤ ¼ of dockerd'],
  [`HTTP via published port 127.0.0.1, c=${CONCURRENCY} (req/s)`, (f) => f.publishedRps, 'higher', 1.5, '≥ 1.5× dockerd'],
  [`HTTP to the container's address, c=${CONCURRENCY} (req/s)`, (f) => f.directRps, 'higher', 0, '—'],
];

/** The networking section of docs/BENCHMARKS.md. */
export function networkReport(berth: NetworkResult, ref: NetworkResult | null): string[] {
  const lines = [
    '## Networking',
    '',
    'Through the docker CLI 28 on the default bridge (no `--network` flag). The reference here is a second dockerd ' +
      'started for this section on a bridge of its own with iptables on (`-b`, `--ip-forward=false`); berth runs with ' +
      'its own bridge name and chain prefix. HTTP: busybox `httpd` serving a 500-byte page, loaded by ' +
      `bench/http-load.ts with ${CONCURRENCY} clients and **keep-alive off** (busybox httpd closes after each answer, ` +
      `so every request is a new TCP connection, on both daemons), ${REQUESTS} requests per run; medians of ${RUNS} runs ` +
      'after a warm-up, the two paths interleaved. "Published port" goes to 127.0.0.1, both daemons in their default ' +
      'configuration (`--userland-proxy=true`): dockerd sends it through docker-proxy, berth lets the kernel DNAT it ' +
      'while its in-daemon proxy holds the port (docs/ARCHITECTURE.md, "Published ports and loopback clients"); ' +
      '"address" goes straight to the container over the bridge.',
    '',
  ];
  if (!('runMs' in berth)) return [...lines, `berth: no figures (${berth.skipped}).`, ''];
  const r = ref && 'runMs' in ref ? ref : null;
  if (ref && !r) lines.push(`dockerd: no figures (${(ref as { skipped: string }).skipped}).`, '');
  lines.push('| Measure | berth | dockerd | berth / dockerd | Target | Met |', '|---|---:|---:|---:|---|---|');
  for (const [label, get, better, factor, target] of ROWS) {
    const b = get(berth);
    const v = r ? get(r) : null;
    const ratio = v ? b / v : null;
    const met = factor === 0 ? '—' : ratio === null ? 'n/a' : (better === 'lower' ? ratio <= factor : ratio >= factor) ? 'yes' : 'no';
    lines.push(`| ${label} | ${fmt(b)} | ${v === null ? 'n/a' : fmt(v)} | ${ratio === null ? 'n/a' : `${fmt(ratio, 2)}×`} | ${target} | ${met} |`);
  }
  const own = berth.publishedRps / berth.directRps;
  const refOwn = r ? `${fmt((r.publishedRps / r.directRps) * 100)} %` : 'n/a';
  lines.push(`| Published port / the daemon's own direct path | ${fmt(own * 100)} % | ${refOwn} | | berth ≥ 80 % | ${own >= 0.8 ? 'yes' : 'no'} |`);
  lines.push('');
  return lines;
}
