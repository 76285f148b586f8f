import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { runTool } from '../helpers/tools.js';

/**
 * docker-py (Debian's python3-docker 5.0.3) on images, builds, exec and networks, on
 * the points where its upstream integration suite passed against dockerd 20.10 and
 * failed against berth. Each value asserted is what dockerd 20.10 answered to the same
 * script, except that bad input stays a 4xx where dockerd answers 500, in its words.
 */

const python = (d: TestDaemon, script: string) => runTool(d, '/usr/bin/python3', ['-c', script]);

const PRELUDE = String.raw`
import docker, io, json, sys
from docker import errors
c = docker.from_env(timeout=60)
api = c.api
res = {}
def catch(f):
    try:
        return {'ok': f()}
    except errors.APIError as e:
        return {'type': type(e).__name__, 'status': e.status_code, 'msg': e.explanation}
P = docker.types.IPAMPool
I = docker.types.IPAMConfig
`;

test('docker-py: build cache_from and exec detachKeys from the config file as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const r = await python(d, PRELUDE + String.raw`
df = b'FROM busybox\nENV FOO=bar\nRUN touch baz\nRUN touch bax\n'
def cached(**kw):
    return sum('Using cache' in m.get('stream', '') for m in api.build(fileobj=io.BytesIO(df), decode=True, **kw))
cached(tag='pyc1')
res['plain'] = cached(tag='pyc2')
res['from_self'] = cached(tag='pyc2', cache_from=['pyc1'])
res['from_missing'] = cached(tag='pyc3', cache_from=['nosuchtag'])
res['from_base'] = cached(tag='pyc3', cache_from=['busybox'])
# docker-py sends the config file's detachKeys as the body key 'detachKeys', which Go's decoder folds to DetachKeys.
ct = api.create_container('busybox', 'cat', stdin_open=True)
api.start(ct)
api._general_configs['detachKeys'] = 'ctrl-p'
x = api.exec_create(ct, 'cat', stdin=True, tty=True)
res['detach_keys'] = api.exec_inspect(x)['DetachKeys']
api.remove_container(ct, force=True)
print(json.dumps(res))
`);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out) as Record<string, unknown>;
  // With cache_from, only those images' chains hit: none when the name is unknown or holds no step.
  assert.deepEqual([res['plain'], res['from_self'], res['from_missing'], res['from_base']], [3, 3, 0, 0]);
  assert.equal(res['detach_keys'], 'EA==');
});
