/** Structured JSON logs on stdout, in the shape Cloud Logging parses (severity, message, httpRequest). */
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface Logger {
  log(severity: Severity, event: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  minSeverity: Severity = 'INFO',
): Logger {
  const order: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };
  return {
    log(severity, event, fields = {}) {
      if (order[severity] < order[minSeverity]) return;
      write(JSON.stringify({ severity, message: event, event, time: new Date().toISOString(), ...fields }));
    },
  };
}
