/**
 * The one logger: structured JSON through firebase-functions' logger (Cloud Logging picks up the fields).
 * Every entry carries a named event and, when known, the correlation id that ties an upload request to
 * every pipeline stage. Callers pass identifiers and counts only: never sample values, tokens or bodies.
 */
import * as functionsLogger from 'firebase-functions/logger';

export type LogFields = Record<string, string | number | boolean | null | undefined | string[]>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export function createLogger(base: LogFields = {}): Logger {
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (event: string, fields: LogFields = {}): void =>
      functionsLogger.write({
        severity: level === 'warn' ? 'WARNING' : (level.toUpperCase() as 'INFO'),
        message: event,
        event,
        ...base,
        ...fields,
      });
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

export const logger = createLogger({ service: 'clarity-functions' });
