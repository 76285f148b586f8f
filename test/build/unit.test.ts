import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IgnoreMatcher, readIgnore } from '../../src/builder/dockerignore.js';
import { toInstruction } from '../../src/builder/instructions.js';
import { parseDockerfile } from '../../src/builder/parser.js';
import { expandWord, expandWords } from '../../src/builder/shell-words.js';
import { goDuration, goRune } from '../../src/builder/format.js';

/** The pure parts of the builder against dockerd's rules: parser, substitution, .dockerignore. */

test('parser: directives, comments, continuations, flags and dockerd errors', () => {
  const r = parseDockerfile('# escape=`\n# syntax=docker/dockerfile:1\nFROM busybox AS base\n# a comment\nRUN echo a `\n  && echo b\nCOPY --chown=1:2 a b /d/\n');
  assert.equal(r.escape, '`');
  assert.deepEqual(r.nodes.map((n) => n.cmd), ['from', 'run', 'copy']);
  assert.equal(r.nodes[1]!.original, 'RUN echo a   && echo b');
  assert.deepEqual(r.nodes[2]!.flags, ['--chown=1:2']);
  assert.throws(() => parseDockerfile('FROM busybox\nFOO bar\n'), /dockerfile parse error line 2: unknown instruction: FOO/);
  assert.throws(() => parseDockerfile('# escape=x\nFROM busybox\n'), /invalid ESCAPE 'x'/);
  const copy = toInstruction(parseDockerfile('FROM x\nCOPY ["a b", "/c"]\n').nodes[1]!, '\\');
  assert.deepEqual(copy, { kind: 'copy', sources: ['a b'], dest: '/c', from: '', chown: '', chmod: '', json: true });
  assert.throws(() => toInstruction(parseDockerfile('FROM x\nRUN --mount=x true\n').nodes[1]!, '\\'), /Unknown flag: mount/);
  assert.throws(() => toInstruction(parseDockerfile('FROM x\nSHELL sh -c\n').nodes[1]!, '\\'), /SHELL requires the arguments to be in JSON form/);
  const env = toInstruction(parseDockerfile('FROM x\nENV A=b C="d e"\n').nodes[1]!, '\\');
  assert.deepEqual(env, { kind: 'env', pairs: [{ key: 'A', value: 'b' }, { key: 'C', value: '"d e"' }] });
});

test('shell words: substitution, quotes, escapes and splitting', () => {
  const env = new Map([['A', 'x y'], ['E', '']]);
  assert.equal(expandWord('$A-${A}', env), 'x y-x y');
  assert.equal(expandWord('${E:-def} ${U:-u} ${A:+set} ${U:+set} ${A?x}', env), 'def u set  x y');
  assert.equal(expandWord("'$A' \"$A\" \\$A", env), '$A x y $A');
  assert.deepEqual(expandWords('$A "b c" d', env), ['x', 'y', 'b c', 'd']);
  assert.equal(expandWord('a$', env), 'a$');
  // dockerd 20.10's lexer has no `${A-w}` (only the `:` forms) and names `$$`, `$1`.
  assert.throws(() => expandWord('${E-def}', env), /failed to process "\$\{E-def\}": missing ':' in substitution/);
  assert.throws(() => expandWord('${U:?}', env), /U: is not allowed to be unset/);
  assert.equal(expandWord('$$A $1x $é', env), 'A x ');
});

test('.dockerignore: patterns, ** and ! exceptions, parent directories', () => {
  const m = new IgnoreMatcher(readIgnore('# c\n*.log\n!keep.log\nbuild/\n**/tmp\n/abs/x\n'));
  assert.equal(m.matches('a.log'), true);
  assert.equal(m.matches('keep.log'), false);
  assert.equal(m.matches('sub/a.log'), false);
  assert.equal(m.matches('build/out/x'), true);
  assert.equal(m.matches('a/b/tmp'), true);
  assert.equal(m.matches('tmp'), true); // a directory: walks skip what is under it
  assert.equal(m.matches('abs/x'), true);
  assert.equal(m.matches('src/main.ts'), false);
});

test('Go formatting used in history comments', () => {
  assert.equal(goDuration(5e9), '5s');
  assert.equal(goDuration(90e9), '1m30s');
  assert.equal(goDuration(0), '0s');
  assert.equal(goRune(0), "'\\x00'");
  assert.equal(goRune(3), "'\\x03'");
});
