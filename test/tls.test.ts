import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { DOCKER_CLI_20, DOCKER_CLI_28, runBerth, startDaemon, tempDir, type TestDaemon } from './helpers/daemon.js';
import { busyboxImage } from './helpers/fixtures.js';
import { freePort } from './network/helpers.js';

/**
 * --tls and --tlsverify as dockerd serves them: the TCP listener speaks TLS with the
 * daemon's key pair, and with --tlsverify only clients with a certificate from the CA
 * get in. The test makes its own CA, server and client certificates with openssl.
 */
function makeCerts(dir: string): { server: string; client: string } {
  const server = join(dir, 'server');
  const client = join(dir, 'client');
  mkdirSync(server, { recursive: true });
  mkdirSync(client, { recursive: true });
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', join(server, 'ca.pem'), '-days', '2', '-subj', '/CN=berth-test-ca']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [who, out] of [['server', server], ['client', client]] as const) {
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(out, 'key.pem'), '-out', `${who}.csr`, '-subj', `/CN=${who === 'server' ? 'localhost' : 'client'}`]);
    ssl(['x509', '-req', '-in', `${who}.csr`, '-CA', join(server, 'ca.pem'), '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', join(out, 'cert.pem'), '-days', '2', '-extfile', `${who}.ext`]);
  }
  writeFileSync(join(client, 'ca.pem'), readFileSync(join(server, 'ca.pem')));
  return { server, client };
}

/** GET /_ping over TLS with `opts`; the status, or the error's code. */
function ping(port: number, opts: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/_ping', ...opts }, (res) => { res.resume(); resolve(String(res.statusCode)); });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

async function tlsDaemon(t: TestContext, certs: string, extra: string[]): Promise<{ d: TestDaemon; port: number }> {
  const port = await freePort();
  const d = await startDaemon(t, { args: ['-H', `tcp://127.0.0.1:${port}`, '--tlscacert', join(certs, 'ca.pem'), '--tlscert', join(certs, 'cert.pem'), '--tlskey', join(certs, 'key.pem'), ...extra] });
  return { d, port };
}

test('--tlsverify: the CLIs with a client certificate get in, hijacked streams included; others do not', { timeout: 120_000 }, async (t) => {
  const { server, client } = makeCerts(tempDir(t));
  const { d, port } = await tlsDaemon(t, server, ['--tlsverify']);
  await d.docker(['load', '-i', (await busyboxImage()).path]);
  const env = { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: client };
  for (const cli of [DOCKER_CLI_28, DOCKER_CLI_20]) {
    const run = (args: string[], input?: string) => execFileSync(cli, args, { env, encoding: 'utf8', ...(input ? { input } : {}) }).trim();
    assert.equal(run(['version', '--format', '{{.Server.Version}}']), '0.1.0', cli);
    assert.equal(run(['run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], 'through tls\n'), 'through tls', cli);
  }
  const ca = readFileSync(join(client, 'ca.pem'));
  assert.equal(await ping(port, { ca, cert: readFileSync(join(client, 'cert.pem')), key: readFileSync(join(client, 'key.pem')) }), '200');
  assert.notEqual(await ping(port, { ca }), '200', 'a client without a certificate is refused');
  // Plain HTTP to the TLS port: Go's answer, which the CLI shows.
  const plain = await fetch(`http://127.0.0.1:${port}/_ping`).then((r) => r.text()).catch((e: Error) => e.message);
  assert.match(plain, /Client sent an HTTP request to an HTTPS server\./);
  // The unix socket stays plain.
  assert.equal((await d.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(), '0.1.0');
});

test('--tls without verify serves any client; a key pair that cannot be read fails the start in dockerd\'s words', { timeout: 60_000 }, async (t) => {
  const { server, client } = makeCerts(tempDir(t));
  const { port } = await tlsDaemon(t, server, ['--tls']);
  assert.equal(await ping(port, { ca: readFileSync(join(client, 'ca.pem')) }), '200');

  const dir = tempDir(t);
  const missing = join(dir, 'nope.pem');
  const r = await runBerth(['-d', '-H', `unix://${dir}/s.sock`, '-H', `tcp://127.0.0.1:${await freePort()}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'p.pid'), '-b', 'none', '--iptables=false', '--tls', '--tlscert', missing, '--tlskey', join(server, 'key.pem')], { timeoutMs: 20_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`Could not load X509 key pair \\(cert: "${missing}", key: "${join(server, 'key.pem')}"\\): open ${missing}: no such file or directory`));
});
