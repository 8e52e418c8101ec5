/**
 * Structured JSON logs on stdout, in the shape Cloud Logging parses (severity, message, httpRequest): the
 * core's logger shape (the same as functions'), written as one JSON line per entry with its time.
 */
import { structuredLogger, type Logger, type Severity } from '@clarity/core';

export type { Logger, Severity };

export function jsonLogger(
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  minSeverity: Severity = 'INFO',
): Logger {
  return structuredLogger(
    (entry) => write(JSON.stringify({ ...entry, time: new Date().toISOString() })),
    {},
    minSeverity,
  );
}
