import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';
import { PY_PRELUDE, pyResults } from '../helpers/python.js';

/**
 * docker-py (Debian's python3-docker 5.0.3) through its high-level models (containers,
 * images, networks, volumes), on the points where its upstream integration suite
 * (models_*_test, api_volume_test, api_healthcheck_test, client_test, regression_test)
 * saw different answers from berth and dockerd 20.10. Each value asserted is what
 * dockerd 20.10 answered to the same script.
 */

test('docker-py: containers a build keeps (rm=False) look as dockerd 20.10 makes them', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
before = {x['Id'] for x in api.containers(all=True)}
df = b'FROM busybox\nHEALTHCHECK --interval=1s CMD touch /probed\nENTRYPOINT ["false"]\nRUN sleep 2; ls /probed || echo unprobed\nCMD x\n'
img, logs = c.images.build(fileobj=io.BytesIO(df), rm=False, nocache=True)
res['out'] = [l['stream'].strip() for l in logs if 'stream' in l and 'probed' in l['stream'] and 'Step' not in l['stream']]
kept = []
for x in api.containers(all=True):
    if x['Id'] in before:
        continue
    i = api.inspect_container(x['Id'])
    cf = i['Config']
    kept.append([cf['Cmd'][-1], cf['AttachStdout'], cf['AttachStderr'], cf['Entrypoint'], cf.get('Healthcheck', {}).get('Test'), i['HostConfig']['LogConfig']])
    res['logs'] = catch(lambda: api.logs(x['Id']).decode())
    api.remove_container(x['Id'])
res['kept'] = sorted(kept, key=json.dumps)
c.images.remove(img.id)
`);
  // The RUN step's output still reaches the build stream, and the image's HEALTHCHECK never probed its container.
  assert.deepEqual(res['out'], ['\u001b[91mls: /probed: No such file or directory\n\u001b[0m', 'unprobed']);
  const none = { Type: 'none', Config: {} };
  const probe = ['CMD-SHELL', 'touch /probed'];
  // No Attach flags, log driver none (hostConfigFromOptions); the RUN container without the
  // image's entrypoint (null, from [""]) and with its healthcheck NONE (withoutHealthcheck).
  assert.deepEqual(res['kept'], [
    ['CMD ["/bin/sh" "-c" "x"]', false, false, ['false'], probe, none],
    ['ENTRYPOINT ["false"]', false, false, ['false'], probe, none],
    ['HEALTHCHECK &{["CMD-SHELL" "touch /probed"] "1s" "0s" "0s" \'\\x00\'}', false, false, null, probe, none],
    ['sleep 2; ls /probed || echo unprobed', false, false, null, ['NONE'], none],
  ]);
  assert.deepEqual(res['logs'], { type: 'APIError', status: 501, msg: 'configured logging driver does not support reading' });
});

test('docker-py: remove(force=True) of a running or paused container logs kill, die, destroy as dockerd 20.10', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
for paused in (False, True):
    t0 = time.time()
    x = c.containers.run('busybox', 'top', detach=True)
    if paused:
        x.pause()
    x.remove(force=True)
    ev = api.events(since=t0, until=time.time() + 0.5, decode=True, filters={'type': 'container', 'container': x.id})
    res['paused' if paused else 'running'] = [[e['Action'], e['Actor']['Attributes'].get('signal'), e['Actor']['Attributes'].get('exitCode')] for e in ev]
`);
  // dockerd's rm -f kills through its Kill, which logs the signal before the die.
  const tail = [['kill', '9', null], ['die', null, '137'], ['destroy', null, null]];
  assert.deepEqual(res['running'], [['create', null, null], ['start', null, null], ...tail]);
  assert.deepEqual(res['paused'], [['create', null, null], ['start', null, null], ['pause', null, null], ...tail]);
});

test('docker-py: networks.prune() with nothing to prune reports NetworksDeleted null, as dockerd 20.10', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
res['none'] = c.networks.prune()
c.networks.create('pyprune')
res['one'] = c.networks.prune()
`);
  assert.deepEqual(res['none'], { NetworksDeleted: null });
  assert.deepEqual(res['one'], { NetworksDeleted: ['pyprune'] });
});

test('docker-py: df() and containers(size=True) keep the key order of dockerd 20.10\'s JSON', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
x = c.containers.run('busybox', 'sh -c "echo x > /f"', detach=True, volumes={'pydfv': {'bind': '/v'}})
x.wait()
df = api.df()
res['df_ctr'] = list(df['Containers'][0].keys())
res['ps_size'] = list(api.containers(all=True, size=True)[0].keys())
res['usage'] = list(df['Volumes'][0]['UsageData'].keys())
x.remove()
`);
  // Go's struct order: SizeRw and SizeRootFs right after Ports; RefCount before Size.
  const row = ['Id', 'Names', 'Image', 'ImageID', 'Command', 'Created', 'Ports', 'SizeRw', 'SizeRootFs', 'Labels', 'State', 'Status', 'HostConfig', 'NetworkSettings', 'Mounts'];
  assert.deepEqual(res['df_ctr'], row);
  assert.deepEqual(res['ps_size'], row);
  assert.deepEqual(res['usage'], ['RefCount', 'Size']);
});

