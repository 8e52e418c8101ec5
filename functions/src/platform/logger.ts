/**
 * The one logger: structured JSON through firebase-functions' logger (Cloud Logging picks up the fields).
 * The shape is the core's (`structuredLogger`, shared with inference-run). Every entry carries a named event
 * and, when known, the correlation id that ties an upload request to every pipeline stage. Callers pass
 * identifiers and counts only: never sample values, tokens or bodies.
 */
import * as functionsLogger from 'firebase-functions/logger';
import { structuredLogger, type LogFields, type Logger } from '@clarity/core';

export type { LogFields, Logger };

export function createLogger(base: LogFields = {}): Logger {
  return structuredLogger((entry) => functionsLogger.write(entry), base);
}

export const logger = createLogger({ service: 'clarity-functions' });
