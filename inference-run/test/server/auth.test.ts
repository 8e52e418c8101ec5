import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLogger } from '../../src/server/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { tempDir } from '../support/cache.ts';
import { post, standinModels, week } from '../support/servers.ts';

const audience = 'https://inference-abc-uc.a.run.app';
let s: RunningServer;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: PrivateKey;
let otherKey: PrivateKey;

async function token(
  claims: Record<string, unknown>,
  key = privateKey,
  exp: string | number = '5m',
): Promise<string> {
  return new SignJWT({ email: 'tasks@project.iam.gserviceaccount.com', email_verified: true, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer('https://accounts.google.com')
    .setAudience(typeof claims.aud === 'string' ? claims.aud : audience)
    .setSubject('1234567890')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = join(tempDir('jwks'), 'certs.json');
  await writeFile(jwks, JSON.stringify({ keys: [jwk] }));
  const models = await standinModels();
  s = await startServer({
    models,
    port: 0,
    host: '127.0.0.1',
    logger: jsonLogger(() => undefined),
    threads: 1,
    auth: { audience, jwks, allowedEmails: ['tasks@project.iam.gserviceaccount.com'] },
  });
  await s.ready;
}, 60_000);

afterAll(async () => {
  await s.shutdown();
});

describe('Google ID-token verification', () => {
  const body = (): { sequences: { values: (number | null)[] }[] } => ({ sequences: [{ values: week(1) }] });

  it('accepts a valid RS256 token from an allowed caller', async () => {
    const r = await post(`${s.url}/v1/embed`, body(), { authorization: `Bearer ${await token({})}` });
    expect(r.status).toBe(200);
  });

  it('rejects a missing, forged, expired or wrong-audience token with 401, and another caller with 403', async () => {
    expect((await post(`${s.url}/v1/embed`, body())).status).toBe(401);
    expect(
      (await post(`${s.url}/v1/embed`, body(), { authorization: `Bearer ${await token({}, otherKey)}` }))
        .status,
    ).toBe(401);
    expect(
      (
        await post(`${s.url}/v1/embed`, body(), {
          authorization: `Bearer ${await token({}, privateKey, Math.floor(Date.now() / 1000) - 600)}`,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(`${s.url}/v1/embed`, body(), {
          authorization: `Bearer ${await token({ aud: 'https://elsewhere' })}`,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await post(`${s.url}/v1/embed`, body(), {
          authorization: `Bearer ${await token({ email: 'someone@example.com' })}`,
        })
      ).status,
    ).toBe(403);
  });

  it('puts /metrics behind the same check (its input statistics must not be public)', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${await token({})}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('inference_request_duration_seconds');
  });

  it('keeps health endpoints open for the platform probes', async () => {
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });
});
