import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { PY_PRELUDE, pyResults } from '../helpers/python.js';
import { MANIFEST_LIST, pushImage, putManifestList, readArchive, startRegistry } from '../registry/registry.js';

/**
 * docker-py (Debian's python3-docker 5.0.3) on images, builds, exec and networks, on
 * the points where its upstream integration suite passed against dockerd 20.10 and
 * failed against berth. Each value asserted is what dockerd 20.10 answered to the same
 * script, except that bad input stays a 4xx where dockerd answers 500, in its words.
 */

/** The shared prelude, with docker-py's IPAM types at hand. */
const PRELUDE = PY_PRELUDE + String.raw`
P = docker.types.IPAMPool
I = docker.types.IPAMConfig
`;

test('docker-py: endpoint settings, link aliases and auxiliary addresses as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const third = 100 + Math.floor(Math.random() * 150);
  const res = await pyResults(d, PRELUDE + String.raw`
third = ${third}
n = api.create_network('pyr', ipam=I(pool_configs=[P(subnet='10.251.%d.0/29' % third, aux_addresses={'b': '10.251.%d.2' % third, 'a': '10.251.%d.3' % third}), P(subnet='2001:389::/64')]))
res['ipam'] = api.inspect_network(n['Id'])['IPAM']['Config']
res['aux_bad'] = [catch(lambda: api.create_network('pyr2', ipam=I(pool_configs=[P(subnet='10.252.%d.0/24' % third, aux_addresses={'a': s})]))) for s in ('10.9.9.9', 'zz')]
def ep(**kw):
    return api.create_networking_config({'pyr': api.create_endpoint_config(**kw)})
hc = api.create_host_config(network_mode='pyr')
up = api.create_container('busybox', 'top', name='pyr-upstream', host_config=hc)
api.start(up)
down = api.create_container('busybox', 'top', host_config=hc, networking_config=ep(links=[('pyr-upstream', 'bar')], driver_opt={'z': '1', 'a': '2'}, link_local_ips=['169.254.8.8'], ipv6_address='2001:389::f00d'))
api.start(down)
s = api.inspect_container(down)['NetworkSettings']['Networks']['pyr']
up_ip = api.inspect_container(up)['NetworkSettings']['Networks']['pyr']['IPAddress']
res['ep'] = [s['IPAMConfig'], s['Links'], s['DriverOpts'], up_ip, s['IPAddress']]
x = api.exec_create(down, ['nslookup', 'bar'])
out = api.exec_start(x).decode()
res['nslookup'] = [api.exec_inspect(x)['ExitCode'], up_ip in out]
res['ll_addr'] = '169.254.8.8/16' in api.exec_start(api.exec_create(down, ['ip', '-o', 'addr', 'show', 'eth0'])).decode()
x = api.exec_create(up, ['nslookup', 'bar'])
api.exec_start(x)
res['nslookup_other'] = api.exec_inspect(x)['ExitCode']
res['aux_asked'] = catch(lambda: api.start(api.create_container('busybox', 'true', host_config=hc, networking_config=ep(ipv4_address='10.251.%d.2' % third))))
res['ll_bad'] = catch(lambda: api.start(api.create_container('busybox', 'top', host_config=hc, networking_config=ep(link_local_ips=['10.0.0.1']))))
api.create_network('pyr3')
hc3 = api.create_host_config(network_mode='pyr3')
v6 = api.create_container('busybox', 'top', host_config=hc3, networking_config=api.create_networking_config({'pyr3': api.create_endpoint_config(ipv6_address='2001:389::f00d')}))
res['v6_no_pool'] = catch(lambda: api.start(v6))
res['overlay'] = catch(lambda: api.create_network('pyo', driver='overlay'))
for ct in api.containers(all=True):
    api.remove_container(ct['Id'], force=True)
api.remove_network('pyr'); api.remove_network('pyr3')
`);
  const net = `10.251.${third}`;
  // Auxiliary addresses are kept (keys sorted, as a Go map); an IPv6 pool is shown as given, empty fields left out.
  assert.deepEqual(res['ipam'], [{ Subnet: `${net}.0/29`, AuxiliaryAddresses: { a: `${net}.3`, b: `${net}.2` } }, { Subnet: '2001:389::/64' }]);
  assert.deepEqual(res['aux_bad'], [
    { type: 'APIError', status: 403, msg: `auxiliary address: (a:10.9.9.9) must belong to the master pool: 10.252.${third}.0/24` },
    { type: 'APIError', status: 400, msg: 'non parsable secondary ip address (a:zz) passed for network pyr2' },
  ]);
  // The endpoint's IPAMConfig, Links and DriverOpts as asked; .2 and .3 are reserved, so the containers get .4 and .5.
  assert.deepEqual(res['ep'], [{ IPv6Address: '2001:389::f00d', LinkLocalIPs: ['169.254.8.8'] }, ['pyr-upstream:bar'], { a: '2', z: '1' }, `${net}.4`, `${net}.5`]);
  // The link-local address is on the interface too, with libnetwork's /16.
  assert.equal(res['ll_addr'], true);
  // The link alias resolves to its target for the linking container only.
  assert.deepEqual(res['nslookup'], [0, true]);
  assert.equal(res['nslookup_other'], 1);
  assert.deepEqual(res['aux_asked'], { type: 'APIError', status: 403, msg: 'Address already in use' });
  assert.deepEqual(res['ll_bad'], { type: 'APIError', status: 400, msg: 'invalid link local IP address: 10.0.0.1' });
  // dockerd (a 500 there) outside a swarm; a 503 as berth's other swarm calls.
  assert.deepEqual(res['overlay'], { type: 'APIError', status: 503, msg: 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.' });
  assert.deepEqual(res['v6_no_pool'], { type: 'APIError', status: 400, msg: 'user specified IP address is supported only when connecting to networks with user configured subnets' });
});

test('docker-py: build cache_from and exec detachKeys from the config file as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
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
`);
  // With cache_from, only those images' chains hit: none when the name is unknown or holds no step.
  assert.deepEqual([res['plain'], res['from_self'], res['from_missing'], res['from_base']], [3, 3, 0, 0]);
  assert.equal(res['detach_keys'], 'EA==');
});

test('docker-py: inspect_distribution reads the registry as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const reg = await startRegistry(t);
  const img = await pushImage(reg, 'bb', '1', await readArchive((await busyboxImage()).path));
  const { list, digest: listDigest } = await putManifestList(reg, 'bb', 'multi', [
    { image: img, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    { image: img, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PRELUDE + String.raw`
h = '${reg.host}'
res['one'] = api.inspect_distribution(h + '/bb:1')
res['list'] = api.inspect_distribution(h + '/bb:multi')
res['latest'] = catch(lambda: api.inspect_distribution(h + '/bb'))
`);
  assert.deepEqual(res['one'], {
    Descriptor: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: img.digest, size: img.manifest.length },
    Platforms: [{ architecture: 'amd64', os: 'linux' }],
  });
  assert.deepEqual(res['list'], {
    Descriptor: { mediaType: MANIFEST_LIST, digest: listDigest, size: Buffer.byteLength(list) },
    Platforms: [{ architecture: 'arm64', os: 'linux', variant: 'v8' }, { architecture: 'amd64', os: 'linux' }],
  });
  // A bare name means latest, which this repository has not: the registry's 404 in its words.
  assert.deepEqual(res['latest'], { type: 'NotFound', status: 404, msg: 'manifest unknown: manifest unknown' });
});

test('docker-py: commit of a container that is exiting succeeds, as dockerd 20.10', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  // docker-py's RemoveImageTest: start `touch /test` and commit at once (pause=True). The
  // pause raced the exit; about 4 in 10 answered 500 with the freezer cgroup's ENOENT.
  const res = await pyResults(d, PRELUDE + String.raw`
bad = []
for i in range(20):
    ct = api.create_container('busybox', ['touch', '/test'])
    api.start(ct)
    got = catch(lambda: api.commit(ct['Id']))
    if 'ok' in got:
        api.remove_image(got['ok']['Id'], force=True)
    else:
        bad.append(got)
    api.wait(ct)
    res.setdefault('states', set()).add(api.inspect_container(ct)['State']['Status'])
    api.remove_container(ct, force=True)
res['bad'] = bad
res['states'] = sorted(res['states'])
`);
  assert.deepEqual(res['bad'], []);
  assert.deepEqual(res['states'], ['exited']);
});
