import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord } from './logs-record.js';

/** The json-file line as the shim writes it (Go's escaping of <, >, &). */
function line(log: string, stream = 'stdout', time = '2024-01-01T00:00:00.000000001Z'): string {
  const text = JSON.stringify(log).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `{"log":${text},"stream":"${stream}","time":"${time}"}`;
}

test('records decode to their exact text, whichever path reads them', () => {
  for (const text of ['plain\n', 'no newline', '', '\n', 'quote " inside\n', 'back\\slash\n', 'ends in backslash-n \\n', 'tab\there\n',
    '<b>&amp;</b>\n', 'unicode é ✓\n', '","stream":"stderr","time":"x\n', 'two\nlines\n']) {
    for (const stream of ['stdout', 'stderr']) {
      const r = decodeRecord(line(text, stream));
      assert.deepEqual(r, { log: text, stream, time: '2024-01-01T00:00:00.000000001Z' }, JSON.stringify(text));
    }
  }
  // Another writer's key order and extra attributes go through the general parser.
  assert.deepEqual(decodeRecord('{"stream":"stdout","log":"x\\n","time":"t","attrs":{"a":"1"}}'),
    { stream: 'stdout', log: 'x\n', time: 't', attrs: { a: '1' } });
  for (const broken of ['', '{"log":"cut', '{"log":"x\\n","stream":"stdout","time":"t"', 'not json']) {
    assert.equal(decodeRecord(broken), null, broken);
  }
});
