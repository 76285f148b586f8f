import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile, parseConfig } from './config-file.js';
import { parseArgs, type Invocation } from './flags.js';
import { daemonOptions } from './options.js';
import { reloadSettings, resolveConfig } from './resolve.js';

async function daemonArgs(argv: string[]): Promise<Extract<Invocation, { mode: 'daemon' }>> {
  const inv = await parseArgs(argv);
  assert.equal(inv.mode, 'daemon');
  return inv as Extract<Invocation, { mode: 'daemon' }>;
}

test('the option table names each flag and file key once', () => {
  const flags = daemonOptions.flatMap((o) => [o.flag, ...(o.alias ? [o.alias] : [])]);
  assert.equal(new Set(flags).size, flags.length);
  const keys = daemonOptions.flatMap((o) => (o.key ? [o.key] : []));
  assert.equal(new Set(keys).size, keys.length);
});

test('-d, --daemon and the daemon command all start the daemon; -v prints the version', async () => {
  for (const argv of [['-d'], ['--daemon'], ['daemon']]) assert.equal((await parseArgs(argv)).mode, 'daemon');
  assert.equal((await parseArgs(['-v'])).mode, 'version');
  assert.equal((await parseArgs([])).mode, 'help');
});

test('--help prints the help and starts nothing, after the daemon command or -d too', async () => {
  for (const argv of [['--help'], ['-h'], ['daemon', '--help'], ['-d', '-h']]) {
    const inv = await parseArgs(argv);
    assert.equal(inv.mode, 'help', argv.join(' '));
    assert.equal(inv.mode === 'help' && inv.asked, true);
    assert.match(inv.mode === 'help' ? inv.text : '', /--data-root/);
  }
  const bare = await parseArgs([]);
  assert.equal(bare.mode === 'help' && bare.asked, false);
});

test('flags become config fields; repeatable flags accumulate', async () => {
  const inv = await daemonArgs(['-d', '-H', 'unix:///a.sock', '-H', 'tcp://127.0.0.1:2375', '--data-root', '/d', '-s', 'vfs',
    '-D', '-l', 'warn', '--label', 'a=b', '--max-concurrent-downloads', '7', '--experimental']);
  const config = resolveConfig(inv.flags, null, null);
  assert.deepEqual(config.hosts, ['unix:///a.sock', 'tcp://127.0.0.1:2375']);
  assert.equal(config.dataRoot, '/d');
  assert.equal(config.storageDriver, 'vfs');
  assert.equal(config.debug, true);
  assert.equal(config.logLevel, 'warn');
  assert.deepEqual(config.labels, ['a=b']);
  assert.equal(config.maxConcurrentDownloads, 7);
  assert.equal(config.experimental, true);
  assert.equal(config.execRoot, '/var/run/berth');
  assert.equal(inv.configFileExplicit, false);
});

test('unknown flags, bad numbers and bad log levels are refused', async () => {
  await assert.rejects(parseArgs(['-d', '--bogus']), /Unknown argument: bogus/);
  await assert.rejects(parseArgs(['-d', '--max-download-attempts', 'x']), /invalid argument "x" for "--max-download-attempts"/);
  const inv = await daemonArgs(['-d', '-l', 'loud']);
  assert.throws(() => resolveConfig(inv.flags, null, null), { message: 'unable to parse logging level: loud' });
  const gw = await daemonArgs(['-d', '--host-gateway-ip', 'gw.example']);
  assert.throws(() => resolveConfig(gw.flags, null, null),
    { message: 'invalid argument "gw.example" for "--host-gateway-ip" flag: invalid string being converted to IP address: gw.example' });
  assert.equal(resolveConfig((await daemonArgs(['-d', '--host-gateway-ip', '192.0.2.9'])).flags, null, null).hostGatewayIp, '192.0.2.9');
});

