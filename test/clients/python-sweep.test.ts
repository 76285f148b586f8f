import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox } from '../helpers/cli.js';
import { PY_PRELUDE, pyResults } from '../helpers/python.js';

/**
 * docker-py (Debian's python3-docker 5) against berth, on the points where a sweep of
 * the same scripts against dockerd 20.10 found berth answering otherwise: each value
 * asserted here is what dockerd 20.10 answered to the same call, except that a bad
 * request stays a 4xx where dockerd answers 500 (as the image API parity decided),
 * with dockerd's words.
 */


const PRELUDE = PY_PRELUDE;

test('docker-py: containers, images and builds answer as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const ctx = join(d.dir, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo built > /f\n');
  const res = await pyResults(d, PRELUDE + String.raw`
ct = c.containers.run('busybox', ['sh', '-c', 'echo >> /etc/passwd; sleep 30'], detach=True)
time.sleep(0.5)
res['diff'] = sorted([ch['Path'], ch['Kind']] for ch in ct.diff())
res['put_garbage'] = [catch(lambda: ct.put_archive('/tmp', b'short')), catch(lambda: ct.put_archive('/tmp', b'x' * 1000))]
ct.remove(force=True)
x = c.containers.run('busybox', ['sh', '-c', 'exit 3'], detach=True)
res['wait_bogus'] = x.wait(condition='bogus')['StatusCode']
x.remove()
img, logs = c.images.build(path=${JSON.stringify(ctx)}, tag='pyb:1', rm=True)
res['build_first'] = list(logs)[:3]
res['build_missing'] = catch(lambda: c.images.build(path=${JSON.stringify(ctx)}, dockerfile='Dockerfile.nope'))
res['tag_upper'] = catch(lambda: c.images.get('busybox').tag('Bad'))
res['tag_bad_tag'] = catch(lambda: c.images.get('busybox').tag('ok', 'bad tag!'))
res['tag_empty'] = catch(lambda: api.tag('busybox', ''))
y = c.containers.create('busybox', 'true', restart_policy={'Name': 'always'}, labels={'z': '1', 'a': '2'}, ports={'9090/tcp': None, '80/tcp': None})
yc = api.inspect_container(y.id)['Config']
res['ct_maps'] = [list(yc['Labels']), list(yc['ExposedPorts'])]
ci = y.commit(conf={'Labels': {'y': '1', 'b': '2'}})
res['commit_labels'] = list(ci.attrs['Config']['Labels'])
c.images.remove(ci.id)
res['restart_policy'] = y.attrs['HostConfig']['RestartPolicy']
res['commit_bad_tag'] = catch(lambda: y.commit('ok', 'bad tag!'))
r = api._post_json(api._url('/containers/{0}/start', y.id), data={'Binds': ['/tmp:/x']})
res['start_body'] = [r.status_code, r.json()]
y.remove()
res['load_short'] = catch(lambda: c.images.load(b'not a tar'))
res['load_garbage'] = catch(lambda: c.images.load(b'x' * 1000))
res['load_empty'] = catch(lambda: c.images.load(b''))
res['build_cache'] = c.df()['BuildCache']
res['push_missing'] = api.push('127.0.0.1:1/nope', tag='x')
z = c.containers.run('busybox', ['sh', '-c', 'echo a; echo b >&2; echo c'], detach=True)
z.wait()
res['attach_logs'] = [z.attach(stdout=True, stderr=False, logs=True).decode(), z.attach(stdout=False, stderr=True, logs=True).decode(), z.attach(logs=False).decode()]
import tarfile
got = tarfile.open(fileobj=io.BytesIO(b''.join(z.get_archive('/etc')[0])))
exported = tarfile.open(fileobj=io.BytesIO(b''.join(z.export())))
res['tar_modes'] = [got.getmember('etc').mode, got.getmember('etc/passwd').mode, exported.getmember('bin/sh').mode]
z.remove()
`);
  // dockerd reports the directory holding a changed file (its tree comparison).
  assert.deepEqual(res['diff'], [['/etc', 0], ['/etc/passwd', 0]]);
  // put_archive of no tar: dockerd's untar words (a 400 here; dockerd's status is 500).
  assert.deepEqual(res['put_garbage'], [
    { type: 'APIError', status: 400, msg: 'Error processing tar file(exit status 1): unexpected EOF' },
    { type: 'APIError', status: 400, msg: 'Error processing tar file(exit status 1): archive/tar: invalid tar header' },
  ]);
  // An unknown condition waits for not-running, as dockerd 20.10 (no 400).
  assert.equal(res['wait_bogus'], 3);
  // printCommand: the step line and its newline are two messages.
  const first = res['build_first'] as { stream: string }[];
  assert.deepEqual(first.slice(0, 2), [{ stream: 'Step 1/2 : FROM busybox' }, { stream: '\n' }]);
  assert.match(first[2]!.stream, /^ ---> [0-9a-f]{12}\n$/);
  assert.deepEqual(res['build_missing'], { type: 'APIError', status: 400, msg: 'Cannot locate specified Dockerfile: Dockerfile.nope' });
  assert.deepEqual(res['tag_upper'], { type: 'APIError', status: 400, msg: 'invalid reference format: repository name must be lowercase' });
  assert.deepEqual(res['tag_bad_tag'], { type: 'APIError', status: 400, msg: 'invalid tag format' });
  assert.deepEqual(res['tag_empty'], { type: 'APIError', status: 400, msg: 'invalid reference format' });
  assert.deepEqual(res['commit_bad_tag'], { type: 'APIError', status: 400, msg: 'invalid tag format' });
  assert.deepEqual(res['restart_policy'], { Name: 'always', MaximumRetryCount: 0 });
  // Maps (Labels, ExposedPorts) come out with sorted keys, as Go encodes them.
  assert.deepEqual(res['ct_maps'], [['a', 'z'], ['80/tcp', '9090/tcp']]);
  assert.deepEqual(res['commit_labels'], ['a', 'b', 'y', 'z']);
  assert.deepEqual(res['start_body'], [400, { message: 'starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24' }]);
  // load answers 200 and fails in the stream: docker-py raises ImageLoadError.
  assert.deepEqual(res['load_short'], { type: 'ImageLoadError', msg: 'Error processing tar file(exit status 1): unexpected EOF' });
  assert.deepEqual(res['load_garbage'], { type: 'ImageLoadError', msg: 'Error processing tar file(exit status 1): archive/tar: invalid tar header' });
  assert.equal((res['load_empty'] as { type: string }).type, 'ImageLoadError');
  assert.match((res['load_empty'] as { msg: string }).msg, /^open \/.*\/repositories: no such file or directory$/);
  assert.equal(res['build_cache'], null);
  // A failure after the stream started ends it with errorDetail and \r\n, as every message.
  assert.equal(res['push_missing'], '{"status":"The push refers to repository [127.0.0.1:1/nope]"}\r\n'
    + '{"errorDetail":{"message":"An image does not exist locally with the tag: 127.0.0.1:1/nope"},"error":"An image does not exist locally with the tag: 127.0.0.1:1/nope"}\r\n');
  // attach with logs=1 replays the log first (each stream as asked), as dockerd's containerAttach.
  assert.deepEqual(res['attach_logs'], ['a\nc\n', 'b\n', '']);
  // Tar headers carry the file type bits, as dockerd's FileInfoHeader writes them.
  assert.deepEqual(res['tar_modes'], [0o40755, 0o100644, 0o120777]);
});

