import path from 'node:path';
import type { Instruction, InstructionOf } from './instructions.js';
import { ensureDir } from './copy.js';
import { goDuration, goList, goQuoteList, goRune } from './format.js';
import { expandWord, expandWords } from './shell-words.js';
import { shellOf } from './state.js';
import { commitFill, commitMeta, expansionEnv, metaContainer, StepError, tryCache, type BuildRun } from './step.js';

/*
 * The instructions that change only the image config (and WORKDIR, which also makes
 * its directory), each as dockerd 20.10's dispatcher: update the run config, then
 * commit with the comment that becomes the history's `created_by`.
 */

type Of<K extends Instruction['kind']> = InstructionOf<K>;

function setEnv(list: string[] | null | undefined, key: string, value: string): string[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((e) => e.split('=', 1)[0] === key);
  if (i === -1) out.push(`${key}=${value}`);
  else out[i] = `${key}=${value}`;
  return out;
}

export async function dispatchEnv(b: BuildRun, inst: Of<'env'>): Promise<void> {
  const rc = b.state.runConfig;
  const parts: string[] = [];
  // Every word is expanded against the environment before the instruction, as
  // dockerd expands a whole command first: `ENV A=1 B=$A` gives B the old A.
  const env = expansionEnv(b);
  for (const p of inst.pairs) {
    const key = expandWord(p.key, env, b.escape);
    const value = expandWord(p.value, env, b.escape);
    rc.Env = setEnv(rc.Env, key, value);
    parts.push(`${key}=${value}`);
  }
  await commitMeta(b, `ENV ${parts.join(' ')}`);
}

export async function dispatchLabel(b: BuildRun, inst: Of<'label'>): Promise<void> {
  const rc = b.state.runConfig;
  const env = expansionEnv(b);
  let comment = 'LABEL';
  rc.Labels = { ...(rc.Labels ?? {}) };
  for (const p of inst.pairs) {
    const key = inst.literal ? p.key : expandWord(p.key, env, b.escape);
    const value = inst.literal ? p.value : expandWord(p.value, env, b.escape);
    rc.Labels[key] = value;
    comment += ` ${key}=${value}`;
  }
  await commitMeta(b, comment);
}

export async function dispatchArg(b: BuildRun, inst: Of<'arg'>): Promise<void> {
  const parts: string[] = [];
  // As dockerd, names and defaults are all expanded against the environment before
  // the instruction (`ARG A=1 B=$A` leaves B empty), each name before its default.
  const env = expansionEnv(b);
  for (const a of inst.args) {
    const key = expandWord(a.key, env, b.escape);
    const dflt = a.value === null ? null : expandWord(a.value, env, b.escape);
    b.args.declare(key);
    b.state.args.set(key, b.args.value(key, dflt));
    parts.push(dflt === null ? key : `${key}=${dflt}`);
  }
  await commitMeta(b, `ARG ${parts.join(' ')}`);
}

/**
 * One EXPOSE word into ExposedPorts keys, as go-connections' ParsePortSpec reads it:
 * the container port is the part after the last `:` (`1.2.3.4:80:81` exposes 81),
 * its range and protocol checked with dockerd's messages.
 */
function portKeys(spec: string): string[] {
  const raw = spec.slice(spec.lastIndexOf(':') + 1);
  const parts = raw.split('/');
  const port = parts[0]!;
  const proto = parts.length > 1 && parts[1] !== '' ? parts[1]! : 'tcp';
  if (port === '') throw new StepError(`No port specified: ${spec}<empty>`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo > 65535 || hi > 65535 || hi < lo) throw new StepError(`Invalid containerPort: ${port}`);
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new StepError(`Invalid proto: ${proto}`);
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto.toLowerCase()}`);
  return out;
}

export async function dispatchExpose(b: BuildRun, inst: Of<'expose'>): Promise<void> {
  const rc = b.state.runConfig;
  const ports = inst.ports.flatMap((p) => expandWords(p, expansionEnv(b), b.escape));
  rc.ExposedPorts = { ...(rc.ExposedPorts ?? {}) };
  for (const p of ports) for (const k of portKeys(p)) rc.ExposedPorts[k] = {};
  // dockerd 20.10 records the words sorted (Go's sort.Strings): `EXPOSE 443 80/udp`.
  await commitMeta(b, `EXPOSE ${[...ports].sort().join(' ')}`);
}

export async function dispatchVolume(b: BuildRun, inst: Of<'volume'>): Promise<void> {
  const rc = b.state.runConfig;
  const env = expansionEnv(b);
  const list = inst.json ? inst.list.map((v) => expandWord(v, env, b.escape)) : expandWords(inst.raw, env, b.escape);
  rc.Volumes = { ...(rc.Volumes ?? {}) };
  for (const v of list) {
    if (v.trim() === '') throw new StepError('VOLUME specified can not be an empty string');
    rc.Volumes[v] = {};
  }
  await commitMeta(b, `VOLUME ${goList(list)}`);
}

export async function dispatchWorkdir(b: BuildRun, inst: Of<'workdir'>): Promise<void> {
  const rc = b.state.runConfig;
  const value = expandWord(inst.value, expansionEnv(b), b.escape);
  rc.WorkingDir = path.posix.join('/', value.startsWith('/') ? '' : rc.WorkingDir || '/', value);
  const comment = `WORKDIR ${rc.WorkingDir}`;
  const probe = { ...rc, Cmd: [...shellOf(rc), `#(nop) ${comment}`] };
  if (tryCache(b, probe)) return;
  const id = await metaContainer(b, probe);
  b.out(` ---> Running in ${id.slice(0, 12)}\n`);
  const dir = rc.WorkingDir;
  await commitFill(b, { ...probe, Labels: probe.Labels ?? {} }, id, async (root) => { await ensureDir(root, dir.slice(1)); });
  b.containers.push(id);
}

