import { InvalidParameter } from '../engine/errors.js';
import type { Backend, BuildImage } from './backend.js';
import { cacheScope } from './cache.js';
import { dispatchCopy } from './dispatch-copy.js';
import {
  dispatchArg, dispatchCmd, dispatchEnv, dispatchExpose, dispatchHealthcheck, dispatchLabel,
  dispatchOnbuild, dispatchShell, dispatchSimple, dispatchVolume, dispatchWorkdir,
} from './dispatch-meta.js';
import { dispatchRun } from './dispatch-run.js';
import { toInstruction, type Instruction, type InstructionOf, type Step } from './instructions.js';
import { parseDockerfile, parseLine } from './parser.js';
import { expandWord } from './shell-words.js';
import type { SourceRoot } from './sources.js';
import { BUILTIN_ARGS, BuildArgs, type StageState } from './state.js';
import { StepError, setImage, type BuildOptions, type BuildRun, type ProgressMessage, type StageResult } from './step.js';

/*
 * The legacy builder's main loop (dockerd 20.10's Builder.build): parse, split into
 * stages at each FROM (keeping those up to `--target`), then for every instruction
 * print `Step N/M : ...`, dispatch it, remove the step's containers and print the
 * resulting image ID. Image IDs of finished stages go out as aux messages (the
 * CLI's `--iidfile`); the caller tags the result.
 */

export interface BuildIO {
  out: (text: string) => void;
  err: (text: string) => void;
  progress: (msg: ProgressMessage) => void;
  aux: (id: string) => void;
}

interface Stage {
  from: Step;
  steps: Step[];
}

