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
