/**
 * The web app's emulator wiring, without the emulators: the Hosting emulator's origin is allowed by the API's
 * CORS allowlist in every emulator project (a browser sends Origin on PUT/POST even to its own /v1 rewrite,
 * and the API refuses state-changing requests from origins not on the list), and the emulator build talks to
 * the ports firebase.json gives the emulators.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/browser.ts';

const firebase = JSON.parse(readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8')) as {
  emulators: Record<string, { host: string; port: number }>;
};
function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('web app emulator wiring', () => {
  it('the Hosting origin is in CORS_ORIGINS of every emulator project', () => {
    const h = firebase.emulators.hosting!;
    for (const project of ['demo-clarity', 'demo-clarity-live']) {
      const origins = envFile(path.join(repoRoot, 'functions', `.env.${project}`)).CORS_ORIGINS?.split(',');
      expect(origins, project).toContain(`http://${h.host}:${h.port}`);
      expect(origins, project).toContain(`http://localhost:${h.port}`);
    }
  });

  it('web/.env.emulators names the emulators of firebase.json and the API upload path', () => {
    const env = envFile(path.join(repoRoot, 'web', '.env.emulators'));
    expect(env).toMatchObject({
      VITE_EMULATORS: 'true',
      VITE_UPLOAD_PATH: 'api',
      VITE_EMULATOR_HOST: firebase.emulators.auth!.host,
      VITE_AUTH_EMULATOR_PORT: String(firebase.emulators.auth!.port),
      VITE_FIRESTORE_EMULATOR_PORT: String(firebase.emulators.firestore!.port),
    });
  });
});
