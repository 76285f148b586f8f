import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { LogOutput } from './logs-output.js';
import { decodeRecord, formatRecord, type RecordFormat } from './logs-record.js';
import { RecordScanner } from './logs-scan.js';

/** A line as the shim writes it: Go's escaping, raw UTF-8 left as it is. */
function shimLine(log: string, stream: string, time: string): string {
  const text = JSON.stringify(log).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `{"log":${text},"stream":"${stream}","time":"${time}"}`;
}

const lines = [
  shimLine('plain\n', 'stdout', '2024-01-01T00:00:01Z'),
  shimLine('unicode é ✓ 𝄞\n', 'stdout', '2024-01-01T00:00:01.5Z'),
  shimLine('to stderr\n', 'stderr', '2024-01-01T00:00:02.000000001Z'),
  shimLine('no newline', 'stdout', '2024-01-01T00:00:02.1Z'),
  shimLine('quote " and back\\slash\n', 'stderr', '2024-01-01T00:00:03Z'),
  shimLine('ends in backslash-n \\n', 'stdout', '2024-01-01T00:00:03.25Z'),
  shimLine('<b>&amp;</b>\ttab\n', 'stdout', '2024-01-01T00:00:04Z'),
  shimLine('\n', 'stdout', '2024-01-01T00:00:04.5Z'),
  shimLine('', 'stderr', '2024-01-01T00:00:05Z'),
  'not a record at all',
  '{"log":"cut short',
  '{"stream":"stdout","log":"other key order ü\\n","time":"2024-01-01T00:00:06Z","attrs":{"b":"2 3","a":"é"}}',
  shimLine('odd stream\n', 'console', '2024-01-01T00:00:06.5Z'),
  '{"log":"a key after the time\\n","stream":"stdout","time":"2024-01-01T00:00:06.7Z","extra":"x"}',
  shimLine('late\n', 'stdout', '2024-01-01T00:00:07Z'),
  shimLine('x'.repeat(70_000) + '\n', 'stdout', '2024-01-01T00:00:08Z'),
  shimLine('after the long one é\n', 'stdout', '2024-01-01T00:00:09Z'),
];

/** What the general decoder gives for the lines: [stream, text] pairs, until `stop`. */
function expected(f: RecordFormat): [number, string][] {
  const out: [number, string][] = [];
  for (const l of lines) {
    const r = decodeRecord(l);
    if (!r) continue;
    const v = formatRecord(r, f);
    if (v === 'skip') continue;
    if (v === 'stop') break;
    out.push([v.stream, v.text]);
  }
  return out;
}

/** The bytes the scanner and output send for the lines, fed in pieces of `cut` lines. */
async function scanned(f: RecordFormat, cut: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } });
  const out = new LogOutput(sink, new AbortController().signal, f.mux);
  const scanner = new RecordScanner(f, out);
  const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  const text = bytes.toString('latin1');
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  for (let i = 0; i < lines.length; i += cut) {
    const more = scanner.scan(text.slice(starts[i], starts[Math.min(lines.length, i + cut)]));
    await out.flush();
    if (!more) break;
  }
  await out.drain();
  return Buffer.concat(chunks);
}

/** stdcopy frames back to [stream, text] pairs. */
function unframe(b: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let i = 0; i < b.length;) {
    const len = b.readUInt32BE(i + 4);
    out.push([b[i]!, b.subarray(i + 8, i + 8 + len).toString('utf8')]);
    i += 8 + len;
  }
  return out;
}

/** Consecutive texts of one stream as one (how records are framed is free; the bytes per stream and their order are not). */
function runs(pairs: [number, string][]): [number, string][] {
  const out: [number, string][] = [];
  for (const [s, t] of pairs) {
    if (t === '') continue;
    const last = out[out.length - 1];
    if (last && last[0] === s) last[1] += t;
    else out.push([s, t]);
  }
  return out;
}

test('the scanner sends exactly what the general decoder gives, whatever the options and cuts', async () => {
  const base: RecordFormat = { stdout: true, stderr: true, timestamps: false, details: false, mux: true, sinceNs: null, untilNs: null };
  const formats: RecordFormat[] = [
    base,
    { ...base, stderr: false },
    { ...base, stdout: false },
    { ...base, timestamps: true },
    { ...base, details: true },
    { ...base, timestamps: true, details: true },
    { ...base, sinceNs: 1704067203_000_000_000n },
    { ...base, untilNs: 1704067203_250_000_000n },
    { ...base, sinceNs: 1704067202_000_000_000n, untilNs: 1704067207_000_000_000n, stdout: false },
  ];
  for (const f of formats) {
    for (const cut of [1, 3, lines.length]) {
      const want = expected(f);
      assert.deepEqual(runs(unframe(await scanned(f, cut))), runs(want), `${JSON.stringify(f, (_k, v) => (typeof v === 'bigint' ? String(v) : v))} cut ${cut}`);
      const raw = await scanned({ ...f, mux: false }, cut);
      assert.equal(raw.toString('utf8'), want.map(([, t]) => t).join(''));
    }
  }
});
