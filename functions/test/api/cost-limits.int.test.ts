/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- JSON bodies are read as `any` by design: tests assert their shape */
/**
 * Finding 8 of the security review (functions/README-security.md), the API side, on the Auth and
 * Firestore emulators: POST /v1/health/analyze coalesces a user's requests for one window into one job,
 * with or without (or with changing) Idempotency-Keys. The LLM budget is in
 * test/llm/llm-budget.int.test.ts, the verified-email rule in test/pipeline/stages.int.test.ts and
 * App Check in app-check.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/emulators.ts';
import { call, startGateway, userWithRoles, type Gateway } from '../support/gateway.ts';

const project = 'demo-clarity-cost-limits';
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway(project);
});
afterAll(async () => {
  await gw?.close();
});

describe('finding 8: analysis jobs coalesce per user and window', () => {
  it('repeated requests for one window make one job; another window makes another', async () => {
    const u = await userWithRoles('coalesce');
    const week = { window: { start: '2026-11-01', end: '2026-11-07' } };
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      call(gw.base, 'POST', '/v1/health/analyze', { token: u.token, body, headers });
    const first = await post(week);
    expect(first.status).toBe(202);
    expect(first.body.data.created).toBe(true);
    const jobId = first.body.data.jobId as string;
    const repeats = await Promise.all([
      post(week),
      post(week),
      post(week, { 'idempotency-key': 'fresh-key-000001' }),
      post(week, { 'idempotency-key': 'fresh-key-000002' }),
    ]);
    for (const r of repeats) {
      expect(r.status).toBe(202);
      expect(r.body.data).toEqual({ jobId, status: 'queued', created: false });
    }
    const other = await post({ window: { start: '2026-11-08', end: '2026-11-14' } });
    expect(other.body.data.created).toBe(true);
    expect(other.body.data.jobId).not.toBe(jobId);
    const latest = [await post({}), await post({})];
    expect(latest[1]?.body.data).toMatchObject({ jobId: latest[0]?.body.data.jobId, created: false });
    expect((await adminDb(project).collection(`users/${u.uid}/jobs`).get()).size).toBe(3);
  });
});