/** Parse and split; parse errors throw before any output (a 400, as dockerd). */
export function plan(dockerfile: string, opts: BuildOptions): { escape: string; meta: Step[]; stages: Stage[]; warnings: string[] } {
  const parsed = parseDockerfile(dockerfile);
  const meta: Step[] = [];
  const stages: Stage[] = [];
  for (const node of parsed.nodes) {
    const step = { node, inst: toInstruction(node, parsed.escape) };
    if (step.inst.kind === 'from') stages.push({ from: step, steps: [] });
    else if (stages.length === 0) {
      if (step.inst.kind !== 'arg') throw new InvalidParameter('no build stage in current context');
      meta.push(step);
    } else stages.at(-1)!.steps.push(step);
  }
  if (stages.length === 0) throw new InvalidParameter('No image was generated. Is your Dockerfile empty?');
  if (opts.target) {
    const i = stages.findIndex((s) => (s.from.inst as InstructionOf<'from'>).stage === opts.target.toLowerCase());
    if (i === -1) throw new InvalidParameter(`failed to reach build target ${opts.target} in Dockerfile`);
    stages.splice(i + 1);
  }
  // dockerd 20.10 adds each `--label` (sorted by key) as its own step `LABEL k=v` at
  // the end of the last stage it builds (the --target one), its words not expanded.
  const last = stages.at(-1)!;
  const line = (last.steps.at(-1) ?? last.from).node.startLine + 1;
  for (const [key, value] of Object.entries(opts.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const original = `LABEL ${key}=${value}`;
    last.steps.push({ node: { cmd: 'label', rest: `${key}=${value}`, flags: [], original, startLine: line }, inst: { kind: 'label', pairs: [{ key, value }], literal: true } });
  }
  return { escape: parsed.escape, meta, stages, warnings: parsed.warnings };
}

async function dispatch(b: BuildRun, inst: Instruction): Promise<void> {
  switch (inst.kind) {
    case 'env': return dispatchEnv(b, inst as InstructionOf<'env'>);
    case 'label': return dispatchLabel(b, inst as InstructionOf<'label'>);
    case 'arg': return dispatchArg(b, inst);
    case 'expose': return dispatchExpose(b, inst);
    case 'volume': return dispatchVolume(b, inst);
    case 'workdir': return dispatchWorkdir(b, inst as InstructionOf<'workdir'>);
    case 'user': case 'stopsignal': case 'maintainer': return dispatchSimple(b, inst as InstructionOf<'user' | 'stopsignal' | 'maintainer'>);
    case 'shell': return dispatchShell(b, inst);
    case 'onbuild': return dispatchOnbuild(b, inst);
    case 'cmd': case 'entrypoint': return dispatchCmd(b, inst as InstructionOf<'cmd' | 'entrypoint'>);
    case 'healthcheck': return dispatchHealthcheck(b, inst);
    case 'run': return dispatchRun(b, inst as InstructionOf<'run'>);
    case 'copy': case 'add': return dispatchCopy(b, inst);
    case 'from': throw new StepError('FROM is dispatched by the stage loop');
  }
}

/** One instruction with dockerd's clean-up: the step's containers go (always with --force-rm). */
async function runStep(b: BuildRun, inst: Instruction): Promise<void> {
  b.containers = [];
  let ok = false;
  try {
    await dispatch(b, inst);
    ok = true;
  } finally {
    // A cancelled build (the client went away) removes its containers whatever
    // --rm says, as dockerd's containerManager does.
    if (b.opts.forceRm || (b.opts.rm && ok) || b.signal.aborted) {
      for (const id of b.containers) {
        await b.backend.removeContainer(id);
        b.out(`Removing intermediate container ${id.slice(0, 12)}\n`);
      }
    }
  }
}

/**
 * FROM's image as dockerd's legacy builder gets it: the local one if there is one,
 * else pulled; with `--pull` always pulled (an image ID is never pulled).
 */
async function baseImage(b: BuildRun, ref: string): Promise<BuildImage> {
  const local = b.backend.findImage(ref);
  if (local && (!b.opts.pull || isIdOf(local, ref))) return local;
  return b.backend.pullImage(ref);
}

/** `ref` names the image by (a prefix of) its ID rather than by a name. */
function isIdOf(img: BuildImage, ref: string): boolean {
  const hex = ref.replace(/^sha256:/, '');
  return /^[0-9a-f]+$/.test(hex) && img.id.slice(7).startsWith(hex);
}

/** FROM: a previous stage, `scratch`, or a local or pulled image; then the image's ONBUILD triggers. */
async function dispatchFrom(b: BuildRun, inst: InstructionOf<'from'>): Promise<void> {
  const metaEnv = new Map<string, string>();
  for (const [k, v] of b.args.meta) {
    const val = b.args.value(k, v);
    if (val !== null) metaEnv.set(k, val);
  }
  const ref = expandWord(inst.image, metaEnv, b.escape);
  const stage = b.stages.find((s) => s.name !== '' && s.name === ref.toLowerCase());
  b.cacheBusted = false;
  b.state = { imageId: '', image: null, runConfig: {}, args: new Map(), maintainer: '', cmdSet: false, name: inst.stage };
  if (ref.toLowerCase() === 'scratch') {
    return;
  }
  const img = stage ? b.backend.getImage(stage.imageId) : await baseImage(b, ref);
  setImage(b, img);
  b.state.runConfig = structuredClone(img.config.config ?? {});
  const triggers = b.state.runConfig.OnBuild ?? [];
  b.state.runConfig.OnBuild = null;
  if (triggers.length === 0) return;
  b.out(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
  for (const t of triggers) {
    let inst: Instruction;
    try {
      inst = toInstruction(parseLine(t, 1), b.escape);
    } catch (err) {
      // dockerd parses a trigger on its own: its errors carry no line.
      if (!(err instanceof InvalidParameter)) throw err;
      throw new StepError(err.message.replace(/^dockerfile parse error line \d+: /, ''));
    }
    await runStep(b, inst);
  }
}

/**
 * Run the build; resolves with the final image ID. Throws StepError (or another
 * error) for a failed step, after the step's output went out.
 */
export async function build(backend: Backend, dockerfile: string, context: SourceRoot, opts: BuildOptions, io: BuildIO, signal: AbortSignal): Promise<string> {
  const { escape, meta, stages, warnings } = plan(dockerfile, opts);
  // dockerd's PrintWarnings: the parser's warnings on stderr before the first step.
  if (warnings.length) io.err(`${warnings.join('\n')}\n`);
  const args = new BuildArgs(opts.buildArgs);
  const b: BuildRun = {
    backend, opts, args, escape, context, stages: [], out: io.out, err: io.err, progress: io.progress, signal, cacheBusted: false, containers: [],
    cacheScope: cacheScope(backend, opts.cacheFrom),
    state: { imageId: '', image: null, runConfig: {}, args: new Map(), maintainer: '', cmdSet: false, name: '' },
  };
  const total = meta.length + stages.reduce((n, s) => n + 1 + s.steps.length, 0);
  let n = 0;
  // Two writes, so two messages, as dockerd's printCommand (Fprintf then Fprintln):
  // API clients that show each message (docker-py's build logs) see the same chunks.
  const print = (s: Step): void => {
    io.out(`Step ${++n}/${total} : ${s.node.original}`);
    io.out('\n');
  };
  for (const m of meta) {
    print(m);
    // dockerd's processMetaArg: expanded against the args known so far (their
    // --build-arg values first, then their defaults) and the proxy args given.
    const env = new Map<string, string>();
    for (const [k, v] of opts.buildArgs) if (BUILTIN_ARGS.has(k) && v !== null) env.set(k, v);
    for (const [k, v] of args.meta) {
      const val = args.value(k, v);
      if (val !== null) env.set(k, val);
    }
    for (const a of (m.inst as InstructionOf<'arg'>).args) {
      const key = expandWord(a.key, env, escape);
      args.declare(key);
      args.meta.set(key, a.value === null ? null : expandWord(a.value, env, escape));
    }
  }
  const done: StageResult[] = b.stages;
  for (const stage of stages) {
    signal.throwIfAborted();
    // dockerd's checkStageNameAvailable: before the stage's FROM is printed.
    const name = (stage.from.inst as InstructionOf<'from'>).stage;
    if (name && done.some((d) => d.name === name)) throw new StepError(`${name} stage name already used`);
    print(stage.from);
    await dispatchFrom(b, stage.from.inst as InstructionOf<'from'>);
    io.out(` ---> ${b.state.imageId.replace(/^sha256:/, '').slice(0, 12)}\n`);
    for (const s of stage.steps) {
      signal.throwIfAborted();
      print(s);
      await runStep(b, s.inst);
      io.out(` ---> ${b.state.imageId.replace(/^sha256:/, '').slice(0, 12)}\n`);
    }
    if (b.state.imageId) io.aux(b.state.imageId);
    done.push({ name: b.state.name, imageId: b.state.imageId });
  }
  const unused = args.unused();
  if (unused.length) io.out(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
  if (!b.state.imageId) throw new StepError('No image was generated. Is your Dockerfile empty?');
  return b.state.imageId;
}
