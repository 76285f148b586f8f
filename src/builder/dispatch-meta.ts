import path from 'node:path';
import type { Instruction, InstructionOf } from './instructions.js';
import { ensureDir } from './copy.js';
import { goDuration, goList, goQuoteList, goRune, parseGoDuration } from './format.js';
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
  for (const p of inst.pairs) {
    const env = expansionEnv(b);
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
  for (const a of inst.args) {
    const dflt = a.value === null ? null : expandWord(a.value, expansionEnv(b), b.escape);
    b.args.declare(a.key);
    b.state.args.set(a.key, b.args.value(a.key, dflt));
    parts.push(dflt === null ? a.key : `${a.key}=${dflt}`);
  }
  await commitMeta(b, `ARG ${parts.join(' ')}`);
}

/** `80`, `80/udp`, `8000-8002/tcp` into ExposedPorts keys. */
function portKeys(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new StepError(`Invalid containerPort: ${spec}`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
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

export async function dispatchSimple(b: BuildRun, inst: Of<'user' | 'stopsignal' | 'maintainer'>): Promise<void> {
  const value = inst.kind === 'maintainer' ? inst.value : expandWord(inst.value, expansionEnv(b), b.escape);
  const rc = b.state.runConfig;
  if (inst.kind === 'user') rc.User = value;
  else if (inst.kind === 'maintainer') b.state.maintainer = value;
  else {
    if (!/^(SIG)?[A-Z0-9+-]+$/i.test(value) || /^\d+$/.test(value) && Number(value) === 0) throw new StepError(`Invalid signal: ${value}`);
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

function durationFlag(flags: Record<string, string>, name: string): number {
  const v = flags[name];
  if (v === undefined || v === '') return 0;
  const ns = parseGoDuration(v);
  if (ns === null) throw new StepError(`time: invalid duration ${JSON.stringify(v)}`);
  if (ns !== 0 && ns < 1e6) throw new StepError(`Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return ns;
}

export async function dispatchHealthcheck(b: BuildRun, inst: Of<'healthcheck'>): Promise<void> {
  const rc = b.state.runConfig;
  let h: Health;
  if (inst.none) {
    h = { Test: ['NONE'] };
  } else {
    const interval = durationFlag(inst.flags, 'interval');
    const timeout = durationFlag(inst.flags, 'timeout');
    const start = durationFlag(inst.flags, 'start-period');
    const retries = inst.flags['retries'] ? Number(inst.flags['retries']) : 0;
    if (!Number.isInteger(retries) || retries < 0) throw new StepError('--retries cannot be negative');
    h = { Test: inst.json ? ['CMD', ...inst.args] : ['CMD-SHELL', inst.args[0]!] };
    if (interval) h.Interval = interval;
    if (timeout) h.Timeout = timeout;
    if (start) h.StartPeriod = start;
    if (retries) h.Retries = retries;
  }
  rc.Healthcheck = h;
  const fmt = `&{${goQuoteList(h.Test)} "${goDuration(h.Interval ?? 0)}" "${goDuration(h.Timeout ?? 0)}" "${goDuration(h.StartPeriod ?? 0)}" ${goRune(h.Retries ?? 0)}}`;
  await commitMeta(b, `HEALTHCHECK ${fmt}`);
}
