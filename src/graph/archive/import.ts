import type { ContainerConfig, ImageConfig } from '../types.js';
import { InvalidParameter } from '../../engine/errors.js';
import { applyChanges } from './changes.js';

/**
 * The image config `docker import` makes for its single layer, field for field as
 * dockerd 20.10 does: the platform of this machine, `created` now, the message as
 * `comment` of the image and of its one history entry, and `config` built from an
 * empty container config by the `changes`.
 */

/** Node's `process.arch` in Go's GOARCH spelling, which image configs use. */
export function goArch(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', mips: 'mips', mipsel: 'mipsle', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}

/** A container config with every field present, as Go serialises an empty one. */
export function emptyContainerConfig(): ContainerConfig {
  return {
    Hostname: '', Domainname: '', User: '',
    AttachStdin: false, AttachStdout: false, AttachStderr: false,
    Tty: false, OpenStdin: false, StdinOnce: false,
    Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null,
  };
}

export interface ImportConfigInput {
  diffId: string;
  changes: readonly string[];
  /** The commit message; dockerd's default is `Imported from <src>`. */
  message: string;
  created?: Date;
  /** `platform` query parameter's architecture, if given. */
  architecture?: string;
  variant?: string;
}

/** The config bytes of an imported image (their sha256 is its ID). */
export function importConfig(input: ImportConfigInput): Buffer {
  const config = applyChanges(emptyContainerConfig(), input.changes);
  const created = (input.created ?? new Date()).toISOString();
  const img: ImageConfig = {
    architecture: input.architecture ?? goArch(),
    ...(input.variant ? { variant: input.variant } : {}),
    os: 'linux',
    comment: input.message,
    created,
    config,
    rootfs: { type: 'layers', diff_ids: [input.diffId] },
    history: [{ created, comment: input.message }],
  };
  return Buffer.from(JSON.stringify(img));
}

/** `platform=linux/arm64/v8` into its parts; only linux is served. */
export function parsePlatform(p: string | undefined): { architecture?: string; variant?: string } {
  if (!p) return {};
  const [os, architecture, variant] = p.split('/');
  if (os !== 'linux') throw new InvalidParameter(`operating system is not supported: ${os}`);
  return { ...(architecture ? { architecture } : {}), ...(variant ? { variant } : {}) };
}
