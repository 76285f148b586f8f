import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DOCKER_CLI_20, startDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { pushImage, readArchive, startRegistry } from './registry.js';

/**
 * A registry with htpasswd Basic auth: pull needs credentials (sent by the CLI in
 * X-Registry-Auth after `docker login`), and `docker login` is checked by POST /auth
 * against the registry, failing with dockerd's message and a 500 on a wrong password.
 */
test('docker login and pull against a registry with Basic auth', { timeout: 180_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t, { user: 'alice', password: 's3cret' });
  const busybox = await busyboxImage();
  await pushImage(reg, 'private/busybox', 'latest', await readArchive(busybox.path));
  const d = await startDaemon(t);
  const name = `${reg.host}/private/busybox`;

  const anon = await d.docker(['pull', name]);
  assert.notEqual(anon.code, 0);
  assert.match(anon.stderr, /no basic auth credentials/);

  const wrong = await d.docker(['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 'wrong\n' });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, new RegExp(`login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`));

  // The API's own answer: dockerd 20.10's 500 (an untyped error) and its body shape.
  const api = await fetchAuth(d.socket, { username: 'alice', password: 'wrong', serveraddress: reg.host });
  assert.equal(api.status, 500);
  assert.match(String(api.body['message']), /failed with status: 401 Unauthorized/);
  const good = await fetchAuth(d.socket, { username: 'alice', password: 's3cret', serveraddress: `http://${reg.host}/v2/` });
  assert.equal(good.status, 200);
  assert.deepEqual(good.body, { IdentityToken: '', Status: 'Login Succeeded' });

  const login = await d.docker(['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n', cli: DOCKER_CLI_20 });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /Login Succeeded/);

  const pulled = await d.docker(['pull', name], { cli: DOCKER_CLI_20 });
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, new RegExp(`Status: Downloaded newer image for ${name}:latest`));
  const id = (await d.docker(['image', 'inspect', '--format', '{{.Id}}', name], { cli: DOCKER_CLI_20 })).stdout.trim();
  assert.equal(id, busybox.id);
});

async function fetchAuth(socket: string, body: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: '/v1.41/auth', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
