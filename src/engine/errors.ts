/**
 * Typed errors. A job throws one of these; the server maps its `kind` to an HTTP
 * status (src/server/status.ts). The message is what the client prints, so it uses
 * dockerd's wording ("No such image: busybox:latest"), never a stack trace.
 *
 * `kind` is permanent and safe to branch on; the message may change.
 */
export type ErrorKind =
  | 'invalid_parameter'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'not_modified'
  | 'not_implemented'
  | 'unavailable'
  | 'system';

export abstract class BerthError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request itself is wrong (bad JSON, bad reference, API version too new). */
export class InvalidParameter extends BerthError {
  readonly kind = 'invalid_parameter' as const;
}
/** 401: credentials missing or refused (login, registry auth). */
export class Unauthorized extends BerthError {
  readonly kind = 'unauthorized' as const;
}
/** 403: the operation is refused whatever the credentials. */
export class Forbidden extends BerthError {
  readonly kind = 'forbidden' as const;
}
/** 404: `No such container: web`. */
export class NotFound extends BerthError {
  readonly kind = 'not_found' as const;
}
/** 409: name in use, image in use, container running. */
export class Conflict extends BerthError {
  readonly kind = 'conflict' as const;
}
/** 304: start when started, stop when stopped. Sent without a body. */
export class NotModified extends BerthError {
  readonly kind = 'not_modified' as const;
}
/** 501: a route or feature berth does not provide (yet). */
export class NotImplemented extends BerthError {
  readonly kind = 'not_implemented' as const;
}
/** 503: the daemon is booting or shutting down; swarm routes on a node outside a swarm. */
export class Unavailable extends BerthError {
  readonly kind = 'unavailable' as const;
}

/**
 * 500: the host refused (mount, iptables, clone...). Carries errno details when the
 * cause is a system call, in the shape of Node's own system errors.
 */
export class System extends BerthError {
  readonly kind = 'system' as const;
  readonly errno?: string;
  readonly syscall?: string;
  readonly path?: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const c = options?.cause as NodeJS.ErrnoException | undefined;
    if (c && typeof c === 'object') {
      this.errno = c.code;
      this.syscall = c.syscall;
      this.path = c.path;
    }
  }
}

/** The kind of an error, looking through `cause` chains; `undefined` when unclassified. */
export function kindOf(err: unknown): ErrorKind | undefined {
  for (let e = err, depth = 0; e && depth < 10; depth++) {
    if (e instanceof BerthError) return e.kind;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Node system errors (ENOENT...) carry `code`; narrow to them without `any`. */
export function isErrno(err: unknown, code?: string): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' &&
    (code === undefined || (err as NodeJS.ErrnoException).code === code);
}
