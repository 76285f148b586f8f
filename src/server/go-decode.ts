import { InvalidParameter } from '../engine/errors.js';

/**
 * What Go's encoding/json would make of a request body decoded into dockerd's types:
 * the first value of the wrong JSON type, in document order, refused in Go's words
 * (`json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory
 * of type int64`), and object keys matched to fields case-insensitively as Go does
 * (`{"image": ...}` is `Image`). Without this a body such as `{"Labels": ["a"]}` was
 * stored as it came and failed later, far from the request, for every reader of the
 * record. dockerd 20.10 answers these with a 500; the words are its, the status is
 * the 400 that later dockerd versions give (bad input is the client's error).
 */
export type GoType =
  | { kind: 'string' | 'bool'; name?: string }
  | { kind: 'int'; name: string; min: number; max: number }
  | { kind: 'slice'; name: string; of: GoType; length?: number }
  | { kind: 'map'; name: string; of: GoType }
  | { kind: 'struct'; name: string; fields: Record<string, GoType> }
  /** Docker's strslice.StrSlice: a string or a list of strings. */
  | { kind: 'strslice' };

export const str = (name = 'string'): GoType => ({ kind: 'string', name });
export const bool: GoType = { kind: 'bool', name: 'bool' };
export const int64: GoType = { kind: 'int', name: 'int64', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
export const int: GoType = { ...int64, name: 'int' } as GoType;
export const uint = (name: string, bits: number): GoType => ({ kind: 'int', name, min: 0, max: bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1 });
export const strslice: GoType = { kind: 'strslice' };
export const slice = (of: GoType, name = `[]${typeName(of)}`): GoType => ({ kind: 'slice', name, of });
export const map = (of: GoType, name = `map[string]${typeName(of)}`): GoType => ({ kind: 'map', name, of });
export const struct = (name: string, fields: Record<string, GoType>): GoType => ({ kind: 'struct', name, fields });
export const stringList: GoType = slice(str());
export const stringMap: GoType = map(str());
/** `map[string]struct {}`, Docker's sets (volumes, exposed ports). */
export const set = (name: string): GoType => map(struct('struct {}', {}), name);

function typeName(t: GoType): string {
  return t.kind === 'strslice' ? 'strslice.StrSlice' : t.name ?? 'interface {}';
}

/** JSON's kind of a value, as Go names it in its errors. */
export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v; // string, number
}

/** Where a value sits: the innermost struct's short name and the fields from the root. */
interface At { struct: string; path: string[] }

function refuse(value: string, at: At, type: string): never {
  const where = at.path.length ? `Go struct field ${at.struct}.${at.path.join('.')}` : 'Go value';
  throw new InvalidParameter(`json: cannot unmarshal ${value} into ${where} of type ${type}`);
}

/** Short name of a struct type (`container.HostConfig` → `HostConfig`). */
function short(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * Check `value` against `type`, renaming object keys that match a field only
 * case-insensitively to the field's name (in place). Throws InvalidParameter with
 * Go's message for the first mismatch.
 */
export function checkGoValue(value: unknown, type: GoType, at: At = { struct: '', path: [] }): void {
  if (value === null) return; // null leaves any Go value as it is
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') refuse(jsonKind(value), at, type.name ?? 'string');
      return;
    case 'bool':
      if (typeof value !== 'boolean') refuse(jsonKind(value), at, type.name ?? 'bool');
      return;
    case 'int':
      if (typeof value !== 'number') refuse(jsonKind(value), at, type.name);
      if (!Number.isInteger(value) || value < type.min || value > type.max) refuse(`number ${String(value)}`, at, type.name);
      return;
    case 'strslice':
      // StrSlice tries a list of strings, then a string, and reports the second failure.
      if (typeof value === 'string') return;
      if (Array.isArray(value) && value.every((x) => x === null || typeof x === 'string')) {
        value.forEach((_, i) => zeroString(value, i, STRING));
        return;
      }
      refuse(jsonKind(value), at, 'string');
      return;
    case 'slice':
      if (!Array.isArray(value)) refuse(jsonKind(value), at, type.name);
      if (type.length !== undefined && value.length > type.length) return; // Go drops the rest
      value.forEach((x, i) => { if (zeroString(value, i, type.of)) return; checkGoValue(x, type.of, at); });
      return;
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) refuse(jsonKind(value), at, type.name);
      const m = value as Record<string, unknown>;
      for (const k of Object.keys(m)) if (!zeroString(m, k, type.of)) checkGoValue(m[k], type.of, at);
      return;
    }
    case 'struct':
      if (typeof value !== 'object' || Array.isArray(value)) refuse(jsonKind(value), at, type.name);
      checkFields(value as Record<string, unknown>, type, at);
  }
}

/**
 * A null element of a list or map of strings is Go's zero value there: decoding
 * leaves the new element as made, so `{"a": null}` reads as `{"a": ""}`. Replaced in
 * place; true when it was one.
 */
const STRING: GoType = { kind: 'string' };

function zeroString(holder: Record<string | number, unknown> | unknown[], key: string | number, of: GoType): boolean {
  const h = holder as Record<string | number, unknown>;
  if (h[key] !== null || of.kind !== 'string') return false;
  h[key] = '';
  return true;
}

function checkFields(obj: Record<string, unknown>, type: { name: string; fields: Record<string, GoType> }, at: At): void {
  const names = Object.keys(type.fields);
  for (const key of Object.keys(obj)) {
    let field = type.fields[key] !== undefined ? key : undefined;
    if (field === undefined) {
      const folded = names.find((n) => n.toLowerCase() === key.toLowerCase());
      if (folded === undefined) continue; // Go ignores unknown keys
      // Go fills the field from the key; an exact key later in the body wins again.
      if (!(folded in obj)) {
        obj[folded] = obj[key];
        delete obj[key];
      }
      field = folded;
    }
    checkGoValue(obj[field], type.fields[field]!, { struct: short(type.name), path: [...at.path, field] });
  }
}

/** Go's error for a JSON value of the wrong kind for a whole Go value (`context` is what dockerd puts before it). */
export function unmarshalTypeError(v: unknown, type: string, context = ''): InvalidParameter {
  return new InvalidParameter(`${context}json: cannot unmarshal ${jsonKind(v)} into Go value of type ${type}`);
}

/** dockerd 20.10's words for a body with nothing in it where its router requires one (Go's io.EOF). */
export const EOF_BODY = 'got EOF while reading request body';

/**
 * A request body decoded into a top-level struct as dockerd's routers decode it: JSON
 * null is the zero value; no body at all is Go's io.EOF, which routers that check it
 * refuse with `eof`, and the others take as the zero value.
 */
export function goStructBody<T>(body: unknown, type: GoType & { kind: 'struct' }, eof?: string): T {
  if (body === undefined && eof !== undefined) throw new InvalidParameter(eof);
  if (body === undefined || body === null) return {} as T;
  checkGoBody(body, type);
  return body as T;
}

/** The body decoded into a top-level struct: an object, each field of its type. */
export function checkGoBody(body: unknown, type: GoType & { kind: 'struct' }): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) refuse(jsonKind(body), { struct: '', path: [] }, type.name);
  checkFields(body as Record<string, unknown>, type, { struct: short(type.name), path: [] });
}