test('docker-py: volumes and networks answer as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  // A /24 no other test is likely to hold, and a /25 inside it for the overlap.
  const third = 100 + Math.floor(Math.random() * 150);
  const subnet = `10.251.${third}.0/24`;
  const res = await pyResults(d, PRELUDE + String.raw`
P = docker.types.IPAMPool
I = docker.types.IPAMConfig
v = c.volumes.create('pyv', driver_opts={}, labels={'z': '1', 'a': '2'})
raw = api.inspect_volume('pyv')
res['vol'] = [raw['Options'], list(raw['Labels'])]
res['vol_prune'] = c.volumes.prune()['VolumesDeleted']
n = c.networks.create('pyn', ipam=I(pool_configs=[P(subnet='${subnet}')]))
res['overlap'] = catch(lambda: c.networks.create('pyn2', ipam=I(pool_configs=[P(subnet='10.251.${third}.0/25')])))
res['gateway'] = catch(lambda: c.networks.create('pyn3', ipam=I(pool_configs=[P(subnet='10.252.${third}.0/24', gateway='10.200.0.1')])))
res['no_subnet'] = catch(lambda: c.networks.create('pyn4', ipam=I(pool_configs=[P(gateway='10.253.0.1')])))
created = c.containers.create('busybox', 'true')
res['disc_created'] = catch(lambda: n.disconnect(created))
n.connect(created, aliases=['x'])
res['conn_again'] = catch(lambda: n.connect(created))
created.reload()
res['aliases'] = created.attrs['NetworkSettings']['Networks']['pyn']['Aliases']
res['short'] = created.id[:12]
created.remove()
lone = c.containers.run('busybox', 'sleep 30', detach=True, network_mode='none')
res['conn_none'] = catch(lambda: n.connect(lone))
lone.remove(force=True)
res['force_gone'] = catch(lambda: api.disconnect_container_from_network('nosuchct', 'pyn', force=True))
m = c.networks.create('pym', labels={'z': '1', 'a': '2'})
res['net_labels'] = list(api.inspect_network(m.id)['Labels'])
nc = api.create_networking_config({'pyn': api.create_endpoint_config(), 'pym': api.create_endpoint_config()})
res['two_nets'] = catch(lambda: api.create_container('busybox', 'true', networking_config=nc, host_config=api.create_host_config(network_mode='pyn')))
m.remove()
one = c.containers.create('busybox', 'true', name='one')
two = c.containers.create('busybox', 'true', name='two')
res['rename_taken'] = catch(lambda: two.rename('one'))
res['one_id'] = one.id
one.remove(); two.remove()
n.remove()
`);
  // An empty map sent stays {}, and map keys come out sorted as Go encodes them.
  assert.deepEqual(res['vol'], [{}, ['a', 'z']]);
  assert.deepEqual(res['vol_prune'], ['pyv'], 'empty options do not keep a volume from prune');
  assert.deepEqual(res['overlap'], { type: 'APIError', status: 403, msg: 'Pool overlaps with other one on this address space' });
  assert.deepEqual(res['gateway'], { type: 'APIError', status: 400, msg: 'failed to allocate gateway (10.200.0.1): Requested address is out of range' });
  assert.deepEqual(res['no_subnet'], { type: 'APIError', status: 400, msg: 'Invalid subnet  : invalid CIDR address: ' });
  assert.equal((res['disc_created'] as { status: number }).status, 403);
  assert.match((res['disc_created'] as { msg: string }).msg, /^container [0-9a-f]{64} is not connected to the network pyn$/);
  assert.deepEqual(res['conn_again'], { ok: null }, 'a stopped container connected twice: no error');
  assert.deepEqual(res['aliases'], ['x', res['short']]);
  assert.deepEqual(res['conn_none'], { type: 'APIError', status: 400, msg: 'container cannot be connected to multiple networks with one of the networks in private (none) mode' });
  assert.deepEqual(res['force_gone'], { type: 'NotFound', status: 404, msg: 'endpoint nosuchct not found' });
  assert.deepEqual(res['net_labels'], ['a', 'z']);
  assert.deepEqual(res['two_nets'], { type: 'APIError', status: 400, msg: 'Container cannot be connected to network endpoints: pyn, pym' });
  assert.deepEqual(res['rename_taken'], {
    type: 'APIError', status: 409,
    msg: `Error when allocating new name: Conflict. The container name "/one" is already in use by container "${String(res['one_id'])}". You have to remove (or rename) that container to be able to reuse that name.`,
  });
});
