/**
 * Legacy links (`--link name[:alias]`) on the default bridge, as dockerd keeps them:
 * checked and written down at create as `/<child>:/<parent>/<alias>` (what inspect
 * shows); at each start the linked container must run on the default bridge, and
 * the parent gets its address under the alias, hostname and name in /etc/hosts and
 * the link's environment (`ALIAS_NAME`, `ALIAS_PORT_*` for exposed ports,
 * `ALIAS_ENV_*` from the child's env). On user-defined networks dockerd ignores them
 * here, and so does berth.
 */
import { Conflict, InvalidParameter, System } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import { containersOf } from './common.js';
import type { ContainerRecord, HostConfig } from './types.js';

/** Modes where links apply: the default bridge. */
function onDefaultBridge(mode: string): boolean {
  return mode === '' || mode === 'default' || mode === 'bridge';
}

function parseLink(text: string): { name: string; alias: string } {
  const [name = '', alias] = text.split(':');
  if (!name) throw new InvalidParameter(`bad format for links: ${text}`);
  return { name: name.replace(/^\//, ''), alias: (alias ?? name).replace(/^.*\//, '') };
}

/** At create: every linked container exists and is not on the host network; Links rewritten as dockerd stores them. */
export function registerLinks(ctx: JobContext, parentName: string, h: HostConfig): void {
  const links = Array.isArray(h['Links']) ? (h['Links'] as string[]) : [];
  // dockerd's inspect builds Links from its link graph: null when there are none (docker-py sends []).
  if (!links.length) h['Links'] = null;
  if (!links.length || !onDefaultBridge(String(h.NetworkMode ?? 'default'))) return;
  const store = containersOf(ctx);
  h['Links'] = links.map((text) => {
    const { name, alias } = parseLink(text);
    let child = store.find(name);
    if (!child) throw new InvalidParameter(`could not get container for ${name}: No such container: ${name}`);
    // A child sharing another container's network is reached through that one.
    for (let mode = String(child.HostConfig.NetworkMode ?? ''); mode.startsWith('container:'); mode = String(child.HostConfig.NetworkMode ?? '')) {
      const next = store.find(mode.slice('container:'.length));
      if (!next) break;
      child = next;
    }
    if (child.HostConfig.NetworkMode === 'host') {
      throw new InvalidParameter("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
    }
    return `${child.Name}:${parentName}/${alias}`;
  });
}

/**
 * HostConfig.Links as inspect shows it. dockerd keeps what the client sent but shows
 * its link graph, which only default-bridge links enter: a container on a user-defined
 * network (compose sends its links there too) shows null.
 */
export function shownLinks(h: HostConfig): unknown {
  return onDefaultBridge(String(h.NetworkMode ?? 'default')) ? (h['Links'] ?? null) : null;
}

export interface LinkedEnv {
  env: string[];
  /** `/etc/hosts` entries as `names:ip`, the form of HostConfig.ExtraHosts. */
  hosts: string[];
}

/** The exposed ports of the child as dockerd sorts them (by number, tcp before udp). */
function exposedPorts(child: ContainerRecord): Array<{ port: number; proto: string }> {
  return Object.keys(child.Config.ExposedPorts ?? {})
    .map((k) => { const [p, proto = 'tcp'] = k.split('/'); return { port: Number(p), proto }; })
    .filter((p) => Number.isInteger(p.port))
    .sort((a, b) => a.port - b.port || (a.proto < b.proto ? -1 : a.proto > b.proto ? 1 : 0));
}

/** At start: the links' environment and hosts lines; refused as dockerd when a child does not run or is elsewhere. */
export function linkedEnv(ctx: JobContext, c: ContainerRecord): LinkedEnv {
  const out: LinkedEnv = { env: [], hosts: [] };
  const links = Array.isArray(c.HostConfig['Links']) ? (c.HostConfig['Links'] as string[]) : [];
  if (!links.length || !onDefaultBridge(String(c.HostConfig.NetworkMode ?? 'default'))) return out;
  const bridge = ctx.network?.find('bridge');
  for (const link of links) {
    const [childName = '', linkName = ''] = link.split(':');
    const child = containersOf(ctx).find(childName.replace(/^\//, ''));
    if (!child || !child.State.Running) throw new Conflict(`Cannot link to a non running container: ${childName} AS ${linkName}`);
    const ip = bridge ? ctx.network!.records.endpoint(child.Id, bridge.Id)?.live?.address : undefined;
    if (!ip) throw new System(`Cannot link to ${child.Name}, as it does not belong to the default network`);
    const alias = linkName.slice(linkName.lastIndexOf('/') + 1);
    const names = [alias, child.Config.Hostname || child.Id.slice(0, 12), ...(alias !== child.Name.slice(1) ? [child.Name.slice(1)] : [])];
    out.hosts.push(`${names.join(' ')}:${ip}`);
    const key = alias.toUpperCase().replace(/-/g, '_');
    const ports = exposedPorts(child);
    if (ports[0]) out.env.push(`${key}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
    for (const p of ports) {
      const k = `${key}_PORT_${p.port}_${p.proto.toUpperCase()}`;
      out.env.push(`${k}=${p.proto}://${ip}:${p.port}`, `${k}_ADDR=${ip}`, `${k}_PORT=${p.port}`, `${k}_PROTO=${p.proto}`);
    }
    out.env.push(`${key}_NAME=${linkName}`);
    for (const e of child.Config.Env ?? []) {
      const eq = e.indexOf('=');
      if (eq < 0) continue;
      const name = e.slice(0, eq);
      if (name !== 'HOME' && name !== 'PATH') out.env.push(`${key}_ENV_${name}=${e.slice(eq + 1)}`);
    }
  }
  return out;
}

/**
 * `DELETE /containers/<parent>/<alias>?link=1`, as dockerd's rmLink: the link goes
 * from the parent's Links (null once none is left); both containers stay. A plain
 * container name is its default link name, which cannot go.
 */
export function removeLink(ctx: JobContext, ref: string): void {
  const name = ref.startsWith('/') ? ref : `/${ref}`;
  const cut = name.lastIndexOf('/');
  // dockerd answers this with a 500; it is the client's error, so a 409 in its words.
  if (cut === 0) throw new Conflict('Conflict, cannot remove the default link name of the container');
  const store = containersOf(ctx);
  const parent = store.find(name.slice(0, cut));
  if (!parent) throw new System(`Cannot get parent ${name.slice(0, cut)} for link name ${name}`);
  const links = Array.isArray(parent.HostConfig['Links']) ? (parent.HostConfig['Links'] as string[]) : [];
  const left = links.filter((l) => !l.endsWith(`:${name}`));
  parent.HostConfig['Links'] = left.length ? left : null;
  store.save(parent);
}

/** The link names each container is known by too (`/<parent>/<alias>`), as ps lists them after its own name. */
export function linkNames(all: readonly ContainerRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of all) {
    const links = shownLinks(p.HostConfig);
    if (!Array.isArray(links)) continue;
    for (const l of links as string[]) {
      const cut = l.indexOf(':');
      if (cut <= 0) continue;
      const child = l.slice(0, cut);
      out.set(child, [...(out.get(child) ?? []), l.slice(cut + 1)]);
    }
  }
  return out;
}
