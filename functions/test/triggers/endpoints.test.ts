/**
 * Declared endpoints (as firebase-functions reports them to the deploy tooling): every wrapped function binds
 * the SENTRY_DSN secret (without it the wrapper cannot report), and the API also binds SIGNING_SECRET.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The Storage trigger needs a default bucket and the 1st-gen Auth trigger a project when they are defined;
// the deploy tooling provides both.
const savedConfig = process.env.FIREBASE_CONFIG;
const savedProject = process.env.GCLOUD_PROJECT;
let functions: Record<string, { __endpoint?: Endpoint }> = {};
beforeAll(async () => {
  process.env.FIREBASE_CONFIG = JSON.stringify({
    projectId: 'demo-clarity',
    storageBucket: 'demo-clarity.appspot.com',
  });
  process.env.GCLOUD_PROJECT ??= 'demo-clarity';
  functions = await import('../../src/index.ts');
  // Loading every function's module took over vitest's 10 s default on a loaded 2-core machine.
}, 120_000);
afterAll(() => {
  if (savedConfig === undefined) delete process.env.FIREBASE_CONFIG;
  else process.env.FIREBASE_CONFIG = savedConfig;
  if (savedProject === undefined) delete process.env.GCLOUD_PROJECT;
  else process.env.GCLOUD_PROJECT = savedProject;
});

interface Endpoint {
  secretEnvironmentVariables?: { key: string }[];
}
const secretsOf = (name: string): string[] =>
  (functions[name]?.__endpoint?.secretEnvironmentVariables ?? []).map((s) => s.key);

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
