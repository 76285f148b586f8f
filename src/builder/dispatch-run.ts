import type { ContainerConfig } from '../graph/types.js';
import type { Instruction, InstructionOf } from './instructions.js';
import { argEnv, shellOf } from './state.js';
import { StepError, commitSpec, setImage, tryCache, type BuildRun } from './step.js';

/*
 * RUN as dockerd 20.10's dispatchRun: the cache is probed with the command prefixed
 * by the build args it sees (`|1 X=1 /bin/sh -c ...`), so that a changed
 * `--build-arg` misses; otherwise a real container runs the command with the build
 * args in its environment, its output streamed as it comes, and is committed.
 */

type Of<K extends Instruction['kind']> = InstructionOf<K>;

export async function dispatchRun(b: BuildRun, inst: Of<'run'>): Promise<void> {
  const rc = b.state.runConfig;
  const cmd = inst.json ? inst.args : [...shellOf(rc), ...inst.args];
  const args = argEnv(b.state, b.opts.buildArgs);
  // The history and cache key name the args, except a proxy arg no ARG declared: that
  // one is in the command's environment only, though it still brings the `|N` prefix
  // (dockerd's prependEnvOnCmd runs whenever there are args at all: `|0 /bin/sh -c ...`).
  const named = args.filter((e) => b.args.namedInHistory(e.slice(0, e.indexOf('='))));
  const saveCmd = args.length ? [`|${named.length}`, ...named, ...cmd] : cmd;
  const probe: ContainerConfig = { ...rc, Cmd: saveCmd, Entrypoint: null };
  if (tryCache(b, probe)) return;
  if (!b.state.image) throw new StepError('Please provide a source image with `from` prior to run');
  // As dockerd's withEntrypointOverride and withoutHealthcheck: [""] keeps the image's
  // entrypoint out (create shows it null), and NONE keeps its HEALTHCHECK from probing
  // the step's container (left unset, create would inherit it from the image).
  const config: ContainerConfig = {
    ...rc, Cmd: cmd, Entrypoint: [''], Env: [...(rc.Env ?? []), ...args], Image: b.state.imageId, Healthcheck: { Test: ['NONE'] },
  };
  const id = await b.backend.createContainer(b.state.imageId, config, b.opts.host);
  b.containers.push(id);
  b.out(` ---> Running in ${id.slice(0, 12)}\n`);
  const code = await b.backend.runContainer(id, {
    stdout: (chunk) => b.out(chunk.toString()),
    stderr: (chunk) => b.err(chunk.toString()),
  }, b.signal);
  b.signal.throwIfAborted();
  if (code !== 0) throw new StepError(`The command '${cmd.join(' ')}' returned a non-zero code: ${code}`, code);
  setImage(b, b.backend.getImage(await b.backend.commitContainer(id, commitSpec(b, probe, id))));
}