/** The names of dockerd 20.10's SignalMap on Linux (pkg/signal), without `SIG`. */
const SIGNALS = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1',
  'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`), ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** STOPSIGNAL as dockerd's signal.ParseSignal takes it: any non-zero integer, or a known name. */
function validSignal(raw: string): boolean {
  if (/^[+-]?\d+$/.test(raw)) return Number(raw) !== 0;
  return SIGNALS.has(raw.toUpperCase().replace(/^SIG/, ''));
}

export async function dispatchSimple(b: BuildRun, inst: Of<'user' | 'stopsignal' | 'maintainer'>): Promise<void> {
  const value = inst.kind === 'maintainer' ? inst.value : expandWord(inst.value, expansionEnv(b), b.escape);
  const rc = b.state.runConfig;
  if (inst.kind === 'user') rc.User = value;
  else if (inst.kind === 'maintainer') b.state.maintainer = value;
  else {
    if (!validSignal(value)) throw new StepError(`Invalid signal: ${value}`);
    rc.StopSignal = value;
  }
  await commitMeta(b, `${inst.kind.toUpperCase()} ${value}`);
}

export async function dispatchShell(b: BuildRun, inst: Of<'shell'>): Promise<void> {
  b.state.runConfig.Shell = inst.shell;
  await commitMeta(b, `SHELL ${goList(inst.shell)}`);
}

export async function dispatchOnbuild(b: BuildRun, inst: Of<'onbuild'>): Promise<void> {
  const rc = b.state.runConfig;
  rc.OnBuild = [...(rc.OnBuild ?? []), inst.expression];
  await commitMeta(b, `ONBUILD ${inst.expression}`);
}

/** Shell form into argv with the current SHELL; exec form as written. */
function argv(b: BuildRun, json: boolean, args: string[]): string[] {
  return json ? args : [...shellOf(b.state.runConfig), ...args];
}

export async function dispatchCmd(b: BuildRun, inst: Of<'cmd' | 'entrypoint'>): Promise<void> {
  const rc = b.state.runConfig;
  const list = argv(b, inst.json, inst.args);
  if (inst.kind === 'cmd') {
    rc.Cmd = list;
    b.state.cmdSet = true;
    await commitMeta(b, `CMD ${goQuoteList(list)}`);
    return;
  }
  rc.Entrypoint = inst.json && inst.args.length === 0 ? null : list;
  // An ENTRYPOINT drops the CMD inherited from the base image, not one set in this Dockerfile.
  if (!b.state.cmdSet) rc.Cmd = null;
  await commitMeta(b, `ENTRYPOINT ${goQuoteList(rc.Entrypoint)}`);
}

interface Health {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export async function dispatchHealthcheck(b: BuildRun, inst: Of<'healthcheck'>): Promise<void> {
  const rc = b.state.runConfig;
  let h: Health;
  if (inst.none) {
    h = { Test: ['NONE'] };
  } else {
    h = { Test: inst.json ? ['CMD', ...inst.args] : ['CMD-SHELL', inst.args[0]!] };
    if (inst.interval) h.Interval = inst.interval;
    if (inst.timeout) h.Timeout = inst.timeout;
    if (inst.startPeriod) h.StartPeriod = inst.startPeriod;
    if (inst.retries) h.Retries = inst.retries;
  }
  rc.Healthcheck = h;
  const fmt = `&{${goQuoteList(h.Test)} "${goDuration(h.Interval ?? 0)}" "${goDuration(h.Timeout ?? 0)}" "${goDuration(h.StartPeriod ?? 0)}" ${goRune(h.Retries ?? 0)}}`;
  await commitMeta(b, `HEALTHCHECK ${fmt}`);
}
