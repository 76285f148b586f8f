/**
 * `-v` strings and `--mount` objects turned into mount points, with dockerd 20.10's
 * Linux parser rules and messages (volume/mounts/linux_parser.go). Pure except for
 * the bind-source existence check of `--mount`.
 */
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { InvalidParameter } from '../engine/errors.js';

export type MountType = 'bind' | 'volume' | 'tmpfs';

/**
 * One resolved mount of a container, persisted in its record. The first eight
 * fields are what inspect and ps show; the rest is what start and rm need.
 */
export interface MountPoint {
  Type: MountType;
  /** The volume's name ('' for binds and tmpfs). */
  Name: string;
  /** Host path: the bind source, or the volume's `_data` directory. */
  Source: string;
  Destination: string;
  Driver: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** The source the user named; '' for an anonymous volume, which `rm -v` removes. */
  SpecSource: string;
  /** Copy the image's content at Destination into the volume at first start (until done). */
  CopyData: boolean;
  /** rslave given by the daemon, not asked: a bind of the daemon root (daemon-root-binds.ts). */
  AutoSlave?: boolean;
  /** `--mount` binds: the source must exist, it is never created. */
  SkipMountpointCreation?: boolean;
  /** `--mount type=tmpfs`: its options in `--tmpfs` syntax. */
  TmpfsData?: string;
}

/** A volume mount point before its volume exists: what to create it with. */
export interface ParsedMount {
  mp: MountPoint;
  driver?: string;
  labels?: Record<string, string> | null;
  options?: Record<string, string> | null;
  /** From Config.Volumes (a VOLUME of the image or `-v /dest`): its Mode stays ''. */
  implicit?: boolean;
}

/** The API's mount.Mount (`--mount`), as decoded from JSON. */
export interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean } | null;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> | null; DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

export const PROPAGATION_MODES = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'];
const RW_MODES = ['rw', 'ro'];
const LABEL_MODES = ['z', 'Z'];
const COPY_MODES = ['nocopy'];
const CONSISTENCY_MODES = ['consistent', 'cached', 'delegated'];

/** At most one word of each family, and no unknown word (linuxValidMountMode). */
export function validMode(mode: string): boolean {
  if (mode === '') return true;
  const families = [RW_MODES, LABEL_MODES, PROPAGATION_MODES, COPY_MODES, CONSISTENCY_MODES];
  const counts = families.map(() => 0);
  for (const o of mode.split(',')) {
    const i = families.findIndex((f) => f.includes(o));
    if (i < 0) return false;
    counts[i]!++;
  }
  return counts.every((n) => n <= 1);
}

/** False when the mode says `ro` (or is not a valid mode at all), as dockerd's ReadWrite. */
export function readWrite(mode: string): boolean {
  return validMode(mode) && !mode.split(',').includes('ro');
}

function invalidSpec(raw: string): string {
  return `invalid volume specification: '${raw}'`;
}

/** Go's path.Clean: normalised, no trailing slash except for `/` itself. */
export function cleanPath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

const configError = (type: string, why: string): Error => new Error(`invalid mount config for type ${JSON.stringify(type)}: ${why}`);

function checkTarget(type: string, target: string): void {
  if (target === '') throw configError(type, 'field Target must not be empty');
  if (posix.normalize(target.replaceAll('\\', '/')) === '/') throw configError(type, "invalid specification: destination can't be '/'");
  if (!posix.isAbsolute(target.replaceAll('\\', '/'))) {
    throw configError(type, `invalid mount path: '${target.replaceAll('\\', '/')}' mount path must be absolute`);
  }
}

/** validateMountConfigImpl: the checks dockerd makes on one mount.Mount. */
function validateMount(m: ApiMount, checkSourceExists: boolean): void {
  const type = m.Type ?? '';
  checkTarget(type, m.Target ?? '');
  const source = m.Source ?? '';
  switch (type) {
    case 'bind': {
      if (source === '') throw configError(type, 'field Source must not be empty');
      const prop = m.BindOptions?.Propagation ?? '';
      if (prop !== '' && !PROPAGATION_MODES.includes(prop)) throw configError(type, `invalid propagation mode: ${prop}`);
      if (m.VolumeOptions) throw configError(type, 'field VolumeOptions must not be specified');
      if (!posix.isAbsolute(source.replaceAll('\\', '/'))) {
        throw configError(type, `invalid mount path: '${source.replaceAll('\\', '/')}' mount path must be absolute`);
      }
      if (checkSourceExists && !existsSync(source)) throw configError(type, `bind source path does not exist: ${source}`);
      return;
    }
    case 'volume':
      if (m.BindOptions) throw configError(type, 'field BindOptions must not be specified');
      if (source === '' && m.ReadOnly) throw configError(type, 'must not set ReadOnly mode when using anonymous volumes');
      return;
    case 'tmpfs':
      if (m.BindOptions) throw configError(type, 'field BindOptions must not be specified');
      if (source !== '') throw configError(type, 'field Source must not be specified');
      return;
    default:
      throw configError(type, 'mount type unknown');
  }
}

