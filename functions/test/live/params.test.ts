/**
 * The live session's params file is the emulator project's, plus the pipeline's live endpoints: a param
 * added to .env.demo-clarity must be added to .env.demo-clarity-live too, or the live emulator session
 * would stop and ask for it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/emulators.ts';

const read = (project: string): Map<string, string> =>
  new Map(
    readFileSync(path.join(repoRoot, 'functions', `.env.${project}`), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );

/** What the live session changes, on purpose. */
const liveOverrides = [
  'INFERENCE_URL',
  'INFERENCE_TIMEOUT_MS',
  'INFERENCE_HEADS',
  'VERTEX_PROJECT',
  'VERTEX_BASE_URL',
  'LLM_TIMEOUT_MS',
  // Spans exported to the harness's loopback collector (functions/test/support/traces.ts).
  'TRACE_EXPORTER',
  // The unsubscribe links name the live project's API.
  'PUBLIC_API_URL',
];

describe('functions/.env.demo-clarity-live', () => {
  const base = read('demo-clarity');
  const live = read('demo-clarity-live');

  it('sets every param of .env.demo-clarity, with the same value unless it is a live override', () => {
    for (const [key, value] of base) {
      expect(live.has(key), `${key} missing from functions/.env.demo-clarity-live`).toBe(true);
      if (!liveOverrides.includes(key)) expect(live.get(key), key).toBe(value);
    }
    expect([...live.keys()].filter((k) => !base.has(k))).toEqual([]);
  });

  it('points the model and Vertex at loopback, with short timeouts', () => {
    expect(live.get('INFERENCE_URL')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(live.get('VERTEX_BASE_URL')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(live.get('VERTEX_PROJECT')).toMatch(/^demo-/);
    expect(Number(live.get('LLM_TIMEOUT_MS'))).toBeLessThanOrEqual(5_000);
    expect(Number(live.get('INFERENCE_TIMEOUT_MS'))).toBeLessThanOrEqual(5_000);
  });
});
