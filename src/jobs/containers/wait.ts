import type { Handler } from '../context.js';
import { sendHead } from '../io.js';
import { containersOf } from './common.js';
import type { ExitNote } from './live.js';
import { runtimeOf } from './runtime.js';

/**
 * `POST /containers/{id}/wait?condition=`: the head goes out at once (the CLI waits
 * for it before it starts the container), the body `{"StatusCode":N,"Error":null}`
 * once the condition holds: `not-running` (now, if it does not run), `next-exit`,
 * or `removed`.
 */
export const containerWait: Handler<'container_wait'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const c = store.get(job.args.name);
  const { condition } = job.args;
  const out = job.stdout;
  let note: ExitNote;
  if (condition === 'not-running' && !c.State.Running) {
    note = { exitCode: c.State.ExitCode, removed: false };
  } else {
    const wanted = new Promise<ExitNote>((resolve) => {
      const off = rt.onExit(c.Id, (n) => {
        if (condition === 'removed' && !n.removed) return;
        off();
        resolve(n);
      });
      job.signal.addEventListener('abort', () => off(), { once: true });
    });
    sendHead(out);
    const got = await new Promise<ExitNote | null>((resolve) => {
      void wanted.then(resolve);
      // The client gave up waiting (or the daemon stops): nothing to answer.
      job.signal.addEventListener('abort', () => resolve(null), { once: true });
    });
    if (!got) return;
    note = got;
  }
  out?.end(JSON.stringify({ Error: null, StatusCode: note.exitCode }) + '\n');
};
