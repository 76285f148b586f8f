import { InvalidParameter } from '../engine/errors.js';
import { goParseDuration } from '../engine/go-duration.js';
import { jsonArgs, parseError, type Node } from './parser.js';

/*
 * Instructions as typed values, checked as dockerd's instructions.Parse checks them
 * (argument counts, flags, JSON-only forms). Arguments stay unexpanded: variables
 * are substituted when the step runs, against the environment of that moment.
 */

export interface KeyValue {
  key: string;
  value: string;
}

export type Instruction =
  | { kind: 'from'; image: string; stage: string; platform: string }
  | { kind: 'run' | 'cmd' | 'entrypoint'; json: boolean; args: string[] }
  // `literal`: a `--label` of the build, whose words dockerd does not expand.
  | { kind: 'env' | 'label'; pairs: KeyValue[]; literal?: boolean }
  | { kind: 'arg'; args: { key: string; value: string | null }[] }
  | { kind: 'copy' | 'add'; sources: string[]; dest: string; from: string; chown: string; chmod: string; json: boolean }
  | { kind: 'expose'; ports: string[] }
  | { kind: 'volume'; json: boolean; raw: string; list: string[] }
  | { kind: 'workdir' | 'user' | 'stopsignal' | 'maintainer'; value: string }
  | { kind: 'shell'; shell: string[] }
  // Durations in nanoseconds, 0 when not given (checked when parsed, as dockerd).
  | { kind: 'healthcheck'; none: boolean; json: boolean; args: string[]; interval: number; timeout: number; startPeriod: number; retries: number }
  | { kind: 'onbuild'; expression: string };

export interface Step {
  node: Node;
  inst: Instruction;
}

const ALLOWED_FLAGS: Record<string, string[]> = {
  from: ['platform'], copy: ['from', 'chown', 'chmod'], add: ['chown', 'chmod'],
  healthcheck: ['interval', 'timeout', 'start-period', 'retries'],
};

function flagsOf(node: Node): Record<string, string> {
  const allowed = ALLOWED_FLAGS[node.cmd] ?? [];
  const out: Record<string, string> = {};
  for (const f of node.flags) {
    const m = /^--([^=]*)(?:=(.*))?$/.exec(f)!;
    const name = m[1]!;
    if (!allowed.includes(name)) throw parseError(node.startLine, `Unknown flag: ${name}`);
    if (m[2] === undefined) throw parseError(node.startLine, `Missing a value on flag: ${name}`);
    out[name] = m[2];
  }
  return out;
}

/** Words split on blanks outside quotes, quotes and escapes kept (ENV/LABEL/ARG pairs). */
export function rawWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === '' && /\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (ch === escape && i + 1 < text.length && quote !== "'") {
      cur += ch + text[++i];
      continue;
    }
    if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (quote === ch) quote = '';
    cur += ch;
  }
  if (inWord) words.push(cur);
  return words;
}

/**
 * `KEY=VALUE ...` or the old `KEY VALUE` form of ENV and LABEL. The form's errors
 * are the parser's in dockerd (`failed to parse Dockerfile: ...`, no line); a blank
 * name is the instruction's (`dockerfile parse error line N: ENV names can not be blank`).
 */
function nameValues(node: Node, escape: string): KeyValue[] {
  const name = node.cmd.toUpperCase();
  const words = rawWords(node.rest, escape);
  if (words.length === 0) throw parseError(node.startLine, `${name} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(node.rest)!;
    if (m[2] === '') throw new InvalidParameter(`failed to parse Dockerfile: ${name} must have two arguments`);
    return [{ key: m[1]!, value: m[2]! }];
  }
  const pairs = words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw new InvalidParameter(`failed to parse Dockerfile: Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    return { key: w.slice(0, i), value: w.slice(i + 1) };
  });
  if (pairs.some((p) => p.key === '')) throw parseError(node.startLine, `${name} names can not be blank`);
  return pairs;
}

/** dockerd's parseOptInterval: empty is unset (0), else a Go duration of at least 1ms. */
function interval(flags: Record<string, string>, name: string, line: number): number {
  const v = flags[name] ?? '';
  if (v === '') return 0;
  let ns: number;
  try {
    ns = goParseDuration(v);
  } catch (err) {
    throw parseError(line, (err as Error).message);
  }
  if (ns < 1e6) throw parseError(line, `Interval ${JSON.stringify(name)} cannot be less than 1ms`);
  return ns;
}

/** HEALTHCHECK CMD's flags, with dockerd's parse-time errors. */
function healthFlags(flags: Record<string, string>, line: number): { interval: number; timeout: number; startPeriod: number; retries: number } {
  const out = { interval: interval(flags, 'interval', line), timeout: interval(flags, 'timeout', line), startPeriod: interval(flags, 'start-period', line), retries: 0 };
  const r = flags['retries'] ?? '';
  if (r !== '') {
    // strconv.ParseInt(r, 10, 32)
    if (!/^[+-]?\d+$/.test(r)) throw parseError(line, `strconv.ParseInt: parsing ${JSON.stringify(r)}: invalid syntax`);
    const n = Number(r);
    if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw parseError(line, `strconv.ParseInt: parsing ${JSON.stringify(r)}: value out of range`);
    if (n < 1) throw parseError(line, `--retries must be at least 1 (not ${n})`);
    out.retries = n;
  }
  return out;
}

