import { InvalidParameter } from '../engine/errors.js';

/*
 * The Dockerfile reader of dockerd's legacy builder: parser directives at the top
 * (`# escape=`, `# syntax=`), comments, line continuations with the escape
 * character, then one node per instruction with its leading `--flags` split off.
 * What an instruction's arguments mean is decided later (instructions.ts).
 */

export interface Node {
  /** The instruction, lower-case (`run`). */
  cmd: string;
  /** The instruction's text after the keyword and its flags, continuations joined. */
  rest: string;
  /** `--name=value` flags in front of the arguments, as written. */
  flags: string[];
  /** The whole instruction as the user wrote it, continuations joined (`Step N/M : ...`). */
  original: string;
  startLine: number;
}

export interface ParseResult {
  nodes: Node[];
  escape: string;
  warnings: string[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;

/** dockerd's parse errors: `dockerfile parse error line N: ...`, a 400 before any output. */
export function parseError(line: number, msg: string): InvalidParameter {
  return new InvalidParameter(`dockerfile parse error line ${line}: ${msg}`);
}

/** Read the directives from the top of the file; returns the escape character. */
function directives(lines: string[]): { escape: string; consumed: number } {
  let escape = '\\';
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!.trim());
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key !== 'escape' && key !== 'syntax') break;
    if (seen.has(key)) throw parseError(i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '`' && m[2] !== '\\') throw parseError(i + 1, `invalid ESCAPE '${m[2]}'. Must be \` or \\`);
      escape = m[2];
    }
  }
  return { escape, consumed: i };
}

function isComment(line: string): boolean {
  return /^[ \t]*#/.test(line);
}

/** The line without its trailing continuation marker, or null if it does not continue. */
function continued(line: string, escape: string): string | null {
  const t = line.replace(/[ \t\r]+$/, '');
  if (!t.endsWith(escape)) return null;
  return t.slice(0, -1);
}

/** Split `--flag=value` words off the front of an instruction's text. */
function splitFlags(text: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = text;
  for (;;) {
    const m = /^(--[^\s]*)\s*/.exec(rest);
    if (!m || m[1] === '--') break;
    flags.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

export const KNOWN = new Set([
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label',
  'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir',
]);

/** One instruction's text (continuations joined) into a node; unknown keywords refused. */
export function parseLine(text: string, line: number): Node {
  const trimmed = text.trim();
  const m = /^(\S+)\s*([\s\S]*)$/.exec(trimmed)!;
  const cmd = m[1]!.toLowerCase();
  if (!KNOWN.has(cmd)) throw parseError(line, `unknown instruction: ${m[1]!.toUpperCase()}`);
  // ONBUILD's flags belong to the inner instruction.
  const { flags, rest } = cmd === 'onbuild' ? { flags: [], rest: m[2]! } : splitFlags(m[2]!);
  return { cmd, rest: rest.trim(), flags, original: trimmed, startLine: line };
}

/** Parse a Dockerfile's bytes. */
export function parseDockerfile(src: string): ParseResult {
  const lines = src.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, consumed } = directives(lines);
  const nodes: Node[] = [];
  const warnings: string[] = [];
  let buf: string | null = null;
  let start = 0;
  // dockerd warns once per instruction that had empty continuation lines, quoting it.
  let emptyLines = false;
  const end = (text: string): void => {
    if (emptyLines) warnings.push(`[WARNING]: Empty continuation line found in:\n    ${text.replace(/^[ \t]+/, '')}`);
    emptyLines = false;
    nodes.push(parseLine(text, start));
  };
  for (let i = consumed; i < lines.length; i++) {
    const raw = lines[i]!;
    if (isComment(raw)) continue;
    if (buf === null) {
      if (raw.trim() === '') continue;
      start = i + 1;
      buf = '';
    } else if (raw.trim() === '') {
      emptyLines = true;
      continue;
    }
    const cont = continued(raw, escape);
    if (cont !== null) {
      buf += cont;
      continue;
    }
    buf += raw;
    end(buf);
    buf = null;
  }
  if (buf !== null && buf.trim() !== '') end(buf);
  if (nodes.length === 0) {
    // dockerd: an empty file is refused before parsing, one of only comments by the parser.
    throw new InvalidParameter(src.length === 0 ? 'the Dockerfile (Dockerfile) cannot be empty' : 'failed to parse Dockerfile: file with no instructions');
  }
  if (warnings.length) warnings.push('[WARNING]: Empty continuation lines will become errors in a future release.');
  return { nodes, escape, warnings };
}

/** The JSON (exec) form of an instruction's arguments, or null when it is the shell form. */
export function jsonArgs(rest: string): string[] | null {
  if (!rest.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // not JSON: the shell form, as dockerd falls back to it
  }
  return null;
}
