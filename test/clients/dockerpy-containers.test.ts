import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { daemonWithBusybox } from '../helpers/cli.js';
import { PY_PRELUDE, pyResults } from '../helpers/python.js';

/**
 * docker-py (Debian's python3-docker 5.0.3) on containers, on the points where its
 * upstream integration suite (api_container, models_containers, regression,
 * healthcheck) passed against dockerd 20.10 and failed against berth. Each value
 * asserted is what dockerd 20.10 answered to the same script, except that bad input
 * stays a 4xx where dockerd answers 500, in its words.
 */

const PRELUDE = PY_PRELUDE;

test('docker-py: stats show the endpoint interfaces under networks as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
def one(mode):
    ct = api.create_container('busybox', 'top', host_config=api.create_host_config(network_mode=mode))
    api.start(ct)
    return ct
b = one('bridge')
s = api.stats(b, stream=False)
res['bridge'] = [list(s)[-3:], list(s.get('networks', {})), list(s.get('networks', {}).get('eth0', {}))]
res['shared'] = list(api.stats(one('container:' + b['Id']), stream=False).get('networks', {}))
res['none'] = 'networks' in api.stats(one('none'), stream=False)
res['host'] = 'networks' in api.stats(one('host'), stream=False)
res['legacy'] = sorted(api.get(api.base_url + '/v1.20/containers/%s/stats?stream=0' % b['Id']).json()['network'])
for ct in api.containers(all=True):
    api.remove_container(ct['Id'], force=True)
`);
  const counters = ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped'];
  // networks last, after name and id (Go's field order), keyed by the name inside the container.
  assert.deepEqual(res['bridge'], [['name', 'id', 'networks'], ['eth0'], counters]);
  // A container: mode container shows the interfaces it shares; none and host modes have no endpoint interface.
  assert.deepEqual(res['shared'], ['eth0']);
  assert.equal(res['none'], false);
  assert.equal(res['host'], false);
  // Before API 1.21 one `network`, the interfaces' sum.
  assert.deepEqual(res['legacy'], [...counters].sort());
});

test('docker-py: remove_container(link=True) removes a legacy link as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
child = api.create_container('busybox', 'top', name='pyl-child')
api.start(child)
parent = api.create_container('busybox', 'top', name='pyl-parent', host_config=api.create_host_config(links={'pyl-child': 'mylink'}))
api.start(parent)
names = lambda: sorted(n for ct in api.containers(all=True) for n in ct['Names'])
res['names'] = names()
res['by_link'] = api.inspect_container('pyl-parent/mylink')['Name']
res['default'] = catch(lambda: api.remove_container('pyl-child', link=True))
res['removed'] = catch(lambda: api.remove_container('pyl-parent/mylink', link=True))
res['after'] = [names(), api.inspect_container(parent)['HostConfig']['Links']]
res['again'] = catch(lambda: api.remove_container('pyl-parent/mylink', link=True))
res['plain'] = catch(lambda: api.remove_container('pyl-parent/mylink'))
for ct in api.containers(all=True):
    api.remove_container(ct['Id'], force=True)
`);
  // The link's name is one more name of the linked container: ps lists it, lookups find it.
  assert.deepEqual(res['names'], ['/pyl-child', '/pyl-parent', '/pyl-parent/mylink']);
  assert.equal(res['by_link'], '/pyl-child');
  // dockerd answers a 500 here; a 409 in its words.
  assert.deepEqual(res['default'], { type: 'APIError', status: 409, msg: 'Conflict, cannot remove the default link name of the container' });
  assert.deepEqual(res['removed'], { ok: null });
  // Both containers stay; the parent's Links is null once none is left.
  assert.deepEqual(res['after'], [['/pyl-child', '/pyl-parent'], null]);
  assert.deepEqual(res['again'], { type: 'NotFound', status: 404, msg: 'No such container: pyl-parent/mylink' });
  assert.deepEqual(res['plain'], { type: 'NotFound', status: 404, msg: 'No such container: pyl-parent/mylink' });
});