/** JSON array form when it parses, else the words of the shell form. */
function listForm(node: Node): { json: boolean; list: string[] } {
  const j = jsonArgs(node.rest);
  if (j) return { json: true, list: j };
  return { json: false, list: node.rest.split(/\s+/).filter((w) => w !== '') };
}

function commandForm(node: Node): { json: boolean; args: string[] } {
  const j = jsonArgs(node.rest);
  if (j) return { json: true, args: j };
  return { json: false, args: node.rest === '' ? [] : [node.rest] };
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** A node into an instruction, with dockerd's parse-time errors. */
export function toInstruction(node: Node, escape: string): Instruction {
  // HEALTHCHECK reads its flags only for CMD (dockerd ignores them with NONE).
  const flags = node.cmd === 'healthcheck' ? {} : flagsOf(node);
  const name = node.cmd.toUpperCase();
  const line = node.startLine;
  const exactlyOne = (): string => {
    if (node.rest === '' || (node.cmd !== 'workdir' && /\s/.test(node.rest))) throw parseError(line, `${name} requires exactly one argument`);
    return node.rest;
  };
  switch (node.cmd) {
    case 'from': {
      const w = node.rest.split(/\s+/).filter((x) => x !== '');
      if (w.length !== 1 && !(w.length === 3 && w[1]!.toLowerCase() === 'as')) throw parseError(line, 'FROM requires either one or three arguments');
      const stage = w.length === 3 ? w[2]!.toLowerCase() : '';
      if (stage && !STAGE_NAME.test(stage)) throw parseError(line, `invalid name for build stage: ${JSON.stringify(w[2])}, name can't start with a number or contain symbols`);
      return { kind: 'from', image: w[0]!, stage, platform: flags['platform'] ?? '' };
    }
    case 'run': case 'cmd': case 'entrypoint': {
      // A bare RUN runs the shell with no command, as in dockerd (`/bin/sh -c` fails).
      return { kind: node.cmd, ...commandForm(node) };
    }
    case 'env': case 'label':
      return { kind: node.cmd, pairs: nameValues(node, escape) };
    case 'maintainer':
      if (node.rest === '') throw parseError(line, 'MAINTAINER requires exactly one argument');
      return { kind: 'maintainer', value: node.rest };
    case 'arg': {
      const words = rawWords(node.rest, escape);
      if (words.length === 0) throw parseError(line, 'ARG requires at least one argument');
      return {
        kind: 'arg', args: words.map((w) => {
          const i = w.indexOf('=');
          return i === -1 ? { key: w, value: null } : { key: w.slice(0, i), value: w.slice(i + 1) };
        }),
      };
    }
    case 'copy': case 'add': {
      const f = listForm(node);
      if (f.list.length < 2) throw parseError(line, `${name} requires at least two arguments, but only one was provided. Destination could not be determined`);
      return { kind: node.cmd, sources: f.list.slice(0, -1), dest: f.list.at(-1)!, from: flags['from'] ?? '', chown: flags['chown'] ?? '', chmod: flags['chmod'] ?? '', json: f.json };
    }
    case 'expose':
      if (node.rest === '') throw parseError(line, 'EXPOSE requires at least one argument');
      return { kind: 'expose', ports: node.rest.split(/\s+/) };
    case 'volume': {
      const f = listForm(node);
      if (f.list.length === 0) throw parseError(line, 'VOLUME requires at least one argument');
      return { kind: 'volume', json: f.json, raw: node.rest, list: f.list };
    }
    case 'workdir': case 'user': case 'stopsignal':
      return { kind: node.cmd, value: exactlyOne() };
    case 'shell': {
      const j = jsonArgs(node.rest);
      if (!j) throw parseError(line, 'SHELL requires the arguments to be in JSON form');
      if (j.length === 0) throw parseError(line, 'SHELL requires at least one argument');
      return { kind: 'shell', shell: j };
    }
    case 'healthcheck': {
      if (node.rest.trim() === '') throw parseError(line, 'HEALTHCHECK requires at least one argument');
      const m = /^(\S*)\s*([\s\S]*)$/.exec(node.rest)!;
      const typ = m[1]!.toUpperCase();
      if (typ === 'NONE') {
        if (m[2] !== '') throw parseError(line, 'HEALTHCHECK NONE takes no arguments');
        return { kind: 'healthcheck', none: true, json: false, args: [], interval: 0, timeout: 0, startPeriod: 0, retries: 0 };
      }
      const hf = flagsOf(node);
      if (typ !== 'CMD') throw parseError(line, `Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
      const f = commandForm({ ...node, rest: m[2]! });
      if (f.args.length === 0) throw parseError(line, 'Missing command after HEALTHCHECK CMD');
      return { kind: 'healthcheck', none: false, ...f, ...healthFlags(hf, line) };
    }
    case 'onbuild': {
      // As dockerd's parseOnBuild, only the trigger's keyword is checked here; an
      // unknown one fails when a child build runs the trigger.
      const inner = node.rest.split(/\s+/, 1)[0]!.toLowerCase();
      if (inner === '') throw parseError(line, 'ONBUILD requires at least one argument');
      if (inner === 'onbuild') throw parseError(line, 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (inner === 'from' || inner === 'maintainer') throw parseError(line, `${inner.toUpperCase()} isn't allowed as an ONBUILD trigger`);
      return { kind: 'onbuild', expression: node.rest };
    }
    default:
      throw parseError(line, `unknown instruction: ${name}`);
  }
}

/** The instruction of one kind (`InstructionOf<'env'>`), kinds sharing a shape included. */
export type InstructionOf<K extends Instruction['kind']> = Instruction & { kind: K };
