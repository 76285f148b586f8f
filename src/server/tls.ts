import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';

/** The daemon's TLS settings, as `--tls`, `--tlsverify`, `--tlscacert`, `--tlscert`, `--tlskey` give them. */
export interface TlsSettings {
  tls: boolean;
  tlsVerify: boolean;
  tlsCaCert: string;
  tlsCert: string;
  tlsKey: string;
}

/** dockerd's default directory for the three files: `$DOCKER_CERT_PATH`, else `~/.docker`. */
function certDir(): string {
  return process.env.DOCKER_CERT_PATH || join(homedir(), '.docker');
}

function read(path: string, what: (err: Error) => string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(what(err as Error), { cause: err });
  }
}

/** Go's `open PATH: no such file or directory` for Node's ENOENT and its kin. */
function goWords(err: Error & { code?: string; path?: string }): string {
  const text = err.message.replace(/^\w+: /, '').replace(/, open '.*'$/, '');
  return `open ${err.path ?? ''}: ${text}`;
}

/**
 * What the TCP listeners serve TLS with, or null without `--tls`/`--tlsverify`.
 * As dockerd (go-connections' tlsconfig.Server): TLS 1.2 at least, the key pair
 * always, and with `--tlsverify` a client certificate signed by the CA is required.
 * A file that cannot be read fails the start in dockerd's words.
 */
export function serverTls(s: TlsSettings): TlsOptions | null {
  if (!s.tls && !s.tlsVerify) return null;
  const dir = certDir();
  const certPath = s.tlsCert || join(dir, 'cert.pem');
  const keyPath = s.tlsKey || join(dir, 'key.pem');
  const pair = (err: Error): string => `Could not load X509 key pair (cert: "${certPath}", key: "${keyPath}"): ${goWords(err)}`;
  const out: TlsOptions = { cert: read(certPath, pair), key: read(keyPath, pair), minVersion: 'TLSv1.2' };
  if (s.tlsVerify) {
    const caPath = s.tlsCaCert || join(dir, 'ca.pem');
    out.ca = read(caPath, (err) => `Could not read CA certificate "${caPath}": ${goWords(err)}`);
    out.requestCert = true;
    out.rejectUnauthorized = true;
  }
  return out;
}
