/**
 * The one logger shape of the project: named events with identifier and count fields, written as structured
 * entries in the shape Cloud Logging parses (severity, message, then the fields). Functions write through
 * firebase-functions' logger, inference-run as JSON lines on stdout; both build their logger here. Callers
 * pass identifiers and counts only: never sample values, tokens or bodies.
 */
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export type LogValue = string | number | boolean | null | undefined | string[] | LogFields;

export interface LogFields {
  [field: string]: LogValue;
}

export interface LogEntry extends LogFields {
  severity: Severity;
  message: string;
  event: string;
}

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry. */
  child(fields: LogFields): Logger;
}

const rank: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** A logger that hands each entry at or above `minSeverity` to `write`, with `base` fields in every entry. */
export function structuredLogger(
  write: (entry: LogEntry) => void,
  base: LogFields = {},
  minSeverity: Severity = 'DEBUG',
): Logger {
  const emit =
    (severity: Severity) =>
    (event: string, fields: LogFields = {}): void => {
      if (rank[severity] < rank[minSeverity]) return;
      write({ severity, message: event, event, ...base, ...fields });
    };
  return {
    debug: emit('DEBUG'),
    info: emit('INFO'),
    warn: emit('WARNING'),
    error: emit('ERROR'),
    child: (fields) => structuredLogger(write, { ...base, ...fields }, minSeverity),
  };
}
