/**
 * Thin triggers: every file of functions/src/triggers (but the factory) is under 25 lines with no
 * business logic, and the functions declare exactly the endpoints they declared before the trigger
 * factory (region, memory, timeouts, retry, secrets, documents: endpoints.json, taken from the previous
 * code; webhookAttempt, pushDelivery and mailDelivery, added later by the delivery work in
 * delivery/triggers.ts, as they declare themselves), so
 * moving them changed no deployment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFunctions, type LoadedFunctions } from '../support/functions-module.ts';

const triggersDir = join(import.meta.dirname, '../../src/triggers');
const triggerFiles = readdirSync(triggersDir).filter((f) => f.endsWith('.ts') && f !== 'factory.ts');

/** Decisions belong in handlers: a trigger maps its event to a handler's input, nothing more. */
const logic = /\b(?:if|for|while|switch|try|catch|await)\b|\?\?|\|\||&&|[^?]\?\s[^:]+:/;

describe('trigger files', () => {
  it('are each under 25 lines', () => {
    expect(triggerFiles.length).toBeGreaterThanOrEqual(9);
    const long = triggerFiles
      .map((f) => [f, readFileSync(join(triggersDir, f), 'utf8').trimEnd().split('\n').length] as const)
      .filter(([, n]) => n >= 25);
    expect(long).toEqual([]);
  });

  it('hold no business logic (no branches, loops or awaits: those live in the handlers)', () => {
    const found = triggerFiles.flatMap((f) =>
      readFileSync(join(triggersDir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        .split('\n')
        .flatMap((line, i) => (logic.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
    expect(logic.test('if (after.status === "ready") return;')).toBe(true);
    expect(logic.test('const a = x ?? 0;')).toBe(true);
    expect(logic.test('(req, deps) => inferJob({ ...req.data }, deps.infer()),')).toBe(false);
  });
});

let functions: LoadedFunctions = {};
let restore = (): void => undefined;
beforeAll(async () => {
  ({ functions, restore } = await loadFunctions());
}, 120_000);
afterAll(() => restore());

describe('declared endpoints', () => {
  it('are the ones declared before the trigger factory', () => {
    const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'endpoints.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const declared = Object.fromEntries(
      Object.entries(functions)
        .filter(([, f]) => f.__endpoint !== undefined)
        .map(([name, f]) => [name, JSON.parse(JSON.stringify(f.__endpoint)) as unknown]),
    );
    expect(declared).toEqual(expected);
  });
});