test('docker-py: a saved archive names and fills its layer directories as dockerd 20.10 (v1.CreateID)', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
import hashlib, tarfile
df = b'FROM busybox\nLABEL z=1 a="<x&y>" m=2\nEXPOSE 90 80/udp\nVOLUME /b /a\nHEALTHCHECK --interval=3s CMD true\nRUN echo 1 > /one\nRUN echo 2 > /two\nCMD ["sh"]\n'
img, _ = c.images.build(fileobj=io.BytesIO(df), tag='pysave:1', rm=True)
r = api._get(api._url('/images/get'), params={'names': ['pysave:1', 'busybox:latest']}, stream=True)
tf = tarfile.open(fileobj=io.BytesIO(r.content))
files = {m.name: m for m in tf.getmembers()}
text = lambda n: tf.extractfile(files[n]).read().decode()
manifest = json.loads(text('manifest.json'))
res['newlines'] = [text('manifest.json').endswith(']\n'), text('repositories').endswith('}\n')]
res['repositories'] = list(json.loads(text('repositories')).keys())
def gojson(o):
    return json.dumps(o, separators=(',', ':'), ensure_ascii=False).replace('<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')
# v1.CreateID recomputed from each directory's json: the V1Image without id and parent (and
# without os below the top, where dockerd sets it after), plus layer_id and parent, top keys sorted.
ids_ok = []
for m in manifest:
    diffs = json.loads(text(m['Config']))['rootfs']['diff_ids']
    chain = None
    for i, layer in enumerate(m['Layers']):
        chain = diffs[i] if chain is None else 'sha256:' + hashlib.sha256((chain + ' ' + diffs[i]).encode()).hexdigest()
        j = json.loads(text(layer.replace('layer.tar', 'json')))
        want = j.pop('id'); parent = j.pop('parent', None)
        if i < len(m['Layers']) - 1:
            j.pop('os', None)
        j['layer_id'] = chain
        if parent:
            j['parent'] = 'sha256:' + parent
        ids_ok.append(hashlib.sha256(gojson({k: j[k] for k in sorted(j)}).encode()).hexdigest() == want == layer.split('/')[0])
res['ids_ok'] = ids_ok
top = manifest[0]['Layers'][-1].replace('layer.tar', 'json')
res['escaped'] = '"a":"\\u003cx\\u0026y\\u003e"' in text(top)
bb = manifest[1]['Layers'][0]
res['busybox'] = [bb, text(bb.replace('layer.tar', 'json'))]
res['shared'] = [files[bb].issym(), files[bb].linkname, '../' + manifest[0]['Layers'][0]]
c.images.remove('pysave:1')
`);
  assert.deepEqual(res['newlines'], [true, true]);
  assert.deepEqual(res['repositories'], ['busybox', 'pysave']);
  assert.deepEqual(res['ids_ok'], [true, true, true, true]);
  assert.equal(res['escaped'], true);
  // The fixture's own directory, byte for byte as dockerd 20.10 saved it.
  const id = 'e7d790824b85e2358c11122fc1c9991bbc00ec5a8128bba50cc3c5e6d41d5f01';
  const zero = '"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false';
  const tail = '"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null';
  assert.deepEqual(res['busybox'], [`${id}/layer.tar`, `{"id":"${id}","created":"2026-01-01T00:00:00Z",`
    + `"container_config":{${zero},"Env":null,"Cmd":null,${tail}},`
    + `"config":{${zero},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],${tail}},"architecture":"amd64","os":"linux"}`]);
  // busybox's layer is pysave's first too, under another v1 ID: a symlink, as dockerd's saveLayer.
  const shared = res['shared'] as [boolean, string, string];
  assert.deepEqual(shared, [true, shared[2], shared[2]]);
});

test('docker-py: image.history() rows keep dockerd 20.10\'s key order', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
res['keys'] = [list(r.keys()) for r in c.images.get('busybox').history()]
`);
  // HistoryResponseItem is a generated type: its fields (and so its JSON) are alphabetical.
  assert.ok((res['keys'] as string[][]).length > 0);
  for (const k of res['keys'] as string[][]) assert.deepEqual(k, ['Comment', 'Created', 'CreatedBy', 'Id', 'Size', 'Tags']);
});

test('docker-py: events, top() and info() keep dockerd 20.10\'s key order', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const res = await pyResults(d, PY_PRELUDE + String.raw`
t0 = time.time()
x = c.containers.run('busybox', 'top', detach=True, labels={'zz': '1', 'aa': '2'})
res['top'] = list(x.top().keys())
x.remove(force=True)
ev = next(api.events(since=t0, until=time.time() + 0.3, decode=True, filters={'type': 'container', 'event': 'create'}))
res['event'] = [list(ev.keys()), list(ev['Actor']['Attributes'].keys())]
info = list(api.info().keys())
res['info'] = info[info.index('NFd'):info.index('NFd') + 3]
`);
  // events.Message: the legacy fields first; Attributes is a Go map, so sorted.
  assert.deepEqual(res['event'], [['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano'], ['aa', 'image', 'name', 'zz']]);
  assert.deepEqual(res['top'], ['Processes', 'Titles']);
  assert.deepEqual(res['info'], ['NFd', 'OomKillDisable', 'NGoroutines']);
});
