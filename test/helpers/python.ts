import assert from 'node:assert/strict';
import type { TestDaemon } from './daemon.js';
import { runTool, type ToolRun } from './tools.js';

/** docker-py's script in Debian's python3 (python3-docker 5.0.3) against the daemon. */
export function python(d: Pick<TestDaemon, 'dir' | 'host'>, script: string): Promise<ToolRun> {
  return runTool(d, '/usr/bin/python3', ['-c', script]);
}

/**
 * What every docker-py script of the client tests starts with: `c` the client, `api`
 * its low-level half, `res` the results the script prints, `catch(f)` an exception's
 * shape (an APIError's status and explanation, or another error's type and text).
 */
export const PY_PRELUDE = String.raw`
import docker, io, json, sys, time
from docker import errors
c = docker.from_env(timeout=60)
api = c.api
res = {}
def catch(f):
    try:
        return {'ok': f()}
    except errors.APIError as e:
        return {'type': type(e).__name__, 'status': e.status_code, 'msg': e.explanation}
    except Exception as e:
        return {'type': type(e).__name__, 'msg': str(e)}
`;

/**
 * Runs a script that fills `res` (it starts with PY_PRELUDE or a prelude built on it),
 * prints `res` as JSON and returns it; a failing script fails the test with its stderr.
 */
export async function pyResults(d: Pick<TestDaemon, 'dir' | 'host'>, script: string): Promise<Record<string, unknown>> {
  const r = await python(d, `${script}\nprint(json.dumps(res))\n`);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Record<string, unknown>;
}
