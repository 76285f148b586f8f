import { InvalidParameter } from '../engine/errors.js';

/*
 * Variable substitution in Dockerfile arguments with dockerd's shell-words rules:
 * `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`;
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

const NAME_CHAR = /[A-Za-z0-9_]/;
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
    if (stop !== null) throw new InvalidParameter(`missing '${stop}'`);
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

  /** After a `$`: the expansion, or a literal `$` when no name follows. */
  private dollar(): { text: string; literal: boolean } {
    const s = this.src;
    if (s[this.pos] === '{') {
      this.pos++;
      let name = '';
      while (this.pos < s.length && NAME_CHAR.test(s[this.pos]!)) name += s[this.pos++];
      const next = s[this.pos];
      if (next === '}') {
        this.pos++;
        return { text: this.env.get(name) ?? '', literal: false };
      }
      let mod = '';
      if (next === ':') {
        mod = ':';
        this.pos++;
      }
      const op = s[this.pos];
      if (op !== '-' && op !== '+') {
        throw new InvalidParameter(`unsupported modifier (${mod}${op ?? ''}) in substitution`);
      }
      this.pos++;
      const word = this.nested();
      const value = this.env.get(name);
      const set = mod === ':' ? value !== undefined && value !== '' : value !== undefined;
      if (op === '-') return { text: set ? value! : word, literal: false };
      return { text: set ? word : '', literal: false };
    }
    let name = '';
    while (this.pos < s.length && NAME_CHAR.test(s[this.pos]!)) name += s[this.pos++];
    if (name === '') return { text: '$', literal: true };
    return { text: this.env.get(name) ?? '', literal: false };
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

/** One word with variables substituted and quotes removed (ENV values, WORKDIR, USER ...). */
export function expandWord(word: string, env: Env, escape = '\\'): string {
  return new Lexer(word, env, escape, false).run().join('');
}

/** Substitute, then split into words on unquoted blanks (EXPOSE, VOLUME, COPY sources ...). */
export function expandWords(text: string, env: Env, escape = '\\'): string[] {
  return new Lexer(text, env, escape, true).run();
}
