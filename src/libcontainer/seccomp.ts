/**
 * Turns a Docker-format seccomp profile into the OCI `linux.seccomp` section for one
 * container: rules are kept or dropped by the container's capabilities, the host
 * architecture and kernel version, exactly as dockerd filters them.
 */
import { release } from 'node:os';
import { InvalidParameter } from '../engine/errors.js';
import type { OciSeccomp, OciSyscall } from './oci.js';
import { dockerDefaultProfile, type DockerSeccompProfile, type ProfileFilter } from './seccomp-profile.js';

/** Node's `process.arch` → the native arch names profiles use in `includes.arches`. */
const NODE_TO_NATIVE: Record<string, string> = {
  x64: 'amd64', ia32: 'x86', arm64: 'arm64', arm: 'arm', s390x: 's390x', s390: 's390',
  ppc64: 'ppc64le', ppc: 'ppc', mips: 'mips', mipsel: 'mipsel',
};

/** Native arch → the libseccomp name used in `archMap` / `architectures`. */
const NATIVE_TO_SCMP: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64', x86: 'SCMP_ARCH_X86', x32: 'SCMP_ARCH_X32', arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM', s390x: 'SCMP_ARCH_S390X', s390: 'SCMP_ARCH_S390', ppc64le: 'SCMP_ARCH_PPC64LE',
  ppc: 'SCMP_ARCH_PPC', mips: 'SCMP_ARCH_MIPS', mipsel: 'SCMP_ARCH_MIPSEL',
};

export interface SeccompHost {
  /** `process.arch` spelling (x64, arm64...). */
  arch?: string;
  /** `uname -r`, for `minKernel` filters. */
  kernel?: string;
}

/** Docker's default profile for a container holding `caps` (its bounding set). */
export function defaultSeccompProfile(caps: readonly string[], host: SeccompHost = {}): OciSeccomp {
  return resolveProfile(dockerDefaultProfile(), caps, host);
}

/**
 * `--security-opt seccomp=<profile JSON>`: parses Docker's profile format and resolves
 * it for this container. Errors use dockerd's wording.
 */
export function parseSeccompProfile(json: string, caps: readonly string[], host: SeccompHost = {}): OciSeccomp | undefined {
  let profile: DockerSeccompProfile;
  try {
    profile = JSON.parse(json) as DockerSeccompProfile;
  } catch (err) {
    throw new InvalidParameter(`Decoding seccomp profile failed: ${(err as Error).message}`, { cause: err });
  }
  if (profile === null || typeof profile !== 'object' || Array.isArray(profile)) {
    throw new InvalidParameter('Decoding seccomp profile failed: not a JSON object');
  }
  // An empty profile means "no filtering" to dockerd.
  if (!profile.defaultAction && !(profile.syscalls?.length)) return undefined;
  return resolveProfile(profile, caps, host);
}

/** Compares dotted kernel versions numerically: `5.10.0-23-amd64` >= `4.8`. */
export function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string): number[] => (v.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const a = parse(kernel);
  const b = parse(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

function resolveProfile(profile: DockerSeccompProfile, caps: readonly string[], host: SeccompHost): OciSeccomp {
  const native = NODE_TO_NATIVE[host.arch ?? process.arch] ?? host.arch ?? process.arch;
  const kernel = host.kernel ?? release();
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new InvalidParameter("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  let architectures = [...(profile.architectures ?? [])];
  const scmp = NATIVE_TO_SCMP[native];
  const entry = profile.archMap?.find((a) => a.architecture === scmp);
  if (entry) architectures = [entry.architecture, ...entry.subArchitectures];

  const has = (f: ProfileFilter | undefined): { caps: boolean; arch: boolean; kernel: boolean } => ({
    caps: !!f?.caps?.length,
    arch: !!f?.arches?.length,
    kernel: !!f?.minKernel,
  });
  const syscalls: OciSyscall[] = [];
  for (const rule of profile.syscalls ?? []) {
    const ex = rule.excludes;
    const inc = rule.includes;
    const e = has(ex);
    const i = has(inc);
    // excludes: any match drops the rule; includes: every condition must hold.
    if (e.arch && ex!.arches!.includes(native)) continue;
    if (e.caps && ex!.caps!.some((c) => caps.includes(c))) continue;
    if (e.kernel && kernelAtLeast(kernel, ex!.minKernel!)) continue;
    if (i.arch && !inc!.arches!.includes(native)) continue;
    if (i.caps && !inc!.caps!.every((c) => caps.includes(c))) continue;
    if (i.kernel && !kernelAtLeast(kernel, inc!.minKernel!)) continue;
    if (rule.name && rule.names?.length) {
      throw new InvalidParameter("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    }
    const out: OciSyscall = { names: rule.name ? [rule.name] : [...(rule.names ?? [])], action: rule.action };
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    if (rule.args?.length) out.args = rule.args.map((a) => ({ ...a }));
    syscalls.push(out);
  }
  const section: OciSeccomp = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) section.defaultErrnoRet = profile.defaultErrnoRet;
  return section;
}

/** Whether `syscall` is allowed unconditionally (no argument filter) by a resolved section. */
export function allowsSyscall(section: OciSeccomp, syscall: string): boolean {
  return section.syscalls.some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length && r.names.includes(syscall));
}
