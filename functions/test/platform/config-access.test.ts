/**
 * Config discipline: params and secrets are read in platform/config.ts only. A scan of every source file
 * (not a lint rule, so it also catches `process['env']` and destructuring) keeps it that way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const configFile = path.join('platform', 'config.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** process.env, process['env'], process["env"], `{ env } = process`. */
const envAccess = /process\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*process\b/;

describe('config access', () => {
  it('the pattern finds the forms it must find', () => {
    for (const s of ['process.env.X', "process['env']", 'process . env', 'const { env } = process']) {
      expect(envAccess.test(s), s).toBe(true);
    }
    expect(envAccess.test('processEnvironment()')).toBe(false);
  });

  it('nothing outside platform/config.ts reads process.env', () => {
    const files = sourceFiles(srcDir);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files
      .filter((f) => path.relative(srcDir, f) !== configFile)
      .filter((f) => envAccess.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(srcDir, f));
    expect(offenders).toEqual([]);
  });

  it('secrets are declared with defineSecret in the config module', () => {
    const config = readFileSync(path.join(srcDir, configFile), 'utf8');
    expect(config).toMatch(/defineSecret\('SIGNING_SECRET'/);
    expect(config).toMatch(/defineSecret\('SENTRY_DSN'/);
  });

  it('every param of the config module is set for the emulator project', () => {
    const config = readFileSync(path.join(srcDir, configFile), 'utf8');
    const env = readFileSync(path.join(srcDir, '..', '.env.demo-clarity'), 'utf8');
    const secrets = readFileSync(path.join(srcDir, '..', '.secret.local'), 'utf8');
    const params = [...config.matchAll(/define(String|Int|Bool|List|Float)\('([A-Z0-9_]+)'/g)].map(
      (m) => m[2],
    );
    const secretNames = [...config.matchAll(/defineSecret\('([A-Z0-9_]+)'/g)].map((m) => m[1]);
    for (const p of params) expect(env, p).toMatch(new RegExp(`^${p}=`, 'm'));
    for (const s of secretNames) expect(secrets, s).toMatch(new RegExp(`^${s}=\\S`, 'm'));
  });
});
