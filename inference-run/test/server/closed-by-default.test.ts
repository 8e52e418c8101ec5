/**
 * Finding 7 of the security review (functions/README-security.md): the model server is closed by default.
 * The real entry point (main.ts) refuses to start without caller authentication unless it is told
 * `--local-only` (then it listens on loopback only), and authentication needs both an audience and the
 * allowed caller identities. (/metrics behind the token check: auth.test.ts.)
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/server/auth.ts';
import { tempDir } from '../support/cache.ts';

const entry = join(import.meta.dirname, '..', '..', 'src', 'server', 'main.ts');

/** Starts main.ts; resolves with its exit (code, stderr) or its `listening` line, whichever comes first. */
function launch(
  args: string[],
): Promise<{ exited: number | null; stderr: string } | { listening: Record<string, unknown> }> {
  const child = spawn(process.execPath, [entry, '--models', tempDir('closed'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '', AUTH_AUDIENCE: '', AUTH_JWKS: '', AUTH_EMAILS: '' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.event === 'listening') {
        child.kill('SIGKILL');
        resolve({ listening: e });
      }
    });
    child.on('exit', (code) => resolve({ exited: code, stderr }));
  });
}

describe('finding 7: the model server is closed by default', () => {
  it('refuses to start without authentication or an explicit --local-only', { timeout: 60_000 }, async () => {
    const r = await launch([]);
    expect(r).toMatchObject({ exited: 1 });
    expect('stderr' in r ? r.stderr : '').toMatch(/--local-only/);
  });

  it('refuses an audience without allowed caller identities', { timeout: 60_000 }, async () => {
    const jwks = join(tempDir('jwks'), 'certs.json');
    await writeFile(jwks, JSON.stringify({ keys: [] }));
    const r = await launch(['--auth-audience', 'https://inference.example.run.app', '--auth-jwks', jwks]);
    expect(r).toMatchObject({ exited: 1 });
    expect('stderr' in r ? r.stderr : '').toMatch(/--auth-email/);
  });

  it('with --local-only, starts without authentication on loopback only', { timeout: 60_000 }, async () => {
    const r = await launch(['--local-only']);
    expect(r).toMatchObject({ listening: { host: '127.0.0.1', auth: 'off (local only)' } });
  });

  it('the verifier itself needs an audience and at least one allowed caller', async () => {
    const jwks = join(tempDir('jwks'), 'certs.json');
    await writeFile(jwks, JSON.stringify({ keys: [] }));
    await expect(createVerifier({ audience: 'https://a.run.app', jwks })).rejects.toThrow(/allowed caller/);
    await expect(createVerifier({ audience: 'https://a.run.app', jwks, allowedEmails: [] })).rejects.toThrow(
      /allowed caller/,
    );
    await expect(
      createVerifier({ audience: '', jwks, allowedEmails: ['a@b.iam.gserviceaccount.com'] }),
    ).rejects.toThrow(/audience/);
  });
});
