/**
 * The one logger: structured JSON lines that Cloud Logging parses (severity, message, then the fields).
 * The shape is the core's (`structuredLogger`, shared with inference-run). Every entry carries a named event,
 * when known the correlation id that ties an upload request to every pipeline stage, and inside a span the
 * trace it belongs to (`logging.googleapis.com/trace`, platform/tracing.ts), so Cloud Logging links the
 * line to the trace. Callers pass identifiers and counts only: never sample values, tokens or bodies.
 *
 * Written as firebase-functions' logger writes (one JSON line to the console method of the severity), but
 * not through it: its `write` replaces the trace field with the trace of the event that invoked the
 * function, which for a Firestore-triggered stage is not the upload's trace this code continues.
 */
import { structuredLogger, type LogEntry, type LogFields, type Logger } from '@clarity/core';
import { traceLogFields } from './tracing.ts';

export type { LogFields, Logger };

const consoleMethod = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error' } as const;

function write(entry: LogEntry): void {
  console[consoleMethod[entry.severity]](JSON.stringify({ ...entry, ...traceLogFields() }));
}

export function createLogger(base: LogFields = {}): Logger {
  return structuredLogger(write, base);
}

export const logger = createLogger({ service: 'clarity-functions' });
