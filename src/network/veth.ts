/**
 * A container's veth pair in two `ip -batch` runs instead of one `ip` per step: the
 * pair is made with its peer created straight inside the container's namespace
 * under its final name and MAC (no temporary name, no rename, no clash with the
 * host's own eth0), then the addresses and routes are set from inside. A container
 * start waits on this, so every process spawned here is latency.
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { System } from '../engine/errors.js';
import { vethName, type VethSpec } from '../drivers/networkdriver/bridge.js';

/** Runs `argv` with `script` on stdin; a non-zero exit is a System error with its stderr. */
function batch(argv: string[], script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new System(`${argv.join(' ')}: ${err.trim() || `exit ${code}`}`));
    });
    // A child that dies before reading (nsenter into a container that has just exited)
    // breaks the pipe: its exit status reports the failure; the EPIPE itself must not
    // become an unhandled error that takes the daemon down.
    p.stdin.on('error', () => undefined);
    p.stdin.end(script);
  });
}

/** Plugs the netns of `pid` into `bridge`; returns the host end's name. Nothing is left on failure. */
export async function plugVeth(bridge: string, pid: number, spec: VethSpec): Promise<string> {
  const host = vethName();
  const mtu = spec.mtu ? ` mtu ${spec.mtu}` : '';
  await batch(['ip', '-batch', '-'], [
    `link add name ${host}${mtu} type veth peer name ${spec.ifname}${mtu} address ${spec.mac} netns ${pid}`,
    `link set dev ${host} master ${bridge}`,
    `link set dev ${host} up`,
  ].join('\n') + '\n').catch(async (err) => {
    await unplugVeth(host);
    throw err;
  });
  const inside = [
    `addr add ${spec.address}/${spec.prefix} dev ${spec.ifname}`,
    `link set dev ${spec.ifname} up`,
    'link set dev lo up',
    ...(spec.gateway ? [`route add default via ${spec.gateway} dev ${spec.ifname}`] : []),
  ];
  try {
    await batch(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], inside.join('\n') + '\n');
  } catch (err) {
    await unplugVeth(host);
    throw err;
  }
  return host;
}

/**
 * Points the default route of the netns of `pid` at `gateway` on `ifname`: the
 * network that provides external connectivity changed (a connect or disconnect).
 */
export async function setDefaultRoute(pid: number, gateway: string, ifname: string): Promise<void> {
  await batch(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', 'route', 'replace', 'default', 'via', gateway, 'dev', ifname], '');
}

/** Deletes the pair (both ends go); gone already (its namespace ended) is fine. */
export async function unplugVeth(host: string): Promise<void> {
  // Usually gone with the container's namespace already: a stat, not a spawn, says so.
  if (!(await access(`/sys/class/net/${host}`).then(() => true, () => false))) return;
  try {
    await batch(['ip', 'link', 'del', 'dev', host], '');
  } catch (err) {
    if (!/Cannot find device|does not exist/.test((err as Error).message)) throw err;
  }
}
