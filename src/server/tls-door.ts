import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

/** What Go's TLS server answers a plain HTTP request with, and so dockerd's TLS port. */
const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/** A TLS record's first byte for a handshake: what a TLS client sends first. */
const HANDSHAKE = 0x16;

/**
 * A TLS listener that answers a client speaking plain HTTP to it as dockerd's does
 * (Go's "Client sent an HTTP request to an HTTPS server."), where Node's TLS server
 * would just drop the connection and the CLI say only "EOF". The first bytes decide:
 * a handshake is handed, bytes and all, to a TLS server that never listens itself
 * (it checks the client's certificate when asked, `--tlsverify`), and each
 * connection goes on to `onSecure` once its handshake is done.
 */
export function tlsDoor(options: TlsOptions, onSecure: (socket: Socket) => void): Server {
  const tls = createTlsServer({ allowHalfOpen: true, ...options }, onSecure);
  return createServer({ allowHalfOpen: true, noDelay: true }, (raw) => {
    raw.on('error', () => raw.destroy());
    raw.once('data', (first: Buffer) => {
      raw.pause();
      if (first[0] !== HANDSHAKE) {
        raw.end(PLAIN_HTTP_ANSWER);
        return;
      }
      // Put back: the TLS socket made on it hands buffered bytes to OpenSSL first.
      raw.unshift(first);
      tls.emit('connection', raw);
    });
  });
}
