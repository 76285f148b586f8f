import { InvalidParameter } from '../../engine/errors.js';
import type { ContainerConfig } from '../types.js';
import { parseHealthcheck } from './healthcheck.js';

/**
 * The `changes` of `docker import` / `docker commit`: each one Dockerfile instruction
 * that edits the image's `config` without running anything. The instruction-argument
 * parsing (exec vs shell form, `k=v` lists with quotes, legacy `ENV k v`) lives here
 * so the builder can reuse it.
 */

/**
 * The instructions a change may use: dockerd's `validCommitCommands`, plus STOPSIGNAL,
 * which dockerd accepts from 23.0 on (20.10 refuses it).
 */
export const CHANGE_COMMANDS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'] as const;
export type ChangeCommand = (typeof CHANGE_COMMANDS)[number];

export interface Instruction {
  /** Upper-cased instruction name. */
  cmd: string;
  /** The rest of the line, trimmed, with line continuations joined. */
  rest: string;
}

/** Split `CMD echo hi` into its instruction and rest; `null` for blank lines and comments. */
export function splitInstruction(line: string): Instruction | null {
  const joined = line.replace(/\\\r?\n/g, '').trim();
  if (joined === '' || joined.startsWith('#')) return null;
  const m = /^(\S+)\s*([\s\S]*)$/.exec(joined)!;
  return { cmd: m[1]!.toUpperCase(), rest: m[2]!.trim() };
}

/**
 * The exec form (`["a","b"]`) as its array, else `null`: dockerd treats anything
 * that is not a JSON array of strings as the shell form.
 */
export function execForm(rest: string): string[] | null {
  if (!rest.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  } catch {
    // not JSON: the shell form
  }
  return null;
}

/** `CMD`/`ENTRYPOINT` arguments: exec form as is, shell form through `/bin/sh -c`. */
export function commandForm(rest: string, shell: string[] = ['/bin/sh', '-c']): string[] {
  return execForm(rest) ?? [...shell, rest];
}

/**
 * Split on unquoted whitespace, honouring "double" and 'single' quotes and backslash
 * escapes the way the Dockerfile parser does for `ENV`/`LABEL` word lists.
 */
export function splitWords(rest: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < rest.length) cur += rest[++i];
      else cur += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\' && i + 1 < rest.length) cur += rest[++i];
    else cur += ch;
  }
  if (quote) throw new InvalidParameter(`unexpected end of statement while looking for matching ${quote}`);
  if (inWord) words.push(cur);
  return words;
}

/**
 * `k=v k2="v 2"` into pairs; the legacy one-pair form `k some value` when the first
 * word has no `=`. `what` names the instruction for the error message.
 */
export function parseKeyValues(rest: string, what: string): [string, string][] {
  const first = /^(\S+)/.exec(rest)?.[1] ?? '';
  if (!first.includes('=')) {
    const m = /^(\S+)\s+([\s\S]+)$/.exec(rest);
    if (!m) throw new InvalidParameter(`${what} requires at least one argument`);
    const words = splitWords(m[2]!);
    return [[m[1]!, words.length === 1 ? words[0]! : m[2]!.trim()]];
  }
  const pairs: [string, string][] = [];
  for (const w of splitWords(rest)) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new InvalidParameter(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    pairs.push([w.slice(0, eq), w.slice(eq + 1)]);
  }
  if (pairs.length === 0) throw new InvalidParameter(`${what} requires at least one argument`);
  return pairs;
}

