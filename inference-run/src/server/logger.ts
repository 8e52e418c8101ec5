/**
 * Structured JSON logs on stdout, in the shape Cloud Logging parses (severity, message, httpRequest): the
 * core's logger shape (the same as functions'), written as one JSON line per entry with its time.
 */
import { structuredLogger, type LogFields, type Logger, type Severity } from '@clarity/core';

export type { Logger, Severity };

export function jsonLogger(
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  minSeverity: Severity = 'INFO',
  /** Fields of the moment, added to each entry: the active span's trace (tracing.ts). */
  current: () => LogFields = () => ({}),
): Logger {
  return structuredLogger(
    (entry) => write(JSON.stringify({ ...entry, ...current(), time: new Date().toISOString() })),
    {},
    minSeverity,
  );
}
