/**
 * Declared endpoints (as firebase-functions reports them to the deploy tooling): every wrapped function binds
 * the SENTRY_DSN secret (without it the wrapper cannot report), and the API also binds SIGNING_SECRET.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFunctions, type LoadedFunctions } from '../support/functions-module.ts';

let functions: LoadedFunctions = {};
let restore = (): void => undefined;
beforeAll(async () => {
  ({ functions, restore } = await loadFunctions());
  // Loading every function's module took over vitest's 10 s default on a loaded 2-core machine.
}, 120_000);
afterAll(() => restore());

interface Endpoint {
  secretEnvironmentVariables?: { key: string }[];
}
const secretsOf = (name: string): string[] =>
  ((functions[name]?.__endpoint as Endpoint | undefined)?.secretEnvironmentVariables ?? []).map((s) => s.key);

describe('function endpoints', () => {
  it('the API binds the Sentry DSN and the signing secret', () => {
    expect(secretsOf('api').sort()).toEqual(['SENTRY_DSN', 'SIGNING_SECRET']);
  });

  it('every exported function is wrapped for error reporting (binds SENTRY_DSN)', () => {
    const names = Object.keys(functions).filter((n) => functions[n]?.__endpoint !== undefined);
    expect(names.length).toBeGreaterThanOrEqual(9);
    const unwrapped = names.filter((n) => !secretsOf(n).includes('SENTRY_DSN'));
    expect(unwrapped).toEqual([]);
  });
});