test('-g sets the data root with a deprecation warning, and cannot be combined with --data-root', async () => {
  const inv = await daemonArgs(['-d', '-g', '/old']);
  assert.equal(resolveConfig(inv.flags, null, null).dataRoot, '/old');
  assert.match(inv.warnings.join('\n'), /--graph has been deprecated/);
  await assert.rejects(parseArgs(['-d', '-g', '/a', '--data-root', '/b']), /cannot specify both/);
});

test('daemon.json: dockerd key names, unknown keys refused, types checked', () => {
  const file = parseConfig(JSON.stringify({ 'data-root': '/x', 'storage-opts': ['a=b'], debug: true, 'insecure-registries': ['r:5000'] }));
  const config = resolveConfig({ values: {}, set: new Map() }, file, '/etc/berth/daemon.json');
  assert.equal(config.dataRoot, '/x');
  assert.deepEqual(config.storageOpts, ['a=b']);
  assert.deepEqual(config.insecureRegistries, ['r:5000']);
  assert.equal(config.configFile, '/etc/berth/daemon.json');
  assert.throws(() => parseConfig('{"foo":1,"bar":2,"debug":true}'), {
    message: "the following directives don't match any configuration option: bar, foo",
  });
  assert.throws(() => parseConfig('{"debug":"yes"}'), /cannot unmarshal string into Go struct field Config.debug of type bool/);
  assert.equal(Object.keys(parseConfig('').values).length, 0);
});

test('the default log driver and options: --log-driver, --log-opt, daemon.json log-opts as an object; names checked at start', async () => {
  const flags = (await daemonArgs(['-d', '--log-driver', 'local', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'])).flags;
  const fromFlags = resolveConfig(flags, null, null);
  assert.equal(fromFlags.logDriver, 'local');
  assert.deepEqual(fromFlags.logOpts, ['max-size=10m', 'max-file=3']);
  const file = parseConfig(JSON.stringify({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '1k', 'max-file': '2' } }));
  assert.deepEqual(resolveConfig({ values: {}, set: new Map() }, file, '/f.json').logOpts, ['max-size=1k', 'max-file=2']);
  assert.equal(resolveConfig({ values: {}, set: new Map() }, null, null).logDriver, 'json-file');
  assert.throws(() => parseConfig('{"log-opts":{"max-size":5}}'), /cannot unmarshal number into Go struct field Config.log-opts of type string/);
  assert.throws(() => parseConfig('{"log-opts":["max-size=1k"]}'), /cannot unmarshal array into Go struct field Config.log-opts of type map\[string\]string/);
  const bogus = (await daemonArgs(['-d', '--log-opt', 'bogus=1'])).flags;
  assert.throws(() => resolveConfig(bogus, null, null), { message: "failed to set log opts: unknown log opt 'bogus' for json-file log driver" });
});

test('a key set by flag and file is an error in dockerd words', async () => {
  const inv = await daemonArgs(['-d', '-H', 'unix:///x', '-D']);
  const file = parseConfig('{"hosts":["tcp://127.0.0.1:2376"],"debug":false}');
  assert.throws(() => resolveConfig(inv.flags, file, '/f.json'), {
    message: 'unable to configure the berth daemon with file /f.json: the following directives are specified both as a flag and in the configuration file: ' +
      'debug: (from flag: true, from file: false), hosts: (from flag: [unix:///x], from file: [tcp://127.0.0.1:2376])',
  });
});

test('the default config file is optional, a named one is not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(readConfigFile(join(dir, 'none.json'), false), null);
  assert.throws(() => readConfigFile(join(dir, 'none.json'), true), /no such file or directory/);
  writeFileSync(join(dir, 'bad.json'), '{bad');
  assert.throws(() => readConfigFile(join(dir, 'bad.json'), false), /unable to configure the berth daemon with file .*bad.json: /);
});

test('reload takes only reloadable keys', async () => {
  const inv = await daemonArgs(['-d']);
  const changes = reloadSettings(inv.flags, parseConfig('{"debug":true,"data-root":"/elsewhere","labels":["k=v"]}'));
  assert.equal(changes.debug, true);
  assert.deepEqual(changes.labels, ['k=v']);
  assert.equal('dataRoot' in changes, false);
});
