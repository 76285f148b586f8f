import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX, busyboxImage } from '../test/helpers/fixtures.js';
import { freePort } from '../test/network/helpers.js';
import { benchNames, createBridge, deleteLink, freeSubnet, restoreHost, snapshotHost } from './bridge.js';
import { startReference, type BenchDaemon } from './daemons.js';
import { abLoad } from './ab-load.js';
import { answersOk, type LoadTarget } from './http-load.js';
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
  /**
   * The same busybox httpd run on the host, outside any container, loaded the same way
   * in the same loop: what the machine serves with no daemon in the path at all.
   */
  hostRps: number;
  /** ab's 'Failed requests' over the measured runs, by path. */
  failed: { published: number; direct: number };
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

/**
 * One run's rate. A few failures are the path's own (through dockerd's docker-proxy ab
 * counts a few in every few thousand requests here, connections reset mid-answer) and
 * are reported beside the figures; more than 5 % means the setup is broken, not slow.
 */
async function load(d: BenchDaemon, target: { host: string; port: number }, total: number, failed?: number[]): Promise<number> {
  const r = await abLoad(target.host, target.port, '/index.html', CONCURRENCY, total);
  if (r.errors > total * 0.05) throw new Error(`${d.name}: ${r.errors} of ${r.requests} requests to ${JSON.stringify(target)} failed`);
  failed?.push(r.errors);
  return r.rps;
}

/** Until httpd answers (it starts after the container does). */
async function untilServing(d: BenchDaemon, target: LoadTarget): Promise<void> {
  for (let i = 0; ; i++) {
    if (await answersOk(target, '/index.html')) return;
    if (i === 100) throw new Error(`${d.name}: httpd at ${JSON.stringify(target)} never answered`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** busybox httpd on 127.0.0.1 in the host's own namespaces, its page in a temporary folder. */
async function hostHttpd(): Promise<{ target: { host: string; port: number }; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-www-'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  const port = await freePort();
  const child: ChildProcess = spawn(BUSYBOX, ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir], { stdio: 'ignore' });
  return {
    target: { host: '127.0.0.1', port },
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The figures on a daemon with a default bridge. */
export async function measureNetwork(d: BenchDaemon): Promise<NetworkFigures> {
  await docker(d, ['load', '-i', (await busyboxImage()).path]);
  const runMs = await medianMs(RUNS, () => docker(d, ['run', '--rm', 'busybox', 'true']));
  const script = `mkdir -p /www && printf '%s' '${PAGE}' > /www/index.html && exec httpd -f -p 80 -h /www`;
  const id = (await docker(d, ['run', '-d', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', script])).trim();
  const host = await hostHttpd();
  try {
    const port = /^127\.0\.0\.1:(\d+)$/m.exec(await docker(d, ['port', id, '80/tcp']))?.[1];
    const address = (await docker(d, ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id])).trim();
    if (!port || !address) throw new Error(`${d.name}: httpd container has port '${port}' and address '${address}'`);
    const published = { host: '127.0.0.1', port: Number(port) };
    const direct = { host: address, port: 80 };
    await untilServing(d, direct);
    await untilServing(d, published);
    await untilServing(d, host.target);
    await load(d, published, Math.min(500, REQUESTS)); // warm-up
    await load(d, direct, Math.min(500, REQUESTS));
    await load(d, host.target, Math.min(500, REQUESTS));
    // Interleaved, so drift on a busy machine hits both paths alike.
    const viaPort: number[] = [];
    const toAddress: number[] = [];
    const failedPublished: number[] = [];
    const failedDirect: number[] = [];
    const onHost: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      viaPort.push(await load(d, published, REQUESTS, failedPublished));
      toAddress.push(await load(d, direct, REQUESTS, failedDirect));
      onHost.push(await load(d, host.target, REQUESTS));
    }
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      runMs, publishedRps: median(viaPort), directRps: median(toAddress), hostRps: median(onHost),
      failed: { published: sum(failedPublished), direct: sum(failedDirect) },
    };
  } finally {
    host.stop();
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
      `ApacheBench (\`ab -n ${REQUESTS} -c ${CONCURRENCY}\`, Debian's apache2-utils, bench/ab-load.ts) with **keep-alive off** ` +
      '(busybox httpd closes after each answer, so every request is a new TCP connection, on both daemons; ab is C, so ' +
      'the client takes less of the two cores than a Node client would, which would count in both daemons\' figures alike); ' +
      `medians of ${RUNS} runs ` +
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
  const ceiling = r ? (berth.hostRps + r.hostRps) / 2 : berth.hostRps;
  lines.push(`The ceiling: the same busybox httpd run on the host, outside any container and any daemon, loaded the same way ` +
    `in the same loop, served ${fmt(ceiling)} req/s through 127.0.0.1 (median of each daemon's runs${r ? `, ${fmt(berth.hostRps)} and ${fmt(r.hostRps)}, averaged` : ''}). ` +
    `berth's published port ran at ${fmt((berth.publishedRps / ceiling) * 100)} % of it` +
    (berth.publishedRps > ceiling ? ' (above it only by this machine\'s run-to-run noise)' : '') +
    (r ? `; 1.5× dockerd's published figure would be ${fmt(1.5 * r.publishedRps)} req/s, ${fmt(((1.5 * r.publishedRps) / ceiling) * 100)} % of it. ` +
      'httpd forks a child for every connection, and on this VM that, not the path to it, sets the pace; ' +
      'no path through a daemon serves faster than the server does with no daemon at all, beyond that noise, ' +
      'so whether the 1.5× target is met here depends on where the noise falls.' : '.'), '');
  const failures = (f: NetworkFigures) => `${f.failed.published} through the published port, ${f.failed.direct} to the address`;
  lines.push(`Failed requests as ab counts them, over the ${RUNS} × ${REQUESTS} measured requests of each path: berth ${failures(berth)}` +
    `${r ? `; dockerd ${failures(r)}` : ''}.`, '');
  return lines;
}
