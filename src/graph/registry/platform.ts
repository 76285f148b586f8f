import { InvalidParameter, NotFound } from '../../engine/errors.js';
import type { Descriptor, Platform } from './types.js';

/**
 * Platform matching for manifest lists, as containerd's platforms package does it
 * for dockerd: os and architecture must match (after normalising aliases such as
 * x86_64 → amd64, aarch64 → arm64), and a requested variant must match too; with no
 * requested variant, arm defaults to v7 and arm64 to v8 and a bare entry is accepted.
 */
export interface Want {
  os: string;
  architecture: string;
  variant?: string;
}

const archAliases: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', armhf: 'arm', armel: 'arm' };
const nodeArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le' };

/** This machine's platform (linux/amd64 here). */
export function hostPlatform(): Want {
  const architecture = nodeArch[process.arch] ?? process.arch;
  return architecture === 'arm' ? { os: 'linux', architecture, variant: 'v7' } : { os: 'linux', architecture };
}

/** A specifier's parts, in containerd's words when there are too many or one is empty. */
function specifierParts(p: string): string[] {
  const parts = p.toLowerCase().split('/');
  if (parts.length > 3) throw new InvalidParameter(`"${p}": cannot parse platform specifier: invalid argument`);
  if (parts.some((s) => s === '')) throw new InvalidParameter(`"${p}": unknown operating system or architecture: invalid argument`);
  return parts;
}

/** `--platform` (`linux`, `linux/arm64`, `linux/arm/v6`), or the host's when empty. */
export function parseWant(p: string | undefined): Want {
  if (!p) return hostPlatform();
  const parts = specifierParts(p);
  const [os, arch, variant] = parts as [string, string?, string?];
  if (os !== 'linux') throw new InvalidParameter(`"${p}": operating system is not supported`);
  const architecture = arch ? (archAliases[arch] ?? arch) : hostPlatform().architecture;
  const want: Want = { os, architecture };
  if (variant) want.variant = variant;
  else if (architecture === 'arm') want.variant = 'v7';
  return want;
}

export function formatWant(w: Want): string {
  return [w.os, w.architecture, w.variant].filter(Boolean).join('/');
}

function normVariant(arch: string, v: string | undefined): string | undefined {
  if (arch === 'arm64' && (v === undefined || v === '8')) return 'v8';
  if (arch === 'arm' && v === undefined) return 'v7';
  return v && /^\d+$/.test(v) ? `v${v}` : v;
}

function matches(p: Platform, want: Want): boolean {
  const arch = archAliases[p.architecture] ?? p.architecture;
  if (p.os !== want.os || arch !== want.architecture) return false;
  if (want.variant === undefined) return true;
  return normVariant(arch, p.variant) === normVariant(arch, want.variant);
}

/** The entry of a manifest list for `want`; NotFound in dockerd's words when there is none. */
export function selectManifest(manifests: Descriptor[], want: Want): Descriptor {
  const candidates = manifests.filter((m) => m.platform && matches(m.platform, want));
  // An exact variant beats an entry that merely does not say.
  const best = candidates.find((m) => m.platform?.variant === want.variant) ?? candidates[0];
  if (!best) throw new NotFound(`no matching manifest for ${formatWant(want)} in the manifest list entries`);
  return best;
}

/** Whether an image config's platform fits what was asked (a single-platform manifest). */
export function configMatches(cfg: { os?: string; architecture?: string; variant?: string }, want: Want): boolean {
  return matches({ os: cfg.os ?? 'linux', architecture: cfg.architecture ?? '', variant: cfg.variant }, want);
}

const OSES = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'js', 'plan9', 'dragonfly'];

/**
 * A platform (`create?platform=`, `build?platform=`) as containerd's platforms.Parse reads it for dockerd: `os`, `arch`
 * (a lone known OS or architecture takes the host's other half), `os/arch[/variant]`.
 */
export function parsePlatform(p: string): Want {
  const parts = specifierParts(p);
  const host = hostPlatform();
  if (parts.length === 1) {
    const one = parts[0]!;
    return OSES.includes(one) ? { ...host, os: one } : { os: host.os, architecture: archAliases[one] ?? one };
  }
  const want: Want = { os: parts[0]!, architecture: archAliases[parts[1]!] ?? parts[1]! };
  if (parts[2]) want.variant = parts[2];
  return want;
}
