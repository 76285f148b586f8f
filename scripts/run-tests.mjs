#!/usr/bin/env node
// Runs the whole suite on the compiled tree: unit tests beside their logic
// (dist/src/**/*.test.js) in parallel, then integration tests (dist/test/**/*.test.js)
// one file at a time, since each starts daemons, mounts and containers of its own
// and CI has 2 cores. The leak check is its own test file, run last.
//
// Usage: node scripts/run-tests.mjs [substring...]   (only files whose path matches)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function find(dir) {
  let out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const only = process.argv.slice(2);
const unit = find('dist/src');
const integration = find('dist/test').filter((f) => !f.endsWith('leak-check.test.js'));
const leak = find('dist/test').filter((f) => f.endsWith('leak-check.test.js'));
let files = [...unit, ...integration];
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
files = [...files, ...leak];

// Every process of this run carries the tag, and the leak check only blames the
// run for what was not there before it started (the machine may be shared).
const run = randomBytes(6).toString('hex');
const { snapshot, RUN_ENV, BASELINE_ENV } = await import(pathToFileURL(resolve('dist/test/helpers/leak-check.js')).href);
mkdirSync('.tmp', { recursive: true });
const baseline = resolve(`.tmp/leak-baseline-${run}.json`);
writeFileSync(baseline, JSON.stringify(snapshot()));
const env = { ...process.env, [RUN_ENV]: run, [BASELINE_ENV]: baseline };

let failed = [];
const groups = [files.filter((f) => f.startsWith('dist/src')), ...files.filter((f) => !f.startsWith('dist/src')).map((f) => [f])];
for (const group of groups) {
  if (!group.length) continue;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...group], { stdio: 'inherit', env });
  if (r.status !== 0) failed.push(...group);
}
rmSync(baseline, { force: true });
if (failed.length) process.stderr.write(`\nFAILED test files:\n  ${failed.join('\n  ')}\n`);
process.exit(failed.length ? 1 : 0);