/** ConvertTmpfsOptions: `ro`, `mode=` in octal, `size=` with the largest exact suffix. */
export function tmpfsData(opt: ApiMount['TmpfsOptions'], readOnly: boolean): string {
  const out: string[] = [];
  if (readOnly) out.push('ro');
  if (opt?.Mode) out.push(`mode=${opt.Mode.toString(8)}`);
  if (opt?.SizeBytes) {
    let size = opt.SizeBytes;
    let suffix = '';
    for (const [s, d] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    out.push(`size=${size}${suffix}`);
  }
  return out.join(',');
}

/** parseMountSpec: a validated mount.Mount as a mount point (volumes not created yet). */
function toMountPoint(m: ApiMount, checkSourceExists: boolean): ParsedMount {
  validateMount(m, checkSourceExists);
  const type = m.Type as MountType;
  const mp: MountPoint = {
    Type: type, Name: '', Source: '', Destination: cleanPath(m.Target!.replaceAll('\\', '/')),
    Driver: '', Mode: '', RW: !m.ReadOnly, Propagation: '', SpecSource: m.Source ?? '', CopyData: false,
  };
  const out: ParsedMount = { mp };
  if (type === 'volume') {
    mp.Name = m.Source ?? '';
    mp.CopyData = !m.VolumeOptions?.NoCopy;
    out.driver = m.VolumeOptions?.DriverConfig?.Name ?? '';
    out.labels = m.VolumeOptions?.Labels ?? null;
    out.options = m.VolumeOptions?.DriverConfig?.Options ?? null;
  } else if (type === 'bind') {
    mp.Source = cleanPath(m.Source!);
    mp.Propagation = m.BindOptions?.Propagation || 'rprivate';
  } else {
    mp.TmpfsData = tmpfsData(m.TmpfsOptions, m.ReadOnly ?? false);
  }
  return out;
}

/** `--mount`: errors as dockerd's (400, not wrapped). */
export function parseMountSpec(m: ApiMount): ParsedMount {
  try {
    return toMountPoint(m, true);
  } catch (err) {
    throw new InvalidParameter((err as Error).message);
  }
}

/** Only the validation of `--mount`, as dockerd runs it before anything else at create and start. */
export function validateMountSpec(m: ApiMount): void {
  try {
    validateMount(m, true);
  } catch (err) {
    throw new InvalidParameter((err as Error).message);
  }
}

/**
 * `-v [source:]destination[:mode]` (ParseMountRaw). A source that is an absolute
 * path is a bind, anything else names a volume; a missing bind source is created
 * at start, not refused.
 */
export function parseBind(raw: string, volumeDriver = ''): ParsedMount {
  const colons = raw.split(':').length - 1;
  const arr = raw.split(':');
  if (colons > 2 || arr[0] === '') throw new InvalidParameter(invalidSpec(raw));
  const m: ApiMount = {};
  let mode = '';
  if (arr.length === 1) {
    m.Target = arr[0];
  } else if (arr.length === 2) {
    // `/foo:rw` is a destination with a mode: volumes cannot carry a mode alone.
    if (validMode(arr[1]!)) throw new InvalidParameter(invalidSpec(raw));
    [m.Source, m.Target] = [arr[0], arr[1]];
  } else {
    [m.Source, m.Target, mode] = [arr[0], arr[1], arr[2]!];
  }
  if (!validMode(mode)) throw new InvalidParameter(`invalid mode: ${mode}`);
  m.Type = posix.isAbsolute(m.Source ?? '') ? 'bind' : 'volume';
  m.ReadOnly = !readWrite(mode);
  if (volumeDriver !== '' && m.Type === 'volume') m.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  const words = mode.split(',');
  if (words.includes('nocopy')) m.VolumeOptions = { ...(m.VolumeOptions ?? {}), NoCopy: true };
  const propagation = words.find((w) => PROPAGATION_MODES.includes(w));
  if (propagation) m.BindOptions = { Propagation: propagation };
  let parsed: ParsedMount;
  try {
    parsed = toMountPoint(m, false);
  } catch (err) {
    throw new InvalidParameter(`${invalidSpec(raw)}: ${(err as Error).message}`);
  }
  parsed.mp.Mode = mode;
  return parsed;
}

/** `--volumes-from container[:mode]` (ParseVolumesFrom). */
export function parseVolumesFrom(spec: string): { id: string; mode: string } {
  if (spec === '') throw new InvalidParameter('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  if (i < 0) return { id: spec, mode: 'rw' };
  const mode = spec.slice(i + 1);
  const words = mode.split(',');
  if (!validMode(mode) || words.some((w) => PROPAGATION_MODES.includes(w)) || words.includes('nocopy')) {
    throw new InvalidParameter(`invalid mode: ${mode}`);
  }
  return { id: spec.slice(0, i), mode };
}

/** `--tmpfs` destinations (ValidateTmpfsMountDestination): absolute, not `/`. */
export function checkTmpfsDestination(dest: string): void {
  if (posix.normalize(dest.replaceAll('\\', '/')) === '/') throw new InvalidParameter("invalid specification: destination can't be '/'");
  if (!posix.isAbsolute(dest.replaceAll('\\', '/'))) {
    throw new InvalidParameter(`invalid mount path: '${dest.replaceAll('\\', '/')}' mount path must be absolute`);
  }
}