test('docker-py: logs(stream=True) yields a frame per line as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
res['run'] = [x.decode() for x in c.containers.run('busybox', 'sh -c "echo hello && echo world && echo again"', stream=True)]
ct = c.containers.run('busybox', 'sh -c "echo one; echo two"', detach=True)
ct.wait()
res['logs'] = [x.decode() for x in ct.logs(stream=True)]
for x in api.containers(all=True):
    api.remove_container(x['Id'], force=True)
`);
  assert.deepEqual(res['run'], ['hello\n', 'world\n', 'again\n']);
  assert.deepEqual(res['logs'], ['one\n', 'two\n']);
});

test('docker-py: attach_socket(logs=1, stream=1) then start gets the log, the new run and the end as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  // The first run's log (5 MB) fills the socket while docker-py starts the container
  // before reading, so the second run is over before the replay is: berth used to wait
  // for the start after it, and the socket never ended.
  const res = await pyResults(d, PRELUDE + String.raw`
import struct
ct = api.create_container('busybox', ['sh', '-c', 'if [ -f /ran ]; then printf again; else touch /ran; yes $(printf %01000d 0) | head -n 5000; fi'])
try:
    api.start(ct)
    api.wait(ct)
    s = api.attach_socket(ct, {'stdout': 1, 'stream': 1, 'logs': 1})
    api.start(ct)
    sock = s._sock
    sock.settimeout(30)
    buf = b''
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
    except Exception as e:
        res['error'] = type(e).__name__
    data = b''
    while len(buf) >= 8:
        n = struct.unpack('>I', buf[4:8])[0]
        data += buf[8:8 + n]
        buf = buf[8 + n:]
    res['lines'] = data.count(b'\n')
    res['tail'] = data[-12:].decode()
finally:
    api.remove_container(ct, force=True)
`);
  assert.deepEqual(res, { lines: 5000, tail: '000000\nagain' });
});

test('docker-py: storage_opt is refused in overlay2\'s words and empty HostConfig maps are not shown, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
def make(opt):
    return api.create_container('busybox', 'true', host_config=api.create_host_config(storage_opt=opt))
res['size'] = catch(lambda: make({'size': '120G'}))
res['unknown'] = catch(lambda: make({'foo': 'bar'}))
h = api.inspect_container(make({}))['HostConfig']
res['empty'] = [h.get('StorageOpt', 'absent'), h['PortBindings']]
r = api._post_json(api._url('/containers/create'), data={'Image': 'busybox', 'Cmd': ['true'], 'HostConfig': {'Tmpfs': {}, 'Sysctls': {}, 'Mounts': []}})
h = api.inspect_container(api._result(r, True)['Id'])['HostConfig']
res['maps'] = [h.get(k, 'absent') for k in ['Tmpfs', 'Sysctls', 'Mounts', 'PortBindings']]
for ct in api.containers(all=True):
    api.remove_container(ct['Id'], force=True)
`);
  // berth's overlay keeps overlay2's layout and has no quotas; dockerd answers a 500.
  assert.deepEqual(res['size'], { type: 'APIError', status: 400, msg: "--storage-opt is supported only for overlay over xfs with 'pquota' mount option" });
  assert.deepEqual(res['unknown'], { type: 'APIError', status: 400, msg: 'Unknown option foo' });
  // Go's omitempty; PortBindings not sent is a nil map (null), as docker-py leaves it.
  assert.deepEqual(res['empty'], ['absent', null]);
  assert.deepEqual(res['maps'], ['absent', 'absent', 'absent', null]);
});

test('docker-py: a bind holding the daemon root gets rslave, other modes are refused, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const root = `${d.dir}/data`;
  const res = await pyResults(d, PRELUDE + String.raw`
root = ${JSON.stringify(root)}
def run(**kw):
    ct = api.create_container('busybox', 'true', host_config=api.create_host_config(**kw))
    api.start(ct)
    return [api.wait(ct)['StatusCode'], [m['Propagation'] for m in api.inspect_container(ct)['Mounts']]]
res['parent'] = catch(lambda: run(binds=[${JSON.stringify(d.dir)} + ':/x:ro']))
res['mount'] = catch(lambda: run(mounts=[docker.types.Mount('/x', root, type='bind')]))
res['other'] = catch(lambda: run(binds=['/etc:/x']))
res['private'] = catch(lambda: run(binds=[root + ':/x:rprivate']))
res['slave'] = catch(lambda: run(mounts=[docker.types.Mount('/x', '/tmp', type='bind', propagation='slave')]))
for ct in api.containers(all=True):
    api.remove_container(ct['Id'], force=True)
`);
  // Asked for nothing: rslave, and the start falls back to private where the source's mount cannot give a slave.
  assert.deepEqual(res['parent'], { ok: [0, ['rslave']] });
  assert.deepEqual(res['mount'], { ok: [0, ['rslave']] });
  assert.deepEqual(res['other'], { ok: [0, ['rprivate']] });
  const refused = (source: string, p: string) => ({
    type: 'APIError', status: 400,
    msg: `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "${root}", bind mount source: "${source}", propagation: "${p}"`,
  });
  assert.deepEqual(res['private'], refused(root, 'rprivate'));
  assert.deepEqual(res['slave'], refused('/tmp', 'slave'));
});

