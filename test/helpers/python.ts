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
