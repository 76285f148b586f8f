import { InvalidParameter } from '../engine/errors.js';

/*
 * Variable substitution in Dockerfile arguments with dockerd's shell-words rules:
 * `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}`, `${VAR?msg}`, `${VAR:?msg}`;
 * single quotes are literal, double quotes expand, the escape character (`\` or the
 * `# escape=` one) protects the next character. Quotes are removed. `words` splits
 * the result on unquoted blanks, including blanks that a variable's value brought.
 */

export type Env = ReadonlyMap<string, string>;

/** An env list (`K=V` strings) as a map; later entries win. */
export function envMap(list: readonly string[] | null | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i === -1) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

const DIGIT = /\p{Nd}/u;
const BLANK = /[ \t\r\n]/;

class Lexer {
  private pos = 0;
  private words: string[] = [];
  private cur = '';
  private inWord = false;

  constructor(private readonly src: string, private readonly env: Env, private readonly escape: string, private readonly split: boolean) {}

  run(): string[] {
    this.lex(null);
    this.flush();
    return this.words;
  }

  private flush(): void {
    if (this.inWord) this.words.push(this.cur);
    this.cur = '';
    this.inWord = false;
  }

  private add(text: string): void {
    this.cur += text;
    this.inWord = true;
  }

  /** A variable's value outside quotes: its blanks split words when splitting. */
  private addExpanded(value: string): void {
    if (!this.split) {
      this.add(value);
      return;
    }
    for (const ch of value) {
      if (BLANK.test(ch)) this.flush();
      else this.add(ch);
    }
  }

  /** Lex until `stop` (unquoted) or the end; the stop character is consumed. */
  private lex(stop: string | null): void {
    const s = this.src;
    while (this.pos < s.length) {
      const ch = s[this.pos]!;
      if (stop !== null && ch === stop) {
        this.pos++;
        return;
      }
      if (ch === this.escape) {
        this.pos++;
        if (this.pos < s.length) this.add(s[this.pos++]!);
        else this.add(ch);
      } else if (ch === "'") {
        this.single();
      } else if (ch === '"') {
        this.double();
      } else if (ch === '$') {
        this.pos++;
        const v = this.dollar();
        if (v.literal) this.add(v.text);
        else this.addExpanded(v.text);
      } else if (this.split && BLANK.test(ch)) {
        this.flush();
        this.pos++;
      } else {
        this.add(ch);
        this.pos++;
      }
    }
    if (stop !== null) throw new InvalidParameter(`syntax error: missing '${stop}'`);
  }

  private single(): void {
    const s = this.src;
    this.pos++;
    this.inWord = true;
    const end = s.indexOf("'", this.pos);
    if (end === -1) throw new InvalidParameter('unexpected end of statement while looking for matching single-quote');
    this.add(s.slice(this.pos, end));
    this.pos = end + 1;
  }

  private double(): void {
    const s = this.src;
    this.pos++;
    this.inWord = true;
    while (this.pos < s.length) {
      const ch = s[this.pos]!;
      if (ch === '"') {
        this.pos++;
        return;
      }
      if (ch === this.escape && this.pos + 1 < s.length && ['"', '$', this.escape].includes(s[this.pos + 1]!)) {
        this.add(s[this.pos + 1]!);
        this.pos += 2;
      } else if (ch === '$') {
        this.pos++;
        this.add(this.dollar().text);
      } else {
        this.add(ch);
        this.pos++;
      }
    }
    throw new InvalidParameter('unexpected end of statement while looking for matching double-quote');
  }

  /**
   * After a `$`: the expansion, or a literal `$` when no name follows. The forms and
   * messages of dockerd 20.10's lexer: `${x}`, `${x?msg}`, `${x:-w}`, `${x:+w}`,
   * `${x:?msg}`; any other character after the name is "missing ':'".
   */
  private dollar(): { text: string; literal: boolean } {
    const s = this.src;
    if (s[this.pos] !== '{') {
      const name = this.name();
      if (name === '') return { text: '$', literal: true };
      return { text: this.env.get(name) ?? '', literal: false };
    }
    this.pos++;
    if (this.pos >= s.length) throw new InvalidParameter("syntax error: missing '}'");
    if ('{}:'.includes(s[this.pos]!)) throw new InvalidParameter('syntax error: bad substitution');
    const name = this.name();
    const ch = s[this.pos++];
    const value = this.env.get(name);
    const unsetOr = (word: string, dflt: string): InvalidParameter => new InvalidParameter(`${name}: ${word || dflt}`);
    if (ch === '}') return { text: value ?? '', literal: false };
    if (ch === '?') {
      const word = this.nested();
      if (value === undefined) throw unsetOr(word, 'is not allowed to be unset');
      return { text: value, literal: false };
    }
    if (ch !== ':') throw new InvalidParameter("missing ':' in substitution");
    const op = s[this.pos++] ?? '';
    const word = this.nested();
    const v = value ?? '';
    if (op === '-') return { text: v === '' ? word : v, literal: false };
    if (op === '+') return { text: v === '' ? '' : word, literal: false };
    if (op === '?') {
      if (value === undefined) throw unsetOr(word, 'is not allowed to be unset');
      if (value === '') throw unsetOr(word, 'is not allowed to be empty');
      return { text: value, literal: false };
    }
    throw new InvalidParameter(`unsupported modifier (${op}) in substitution`);
  }

  /**
   * A variable's name after `$` as dockerd reads it: a run of digits, or one special
   * parameter character (`$$`, `$@`, `$?` ... are never set, so expand to nothing),
   * or letters, digits and `_` (any script's letters).
   */
  private name(): string {
    const s = this.src;
    const first = s[this.pos];
    if (first === undefined) return '';
    if (DIGIT.test(first)) {
      const m = /^\p{Nd}+/u.exec(s.slice(this.pos))!;
      this.pos += m[0].length;
      return m[0];
    }
    if ('@*#?-$!'.includes(first)) {
      this.pos++;
      return first;
    }
    const m = /^[\p{L}\p{Nd}_]*/u.exec(s.slice(this.pos))!;
    this.pos += m[0].length;
    return m[0];
  }

  /** The word of `${x:-word}` up to its closing brace, itself expanded, unsplit. */
  private nested(): string {
    const inner = new Lexer(this.src, this.env, this.escape, false);
    inner.pos = this.pos;
    inner.lex('}');
    this.pos = inner.pos;
    inner.flush();
    return inner.words.join('');
  }
}

/** dockerd's wrapping of a substitution error: `failed to process "${X": ...`. */
function run(word: string, env: Env, escape: string, split: boolean): string[] {
  try {
    return new Lexer(word, env, escape, split).run();
  } catch (err) {
    if (err instanceof InvalidParameter) throw new InvalidParameter(`failed to process ${JSON.stringify(word)}: ${err.message}`);
    throw err;
  }
}

/** One word with variables substituted and quotes removed (ENV values, WORKDIR, USER ...). */
export function expandWord(word: string, env: Env, escape = '\\'): string {
  return run(word, env, escape, false).join('');
}

/** Substitute, then split into words on unquoted blanks (EXPOSE, VOLUME, COPY sources ...). */
export function expandWords(text: string, env: Env, escape = '\\'): string[] {
  return run(text, env, escape, true);
}
