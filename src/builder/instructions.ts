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
  | { kind: 'copy' | 'add'; sources: string[]; dest: string; from: string; chown: string; json: boolean }
  | { kind: 'expose'; ports: string[] }
  | { kind: 'volume'; json: boolean; raw: string; list: string[] }
  | { kind: 'workdir' | 'user' | 'stopsignal' | 'maintainer'; value: string }
  | { kind: 'shell'; shell: string[] }
  | { kind: 'healthcheck'; none: boolean; json: boolean; args: string[]; flags: Record<string, string> }
  | { kind: 'onbuild'; expression: string };

export interface Step {
  node: Node;
  inst: Instruction;
}

const ALLOWED_FLAGS: Record<string, string[]> = {
  from: ['platform'], copy: ['from', 'chown'], add: ['chown'],
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

/** `KEY=VALUE ...` or the old `KEY VALUE` form of ENV and LABEL. */
function nameValues(node: Node, escape: string): KeyValue[] {
  const name = node.cmd.toUpperCase();
  const words = rawWords(node.rest, escape);
  if (words.length === 0) throw parseError(node.startLine, `${name} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(node.rest)!;
    if (m[2] === '') throw parseError(node.startLine, `${name} must have two arguments`);
    return [{ key: m[1]!, value: m[2]! }];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw parseError(node.startLine, `Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    return { key: w.slice(0, i), value: w.slice(i + 1) };
  });
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
  const flags = flagsOf(node);
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
      const f = commandForm(node);
      if (node.cmd === 'run' && f.args.length === 0) throw parseError(line, 'RUN requires at least one argument');
      return { kind: node.cmd, ...f };
    }
    case 'env': case 'label':
      return { kind: node.cmd, pairs: nameValues(node, escape) };
    case 'maintainer':
      if (node.rest === '') throw parseError(line, 'MAINTAINER requires exactly one argument');
      return { kind: 'maintainer', value: node.rest };
    case 'arg': {
      const words = rawWords(node.rest, escape);
      if (words.length === 0) throw parseError(line, 'ARG requires exactly one argument');
      return {
        kind: 'arg', args: words.map((w) => {
          const i = w.indexOf('=');
          return i === -1 ? { key: w, value: null } : { key: w.slice(0, i), value: w.slice(i + 1) };
        }),
      };
    }
    case 'copy': case 'add': {
      const f = listForm(node);
      if (f.list.length < 2) {
        throw parseError(line, f.list.length === 1
          ? `${name} requires at least two arguments, but only one was provided. Destination could not be determined`
          : `${name} requires at least two arguments`);
      }
      return { kind: node.cmd, sources: f.list.slice(0, -1), dest: f.list.at(-1)!, from: flags['from'] ?? '', chown: flags['chown'] ?? '', json: f.json };
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
      const m = /^(\S*)\s*([\s\S]*)$/.exec(node.rest)!;
      const typ = m[1]!.toUpperCase();
      if (typ === 'NONE') {
        if (m[2] !== '' || node.flags.length) throw parseError(line, 'HEALTHCHECK NONE takes no arguments');
        return { kind: 'healthcheck', none: true, json: false, args: [], flags };
      }
      if (typ !== 'CMD') throw parseError(line, `Unknown type ${JSON.stringify(typ)} in HEALTHCHECK (try CMD)`);
      const f = commandForm({ ...node, rest: m[2]! });
      if (f.args.length === 0) throw parseError(line, 'Missing command after HEALTHCHECK CMD');
      return { kind: 'healthcheck', none: false, ...f, flags };
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
