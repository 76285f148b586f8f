import type { ContainerConfig } from '../graph/types.js';
import type { BuildImage } from './backend.js';

/** The proxy args any build may set without declaring them (dockerd's builtinAllowedBuildArgs). */
export const BUILTIN_ARGS = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy',
  'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
]);

/**
 * Build arguments as dockerd's BuildArgs: the `--build-arg` values, the ARGs before
 * the first FROM (meta args, defaults for stages that redeclare them), and which
 * names were declared anywhere (the rest are reported as not consumed).
 */
export class BuildArgs {
  readonly meta = new Map<string, string | null>();
  private readonly referenced = new Set<string>();

  constructor(readonly given: ReadonlyMap<string, string | null>) {}

  declare(key: string): void {
    this.referenced.add(key);
  }

  /** The value of an arg declared with `dflt` (null: no default). */
  value(key: string, dflt: string | null): string | null {
    const v = this.given.get(key);
    if (v !== undefined && v !== null) return v;
    if (dflt === null) return this.meta.get(key) ?? null;
    return dflt;
  }

  /** dockerd's IsReferencedOrNotBuiltin: a proxy arg counts only once an ARG declared it. */
  namedInHistory(key: string): boolean {
    return this.referenced.has(key) || !BUILTIN_ARGS.has(key);
  }

  /** `--build-arg` names no ARG declared, sorted: dockerd's warning. */
  unused(): string[] {
    return [...this.given.keys()].filter((k) => !this.referenced.has(k) && !BUILTIN_ARGS.has(k)).sort();
  }
}

/** One stage's evaluation state (dockerd's dispatchState). */
export interface StageState {
  /** `''` for `FROM scratch` until something is committed. */
  imageId: string;
  image: BuildImage | null;
  runConfig: ContainerConfig;
  /** ARGs declared in this stage with their values (null: declared, no value). */
  args: Map<string, string | null>;
  maintainer: string;
  cmdSet: boolean;
  name: string;
}

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function shellOf(c: ContainerConfig): string[] {
  return c.Shell && c.Shell.length ? c.Shell : DEFAULT_SHELL;
}

/** The build args of the stage as env entries, those set by ENV left out, sorted (FilterAllowed). */
export function argEnv(s: StageState, given: ReadonlyMap<string, string | null>): string[] {
  const env = new Set((s.runConfig.Env ?? []).map((e) => e.split('=', 1)[0]!));
  const out: string[] = [];
  const all = new Map<string, string>();
  for (const [k, v] of given) if (BUILTIN_ARGS.has(k) && v !== null) all.set(k, v);
  for (const [k, v] of s.args) if (v !== null) all.set(k, v);
  for (const [k, v] of all) if (!env.has(k)) out.push(`${k}=${v}`);
  return out.sort();
}
