/**
 * A request body read the way dockerd 20.10 reads it: Go's json.Decoder takes the
 * first JSON value and stops there, and its errors are what the client sees
 * ("unexpected EOF", "invalid character 'x' looking for beginning of value"). So
 * trailing bytes after a complete value are ignored, as dockerd ignores them, and a
 * broken body is refused in Go's words rather than in JSON.parse's. The scanner below
 * follows the states of Go's encoding/json scanner, only to find where the first
 * value ends or which byte breaks it; JSON.parse then builds the value itself.
 */

/** The body held only whitespace (Go's io.EOF): routes decide what that means. */
export const EMPTY = Symbol('empty body');

export class GoJsonSyntaxError extends Error {}

type Ctx = 'key' | 'value' | 'array';
type Step = (c: number) => Step | 'end';

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

const NAMED: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };

/** Go's quoteChar: the byte as strconv.Quote shows it, in single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return '\'"\'';
  if (NAMED[c]) return `'${NAMED[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // Go quotes the byte as the rune of the same number (U+0080..U+00FF).
  if (c >= 0x80 && c < 0xa0) return `'\\u00${c.toString(16)}'`;
  return `'${String.fromCharCode(c)}'`;
}

function fail(c: number, context: string): never {
  throw new GoJsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`);
}

/**
 * The end offset of the first JSON value in `b`, or EMPTY for whitespace only.
 * Throws GoJsonSyntaxError with Go's message for a broken or cut value.
 */
export function firstValueEnd(b: Uint8Array): number | typeof EMPTY {
  const stack: Ctx[] = [];
  /** Set when the last step closed the outermost object or array. */
  let closedTop = false;

  const endValue: Step = (c) => {
    if (stack.length === 0) return 'end';
    if (isSpace(c)) return endValue;
    const top = stack[stack.length - 1]!;
    if (top === 'key') {
      if (c === 0x3a) {
        stack[stack.length - 1] = 'value';
        return beginValue;
      }
      fail(c, 'after object key');
    }
    if (top === 'value') {
      if (c === 0x2c) {
        stack[stack.length - 1] = 'key';
        return beginString;
      }
      if (c === 0x7d) return close();
      fail(c, 'after object key:value pair');
    }
    if (c === 0x2c) return beginValue;
    if (c === 0x5d) return close();
    fail(c, 'after array element');
  };
  // A closing brace or bracket: the value may be the whole body.
  const close = (): Step | 'end' => {
    stack.pop();
    closedTop = stack.length === 0;
    return closedTop ? 'end' : endValue;
  };
  const literal = (word: string, i: number): Step => (c) => {
    if (c === word.charCodeAt(i)) return i + 1 === word.length ? endValue : literal(word, i + 1);
    fail(c, `in literal ${word} (expecting ${quoteChar(word.charCodeAt(i))})`);
  };
  const escU = (n: number): Step => (c) => {
    if (!isHex(c)) fail(c, 'in \\u hexadecimal character escape');
    return n === 3 ? inString : escU(n + 1);
  };
  const inStringEsc: Step = (c) => {
    if ('bfnrt\\/"'.includes(String.fromCharCode(c))) return inString;
    if (c === 0x75) return escU(0);
    fail(c, 'in string escape code');
  };
  const inString: Step = (c) => {
    if (c === 0x22) return endValue;
    if (c === 0x5c) return inStringEsc;
    if (c < 0x20) fail(c, 'in string literal');
    return inString;
  };
  const e0: Step = (c) => (isDigit(c) ? e0 : endValue(c));
  const eSign: Step = (c) => {
    if (isDigit(c)) return e0;
    fail(c, 'in exponent of numeric literal');
  };
  const e: Step = (c) => (c === 0x2b || c === 0x2d ? eSign : eSign(c));
  const dot0: Step = (c) => {
    if (isDigit(c)) return dot0;
    if (c === 0x65 || c === 0x45) return e;
    return endValue(c);
  };
  const dot: Step = (c) => {
    if (isDigit(c)) return dot0;
    fail(c, 'after decimal point in numeric literal');
  };
  const zero: Step = (c) => {
    if (c === 0x2e) return dot;
    if (c === 0x65 || c === 0x45) return e;
    return endValue(c);
  };
  const digits: Step = (c) => (isDigit(c) ? digits : zero(c));
  const neg: Step = (c) => {
    if (c === 0x30) return zero;
    if (c >= 0x31 && c <= 0x39) return digits;
    fail(c, 'in numeric literal');
  };
  const beginString: Step = (c) => {
    if (isSpace(c)) return beginString;
    if (c === 0x22) return inString;
    fail(c, 'looking for beginning of object key string');
  };
  const beginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return beginStringOrEmpty;
    if (c === 0x7d) return close();
    return beginString(c);
  };
  const beginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return beginValueOrEmpty;
    if (c === 0x5d) return close();
    return beginValue(c);
  };
  const beginValue: Step = (c) => {
    if (isSpace(c)) return beginValue;
    switch (c) {
      case 0x7b: stack.push('key'); return beginStringOrEmpty;
      case 0x5b: stack.push('array'); return beginValueOrEmpty;
      case 0x22: return inString;
      case 0x2d: return neg;
      case 0x30: return zero;
      case 0x74: return literal('true', 1);
      case 0x66: return literal('false', 1);
      case 0x6e: return literal('null', 1);
      default:
        if (c >= 0x31 && c <= 0x39) return digits;
        fail(c, 'looking for beginning of value');
    }
  };

  let step: Step = beginValue;
  let seen = false;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (!isSpace(c)) seen = true;
    const next = step(c);
    if (next === 'end') {
      // A closing brace or bracket ends the value with itself; a number, a string or a
      // literal is known to have ended one byte later, at the byte that is not its own.
      return closedTop ? i + 1 : i;
    }
    step = next;
  }
  if (!seen) return EMPTY;
  // At the end of input Go feeds one space: a number or a finished literal ends there.
  // Anything else is a value cut short, whatever that space would have broken.
  try {
    if (step(0x20) === 'end') return b.length;
  } catch { /* cut short */ }
  throw new GoJsonSyntaxError('unexpected EOF');
}

/** The body's first JSON value (EMPTY for whitespace only), or Go's decoder error. */
export function decodeGoJson(body: Buffer): unknown {
  const end = firstValueEnd(body);
  if (end === EMPTY) return EMPTY;
  return JSON.parse(body.subarray(0, end).toString('utf8'));
}

/**
 * JSON text parsed as Go's json.Unmarshal checks it (query parameters such as
 * `filters` and `buildargs`): the whole text must be one value, and its errors are
 * Unmarshal's ("unexpected end of JSON input", "... after top-level value").
 */
export function parseGoUnmarshal(text: string): unknown {
  const b = Buffer.from(text, 'utf8');
  let end: number | typeof EMPTY;
  try {
    end = firstValueEnd(b);
  } catch (err) {
    if (err instanceof GoJsonSyntaxError && err.message === 'unexpected EOF') throw new GoJsonSyntaxError('unexpected end of JSON input');
    throw err;
  }
  if (end === EMPTY) throw new GoJsonSyntaxError('unexpected end of JSON input');
  for (let i = end; i < b.length; i++) if (!isSpace(b[i]!)) fail(b[i]!, 'after top-level value');
  return JSON.parse(b.subarray(0, end).toString('utf8'));
}