/** `EXPOSE 80 53/udp 8000-8001` into `ExposedPorts` keys (`80/tcp`, `53/udp`, ranges expanded). */
export function parsePorts(rest: string): string[] {
  const out: string[] = [];
  for (const spec of rest.split(/\s+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
    if (!m) throw new InvalidParameter(`Invalid containerPort: ${spec}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 65535 || hi > 65535 || hi < lo) throw new InvalidParameter(`Invalid containerPort: ${spec}`);
    const proto = (m[3] ?? 'tcp').toLowerCase();
    for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

/** Set or replace `KEY=value` in an env list, keeping the order of first definition. */
function setEnv(env: string[], key: string, value: string): string[] {
  const i = env.findIndex((e) => e.split('=', 1)[0] === key);
  const entry = `${key}=${value}`;
  if (i < 0) return [...env, entry];
  const copy = [...env];
  copy[i] = entry;
  return copy;
}

/**
 * Apply `changes` to a copy of `config` in order. An instruction outside
 * CHANGE_COMMANDS is a 400 with dockerd's `<INSTR> is not a valid change command`.
 */
export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const out: ContainerConfig = { ...config };
  let cmdSet = false;
  for (const change of changes) {
    const ins = splitInstruction(change);
    if (!ins) continue;
    if (!(CHANGE_COMMANDS as readonly string[]).includes(ins.cmd)) {
      // dockerd's parser lower-cases instruction names, and its message shows them so.
      throw new InvalidParameter(`${ins.cmd.toLowerCase()} is not a valid change command`);
    }
    applyOne(out, ins, () => cmdSet, () => { cmdSet = true; });
  }
  return out;
}

function applyOne(out: ContainerConfig, { cmd, rest }: Instruction, cmdSet: () => boolean, markCmd: () => void): void {
  const needArg = () => { if (rest === '') throw new InvalidParameter(`${cmd} requires at least one argument`); };
  switch (cmd as ChangeCommand) {
    case 'CMD':
      out.Cmd = commandForm(rest, out.Shell);
      markCmd();
      return;
    case 'ENTRYPOINT':
      // An empty exec form clears it; like the builder, it also drops an inherited CMD.
      out.Entrypoint = execForm(rest) ?? (rest === '' ? null : [...(out.Shell ?? ['/bin/sh', '-c']), rest]);
      if (!cmdSet()) out.Cmd = null;
      return;
    case 'ENV':
      needArg();
      for (const [k, v] of parseKeyValues(rest, 'ENV')) out.Env = setEnv(out.Env ?? [], k, v);
      return;
    case 'LABEL':
      needArg();
      out.Labels = { ...(out.Labels ?? {}) };
      for (const [k, v] of parseKeyValues(rest, 'LABEL')) out.Labels[k] = v;
      return;
    case 'EXPOSE':
      needArg();
      out.ExposedPorts = { ...(out.ExposedPorts ?? {}) };
      for (const p of parsePorts(rest)) out.ExposedPorts[p] = {};
      return;
    case 'VOLUME': {
      needArg();
      const vols = execForm(rest) ?? rest.split(/\s+/).filter(Boolean);
      out.Volumes = { ...(out.Volumes ?? {}) };
      for (const v of vols) {
        if (v.trim() === '') throw new InvalidParameter('VOLUME specified can not be an empty string');
        out.Volumes[v.trim()] = {};
      }
      return;
    }
    case 'WORKDIR': {
      needArg();
      // A relative WORKDIR is relative to the previous one, as in a Dockerfile.
      const base = out.WorkingDir || '/';
      out.WorkingDir = rest.startsWith('/') ? rest : `${base.replace(/\/+$/, '')}/${rest}`;
      return;
    }
    case 'USER':
      needArg();
      out.User = rest;
      return;
    case 'HEALTHCHECK':
      needArg();
      out.Healthcheck = parseHealthcheck(rest);
      return;
    case 'STOPSIGNAL':
      needArg();
      out.StopSignal = rest;
      return;
    case 'ONBUILD': {
      const inner = splitInstruction(rest);
      if (!inner) throw new InvalidParameter('ONBUILD requires at least one argument');
      if (inner.cmd === 'ONBUILD') throw new InvalidParameter('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner.cmd === 'FROM' || inner.cmd === 'MAINTAINER') throw new InvalidParameter(`${inner.cmd} isn't allowed as an ONBUILD trigger`);
      // Stored as written (dockerd keeps the trigger's original text).
      out.OnBuild = [...(out.OnBuild ?? []), rest];
      return;
    }
  }
}
