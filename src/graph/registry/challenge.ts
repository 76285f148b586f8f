/**
 * `WWW-Authenticate` challenges (RFC 7235): a scheme followed by comma-separated
 * `key=value` or `key="quoted value"` parameters; one header may carry several
 * challenges. Registries send `Bearer realm=...,service=...,scope=...` or
 * `Basic realm=...`.
 */
export interface Challenge {
  /** Lower case: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(header) ? header : header ? [header] : []) parseOne(h, out);
  return out;
}

function parseOne(s: string, out: Challenge[]): void {
  let i = 0;
  let current: Challenge | null = null;
  const skip = (): void => { while (i < s.length && /[\s,]/.test(s[i]!)) i++; };
  while (i < s.length) {
    skip();
    const tokenStart = i;
    while (i < s.length && /[^\s,=]/.test(s[i]!)) i++;
    const token = s.slice(tokenStart, i);
    if (!token) break;
    let j = i;
    while (j < s.length && s[j] === ' ') j++;
    if (s[j] === '=' && current) {
      i = j + 1;
      while (i < s.length && s[i] === ' ') i++;
      current.params[token.toLowerCase()] = readValue();
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      out.push(current);
    }
  }

  function readValue(): string {
    if (s[i] !== '"') {
      const start = i;
      while (i < s.length && s[i] !== ',') i++;
      return s.slice(start, i).trim();
    }
    let v = '';
    for (i++; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s[i];
    }
    i++;
    return v;
  }
}