test('docker-py: a create without host_config names its runtime at start; Ulimits in Go\'s order, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
ct = api.create_container('busybox', 'true')
res['created'] = api.inspect_container(ct)['HostConfig'].get('Runtime', 'absent')
api.start(ct)
api.wait(ct)
res['started'] = api.inspect_container(ct)['HostConfig'].get('Runtime', 'absent')
ul = api.create_container('busybox', 'true', host_config=api.create_host_config(ulimits=[docker.types.Ulimit(name='nofile', soft=1024, hard=2048)]))
h = api.inspect_container(ul)['HostConfig']
res['given'] = [h['Runtime'], [list(u.items()) for u in h['Ulimits']]]
for x in api.containers(all=True):
    api.remove_container(x['Id'], force=True)
`);
  assert.equal(res['created'], 'absent');
  assert.equal(res['started'], 'runc');
  assert.deepEqual(res['given'], ['runc', [[['Name', 'nofile'], ['Hard', 2048], ['Soft', 1024]]]]);
});

test('docker-py: HostConfig fields at the top of the create body are read as dockerd 20.10 reads them', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
def host(body):
    r = api._post_json(api._url('/containers/create'), data=dict({'Image': 'busybox', 'Cmd': ['true']}, **body))
    if r.status_code >= 400:
        return [r.status_code, r.json()['message']]
    h = api.inspect_container(r.json()['Id'])['HostConfig']
    return [h.get(k, 'absent') for k in ['Runtime', 'Memory', 'CpuShares', 'Privileged', 'CpusetCpus']]
# docker-py's create_container(runtime=) sends Runtime beside the config, not in HostConfig.
res['runtime'] = api.inspect_container(api.create_container('busybox', 'true', runtime='runc'))['HostConfig'].get('Runtime', 'absent')
res['outer'] = host({'Memory': 67108864, 'Privileged': True})
res['both'] = host({'Memory': 67108864, 'CpuShares': 512, 'Privileged': True, 'Cpuset': '0', 'HostConfig': {'CpuShares': 256}})
res['bad'] = host({'Memory': 'x'})
for x in api.containers(all=True):
    api.remove_container(x['Id'], force=True)
`);
  assert.equal(res['runtime'], 'runc');
  // Without HostConfig the top level is the HostConfig.
  assert.deepEqual(res['outer'], ['runc', 67108864, 0, true, '']);
  // Beside one, it only fills Memory, MemorySwap, CpuShares, CpusetCpus (and Cpuset) and VolumeDriver left unset.
  assert.deepEqual(res['both'], ['runc', 67108864, 256, false, '0']);
  // dockerd answers a 500.
  assert.deepEqual(res['bad'], [400, 'json: cannot unmarshal string into Go struct field ContainerConfigWrapper.Memory of type int64']);
});

test('docker-py: update_container drops a blkio weight the host cannot apply before its range is checked, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
ct = api.create_container('busybox', 'top')
api.start(ct)
res['valid'] = catch(lambda: api.update_container(ct, blkio_weight=300))
res['low'] = catch(lambda: api.update_container(ct, blkio_weight=5))
api.remove_container(ct, force=True)
`);
  const discarded = 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.';
  const supported = JSON.stringify(res['valid']) === JSON.stringify({ ok: { Warnings: null } });
  if (!supported) assert.deepEqual(res['valid'], { ok: { Warnings: [discarded] } });
  // Where the weight is discarded the range is not checked any more.
  assert.deepEqual(res['low'], supported
    ? { type: 'APIError', status: 400, msg: 'Range of blkio weight is from 10 to 1000' }
    : { ok: { Warnings: [discarded] } });
});

test('docker-py: an update the kernel refuses reports runc\'s words as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
ct = api.create_container('busybox', 'top', host_config=api.create_host_config(mem_limit='64m'))
api.start(ct)
res['swap'] = catch(lambda: api.update_container(ct, memswap_limit='16m'))
res['memsw'] = any('memory.memsw.limit_in_bytes' in f for f in __import__('glob').glob('/sys/fs/cgroup/memory/memory.memsw.*'))
api.remove_container(ct, force=True)
`);
  if (!res['memsw']) return t.skip('no swap accounting on this host');
  // A swap limit under the memory limit: the kernel's EINVAL, in Go's words, through runc's exit.
  const r = res['swap'] as { status: number; msg: string };
  assert.equal(r.status, 500);
  assert.match(r.msg, /^Cannot update container [0-9a-f]{64}: runc did not terminate successfully: exit status 1: failed to write "16777216": write \/sys\/fs\/cgroup\/memory\/\S+\/memory\.memsw\.limit_in_bytes: invalid argument\n: unknown$/);
});

test('docker-py: the data root is a shared mount, so a bind of it inside gets a working rslave, and a stop unmounts it, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const root = `${d.dir}/data`;
  mkdirSync(`${root}/sub`, { recursive: true });
  const rootMount = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[4] === root);
  assert.match(rootMount()?.slice(6).join(' ') ?? 'not a mount point', /shared:\d+/);
  const res = await pyResults(d, PRELUDE + String.raw`
ct = api.create_container('busybox', ['grep', ' /x ', '/proc/self/mountinfo'], host_config=api.create_host_config(binds=[${JSON.stringify(`${root}/sub`)} + ':/x']))
api.start(ct)
api.wait(ct)
res['mountinfo'] = api.logs(ct).decode()
res['propagation'] = [m['Propagation'] for m in api.inspect_container(ct)['Mounts']]
api.remove_container(ct)
`);
  assert.deepEqual(res['propagation'], ['rslave']);
  // A slave of the root's peer group: the daemon's later mounts and unmounts reach it.
  assert.match(String(res['mountinfo']), / master:\d+ /);
  await d.stop();
  assert.equal(rootMount(), undefined, 'the bind of the root on itself is undone at stop');
});
