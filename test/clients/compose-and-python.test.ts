import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox } from '../helpers/cli.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { runTool } from '../helpers/tools.js';

/**
 * Clients no one here wrote, from Debian: docker-compose 1.29 and python3-docker
 * (docker-py 5), run with the system python against a test daemon.
 */


test('docker-compose: up with a project network, a healthcheck gating depends_on, name resolution, ps, logs, run --rm, down', { timeout: 300_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const proj = join(d.dir, 'proj');
  mkdirSync(proj);
  // The client asks once: compose starts it only when web's healthcheck has passed.
  writeFileSync(join(proj, 'docker-compose.yml'), [
    'services:',
    '  web:',
    '    image: busybox',
    '    command: sh -c "mkdir -p /www && echo served-by-web > /www/index.html && echo web up && httpd -f -p 8080 -h /www"',
    '    healthcheck:',
    '      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]',
    '      interval: 300ms',
    '  client:',
    '    image: busybox',
    '    command: wget -q -O - http://web:8080/',
    '    depends_on:',
    '      web:',
    '        condition: service_healthy',
    '',
  ].join('\n'));
  const compose = (args: string[]) => runTool(d, '/usr/bin/docker-compose', args, { cwd: proj });

  const up = await compose(['up', '-d']);
  assert.equal(up.code, 0, up.err);
  assert.match(up.err, /Creating network "proj_default" with the default driver/);
  const client = await runTool(d, '/usr/local/bin/docker', ['wait', 'proj_client_1']);
  assert.equal(client.out.trim(), '0', 'the client reached web by its service name');
  const logs = await compose(['logs', '--no-color']);
  assert.equal(logs.code, 0, logs.err);
  assert.match(logs.out, /client_1 +\| served-by-web/);
  assert.match(logs.out, /web_1 +\| web up/);
  const ps = await compose(['ps']);
  assert.match(ps.out, /proj_web_1 .* Up \(healthy\)/);
  assert.match(ps.out, /proj_client_1 .* Exit 0/);
  const run = await compose(['run', '--rm', '-T', 'client', 'sh', '-c', 'echo from-run; exit 4']);
  assert.equal(run.code, 4, run.err);
  assert.match(run.out, /from-run/);

  const down = await compose(['down']);
  assert.equal(down.code, 0, down.err);
  assert.match(down.err, /Removing network proj_default/);
  assert.equal((await runTool(d, '/usr/local/bin/docker', ['ps', '-aq'])).out, '');
});

test('docker-py (python3-docker): run, exec, logs, wait, volumes, networks, images', { timeout: 180_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const script = `
import docker, json
c = docker.from_env()
out = {}
out['run'] = c.containers.run('busybox', ['sh', '-c', 'echo hello; echo err >&2'], remove=True, stderr=True).decode()
ct = c.containers.run('busybox', ['sh', '-c', 'trap "exit 5" TERM; while :; do sleep 0.1; done'], detach=True, name='py')
r = ct.exec_run(['sh', '-c', 'echo in-exec; exit 3'])
out['exec'] = [r.exit_code, r.output.decode()]
ct.reload()
out['status'] = ct.status
ct.stop(timeout=5)
out['wait'] = ct.wait()['StatusCode']
ct.remove()
out['volume'] = c.volumes.create('pyvol').name
c.volumes.get('pyvol').remove()
n = c.networks.create('pynet')
out['network'] = c.networks.get('pynet').name
n.remove()
out['tags'] = c.images.get('busybox').tags
out['left'] = len(c.containers.list(all=True))
print(json.dumps(out))
`;
  const r = await runTool(d, '/usr/bin/python3', ['-c', script]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), {
    run: 'hello\nerr\n', exec: [3, 'in-exec\n'], status: 'running', wait: 5, volume: 'pyvol', network: 'pynet', tags: ['busybox:latest'], left: 0,
  });
});
