import { InvalidParameter, NotFound } from '../../engine/errors.js';
import { configMatches, hostPlatform, type Want } from '../../graph/registry/platform.js';

const OSES = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'js', 'plan9', 'dragonfly'];
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', armhf: 'arm', armel: 'arm' };

/**
 * `create?platform=` as containerd's platforms.Parse reads it for dockerd: `os`, `arch`
 * (a lone known OS or architecture takes the host's other half), `os/arch[/variant]`.
 */
function parsePlatform(p: string): Want {
  const parts = p.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((s) => s === '')) throw new InvalidParameter(`"${p}": unknown operating system or architecture: invalid argument`);
  const host = hostPlatform();
  if (parts.length === 1) {
    const one = parts[0]!;
    return OSES.includes(one) ? { ...host, os: one } : { os: host.os, architecture: ARCH_ALIASES[one] ?? one };
  }
  const want: Want = { os: parts[0]!, architecture: ARCH_ALIASES[parts[1]!] ?? parts[1]! };
  if (parts[2]) want.variant = parts[2];
  return want;
}

/**
 * dockerd 20.10's GetImage with a platform: an image of another platform is "not
 * found" (so the CLI pulls the right one; with --pull never it shows this message).
 */
export function checkImagePlatform(ref: string, platform: string, img: { os: string; architecture: string; variant?: string }): void {
  if (!platform) return;
  const want = parsePlatform(platform);
  if (configMatches(img, want)) return;
  const fmt = (p: { os: string; architecture: string; variant?: string | undefined }) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');
  throw new NotFound(`image with reference ${ref} was found but does not match the specified platform: wanted ${fmt(want)}, actual: ${fmt(img)}`);
}
