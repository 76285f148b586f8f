import type { JobContext } from '../context.js';
import type { ContainerRecord } from './types.js';

/** The network a mode stands for in NetworkSettings.Networks (`default` is the bridge, as dockerd). */
export function networkName(mode: string): string | null {
  if (mode === 'default' || mode === '') return 'bridge';
  if (mode.startsWith('container:')) return null;
  return mode;
}

function endpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '',
    IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
  };
}

export function networks(c: ContainerRecord, ctx?: JobContext): Record<string, unknown> {
  if (ctx?.network) return ctx.network.settings(c)['Networks'] as Record<string, unknown>;
  const name = networkName(String(c.HostConfig.NetworkMode ?? 'default'));
  return name ? { [name]: endpoint() } : {};
}

/** NetworkSettings of a container without a network endpoint yet (none/host/created), as dockerd 20.10. */
export function networkSettings(c: ContainerRecord, ctx?: JobContext): Record<string, unknown> {
  if (ctx?.network) return ctx.network.settings(c);
  return {
    Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: {},
    SandboxKey: '', SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '',
    GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '',
    Networks: networks(c),
  };
}

/** `Ports` of a `docker ps` row: published and exposed ports while it runs. */
export function ports(c: ContainerRecord, ctx?: JobContext): unknown[] {
  return ctx?.network ? ctx.network.portList(c) : [];
}

/** SizeRw (the RW layer's own bytes) and SizeRootFs (with the image), for `ps -s` and `inspect -s`. */
export async function sizes(ctx: JobContext, c: ContainerRecord): Promise<{ SizeRw: number; SizeRootFs: number }> {
  const rw = ctx.graph.driver.exists(c.Id) ? await ctx.graph.driver.diffSize(c.Id) : 0;
  const img = ctx.graph.findImage(c.Image);
  return { SizeRw: rw, SizeRootFs: rw + (img ? ctx.graph.imageSize(img) : 0) };
}

/**
 * `Command` of `docker ps`: the argv joined by spaces, an argument holding a space put
 * in single quotes as dockerd's view does (`sh -c 'echo x; exit 3'`); nothing else is escaped.
 */
export function commandLine(c: ContainerRecord): string {
  return [c.Path, ...c.Args.map((a) => (a.includes(' ') ? `'${a}'` : a))].join(' ');
}
