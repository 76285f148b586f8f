import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidParameter } from '../../engine/errors.js';
import { applyChanges, parseKeyValues, parsePorts, splitWords } from './changes.js';
import { emptyContainerConfig, importConfig } from './import.js';

test('CMD and ENTRYPOINT take the exec form as is and wrap the shell form', () => {
  const c = applyChanges({}, ['CMD echo hi', 'ENTRYPOINT ["/bin/tini","--"]']);
  assert.deepEqual(c.Entrypoint, ['/bin/tini', '--']);
  // CMD was given in these changes, so ENTRYPOINT keeps it.
  assert.deepEqual(c.Cmd, ['/bin/sh', '-c', 'echo hi']);
  assert.deepEqual(applyChanges({}, ['cmd ["ls","-l"]']).Cmd, ['ls', '-l']);
  assert.deepEqual(applyChanges({}, ['CMD [not json']).Cmd, ['/bin/sh', '-c', '[not json']);
  assert.deepEqual(applyChanges({}, ['ENTRYPOINT top -b']).Entrypoint, ['/bin/sh', '-c', 'top -b']);
  assert.equal(applyChanges({ Cmd: ['sh'] }, ['ENTRYPOINT ["x"]']).Cmd, null);
});

test('ENV and LABEL accept k=v lists with quotes and the legacy one-pair form', () => {
  const c = applyChanges({ Env: ['PATH=/bin'] }, ['ENV A=1 B="two words" C=a\\ b', 'ENV PATH /usr/bin:/bin', 'ENV D something with spaces']);
  assert.deepEqual(c.Env, ['PATH=/usr/bin:/bin', 'A=1', 'B=two words', 'C=a b', 'D=something with spaces']);
  const l = applyChanges({}, ['LABEL a=b "com.x.y"="z z"', 'LABEL legacy value here']);
  assert.deepEqual(l.Labels, { a: 'b', 'com.x.y': 'z z', legacy: 'value here' });
  assert.deepEqual(splitWords(`a 'b c' "d\\"e"`), ['a', 'b c', 'd"e']);
  assert.throws(() => parseKeyValues('A=1 B', 'ENV'), InvalidParameter);
});

test('EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, ONBUILD', () => {
  const c = applyChanges(emptyContainerConfig(), [
    'EXPOSE 80 53/udp 8000-8001/tcp', 'VOLUME /data /logs', 'VOLUME ["/json"]',
    'WORKDIR /app', 'WORKDIR sub', 'USER nobody:nogroup', 'STOPSIGNAL SIGINT', 'ONBUILD run echo built',
  ]);
  assert.deepEqual(Object.keys(c.ExposedPorts!), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs', '/json']);
  assert.equal(c.WorkingDir, '/app/sub');
  assert.equal(c.User, 'nobody:nogroup');
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.OnBuild, ['run echo built']);
  assert.throws(() => parsePorts('http'), /Invalid containerPort: http/);
});

test('an instruction that is not a change is a 400 in dockerd\'s words', () => {
  for (const [change, instr] of [['RUN echo hi', 'run'], ['from busybox', 'from'], ['ADD a b', 'add']]) {
    assert.throws(() => applyChanges({}, [change!]), (err: unknown) =>
      err instanceof InvalidParameter && err.message === `${instr} is not a valid change command`);
  }
  assert.throws(() => applyChanges({}, ['ENV']), InvalidParameter);
  assert.throws(() => applyChanges({}, ['ONBUILD ONBUILD RUN x']), InvalidParameter);
  // Blank changes are ignored, as dockerd's parser skips empty lines.
  assert.deepEqual(applyChanges({}, ['', '   ']), {});
});

test('the import config is dockerd\'s: platform, comment, one history entry, the changes', () => {
  const created = new Date('2026-02-03T04:05:06.789Z');
  const bytes = importConfig({ diffId: `sha256:${'a'.repeat(64)}`, changes: ['CMD ["sh"]', 'ENV A=1'], message: 'Imported from -', created });
  const cfg = JSON.parse(bytes.toString());
  assert.equal(cfg.os, 'linux');
  assert.equal(cfg.architecture, process.arch === 'x64' ? 'amd64' : cfg.architecture);
  assert.equal(cfg.comment, 'Imported from -');
  assert.equal(cfg.created, '2026-02-03T04:05:06.789Z');
  assert.deepEqual(cfg.history, [{ created: '2026-02-03T04:05:06.789Z', comment: 'Imported from -' }]);
  assert.deepEqual(cfg.rootfs, { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] });
  assert.deepEqual(cfg.config.Cmd, ['sh']);
  assert.deepEqual(cfg.config.Env, ['A=1']);
  assert.equal(cfg.config.Entrypoint, null);
});

test('HEALTHCHECK: NONE, shell and exec forms, Go durations', () => {
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=1m30s --timeout=500ms --retries=2 CMD curl -f x']).Healthcheck,
    { Test: ['CMD-SHELL', 'curl -f x'], Interval: 90e9, Timeout: 500e6, Retries: 2 });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK CMD ["true"]']).Healthcheck, { Test: ['CMD', 'true'] });
  assert.throws(() => applyChanges({}, ['HEALTHCHECK --interval=soon CMD x']), /invalid duration/);
  assert.throws(() => applyChanges({}, ['HEALTHCHECK RUN x']), InvalidParameter);
});
