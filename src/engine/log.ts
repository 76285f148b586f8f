import winston from 'winston';

export type { Logger } from 'winston';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * The daemon log, in dockerd's logfmt-like shape on stderr:
 *   time="2026-11-22T10:00:00.000Z" level=info msg="..."
 * `fatal` maps to winston's `error` (winston has no fatal level).
 */
export function createLogger(level: LogLevel = 'info'): winston.Logger {
  return winston.createLogger({
    level: level === 'fatal' ? 'error' : level,
    format: winston.format.printf(({ level: l, message }) =>
      `time="${new Date().toISOString()}" level=${l} msg=${JSON.stringify(String(message))}`),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
